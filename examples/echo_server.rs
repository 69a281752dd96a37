//! asyncio's TCP echo server on evloop: every byte a client sends comes back to it (so a
//! line comes back as a line), one task per connection.
//!
//! ```text
//! cargo run --example echo_server -- 8888        # PORT (0: any free port) [HOST] [OPTIONS]
//! nc 127.0.0.1 8888                              # type lines, see them echoed
//! ```
//!
//! The first line of output is `listening on HOST:PORT`.
//!
//! Limits (options, see `support/server.rs`): a client silent for `--idle-timeout SECS`
//! (15) is closed; one that sends but does not read its echo is closed once a write has
//! waited `--write-timeout SECS` (10); at most `--max-connections N` (1000) are served at
//! once, and further clients wait in the kernel's accept queue. Each connection task frees
//! its slot and buffer the moment it ends; `accept` errors are logged at most once a second.
//!
//! Ctrl-C (or SIGTERM) shuts it down gracefully: it stops accepting, prints `shutting
//! down`, gives the connected clients `GRACE` to finish, closes the connections still open
//! after that, and exits with status 0. A second Ctrl-C during that time kills it at once
//! (unless SIGINT was ignored when it started, as for a background job or under `nohup`).

#[path = "support/server.rs"]
mod server;

use std::io;
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream};
use server::{Connections, Limits, Options, write_within};

/// Port when none is given on the command line.
const DEFAULT_PORT: u16 = 8888;
/// Bytes read (and written back) at a time.
const BUF_SIZE: usize = 16 * 1024;
/// On shutdown, how long clients still connected have to finish.
const GRACE: Duration = Duration::from_secs(2);

/// Echoes one connection until the client closes it, goes silent for the idle timeout, or
/// stops reading; returns the number of bytes echoed.
async fn echo(stream: TcpStream, limits: Limits) -> io::Result<u64> {
    let mut buf = vec![0; BUF_SIZE];
    let mut total = 0;
    loop {
        let Ok(read) = evloop::wait_for(limits.idle_timeout, stream.read(&mut buf)).await else {
            return Ok(total); // silent for too long: dropping the stream closes it
        };
        match read? {
            // End of file: the client is done sending; dropping the stream closes ours.
            0 => return Ok(total),
            // Some bytes: send them back before reading more (the client's backpressure),
            // but only for as long as the client reads them.
            n => {
                write_within(&stream, &buf[..n], limits.write_timeout).await?;
                total += n as u64;
            }
        }
    }
}

/// Accepts connections, one task each, until Ctrl-C or SIGTERM; then shuts down
/// gracefully. Returns an error only if binding fails.
async fn listen(options: Options) -> io::Result<()> {
    let limits = options.limits;
    let listener = TcpListener::bind((options.host.as_str(), options.port)).await?;
    // Listen for the signals before announcing the server: from here on, they start a
    // graceful shutdown instead of killing the process.
    let mut signals = server::stop_signals()?;
    println!("listening on {}", listener.local_addr()?);

    let connections = Connections::new(limits.max_connections);
    // Until Ctrl-C or SIGTERM: each client in its own task (at most `max_connections`).
    server::accept_until_stopped(
        &listener,
        &connections,
        &mut signals,
        |stream, peer| async move {
            if let Err(err) = echo(stream, limits).await {
                eprintln!("{peer}: {err}");
            }
        },
    )
    .await;

    // A second Ctrl-C kills the process at once: nothing listens for it any more.
    drop(signals);
    // Stop accepting: from now on, new clients are refused.
    drop(listener);
    println!(
        "shutting down: waiting up to {GRACE:?} for {} client(s)",
        connections.len()
    );
    let closed = connections.shutdown(GRACE).await;
    if closed > 0 {
        println!("grace period over: closed {closed} connection(s)");
    }
    Ok(())
}

fn main() {
    let options = Options::from_args("echo_server", DEFAULT_PORT);
    let (host, port) = (options.host.clone(), options.port);
    if let Err(err) = evloop::run(listen(options)) {
        eprintln!("echo_server: cannot listen on {host}:{port}: {err}");
        std::process::exit(1);
    }
}
