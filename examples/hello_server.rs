//! aiohttp's "Hello, world" server on evloop: `GET /` answers `Hello, Anonymous` and
//! `GET /{name}` answers `Hello, {name}`, over HTTP/1.1 with keep-alive. One task per
//! connection; requests are parsed with `httparse`.
//!
//! ```text
//! cargo run --example hello_server -- 8080      # PORT (0: any free port) [HOST] [OPTIONS]
//! curl http://127.0.0.1:8080/Alice               # Hello, Alice
//! ```
//!
//! The first line of output is `listening on http://HOST:PORT`.
//!
//! It is built to face the internet, where clients can be slow, silent or hostile (see
//! `support/server.rs`); each limit is an option:
//!
//! * `--head-timeout SECS` (10): a request head must arrive *in total* within this time,
//!   counted from its first byte (from the accept for the first request), so a client that
//!   trickles a byte now and then is closed too (with `408 Request Timeout`);
//! * `--write-timeout SECS` (10): a client that does not read its answers is closed;
//! * `--idle-timeout SECS` (15): a keep-alive connection with no request for this long is
//!   closed;
//! * `--max-connections N` (1000): connections served at once; further clients wait in
//!   the kernel's accept queue until a slot frees up.
//!
//! `--threads N` runs N event loops, one per thread (`evloop::run_per_core`), each with its
//! own listener on the same port (`SO_REUSEPORT`): the kernel spreads the connections over
//! them and the loops share nothing. The `Server` header names the loop that answered.
//!
//! Malformed input gets a `400` (or `431` for a head over 8 KiB) and a *lingering* close:
//! the server stops writing, then reads and discards what the client still sends for a
//! moment before closing, so that the client receives the answer instead of a reset.
//! Each connection task frees its slot and buffer the moment it ends. `accept` errors (out
//! of file descriptors) are logged at most once a second.
//!
//! Ctrl-C (or `kill <pid>`, SIGTERM) shuts it down gracefully: it stops accepting, prints
//! `shutting down`, closes idle keep-alive connections, lets requests under way be
//! answered (with `Connection: close`) for at most `GRACE`, closes what is left, and exits
//! with status 0. A second Ctrl-C during that time kills it at once (unless SIGINT was ignored
//! when it started, as for a background job or under `nohup`).
//!
//! Kept small on purpose: names are not percent-decoded (`/J%C3%BCrgen` greets
//! `J%C3%BCrgen`), and request bodies are not read (a request with one is answered, then
//! the connection is closed, lingering).

#[path = "support/server.rs"]
mod server;

use std::future::pending;
use std::io;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use evloop::Either;
use evloop::net::{ListenOptions, TcpListener, TcpStream};
use evloop::sync::Event;
use server::{Connections, Limits, Options, linger_close, write_within};

/// Port when none is given on the command line.
const DEFAULT_PORT: u16 = 8080;
/// A request head (request line and headers) larger than this is refused.
const MAX_HEAD: usize = 8 * 1024;
/// Headers per request that `httparse` has room for.
const MAX_HEADERS: usize = 32;
/// On shutdown, how long requests under way may take before their connections are closed.
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
    // Empty lines only: `httparse` skips empty lines before a request line (as it should,
    // for one stray CRLF), so a bare blank line pair would wait forever; it is no request.
    if buf.len() >= 4 && buf.iter().all(|&b| b == b'\r' || b == b'\n') {
        return Parsed::Invalid;
    }
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
    // A body we do not read: whatever `Connection` says (before or after), answer and then
    // close, rather than misread the body as the next request (request smuggling).
    let mut has_body = false;
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
            has_body = true;
        }
    }
    keep_alive &= !has_body;
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

/// Writes one plain-text response, within the write timeout.
async fn respond(
    stream: &TcpStream,
    loop_index: usize,
    limits: &Limits,
    status: &str,
    body: &str,
    keep_alive: bool,
) -> io::Result<()> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let response = format!(
        "HTTP/1.1 {status}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: {connection}\r\n\
         Server: evloop-hello (loop {loop_index})\r\n\
         \r\n\
         {body}",
        body.len()
    );
    write_within(stream, response.as_bytes(), limits.write_timeout).await
}

