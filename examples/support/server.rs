//! What the example servers (`hello_server`, `echo_server`) need to face the internet,
//! besides their protocol: limits set on the command line, connection tasks that count
//! themselves out (and give a slot back) when they end, a close that does not lose the
//! last answer, and error logging that a flood cannot turn into a flood of log lines.
//!
//! Included by each server with `#[path = "support/server.rs"] mod server;`.
//!
//! The rules a server follows with these pieces:
//!
//! * every wait on a peer has a deadline: reading a request head has a *total* deadline
//!   (a client trickling a byte now and then does not extend it), a write that the peer
//!   does not read times out, and an idle connection is closed;
//! * at most `max_connections` are served at once; the next `accept` waits for a slot (the
//!   kernel's backlog holds new clients meanwhile), so a flood cannot take every fd;
//! * a connection task frees its slot and its buffers the moment it ends;
//! * an error answer is followed by a lingering close ([`linger_close`]).

#![allow(dead_code, reason = "each example uses the parts it needs")]

use std::cell::Cell;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};

use evloop::Either;
use evloop::net::{TcpListener, TcpStream};
use evloop::signal::{Signal, SignalKind, signal};
use evloop::sync::{Event, Notify, Semaphore};

/// The limits a server puts on its peers. Each is a command-line option.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `--head-timeout SECS`: total time to receive one request head, from its first byte
    /// (from the accept, for a connection's first request).
    pub head_timeout: Duration,
    /// `--write-timeout SECS`: time for one answer to be taken by the peer.
    pub write_timeout: Duration,
    /// `--idle-timeout SECS`: a connection with nothing under way for this long is closed.
    pub idle_timeout: Duration,
    /// `--max-connections N`: connections served at once; further accepts wait.
    pub max_connections: usize,
}

impl Limits {
    /// The defaults: 10 s per request head, 10 s per write, 15 s idle, 1,000 connections
    /// (a process usually has 1,024 fds).
    pub const DEFAULT: Limits = Limits {
        head_timeout: Duration::from_secs(10),
        write_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(15),
        max_connections: 1_000,
    };
}

/// A server's command line: `[PORT] [HOST] [--head-timeout SECS] [--write-timeout SECS]
/// [--idle-timeout SECS] [--max-connections N] [--threads N]`. Seconds may have decimals
/// (`0.5`).
#[derive(Clone, Debug)]
pub struct Options {
    pub port: u16,
    pub host: String,
    pub limits: Limits,
    /// `--threads N`: event loops, one per thread (1: the main thread's loop only).
    pub threads: usize,
}

impl Options {
    /// Parses the process's arguments; on a bad one, prints the usage and exits with
    /// status 2.
    pub fn from_args(program: &str, default_port: u16) -> Options {
        let args: Vec<String> = std::env::args().skip(1).collect();
        Options::parse_args(program, &args, default_port)
    }

    /// As [`from_args`](Self::from_args), from `args` (a program's own flags taken out).
    pub fn parse_args(program: &str, args: &[String], default_port: u16) -> Options {
        Options::parse(args, default_port).unwrap_or_else(|err| {
            eprintln!(
                "{program}: {err}\nusage: {program} [PORT] [HOST] [--head-timeout SECS] \
                 [--write-timeout SECS] [--idle-timeout SECS] [--max-connections N] [--threads N]"
            );
            std::process::exit(2);
        })
    }

    fn parse(args: &[String], default_port: u16) -> Result<Options, String> {
        let mut options = Options {
            port: default_port,
            host: "127.0.0.1".to_string(),
            limits: Limits::DEFAULT,
            threads: 1,
        };
        let mut positional = 0;
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--head-timeout" => options.limits.head_timeout = seconds(arg, value()?)?,
                "--write-timeout" => options.limits.write_timeout = seconds(arg, value()?)?,
                "--idle-timeout" => options.limits.idle_timeout = seconds(arg, value()?)?,
                "--max-connections" => {
                    options.limits.max_connections = match value()?.parse() {
                        Ok(n) if n > 0 => n,
                        _ => return Err(format!("{arg} takes a number above 0")),
                    }
                }
                "--threads" => {
                    options.threads = match value()?.parse() {
                        Ok(n) if (1..=1024).contains(&n) => n,
                        _ => return Err(format!("{arg} takes a number from 1 to 1024")),
                    }
                }
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
                port if positional == 0 => {
                    options.port = port.parse().map_err(|_| format!("bad port {port:?}"))?;
                    positional += 1;
                }
                host if positional == 1 => {
                    options.host = host.to_string();
                    positional += 1;
                }
                extra => return Err(format!("unexpected argument {extra:?}")),
            }
        }
        Ok(options)
    }
}

