//! What a runtime holds per task and per connection, and how fast it takes connections in:
//! the memory and accept-rate rows of `benches/compare.rs`, for evloop, tokio
//! (current-thread + `LocalSet`) and smol (`LocalExecutor` + async-io).
//!
//! * idle tasks: `n` tasks, each parked on a 1-hour sleep; the growth of the process's
//!   resident memory (RSS) divided by `n`, less the storage of the join handles the
//!   benchmark keeps (so smol's tasks are not cancelled);
//! * idle connections: `n` accepted TCP connections, each with a task that awaits a read
//!   into its own 4 KiB buffer (filled, so that its pages are resident); RSS growth per
//!   connection, with the peers in a thread of the same process (a std socket is an fd:
//!   no user memory);
//! * accept rate: a burst of `n` connects from one std thread (each socket closed once
//!   connected, at most 64 not yet accepted so that no listen backlog overflows); the
//!   server accepts and drops them; connections per second of the loop thread's CPU time,
//!   from the first accept to the last (the wall-clock rate, ~72,000/s for all three here,
//!   is the connecting thread's).
//!
//! Each measurement runs in a child process of its own (`--scale-child KIND RUNTIME N`),
//! since resident memory is counted per process.

use std::cell::Cell;
use std::net::SocketAddr;
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use async_executor::LocalExecutor;
use async_io::Async;

use crate::common::{Evloop, Rt, Smol, Tokio};
use crate::net::Conn;

/// The buffer each idle connection's task reads into.
pub const CONN_BUFFER: usize = 4096;

/// The process's resident memory, in bytes (`VmRSS` of `/proc/self/status`).
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let kib: usize = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib * 1024
}

/// Bytes of resident memory per idle task on `R` (see the module docs).
fn idle_tasks<R: Rt>(n: usize) -> f64 {
    R::block_on(async move {
        let started = Rc::new(Cell::new(0usize));
        let before = rss();
        let mut handles = Vec::with_capacity(n);
        for _ in 0..n {
            let started = started.clone();
            handles.push(R::spawn(async move {
                started.set(started.get() + 1);
                R::sleep(Duration::from_secs(3600)).await;
            }));
        }
        while started.get() < n {
            R::yield_now().await;
        }
        let grown = rss().saturating_sub(before);
        let handle_bytes = handles.capacity() * std::mem::size_of_val(&handles[0]);
        let per_task = grown.saturating_sub(handle_bytes) as f64 / n as f64;
        std::mem::forget(handles); // the process exits next: no need to cancel a million
        per_task
    })
}

/// Runs `future` on tokio's current-thread runtime with I/O and time enabled, on a
/// `LocalSet` (`Tokio::block_on` enables time only).
fn tokio_block_on<F: std::future::Future>(future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    tokio::task::LocalSet::new().block_on(&runtime, future)
}

/// Connects `n` std sockets to `addr` from a thread and holds them until `done` is sent
/// (or dropped); returns the thread.
fn hold_peers(addr: SocketAddr, n: usize, done: mpsc::Receiver<()>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let peers: Vec<_> = (0..n)
            .map(|_| std::net::TcpStream::connect(addr).expect("connect"))
            .collect();
        let _ = done.recv();
        drop(peers);
    })
}

/// An idle connection: a task parked on a read into its own filled 4 KiB buffer.
async fn idle_reader(mut conn: impl Conn, started: Rc<Cell<usize>>) {
    let mut buf = vec![1u8; CONN_BUFFER];
    started.set(started.get() + 1);
    let _ = conn.read(&mut buf).await;
}

/// Bytes of resident memory per idle connection on `runtime`, beyond its 4 KiB buffer.
fn idle_conns(runtime: &str, n: usize) -> f64 {
    let started = Rc::new(Cell::new(0usize));
    let (done_tx, done_rx) = mpsc::channel();
    let measure = |before: usize| rss().saturating_sub(before) as f64 / n as f64;
    let per_conn = match runtime {
        "evloop" => Evloop::block_on(async {
            let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let before = rss();
            let peers = hold_peers(listener.local_addr().unwrap(), n, done_rx);
            for _ in 0..n {
                let (stream, _) = listener.accept().await.unwrap();
                drop(evloop::spawn(idle_reader(stream, started.clone())));
            }
            while started.get() < n {
                evloop::yield_now().await;
            }
            let per = measure(before);
            drop(done_tx);
            peers.join().unwrap();
            per
        }),
        "tokio" => tokio_block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let before = rss();
            let peers = hold_peers(listener.local_addr().unwrap(), n, done_rx);
            for _ in 0..n {
                let (stream, _) = listener.accept().await.unwrap();
                drop(tokio::task::spawn_local(idle_reader(
                    stream,
                    started.clone(),
                )));
            }
            while started.get() < n {
                tokio::task::yield_now().await;
            }
            let per = measure(before);
            drop(done_tx);
            peers.join().unwrap();
            per
        }),
        "smol" => {
            let ex = LocalExecutor::new();
            async_io::block_on(ex.run(async {
                let listener = Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
                let before = rss();
                let peers = hold_peers(listener.get_ref().local_addr().unwrap(), n, done_rx);
                for _ in 0..n {
                    let (stream, _) = listener.accept().await.unwrap();
                    ex.spawn(idle_reader(stream, started.clone())).detach();
                }
                while started.get() < n {
                    futures_lite::future::yield_now().await;
                }
                let per = measure(before);
                drop(done_tx);
                peers.join().unwrap();
                per
            }))
        }
        other => panic!("unknown runtime {other:?}"),
    };
    per_conn - CONN_BUFFER as f64
}