/// Answers with an error status, then closes without losing the answer.
async fn refuse(
    stream: &TcpStream,
    loop_index: usize,
    limits: &Limits,
    status: &str,
) -> io::Result<()> {
    let reason = status.split_once(' ').map_or(status, |(_, reason)| reason);
    respond(stream, loop_index, limits, status, reason, false).await?;
    linger_close(stream).await;
    Ok(())
}

/// What ended a wait for more request bytes, other than bytes.
enum Waited {
    /// Bytes (or `0`: the client closed), or a read error.
    Read(io::Result<usize>),
    /// The request head did not arrive in time.
    HeadTimeout,
    /// No request came for the idle timeout, or the server is stopping and this
    /// connection is between requests: close it quietly.
    Idle,
}

/// Reads more of a request into `chunk`. Between requests (`head_deadline` is `None`) it
/// waits up to the idle timeout, and gives up when the server is `stopping`; within a
/// request it waits until `head_deadline`, which more bytes do not push back.
async fn read_more(
    stream: &TcpStream,
    chunk: &mut [u8],
    head_deadline: Option<Instant>,
    limits: &Limits,
    stopping: &Event,
) -> Waited {
    let deadline = head_deadline.unwrap_or_else(|| Instant::now() + limits.idle_timeout);
    let read = evloop::wait_until(deadline, stream.read(chunk));
    let stop = async {
        if head_deadline.is_none() {
            stopping.wait().await;
        } else {
            pending::<()>().await; // a request under way is read to its end
        }
    };
    match evloop::select(read, stop).await {
        // Bytes, end of file (0), or an error such as a reset by the client.
        Either::Left(Ok(result)) => Waited::Read(result),
        // Out of time: within a request, its head is late; between requests, idle.
        Either::Left(Err(_elapsed)) if head_deadline.is_some() => Waited::HeadTimeout,
        Either::Left(Err(_elapsed)) => Waited::Idle,
        // Shutting down, and this connection is idle.
        Either::Right(()) => Waited::Idle,
    }
}

/// Serves one connection: request after request until the client closes, asks to close,
/// sends something malformed, is too slow, stays idle, or the server is `stopping`.
async fn serve(
    stream: TcpStream,
    loop_index: usize,
    limits: Limits,
    stopping: &Event,
) -> io::Result<()> {
    // Bytes received but not handled yet: at most one partial head, or pipelined requests.
    let mut buf = Vec::with_capacity(MAX_HEAD);
    let mut chunk = [0; 4096];
    // The first request's head must arrive within the head timeout of the accept.
    let mut head_deadline = Some(Instant::now() + limits.head_timeout);
    loop {
        let request = match parse(&buf) {
            // A request is ready: handle it below.
            Parsed::Complete(request) => request,
            // Garbage: say so and hang up, since we cannot find the next request in it.
            Parsed::Invalid => {
                return refuse(&stream, loop_index, &limits, "400 Bad Request").await;
            }
            // The head is too large to be a reasonable request.
            Parsed::Partial if buf.len() >= MAX_HEAD => {
                return refuse(
                    &stream,
                    loop_index,
                    &limits,
                    "431 Request Header Fields Too Large",
                )
                .await;
            }
            // Need more bytes: wait for them, but not forever.
            Parsed::Partial => {
                let room = chunk.len().min(MAX_HEAD - buf.len());
                let chunk = &mut chunk[..room];
                match read_more(&stream, chunk, head_deadline, &limits, stopping).await {
                    // The client closed (or reset) the connection: so do we.
                    Waited::Read(Ok(0)) | Waited::Read(Err(_)) => return Ok(()),
                    // More of a request; the first byte of one starts its head deadline.
                    Waited::Read(Ok(n)) => {
                        buf.extend_from_slice(&chunk[..n]);
                        head_deadline.get_or_insert(Instant::now() + limits.head_timeout);
                    }
                    // Too slow: say so (the client may be reading) and close.
                    Waited::HeadTimeout => {
                        let _ = respond(
                            &stream,
                            loop_index,
                            &limits,
                            "408 Request Timeout",
                            "",
                            false,
                        )
                        .await;
                        return Ok(());
                    }
                    // Idle between requests, or stopping: close quietly.
                    Waited::Idle => return Ok(()),
                }
                continue;
            }
        };
        buf.drain(..request.head_len);
        let (status, body) = route(&request.method, &request.path);
        // While shutting down, the answer is the connection's last.
        let keep_alive = request.keep_alive && !stopping.is_set();
        respond(&stream, loop_index, &limits, status, &body, keep_alive).await?;
        if !keep_alive {
            // The client may still be sending (a body we do not read, more requests).
            linger_close(&stream).await;
            return Ok(());
        }
        // A pipelined request already under way has its head deadline from now.
        head_deadline = (!buf.is_empty()).then(|| Instant::now() + limits.head_timeout);
    }
}

