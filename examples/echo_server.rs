//! asyncio's TCP echo server on evloop: every byte a client sends comes back to it (so a
//! line comes back as a line), one task per connection.
//!
//! ```text
//! cargo run --example echo_server -- 8888        # PORT (0: any free port) [HOST]
//! nc 127.0.0.1 8888                              # type lines, see them echoed
//! ```
//!
//! The first line of output is `listening on HOST:PORT`. There is no graceful shutdown on
//! Ctrl-C (evloop has no signal API yet; Ctrl-C kills the process).

use std::io;
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream};

/// Port when none is given on the command line.
const DEFAULT_PORT: u16 = 8888;
/// Host when none is given: loopback only.
const DEFAULT_HOST: &str = "127.0.0.1";
/// Bytes read (and written back) at a time.
const BUF_SIZE: usize = 16 * 1024;
/// Pause after a failed `accept` (such as `EMFILE`) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// Echoes one connection until the client closes it; returns the number of bytes echoed.
async fn echo(stream: TcpStream) -> io::Result<u64> {
    let mut buf = vec![0; BUF_SIZE];
    let mut total = 0;
    loop {
        match stream.read(&mut buf).await? {
            // End of file: the client is done sending; dropping the stream closes ours.
            0 => return Ok(total),
            // Some bytes: send them back before reading more (the client's backpressure).
            n => {
                stream.write_all(&buf[..n]).await?;
                total += n as u64;
            }
        }
    }
}

/// Accepts connections forever, one task each; returns only if binding fails.
async fn listen(host: &str, port: u16) -> io::Result<()> {
    let listener = TcpListener::bind((host, port)).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        match listener.accept().await {
            // A client: echo it in its own task so that others are not kept waiting.
            Ok((stream, peer)) => {
                evloop::spawn(async move {
                    if let Err(err) = echo(stream).await {
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
        Some(port) => port.parse().expect("usage: echo_server [PORT] [HOST]"),
        None => DEFAULT_PORT,
    };
    let host = args.next().unwrap_or_else(|| DEFAULT_HOST.to_string());
    if let Err(err) = evloop::run(listen(&host, port)) {
        eprintln!("echo_server: cannot listen on {host}:{port}: {err}");
        std::process::exit(1);
    }
}