/// Parses a positive number of seconds (`10`, `0.25`).
fn seconds(option: &str, value: &str) -> Result<Duration, String> {
    match value.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs < 1e9 => {
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err(format!(
            "{option} takes a number of seconds above 0, not {value:?}"
        )),
    }
}

/// The connection tasks of a server: at most `max_connections` at once, each counted out
/// (and its slot given back) when it ends, so nothing waits for a later `accept` to reap
/// it. Closes them all on shutdown.
pub struct Connections {
    slots: Rc<Semaphore>,
    live: Rc<Cell<usize>>,
    /// Notified whenever a connection ends.
    ended: Rc<Notify>,
    /// Set when the server stops: idle connections close, busy ones finish their answer.
    stopping: Rc<Event>,
    /// Set when the grace period is over: every connection closes now.
    kill: Rc<Event>,
}

/// A free connection slot, taken before `accept`: a connection holds it until it ends.
pub struct Slot(evloop::sync::OwnedSemaphorePermit);

impl Connections {
    pub fn new(max_connections: usize) -> Connections {
        Connections {
            slots: Rc::new(Semaphore::new(max_connections)),
            live: Rc::default(),
            ended: Rc::default(),
            stopping: Rc::default(),
            kill: Rc::default(),
        }
    }

    /// Waits for a free slot: with `max_connections` served, the next `accept` waits.
    pub async fn slot(&self) -> Slot {
        Slot(self.slots.clone().acquire_owned().await)
    }

    /// Set when the server is stopping (see [`shutdown`](Self::shutdown)).
    pub fn stopping(&self) -> Rc<Event> {
        self.stopping.clone()
    }

    /// Connections being served now.
    pub fn len(&self) -> usize {
        self.live.get()
    }

    /// Serves one connection in its own task, which ends (freeing `slot`) when `serve`
    /// returns or when [`shutdown`](Self::shutdown)'s grace period is over.
    pub fn spawn<F>(&self, slot: Slot, serve: F)
    where
        F: Future<Output = ()> + 'static,
    {
        self.live.set(self.live.get() + 1);
        let guard = Ended {
            live: self.live.clone(),
            ended: self.ended.clone(),
            _slot: slot,
        };
        let kill = self.kill.clone();
        // Detached: the task cleans up after itself (`Ended` runs however it ends).
        drop(evloop::spawn(async move {
            let _guard = guard;
            evloop::select(serve, kill.wait()).await;
        }));
    }

    /// Stops the connections: idle ones close at once, busy ones after their answer; after
    /// `grace`, the rest are closed. Returns how many had to be closed that way.
    pub async fn shutdown(&self, grace: Duration) -> usize {
        self.stopping.set();
        let drained = evloop::wait_for(grace, self.until_empty()).await;
        if drained.is_ok() {
            return 0;
        }
        let left = self.len();
        self.kill.set();
        self.until_empty().await;
        left
    }

    async fn until_empty(&self) {
        while self.len() > 0 {
            self.ended.notified().await;
        }
    }
}

/// Counts a connection out when its task ends, however it ends.
struct Ended {
    live: Rc<Cell<usize>>,
    ended: Rc<Notify>,
    _slot: Slot,
}

impl Drop for Ended {
    fn drop(&mut self) {
        self.live.set(self.live.get() - 1);
        self.ended.notify_waiters();
    }
}

/// How long [`linger_close`] reads what a client still sends before closing.
pub const LINGER: Duration = Duration::from_secs(2);
/// How much [`linger_close`] reads at most.
pub const LINGER_BYTES: usize = 1024 * 1024;

