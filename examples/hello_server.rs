//! aiohttp's "Hello, world" server on evloop: `GET /` answers `Hello, Anonymous` and
//! `GET /{name}` answers `Hello, {name}`, over HTTP/1.1 with keep-alive. One task per
//! connection; requests are parsed with `httparse`.
//!
//! ```text
//! cargo run --example hello_server -- 8080      # PORT (0: any free port) [HOST]
//! curl http://127.0.0.1:8080/Alice               # Hello, Alice
//! ```
//!
//! The first line of output is `listening on http://HOST:PORT`.
//!
//! Ctrl-C (or `kill <pid>`, SIGTERM) shuts it down gracefully: it stops accepting, prints
//! `shutting down`, closes idle keep-alive connections, lets requests under way be
//! answered (with `Connection: close`) for at most `GRACE`, aborts what is left, and exits
//! with status 0. A second Ctrl-C during that time kills it at once (unless SIGINT was ignored
//! when it started, as for a background job or under `nohup`).
//!
//! Kept small on purpose: names are not percent-decoded (`/J%C3%BCrgen` greets
//! `J%C3%BCrgen`), and request bodies are not read (a request with one is answered, then
//! the connection is closed).

use std::future::{pending, poll_fn};
use std::io;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream};
use evloop::signal::{SignalKind, signal};
use evloop::sync::Event;
use evloop::{Either, JoinSet};

/// Port when none is given on the command line.
const DEFAULT_PORT: u16 = 8080;
/// Host when none is given: loopback only.
const DEFAULT_HOST: &str = "127.0.0.1";
/// A request head (request line and headers) larger than this is refused.
const MAX_HEAD: usize = 8 * 1024;
/// Headers per request that `httparse` has room for.
const MAX_HEADERS: usize = 32;
/// A keep-alive connection idle for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(15);
/// Pause after a failed `accept` (such as `EMFILE`) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
/// On shutdown, how long requests under way may take before their connections are aborted.
const GRACE: Duration = Duration::from_secs(2);

/// What the server needs from one parsed request head.
struct Request {
    method: String,
    path: String,
    /// Whether the connection stays open after the response.
    keep_alive: bool,
    /// Bytes of the buffer that the head took up.
    head_len: usize,
}

/// Outcome of parsing the bytes received so far.
enum Parsed {
    Complete(Request),
    Partial,
    Invalid,
}

/// Parses one request head at the start of `buf`.
fn parse(buf: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(buf) {
        // A whole head: `n` bytes; what follows belongs to the next (pipelined) request.
        Ok(httparse::Status::Complete(n)) => n,
        // Valid so far, but the head has not fully arrived.
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        // Not HTTP, or more headers than MAX_HEADERS.
        Err(_) => return Parsed::Invalid,
    };
    // HTTP/1.1 keeps the connection by default, HTTP/1.0 closes it by default.
    let mut keep_alive = req.version == Some(1);
    for header in req.headers.iter() {
        let value = String::from_utf8_lossy(header.value).to_ascii_lowercase();
        if header.name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                match token {
                    // The client asks to close after this response.
                    "close" => keep_alive = false,
                    // An HTTP/1.0 client asks to keep the connection.
                    "keep-alive" => keep_alive = true,
                    // Other tokens (such as `upgrade`) do not matter here.
                    _ => {}
                }
            }
        } else if (header.name.eq_ignore_ascii_case("content-length") && value.trim() != "0")
            || header.name.eq_ignore_ascii_case("transfer-encoding")
        {
            // A body we do not read: answer, then close rather than misread it as a request.
            keep_alive = false;
        }
    }
    Parsed::Complete(Request {
        method: req.method.unwrap_or_default().to_string(),
        path: req.path.unwrap_or_default().to_string(),
        keep_alive,
        head_len,
    })
}

/// Picks the status line and body for a request: the application itself.
fn route(method: &str, path: &str) -> (&'static str, String) {
    // The query string takes no part in routing.
    let path = path.split('?').next().unwrap_or_default();
    match (method, path.strip_prefix('/')) {
        // `GET /`: nobody in particular.
        ("GET", Some("")) => ("200 OK", "Hello, Anonymous".to_string()),
        // `GET /{name}`: one path segment, used as is (no percent-decoding).
        ("GET", Some(name)) if !name.contains('/') => ("200 OK", format!("Hello, {name}")),
        // Any other path, such as `/a/b`.
        ("GET", _) => ("404 Not Found", "Not Found".to_string()),
        // POST, PUT, ...: this server only reads.
        _ => ("405 Method Not Allowed", "Method Not Allowed".to_string()),
    }
}

/// Writes one plain-text response.
async fn respond(stream: &TcpStream, status: &str, body: &str, keep_alive: bool) -> io::Result<()> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let response = format!(
        "HTTP/1.1 {status}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: {connection}\r\n\
         \r\n\
         {body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await
}

