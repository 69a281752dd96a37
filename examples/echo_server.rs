//! asyncio's TCP echo server on evloop: every byte a client sends comes back to it (so a
//! line comes back as a line), one task per connection.
//!
//! ```text
//! cargo run --example echo_server -- 8888        # PORT (0: any free port) [HOST]
//! nc 127.0.0.1 8888                              # type lines, see them echoed
//! ```
//!
//! The first line of output is `listening on HOST:PORT`.
//!
//! Ctrl-C shuts it down gracefully: it stops accepting, prints `shutting down`, gives the
//! connected clients `GRACE` to finish, closes the connections still open after that, and
//! exits with status 0. A second Ctrl-C during that time kills it at once (unless SIGINT was
//! ignored when it started, as for a background job or under `nohup`).

use std::future::poll_fn;
use std::io;
use std::task::Poll;
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream};
use evloop::signal::{SignalKind, signal};
use evloop::{Either, JoinSet};

/// Port when none is given on the command line.
const DEFAULT_PORT: u16 = 8888;
/// Host when none is given: loopback only.
const DEFAULT_HOST: &str = "127.0.0.1";
/// Bytes read (and written back) at a time.
const BUF_SIZE: usize = 16 * 1024;
/// Pause after a failed `accept` (such as `EMFILE`) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
/// On shutdown, how long clients still connected have to finish.
const GRACE: Duration = Duration::from_secs(2);

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

/// Forgets the connections that have finished, so that the set holds only live ones (a
/// `JoinSet` keeps each result until asked for it).
async fn forget_finished(connections: &mut JoinSet<()>) {
    poll_fn(|cx| {
        while let Poll::Ready(Some(_)) = connections.poll_join_next(cx) {}
        Poll::Ready(())
    })
    .await
}

/// Accepts connections, one task each, until Ctrl-C; then shuts down gracefully. Returns
/// an error only if binding fails.
async fn listen(host: &str, port: u16) -> io::Result<()> {
    let listener = TcpListener::bind((host, port)).await?;
    // Listen for Ctrl-C before announcing the server: from here on, it starts a graceful
    // shutdown instead of killing the process.
    let mut ctrl_c = signal(SignalKind::interrupt())?;
    println!("listening on {}", listener.local_addr()?);

    let mut connections = JoinSet::new();
    loop {
        match evloop::select(ctrl_c.recv(), listener.accept()).await {
            // Ctrl-C: leave the loop (`recv` loses nothing when dropped).
            Either::Left(_) => break,
            // A client: echo it in its own task so that others are not kept waiting.
            Either::Right(Ok((stream, peer))) => {
                forget_finished(&mut connections).await;
                connections.spawn(async move {
                    if let Err(err) = echo(stream).await {
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

    // A second Ctrl-C kills the process at once: nothing listens for it any more.
    drop(ctrl_c);
    // Stop accepting: from now on, new clients are refused.
    drop(listener);
    forget_finished(&mut connections).await;
    println!(
        "shutting down: waiting up to {GRACE:?} for {} client(s)",
        connections.len()
    );
    let drained = evloop::wait_for(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        // Aborting a task drops its stream, which closes the connection.
        println!(
            "grace period over: closing {} connection(s)",
            connections.len()
        );
        connections.shutdown().await;
    }
    Ok(())
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
