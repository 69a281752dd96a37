//! aiohttp's "Hello, world" server on evloop: `GET /` answers `Hello, Anonymous` and
//! `GET /{name}` answers `Hello, {name}`, over HTTP/1.1 with keep-alive. One task per
//! connection; requests are parsed with `httparse`.
//!
//! ```text
//! cargo run --example hello_server -- 8080      # PORT (0: any free port) [HOST]
//! curl http://127.0.0.1:8080/Alice               # Hello, Alice
//! ```
//!
//! The first line of output is `listening on http://HOST:PORT`. Kept small on purpose:
//! names are not percent-decoded (`/J%C3%BCrgen` greets `J%C3%BCrgen`), request bodies are
//! not read (a request with one is answered, then the connection is closed), and there is
//! no graceful shutdown on Ctrl-C (evloop has no signal API yet; Ctrl-C kills the process).

use std::io;
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream};

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

/// Serves one connection: request after request until the client closes, asks to close,
/// sends something malformed, or stays idle for `IDLE_TIMEOUT`.
async fn serve(stream: TcpStream) -> io::Result<()> {
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
                match evloop::wait_for(IDLE_TIMEOUT, stream.read(&mut chunk[..room])).await {
                    // The client closed the connection.
                    Ok(Ok(0)) => return Ok(()),
                    // More of the request.
                    Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
                    // The connection failed (for instance reset by the client).
                    Ok(Err(err)) => return Err(err),
                    // Idle too long: close it (dropping the stream closes the socket).
                    Err(_timeout) => return Ok(()),
                }
                continue;
            }
        };
        buf.drain(..request.head_len);
        let (status, body) = route(&request.method, &request.path);
        respond(&stream, status, &body, request.keep_alive).await?;
        if !request.keep_alive {
            return Ok(());
        }
    }
}

/// Accepts connections forever, one task each; returns only if binding fails.
async fn listen(host: &str, port: u16) -> io::Result<()> {
    let listener = TcpListener::bind((host, port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        match listener.accept().await {
            // A client: serve it in its own task so that others are not kept waiting.
            Ok((stream, peer)) => {
                evloop::spawn(async move {
                    if let Err(err) = serve(stream).await {
                        eprintln!("{peer}: {err}");
                    }
                });
            }
            // Out of file descriptors (EMFILE) or similar: log, back off, try again.
            // Retrying at once would spin, since the pending connection is still queued.
            Err(err) => {
                eprintln!("accept failed: {err}");
                evloop::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
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
