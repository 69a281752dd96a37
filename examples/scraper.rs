//! A concurrent web scraper: fetches many URLs at once with a small HTTP/1.1 client over
//! `TcpStream`, at most `--concurrency` requests in flight (a `Semaphore`) and each one
//! bounded by `wait_for`, then prints a table and an ok / timed out / failed summary.
//!
//! ```text
//! cargo run --example scraper                    # against its own in-process server
//! cargo run --example scraper -- --concurrency 8 --timeout-ms 300 http://127.0.0.1:8080/Alice
//! ```
//!
//! Without URLs it starts a local server on port 0 that answers after `SERVER_DELAY`, except
//! on `/slow/...` where it never answers in time, and adds a URL on a closed port: the
//! summary then shows all three outcomes. Only plain `http://host:port/path` URLs are
//! understood (no TLS, redirects or chunked bodies).

use std::io;
use std::time::{Duration, Instant};

use evloop::net::{TcpListener, TcpStream};
use evloop::sync::Semaphore;

/// Requests in flight at once, unless `--concurrency` says otherwise.
const DEFAULT_CONCURRENCY: usize = 4;
/// Time allowed for one request (connect, send, whole response), unless `--timeout-ms`.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);
/// A response head larger than this is an error.
const MAX_HEAD: usize = 8 * 1024;
/// Headers per response that `httparse` has room for.
const MAX_HEADERS: usize = 32;
/// The in-process server's think time per request, so that concurrency shows.
const SERVER_DELAY: Duration = Duration::from_millis(100);
/// How long the in-process server sits on `/slow/...` requests: longer than any timeout.
const SLOW_DELAY: Duration = Duration::from_secs(3600);
/// Paths fetched from the in-process server.
const DEMO_PATHS: [&str; 12] = [
    "/", "/Alice", "/Bob", "/Carol", "/Dave", "/Eve", "/Mallory", "/Trent", "/Peggy", "/slow/1",
    "/slow/2", "/slow/3",
];

/// An `http://host[:port]/path` URL, split up.
struct Url {
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> io::Result<Url> {
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "expected http://host:port/path",
        )
    };
    let rest = url.strip_prefix("http://").ok_or_else(invalid)?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().map_err(|_| invalid())?),
        None => (authority, 80),
    };
    Ok(Url {
        host: host.to_string(),
        port,
        path: path.to_string(),
    })
}

/// Sends `GET` and returns the status code and body: the whole HTTP client.
async fn get(url: &str) -> io::Result<(u16, Vec<u8>)> {
    let url = parse_url(url)?;
    let stream = TcpStream::connect((url.host.as_str(), url.port)).await?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: evloop-scraper\r\nConnection: close\r\n\r\n",
        url.path, url.host, url.port
    );
    stream.write_all(request.as_bytes()).await?;

    let mut buf = Vec::new();
    let mut chunk = [0; 4096];
    // Read until the head parses, then until the body is complete.
    let (status, head_len, content_length) = loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf) {
            // The whole head: note what we need from it.
            Ok(httparse::Status::Complete(head_len)) => {
                let content_length = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok());
                break (response.code.unwrap_or_default(), head_len, content_length);
            }
            // Not all there yet: read more below.
            Ok(httparse::Status::Partial) => {}
            // The server did not speak HTTP/1.x.
            Err(err) => return Err(io::Error::new(io::ErrorKind::InvalidData, err)),
        }
        if buf.len() >= MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "response head too large",
            ));
        }
        match stream.read(&mut chunk).await? {
            // The server hung up in the middle of the head.
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            // More of the head (and maybe the body).
            n => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let mut body = buf.split_off(head_len);
    loop {
        match content_length {
            // `Content-Length` bytes are enough, even if the server keeps the connection.
            Some(len) if body.len() >= len => {
                body.truncate(len);
                return Ok((status, body));
            }
            // No length: the body ends when the server closes (we sent `Connection: close`).
            _ => match stream.read(&mut chunk).await? {
                // End of file: complete only if no length was promised.
                0 if content_length.is_none() => return Ok((status, body)),
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => body.extend_from_slice(&chunk[..n]),
            },
        }
    }
}

/// How one request ended.
enum Outcome {
    /// A 2xx response with this many body bytes.
    Ok(u16, usize),
    /// No complete response within the timeout.
    TimedOut,
    /// Connection refused, bad response, non-2xx status, ...
    Failed(String),
}

/// One row of the table.
struct Report {
    url: String,
    outcome: Outcome,
    elapsed: Duration,
}