/// The port the first loop bound, for the others (`--threads`, port 0).
static BOUND_PORT: OnceLock<u16> = OnceLock::new();

/// Binds this loop's listener: with one loop, a plain listener; with several, one per loop
/// on the same port (`SO_REUSEPORT`). For port 0 the first loop picks the port and the
/// others bind the one it got.
async fn bind(options: &Options, loop_index: usize) -> io::Result<TcpListener> {
    let host = options.host.as_str();
    if options.threads == 1 {
        return TcpListener::bind((host, options.port)).await;
    }
    let reuse = ListenOptions::new().reuse_port(true);
    if loop_index == 0 || options.port != 0 {
        let listener = TcpListener::bind_with((host, options.port), reuse).await?;
        let _ = BOUND_PORT.set(listener.local_addr()?.port());
        return Ok(listener);
    }
    // Wait (briefly) for the first loop's port.
    for _ in 0..5_000 {
        if let Some(&port) = BOUND_PORT.get() {
            return TcpListener::bind_with((host, port), reuse).await;
        }
        evloop::sleep(Duration::from_millis(1)).await;
    }
    Err(io::Error::other("the first loop did not bind in time"))
}

/// Accepts connections, one task each, until Ctrl-C or SIGTERM; then shuts down
/// gracefully. Runs once per loop (`--threads`). Returns an error only if binding fails.
async fn listen(options: Options, loop_index: usize) -> io::Result<()> {
    let limits = options.limits;
    let listener = bind(&options, loop_index).await?;
    // Listen for the signals before announcing the server: from here on, Ctrl-C and
    // `kill` start a graceful shutdown instead of killing the process.
    let mut signals = server::stop_signals()?;
    if loop_index == 0 {
        println!("listening on http://{}", listener.local_addr()?);
    }

    let connections = Connections::new(limits.max_connections);
    let stopping = connections.stopping();
    // Until Ctrl-C or SIGTERM: each client in its own task (at most `max_connections`).
    server::accept_until_stopped(&listener, &connections, &mut signals, |stream, peer| {
        let stopping = stopping.clone();
        async move {
            if let Err(err) = serve(stream, loop_index, limits, &stopping).await {
                eprintln!("{peer}: {err}");
            }
        }
    })
    .await;

    // Stop listening for the signals: the default action is back, so a second Ctrl-C
    // kills the process at once, as users impatient with a slow shutdown expect.
    drop(signals);
    // Stop accepting: from now on, new clients are refused.
    drop(listener);
    println!(
        "shutting down: waiting up to {GRACE:?} for {} open connection(s)",
        connections.len()
    );
    // Idle connections close now; busy ones after their current response.
    match connections.shutdown(GRACE).await {
        0 => println!("all connections closed"),
        left => println!("grace period over: closed {left} connection(s)"),
    }
    Ok(())
}

fn main() {
    let options = Options::from_args("hello_server", DEFAULT_PORT);
    let (host, port) = (options.host.clone(), options.port);
    let served = if options.threads == 1 {
        evloop::run(listen(options, 0))
    } else {
        // One loop per thread; every loop hears Ctrl-C and SIGTERM itself (each has its own
        // listeners), so each shuts down gracefully on its own.
        evloop::LoopPool::new(options.threads)
            .run(move |ctx| listen(options.clone(), ctx.index()))
            .map(drop)
            .map_err(|err| io::Error::other(err.to_string()))
    };
    if let Err(err) = served {
        eprintln!("hello_server: cannot listen on {host}:{port}: {err}");
        std::process::exit(1);
    }
}
