//! Scraping many URLs concurrently with hyper's HTTP/1.1 client on evloop (feature
//! `hyper`): at most `--concurrency` requests in flight (a `Semaphore`), each bounded by
//! `wait_for`, over kept-alive connections reused per host.
//!
//! ```text
//! cargo run --features hyper --example hyper_server -- 8080 &
//! cargo run --features hyper --example hyper_scraper -- --concurrency 4 \
//!     http://127.0.0.1:8080/Alice http://127.0.0.1:8080/Bob http://127.0.0.1:8080/Carol
//! ```
//!
//! Prints one row per URL (`status  time  url  bytes`, in the order they finish), then a
//! summary: `ok`, `timed out`, `failed` and `connections` (connections opened: fewer than
//! requests when keep-alive works). `examples/scraper.rs` is the same with a hand-written
//! client, to learn from; this is the one to scrape real sites with (plain `http://` only:
//! TLS needs a TLS crate, e.g. `futures-rustls` around the `TcpStream`).
//!
//! Limits: `--timeout-ms` (5,000) per request, connection included; a body over
//! `MAX_BODY` is an error; idle connections are kept at most `MAX_IDLE_PER_HOST` per host.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use evloop::compat::hyper::Io;
use evloop::net::TcpStream;
use evloop::sync::Semaphore;
use hyper::body::{Body, Incoming};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Uri};

/// The largest body read; a larger one fails its request.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// Idle connections kept per host for reuse.
const MAX_IDLE_PER_HOST: usize = 8;

/// Kept-alive connections, per `host:port`, ready for their next request.
#[derive(Default)]
struct Pool {
    idle: RefCell<HashMap<String, Vec<SendRequest<String>>>>,
    opened: Cell<usize>,
}

impl Pool {
    /// An idle connection to `authority`, or a new one.
    async fn connection(&self, authority: &str) -> io::Result<SendRequest<String>> {
        loop {
            let idle = self.idle.borrow_mut().get_mut(authority).and_then(Vec::pop);
            let Some(mut sender) = idle else { break };
            // Ready for its next request once its connection task has caught up (the
            // caller's `wait_for` bounds this); a connection the peer closed is dropped.
            if sender.ready().await.is_ok() {
                return Ok(sender);
            }
        }
        let stream = TcpStream::connect(authority).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(Io::new(stream))
            .await
            .map_err(io::Error::other)?;
        // The connection's own task: it ends when the last sender is dropped or the peer
        // closes.
        drop(evloop::spawn(async move {
            let _ = connection.await;
        }));
        self.opened.set(self.opened.get() + 1);
        Ok(sender)
    }

    /// Gives a connection back for reuse (if it is still usable and there is room).
    fn put_back(&self, authority: &str, sender: SendRequest<String>) {
        let mut idle = self.idle.borrow_mut();
        let list = idle.entry(authority.to_string()).or_default();
        if !sender.is_closed() && list.len() < MAX_IDLE_PER_HOST {
            list.push(sender);
        }
    }
}

/// Reads `body` to its end, failing past `MAX_BODY` bytes.
async fn read_body(mut body: Incoming) -> io::Result<usize> {
    let mut total = 0;
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        if let Ok(data) = frame.map_err(io::Error::other)?.into_data() {
            total += data.len();
            if total > MAX_BODY {
                return Err(io::Error::other(format!("body over {MAX_BODY} bytes")));
            }
        }
    }
    Ok(total)
}

/// Fetches `url` with a GET; returns the status and the body's length.
async fn fetch(pool: &Pool, url: &str) -> io::Result<(u16, usize)> {
    let uri: Uri = url
        .parse()
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidInput, format!("{url}: {err}")))?;
    if uri.scheme_str() != Some("http") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{url}: only http:// URLs"),
        ));
    }
    let host = uri.host().unwrap_or_default().to_string();
    let authority = format!("{host}:{}", uri.port_u16().unwrap_or(80));
    let mut sender = pool.connection(&authority).await?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = Request::get(path)
        .header("host", &host)
        .header("user-agent", "evloop-hyper-scraper")
        .body(String::new())
        .map_err(io::Error::other)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(io::Error::other)?;
    let status = response.status().as_u16();
    let bytes = read_body(response.into_body()).await?;
    pool.put_back(&authority, sender);
    Ok((status, bytes))
}

/// The command line: `[--concurrency N] [--timeout-ms MS] URL...`.
fn parse_args() -> Result<(usize, Duration, Vec<String>), String> {
    let (mut concurrency, mut timeout, mut urls) = (8, Duration::from_secs(5), Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = || -> Result<u64, String> {
            args.next()
                .and_then(|value| value.parse().ok())
                .filter(|&n| n > 0)
                .ok_or(format!("{arg} takes a number above 0"))
        };
        match arg.as_str() {
            "--concurrency" => concurrency = number()? as usize,
            "--timeout-ms" => timeout = Duration::from_millis(number()?),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            url => urls.push(url.to_string()),
        }
    }
    if urls.is_empty() {
        return Err("no URLs given".into());
    }
    Ok((concurrency, timeout, urls))
}

fn main() {
    let (concurrency, timeout, urls) = parse_args().unwrap_or_else(|err| {
        eprintln!(
            "hyper_scraper: {err}\nusage: hyper_scraper [--concurrency N] [--timeout-ms MS] URL..."
        );
        std::process::exit(2);
    });
    let (ok, timed_out, failed, opened) = evloop::run(async move {
        let pool = Rc::new(Pool::default());
        let limit = Rc::new(Semaphore::new(concurrency));
        let fetches = urls.into_iter().map(|url| {
            let (pool, limit) = (pool.clone(), limit.clone());
            async move {
                let _permit = limit.acquire().await;
                let started = Instant::now();
                let outcome = evloop::wait_for(timeout, fetch(&pool, &url)).await;
                let ms = started.elapsed().as_millis();
                match outcome {
                    Ok(Ok((status, bytes))) => {
                        println!("{status}  {ms:>5} ms  {url}  {bytes} bytes");
                        (1, 0, 0)
                    }
                    Ok(Err(err)) => {
                        println!("ERR  {ms:>5} ms  {url}  {err}");
                        (0, 0, 1)
                    }
                    Err(_) => {
                        println!("---  {ms:>5} ms  {url}  timed out");
                        (0, 1, 0)
                    }
                }
            }
        });
        let outcomes = evloop::gather(fetches).await;
        let sum = outcomes
            .iter()
            .fold((0, 0, 0), |(a, b, c), (x, y, z)| (a + x, b + y, c + z));
        (sum.0, sum.1, sum.2, pool.opened.get())
    });
    println!("ok          {ok}");
    println!("timed out   {timed_out}");
    println!("failed      {failed}");
    println!("connections {opened}");
}