/// Reads more of a request into `chunk`. `Ok(0)` means "close the connection": the client
/// closed it, stayed idle for `IDLE_TIMEOUT`, or, if no request is under way
/// (`between_requests`), the server is `stopping`.
async fn read_more(
    stream: &TcpStream,
    chunk: &mut [u8],
    between_requests: bool,
    stopping: &Event,
) -> io::Result<usize> {
    let read = evloop::wait_for(IDLE_TIMEOUT, stream.read(chunk));
    let stop = async {
        if between_requests {
            stopping.wait().await;
        } else {
            pending::<()>().await; // a request under way is read to its end
        }
    };
    match evloop::select(read, stop).await {
        // Bytes, end of file (0), or an error such as a reset by the client.
        Either::Left(Ok(result)) => result,
        // Idle too long.
        Either::Left(Err(_timeout)) => Ok(0),
        // Shutting down, and this connection is idle.
        Either::Right(()) => Ok(0),
    }
}

/// Serves one connection: request after request until the client closes, asks to close,
/// sends something malformed, stays idle for `IDLE_TIMEOUT`, or the server is `stopping`.
async fn serve(stream: TcpStream, stopping: &Event) -> io::Result<()> {
    // Bytes received but not handled yet: at most one partial head, or pipelined requests.
    let mut buf = Vec::with_capacity(MAX_HEAD);
    let mut chunk = [0; 4096];
    loop {
        let request = match parse(&buf) {
            // A request is ready: handle it below.
            Parsed::Complete(request) => request,
            // Garbage: say so and hang up, since we cannot find the next request in it.
            Parsed::Invalid => {
                return respond(&stream, "400 Bad Request", "Bad Request", false).await;
            }
            // The head is too large to be a reasonable request.
            Parsed::Partial if buf.len() >= MAX_HEAD => {
                let status = "431 Request Header Fields Too Large";
                return respond(&stream, status, "Request Header Fields Too Large", false).await;
            }
            // Need more bytes: wait for them, but not forever.
            Parsed::Partial => {
                let room = chunk.len().min(MAX_HEAD - buf.len());
                let chunk = &mut chunk[..room];
                match read_more(&stream, chunk, buf.is_empty(), stopping).await? {
                    // Close it (dropping the stream closes the socket).
                    0 => return Ok(()),
                    // More of the request.
                    n => buf.extend_from_slice(&chunk[..n]),
                }
                continue;
            }
        };
        buf.drain(..request.head_len);
        let (status, body) = route(&request.method, &request.path);
        // While shutting down, the answer is the connection's last.
        let keep_alive = request.keep_alive && !stopping.is_set();
        respond(&stream, status, &body, keep_alive).await?;
        if !keep_alive {
            return Ok(());
        }
    }
}

/// Forgets the connections that have finished, so that the set holds only live ones (a
/// `JoinSet` keeps each result until asked for it).
async fn forget_finished(connections: &mut JoinSet<()>) {
    poll_fn(|cx| {
        while let Poll::Ready(Some(_)) = connections.poll_join_next(cx) {}
        Poll::Ready(())
    })
    .await
}

/// Accepts connections, one task each, until Ctrl-C or SIGTERM; then shuts down
/// gracefully. Returns an error only if binding fails.
async fn listen(host: &str, port: u16) -> io::Result<()> {
    let listener = TcpListener::bind((host, port)).await?;
    // Listen for the signals before announcing the server: from here on, Ctrl-C and
    // `kill` start a graceful shutdown instead of killing the process.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    println!("listening on http://{}", listener.local_addr()?);

    // Set when shutting down; every connection watches it.
    let stopping = Rc::new(Event::new());
    let mut connections = JoinSet::new();
    loop {
        let shutdown = evloop::race(interrupt.recv(), terminate.recv());
        match evloop::select(shutdown, listener.accept()).await {
            // Ctrl-C or SIGTERM: leave the loop (`recv` loses nothing when dropped).
            Either::Left(_) => break,
            // A client: serve it in its own task so that others are not kept waiting.
            Either::Right(Ok((stream, peer))) => {
                forget_finished(&mut connections).await;
                let stopping = stopping.clone();
                connections.spawn(async move {
                    if let Err(err) = serve(stream, &stopping).await {
                        eprintln!("{peer}: {err}");
                    }
                });
            }
            // Out of file descriptors (EMFILE) or similar: log, back off, try again.
            // Retrying at once would spin, since the pending connection is still queued.
            Either::Right(Err(err)) => {
                eprintln!("accept failed: {err}");
                evloop::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }

    // Stop listening for the signals: the default action is back, so a second Ctrl-C
    // kills the process at once, as users impatient with a slow shutdown expect.
    drop((interrupt, terminate));
    // Stop accepting: from now on, new clients are refused.
    drop(listener);
    // Idle connections close now; busy ones after their current response.
    stopping.set();
    forget_finished(&mut connections).await;
    println!(
        "shutting down: waiting up to {GRACE:?} for {} open connection(s)",
        connections.len()
    );
    let drained = evloop::wait_for(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    match drained {
        Ok(()) => println!("all connections closed"),
        Err(_timeout) => {
            println!(
                "grace period over: aborting {} connection(s)",
                connections.len()
            );
            connections.shutdown().await;
        }
    }
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = match args.next() {
        Some(port) => port.parse().expect("usage: hello_server [PORT] [HOST]"),
        None => DEFAULT_PORT,
    };
    let host = args.next().unwrap_or_else(|| DEFAULT_HOST.to_string());
    if let Err(err) = evloop::run(listen(&host, port)) {
        eprintln!("hello_server: cannot listen on {host}:{port}: {err}");
        std::process::exit(1);
    }
}