/// Connects `n` times to `addr` from a thread, closing each socket once connected, with
/// at most [`IN_FLIGHT`] connections not yet accepted (`accepted` counts the server's
/// accepts): a burst that never overflows a listen backlog (std's is 128), so that no
/// connect waits for a SYN retransmission (a second) and the row measures accepting.
fn connect_burst(
    addr: SocketAddr,
    n: usize,
    accepted: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for i in 0..n {
            while i - accepted.load(Ordering::Acquire).min(i) >= IN_FLIGHT {
                std::thread::yield_now();
            }
            drop(std::net::TcpStream::connect(addr).expect("connect"));
        }
    })
}

/// Connections of the burst that may wait in the backlog at once.
const IN_FLIGHT: usize = 64;

/// CPU time this thread has used (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable `timespec`; the clock id is a constant Linux has.
    let got = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(got, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Accepts (and drops) `n` connections with `accept` while a paced burst connects to
/// `addr`; returns the loop thread's CPU time from the first accept to the last.
async fn accept_burst<T, Fut>(
    addr: SocketAddr,
    n: usize,
    mut accept: impl FnMut() -> Fut,
) -> Duration
where
    Fut: std::future::Future<Output = std::io::Result<T>>,
{
    let accepted = Arc::new(AtomicUsize::new(0));
    let burst = connect_burst(addr, n, accepted.clone());
    let mut first = None;
    for _ in 0..n {
        drop(accept().await.expect("accept"));
        accepted.fetch_add(1, Ordering::Release);
        first.get_or_insert_with(thread_cpu);
    }
    burst.join().expect("the connecting thread");
    thread_cpu() - first.expect("at least one accept")
}

/// Connections accepted per second of the loop thread's CPU time on `runtime`, from a
/// burst of `n` connects (the wall-clock rate is the client's: one thread connecting).
fn accept_rate(runtime: &str, n: usize) -> f64 {
    let cpu = match runtime {
        "evloop" => Evloop::block_on(async {
            let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            accept_burst(addr, n, || listener.accept()).await
        }),
        "tokio" => tokio_block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            accept_burst(addr, n, || listener.accept()).await
        }),
        "smol" => Smol::block_on(async {
            let listener = Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
            let addr = listener.get_ref().local_addr().unwrap();
            accept_burst(addr, n, || listener.accept()).await
        }),
        other => panic!("unknown runtime {other:?}"),
    };
    (n - 1) as f64 / cpu.as_secs_f64()
}

/// `<bench> --scale-child KIND RUNTIME N`: one measurement, printed as a number; `KIND` is
/// `tasks`, `conns` or `accept`.
pub fn child_mode() -> bool {
    let Some(args) = crate::flag_args("--scale-child") else {
        return false;
    };
    let usage = "usage: --scale-child tasks|conns|accept evloop|tokio|smol N";
    let (kind, runtime) = (args.first().expect(usage), args.get(1).expect(usage));
    let n: usize = crate::number(args.get(2), usage);
    let value = match (kind.as_str(), runtime.as_str()) {
        ("tasks", "evloop") => idle_tasks::<Evloop>(n),
        ("tasks", "tokio") => idle_tasks::<Tokio>(n),
        ("tasks", "smol") => idle_tasks::<Smol>(n),
        ("conns", runtime) => idle_conns(runtime, n),
        ("accept", runtime) => accept_rate(runtime, n),
        _ => panic!("{usage}"),
    };
    println!("{value}");
    // Exit without dropping a million tasks (or thousands of connections) one by one.
    std::process::exit(0);
}

/// Runs one child measurement; `None` (with the reason on stderr) if it failed.
fn measure(kind: &str, runtime: &str, n: usize) -> Option<f64> {
    let output = Command::new(std::env::current_exe().ok()?)
        .args(["--scale-child", kind, runtime, &n.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let value = text.trim().parse().ok();
    if value.is_none() {
        eprintln!(
            "scale row {kind}/{runtime} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    value
}

/// The median of `runs` child measurements of `kind` on each runtime.
fn medians(kind: &str, n: usize, runs: usize) -> [Option<f64>; 3] {
    ["evloop", "tokio", "smol"].map(|runtime| {
        let mut values: Vec<f64> = (0..runs)
            .filter_map(|_| measure(kind, runtime, n))
            .collect();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied()
    })
}

/// The table of memory per idle task and connection, and of the accept rate, at `scale`
/// (1.0: a million tasks, 5,000 connections, 10,000 connects).
pub fn table(scale: f64, runs: usize) -> String {
    let scaled = |base: f64| ((base * scale).round() as usize).max(100);
    let (tasks, conns, connects) = (scaled(1_000_000.0), scaled(5_000.0), scaled(10_000.0));
    let show = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.0}"));
    let mut out = String::from(
        "| scale | evloop | tokio | smol | evloop vs tokio |\n|---|---:|---:|---:|---:|\n",
    );
    let rows = [
        (
            format!("idle tasks ({tasks}, each on a 1 h sleep): bytes per task"),
            medians("tasks", tasks, runs),
            true,
        ),
        (
            format!("idle TCP connections ({conns}): bytes per connection beyond its 4 KiB buffer"),
            medians("conns", conns, runs),
            true,
        ),
        (
            format!("accept rate (burst of {connects} connects): connections per loop-CPU-second"),
            medians("accept", connects, runs),
            false,
        ),
    ];
    for (label, [evloop, tokio, smol], smaller_is_better) in rows {
        let ratio = match (evloop, tokio) {
            (Some(e), Some(t)) if e > 0.0 && t > 0.0 => {
                format!("{:.2}×", if smaller_is_better { t / e } else { e / t })
            }
            _ => "—".to_owned(),
        };
        out.push_str(&format!(
            "| {label} | {} | {} | {} | {ratio} |\n",
            show(evloop),
            show(tokio),
            show(smol)
        ));
    }
    out
}