/// Closes a connection whose input may not have been read to its end (after an error
/// answer, or an answer to a request whose body is not read) without losing the answer:
/// shuts down writing, so the client gets the answer and then end-of-file, then reads and
/// discards what the client still sends, for [`LINGER`] or [`LINGER_BYTES`] at most,
/// until the client closes. Closing a socket with unread input sends a reset instead of
/// an orderly close, and a reset can make the client's kernel drop the answer unread.
pub async fn linger_close(stream: &TcpStream) {
    if stream.shutdown(Shutdown::Write).is_err() {
        return; // already gone
    }
    let deadline = Instant::now() + LINGER;
    let mut buf = [0; 4096];
    let mut drained = 0;
    while drained < LINGER_BYTES {
        match evloop::wait_until(deadline, stream.read(&mut buf)).await {
            // More of what the client sent: discard it.
            Ok(Ok(n)) if n > 0 => drained += n,
            // The client closed too (0), an error, or the linger time is over.
            _ => break,
        }
    }
}

/// Writes all of `bytes` within `limit`, or fails with `TimedOut` (a peer that does not
/// read is not waited for forever).
pub async fn write_within(stream: &TcpStream, bytes: &[u8], limit: Duration) -> io::Result<()> {
    match evloop::wait_for(limit, stream.write_all(bytes)).await {
        Ok(written) => written,
        Err(_elapsed) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the peer did not read the answer in time",
        )),
    }
}

/// Logs errors of one kind at most once per second, counting the ones left out: an accept
/// loop out of file descriptors fails thousands of times a second, and each line would be
/// the same.
pub struct RateLimitedLog {
    what: &'static str,
    last: Option<Instant>,
    suppressed: u64,
}

impl RateLimitedLog {
    pub fn new(what: &'static str) -> RateLimitedLog {
        RateLimitedLog {
            what,
            last: None,
            suppressed: 0,
        }
    }

    pub fn log(&mut self, err: &io::Error) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < Duration::from_secs(1))
        {
            self.suppressed += 1;
            return;
        }
        match std::mem::take(&mut self.suppressed) {
            0 => eprintln!("{}: {err}", self.what),
            n => eprintln!("{}: {err} ({n} more since the last report)", self.what),
        }
        self.last = Some(now);
    }
}

/// Pause after a failed `accept` (such as `EMFILE`) before trying again: retrying at once
/// would spin, since the pending connection is still queued.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// The signals that stop a server gracefully: Ctrl-C (SIGINT) and SIGTERM. From the
/// moment they are listened for, they no longer kill the process: `accept_until_stopped`
/// returns when one arrives.
pub fn stop_signals() -> io::Result<(Signal, Signal)> {
    Ok((
        signal(SignalKind::interrupt())?,
        signal(SignalKind::terminate())?,
    ))
}

/// The accept loop: takes a free slot, accepts a client, serves it with `serve` in its own
/// task (so that others are not kept waiting), until Ctrl-C or SIGTERM arrives on
/// `signals`. With `max_connections` served, new clients wait in the kernel's accept queue.
/// `accept` errors (out of file descriptors) are logged at most once a second, with a
/// short back-off.
pub async fn accept_until_stopped<S, F>(
    listener: &TcpListener,
    connections: &Connections,
    signals: &mut (Signal, Signal),
    mut serve: S,
) where
    S: FnMut(TcpStream, SocketAddr) -> F,
    F: Future<Output = ()> + 'static,
{
    let mut accept_errors = RateLimitedLog::new("accept failed");
    loop {
        let stop = evloop::race(signals.0.recv(), signals.1.recv());
        let accept = async { (connections.slot().await, listener.accept().await) };
        match evloop::select(stop, accept).await {
            // Ctrl-C or SIGTERM: stop accepting (`recv` loses nothing when dropped).
            Either::Left(_) => return,
            // A client: its own task, holding the slot until it ends.
            Either::Right((slot, Ok((stream, peer)))) => {
                connections.spawn(slot, serve(stream, peer));
            }
            // Out of file descriptors (EMFILE) or similar: log (not every time), back off.
            Either::Right((_slot, Err(err))) => {
                accept_errors.log(&err);
                evloop::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}