/// Fetches `url` once a permit of `limit` is free, within `timeout`.
async fn fetch(url: String, limit: &Semaphore, timeout: Duration) -> Report {
    let _permit = limit.acquire().await; // released when this function returns
    let start = Instant::now(); // the request's own time, not its wait for a permit
    let outcome = match evloop::wait_for(timeout, get(&url)).await {
        // A successful status.
        Ok(Ok((status @ 200..=299, body))) => Outcome::Ok(status, body.len()),
        // The server answered, with an error status.
        Ok(Ok((status, _))) => Outcome::Failed(format!("HTTP {status}")),
        // Connecting or reading failed.
        Ok(Err(err)) => Outcome::Failed(err.to_string()),
        // `wait_for` dropped the request: its socket is closed.
        Err(_timeout) => Outcome::TimedOut,
    };
    Report {
        url,
        outcome,
        elapsed: start.elapsed(),
    }
}

/// The in-process demo server: `Hello, {name}` after `SERVER_DELAY`, `/slow/...` never.
async fn demo_server() -> io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    evloop::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            evloop::spawn(async move {
                // Read the request head (small, so one buffer is enough).
                let mut buf = vec![0; MAX_HEAD];
                let mut len = 0;
                while !buf[..len].ends_with(b"\r\n\r\n") && len < buf.len() {
                    match stream.read(&mut buf[len..]).await {
                        Ok(0) | Err(_) => return, // the client went away
                        Ok(n) => len += n,
                    }
                }
                let head = String::from_utf8_lossy(&buf[..len]);
                let path = head.split(' ').nth(1).unwrap_or("/");
                let delay = if path.starts_with("/slow/") {
                    SLOW_DELAY
                } else {
                    SERVER_DELAY
                };
                evloop::sleep(delay).await;
                let name = match path.trim_start_matches('/') {
                    "" => "Anonymous", // `GET /`
                    name => name,
                };
                let body = format!("Hello, {name}");
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    Ok(base)
}

/// A URL on a port where nothing listens: the request fails with "connection refused".
fn closed_port_url() -> io::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    drop(listener); // the port is free again, and closed
    Ok(format!("http://{addr}/"))
}

/// Command-line settings.
struct Args {
    concurrency: usize,
    timeout: Duration,
    urls: Vec<String>,
}

fn parse_args() -> Args {
    const USAGE: &str = "usage: scraper [--concurrency N] [--timeout-ms MS] [URL...]";
    let mut args = Args {
        concurrency: DEFAULT_CONCURRENCY,
        timeout: DEFAULT_TIMEOUT,
        urls: Vec::new(),
    };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        let mut value = || {
            argv.next()
                .and_then(|v| v.parse::<u64>().ok())
                .expect(USAGE)
        };
        match arg.as_str() {
            "--concurrency" => args.concurrency = value() as usize,
            "--timeout-ms" => args.timeout = Duration::from_millis(value()),
            _ if arg.starts_with("--") => panic!("{USAGE}"),
            _ => args.urls.push(arg),
        }
    }
    args
}

async fn scrape(args: Args) -> io::Result<()> {
    let mut urls = args.urls;
    if urls.is_empty() {
        let base = demo_server().await?;
        urls.extend(DEMO_PATHS.iter().map(|path| format!("{base}{path}")));
        urls.push(closed_port_url()?);
    }
    let limit = Semaphore::new(args.concurrency);
    println!(
        "fetching {} URLs, {} at a time, timeout {:?}",
        urls.len(),
        args.concurrency,
        args.timeout
    );

    let start = Instant::now();
    let fetches = urls.into_iter().map(|url| fetch(url, &limit, args.timeout));
    let reports = evloop::gather(fetches).await; // all at once, in input order
    let wall = start.elapsed();

    println!("{:<10} {:>10}  URL", "RESULT", "TIME");
    let (mut ok, mut timed_out, mut failed) = (0, 0, 0);
    for report in &reports {
        let (result, note) = match &report.outcome {
            Outcome::Ok(status, bytes) => {
                ok += 1;
                (status.to_string(), format!("{bytes} bytes"))
            }
            Outcome::TimedOut => {
                timed_out += 1;
                ("timed out".to_string(), String::new())
            }
            Outcome::Failed(why) => {
                failed += 1;
                ("failed".to_string(), why.clone())
            }
        };
        let ms = report.elapsed.as_secs_f64() * 1000.0;
        let row = format!("{result:<10} {ms:>7.1} ms  {}  {note}", report.url);
        println!("{}", row.trim_end());
    }
    let sum: Duration = reports.iter().map(|r| r.elapsed).sum();
    println!();
    println!("ok         {ok:>4}");
    println!("timed out  {timed_out:>4}");
    println!("failed     {failed:>4}");
    println!("wall time             {:>8.3} s", wall.as_secs_f64());
    println!("sum of request times  {:>8.3} s", sum.as_secs_f64());
    Ok(())
}

fn main() {
    if let Err(err) = evloop::run(scrape(parse_args())) {
        eprintln!("scraper: {err}");
        std::process::exit(1);
    }
}
