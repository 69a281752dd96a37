//! The aiohttp-style `/{name}` hello server on hyper 1.x (feature `hyper`): HTTP/1.1 with
//! keep-alive, or HTTP/2 (prior knowledge, `h2c`) with `--h2`, through
//! `evloop::compat::hyper`, one task per connection.
//!
//! ```text
//! cargo run --features hyper --example hyper_server -- 8080     # PORT [HOST] [--h2] [OPTIONS]
//! curl http://127.0.0.1:8080/Alice                              # Hello, Alice
//! cargo run --features hyper --example hyper_server -- 8080 --h2
//! curl --http2-prior-knowledge http://127.0.0.1:8080/Bob        # Hello, Bob
//! ```
//!
//! The first line of output is `listening on HOST:PORT`. `examples/hello_server.rs` is the
//! same server written by hand on evloop's streams; this one is what a user of the hyper
//! ecosystem writes.
//!
//! Limits (options of `support/server.rs`): a request head must arrive within
//! `--head-timeout` (10 s, hyper's `header_read_timeout`, also for the next request of a
//! kept-alive connection); a connection with no answer written for `--idle-timeout`
//! (15 s) is shut down, so neither a peer that stops reading its answers nor one that
//! trickles request bytes without finishing a request (also over HTTP/2, which has no head
//! timeout) can hold it;
//! `--max-connections` (1000) at once. hyper answers a malformed request with `400` and
//! closes that connection. Ctrl-C (or SIGTERM) stops accepting, lets requests under way
//! finish (hyper's graceful shutdown) and exits.

#[path = "support/server.rs"]
mod server;

use std::cell::Cell;
use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use evloop::Either;
use evloop::compat::hyper::{Executor, Io, Timer};
use evloop::net::TcpStream;
use hyper::body::Incoming;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::{Request, Response};
use server::{Connections, Limits, Options};

/// Port when none is given on the command line.
const DEFAULT_PORT: u16 = 8080;
/// On shutdown, how long requests under way have to finish.
const GRACE: Duration = Duration::from_secs(2);

/// `GET /{name}` → `Hello, {name}` (`Hello, Anonymous` for `/`).
async fn hello(request: Request<Incoming>) -> Result<Response<String>, Infallible> {
    let name = request.uri().path().trim_start_matches('/');
    let name = if name.is_empty() { "Anonymous" } else { name };
    Ok(Response::new(format!("Hello, {name}")))
}

/// An [`Io`] that notes when an answer was last written, for the idle watchdog.
struct Watched {
    io: Io<TcpStream>,
    last_activity: Rc<Cell<Instant>>,
}

impl Watched {
    fn touch<T>(&self, poll: &Poll<T>) {
        if poll.is_ready() {
            self.last_activity.set(Instant::now());
        }
    }
}

impl Read for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // Reads do not count as activity: a peer trickling bytes that never make a
        // request (slowloris, also over HTTP/2, which has no head timeout) is idle.
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.io).poll_write(cx, buf);
        self.touch(&poll);
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.touch(&poll);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Sleeps until `last_activity` is `idle` old.
async fn idle_for(last_activity: &Cell<Instant>, idle: Duration) {
    loop {
        let deadline = last_activity.get() + idle;
        if Instant::now() >= deadline {
            return;
        }
        evloop::sleep_until(deadline).await;
    }
}

/// Serves one connection with hyper until the peer is done, goes idle, or shutdown starts.
async fn serve(stream: TcpStream, limits: Limits, h2: bool, stopping: Rc<evloop::sync::Event>) {
    let last_activity = Rc::new(Cell::new(Instant::now()));
    let io = Watched {
        io: Io::new(stream),
        last_activity: last_activity.clone(),
    };
    let service = hyper::service::service_fn(hello);
    // Either protocol's connection, driven until done; on idle or shutdown, a graceful
    // shutdown lets the request under way finish (within GRACE).
    macro_rules! drive {
        ($connection:expr) => {{
            let mut connection = std::pin::pin!($connection);
            let stop = evloop::race(
                idle_for(&last_activity, limits.idle_timeout),
                stopping.wait(),
            );
            match evloop::select(connection.as_mut(), stop).await {
                Either::Left(result) => result,
                Either::Right(()) => {
                    connection.as_mut().graceful_shutdown();
                    evloop::wait_for(GRACE, connection).await.unwrap_or(Ok(()))
                }
            }
        }};
    }
    let result = if h2 {
        drive!(
            hyper::server::conn::http2::Builder::new(Executor)
                .timer(Timer)
                .serve_connection(io, service)
        )
    } else {
        drive!(
            hyper::server::conn::http1::Builder::new()
                .timer(Timer)
                .header_read_timeout(limits.head_timeout)
                .serve_connection(io, service)
        )
    };
    if let Err(err) = result {
        // Peers that vanish or send garbage are routine; hyper has answered what it could.
        if !err.is_incomplete_message() {
            eprintln!("connection: {err}");
        }
    }
}

async fn listen(options: Options, h2: bool) -> io::Result<()> {
    let limits = options.limits;
    let listener = evloop::net::TcpListener::bind((options.host.as_str(), options.port)).await?;
    let mut signals = server::stop_signals()?;
    println!("listening on {}", listener.local_addr()?);
    let connections = Connections::new(limits.max_connections);
    let stopping = connections.stopping();
    server::accept_until_stopped(&listener, &connections, &mut signals, |stream, _peer| {
        serve(stream, limits, h2, stopping.clone())
    })
    .await;
    drop(signals);
    drop(listener);
    println!("shutting down: {} connection(s)", connections.len());
    connections.shutdown(GRACE).await;
    Ok(())
}

fn main() {
    // `--h2` is ours; the rest are the shared server options.
    let h2 = std::env::args().any(|arg| arg == "--h2");
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| arg != "--h2")
        .collect();
    let options = Options::parse_args("hyper_server", &args, DEFAULT_PORT);
    let (host, port) = (options.host.clone(), options.port);
    if let Err(err) = evloop::run(listen(options, h2)) {
        eprintln!("hyper_server: cannot listen on {host}:{port}: {err}");
        std::process::exit(1);
    }
}
