//! Side-by-side comparison of evloop, tokio (current-thread runtime + `LocalSet`) and smol
//! (`async_executor::LocalExecutor` under `async_io::block_on`), all in one process run:
//!
//! ```text
//! cargo bench --bench compare
//! EVLOOP_BENCH_SCALE=0.1 EVLOOP_BENCH_RUNS=3 cargo bench --bench compare   # quicker
//! ```
//!
//! Workloads (sizes at `EVLOOP_BENCH_SCALE=1`, a float multiplier, default 1.0):
//!
//! * `spawn_join`: spawn 1,000,000 trivial tasks, collect the handles, await them all;
//! * `yield_many`: 1,000 tasks × 1,000 `yield_now` each;
//! * `ping_pong`: 1,000,000 messages between two tasks over a single-slot channel;
//! * `timeout_ready`: 1,000,000 sequential 1 s timeouts around a ready future;
//! * `timeout_cancelled`: 1,000,000 sequential 1 s timeouts around a future pending once
//!   (the timer is armed, then cancelled);
//! * `sleep_100k`: 100,000 tasks sleeping a pseudo-random 0–50 ms each; reports wake
//!   lateness (max, p99) and early wakes instead of time.
//!
//! Network workloads (`benches/net/`), also against a hand-written `mio` loop:
//!
//! * `echo`: in-process TCP echo over loopback, 64 connections × 10,000 round trips of
//!   64 bytes (`EVLOOP_BENCH_NET_RUNS`, default 5 runs, median);
//! * HTTP hello: the `/{name}` server in a child process pinned to CPU 0 (`taskset`),
//!   driven by `wrk -t2 -c64 -d10s` on CPU 1; requests/s and requests per second of the
//!   server's CPU time (`EVLOOP_BENCH_WRK_RUNS`, default 3; `EVLOOP_BENCH_WRK_SECONDS`);
//! * syscalls per echo round trip, from `strace -f -c` around an echo child (64 × 500).
//!
//! File I/O (`benches/fs/`, `--fs [DIR]`, not in the default run: it writes 1 GiB): evloop::fs
//! vs tokio::fs, 1 GiB in 64 KiB chunks and 10,000 small files.
//!
//! Scale (`benches/scale/`): resident memory per idle task (1,000,000 on a 1 h sleep) and
//! per idle TCP connection (5,000, a 4 KiB read buffer each), and the accept rate of a
//! burst of 10,000 connects, each measured in a child process of its own (3 runs, median).
//!
//! `EVLOOP_BENCH_ONLY=core`, `=net` or `=scale` runs one part. `wrk`, `strace` and `taskset` come
//! from Debian's `wrk`, `strace` and `util-linux`; a missing tool skips its row.
//!
//! Each timed workload runs `EVLOOP_BENCH_RUNS` times (default 7) per runtime, interleaved,
//! and the table shows the median wall time, measured inside the runtime (building and
//! dropping it are not timed). `sleep_100k` runs 3 times per runtime and shows the median
//! of the per-run maxima. The last column is `tokio / evloop`: above 1× means evloop is
//! faster (or, for `sleep_100k`, wakes more punctually).

#[path = "common/mod.rs"]
mod common;
#[path = "fs/mod.rs"]
mod fs;
#[path = "net/mod.rs"]
mod net;
#[path = "scale/mod.rs"]
mod scale;

use std::io::{IsTerminal, Write};
use std::process::Command;
use std::time::Duration;

use common::{Evloop, Lateness, Rt, Sizes, Smol, Tokio, Workload, sleep_lateness};

/// The arguments after `flag` on the command line, if `flag` is there (the single-mode
/// runs below are selected this way).
fn flag_args(flag: &str) -> Option<Vec<String>> {
    let mut args = std::env::args().skip_while(|arg| arg != flag);
    args.next()?;
    Some(args.collect())
}

/// `arg` as a number, or a panic with `usage`.
fn number<T: std::str::FromStr>(arg: Option<&String>, usage: &str) -> T {
    arg.and_then(|n| n.parse().ok()).expect(usage)
}

/// `<bench> --workload NAME N [RUNTIME]`: runs one scheduler workload sized `N` on evloop
/// (or on `tokio` or `smol`) and exits; for instruction counts per operation
/// (`instructions.sh`: `valgrind --tool=callgrind`, run at two sizes and subtracted, so
/// that setup and teardown cancel out). Names: `spawn_join`, `yield` (100 tasks × N/100
/// yields), `ping_pong`, `timeout_ready`, `timeout_cancelled`.
fn workload_mode() -> bool {
    let Some(args) = flag_args("--workload") else {
        return false;
    };
    let usage = "usage: --workload NAME N [evloop|tokio|smol]";
    let name = args.first().map_or("", String::as_str);
    let n: u64 = number(args.get(1), usage);
    let sum = match args.get(2).map_or("evloop", String::as_str) {
        "evloop" => run_workload::<Evloop>(name, n),
        "tokio" => run_workload::<Tokio>(name, n),
        "smol" => run_workload::<Smol>(name, n),
        _ => panic!("{usage}"),
    };
    println!("{name} {n}: {sum}");
    true
}

/// One scheduler workload by name, on runtime `R`.
fn run_workload<R: Rt>(name: &str, n: u64) -> u64 {
    let name = name.to_owned();
    R::block_on(async move {
        match name.as_str() {
            "spawn_join" => common::spawn_join::<R>(n).await,
            "yield" => common::yield_many::<R>(100, n / 100).await,
            "ping_pong" => common::ping_pong::<R>(n).await,
            "timeout_ready" => common::timeout_ready::<R>(n).await,
            "timeout_cancelled" => common::timeout_cancelled::<R>(n).await,
            other => panic!("unknown workload {other:?}"),
        }
    })
}

/// `<bench> --cross-loop N`: two evloop loops on two threads (`run_per_core`); loop 0
/// sends N timestamps, 1 ms apart, through a `remote` channel to loop 1, which is parked in
/// `epoll_wait` between them; prints the one-way latency (p50, p99, max).
fn cross_loop_mode() -> bool {
    let Some(args) = flag_args("--cross-loop") else {
        return false;
    };
    let n: usize = number(args.first(), "usage: --cross-loop N");
    let (tx, rx) = evloop::channel::remote::channel::<std::time::Instant>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(Some(rx)));
    let results = evloop::run_per_core(2, move |ctx| {
        let (tx, rx) = (tx.clone(), rx.clone());
        async move {
            if ctx.index() == 0 {
                for _ in 0..n {
                    evloop::sleep(Duration::from_millis(1)).await;
                    tx.send(std::time::Instant::now()).unwrap();
                }
                return Ok::<_, ()>(Vec::new());
            }
            let mut rx = rx.lock().unwrap().take().unwrap();
            let mut latencies = Vec::with_capacity(n);
            while latencies.len() < n {
                let sent = rx.recv().await.unwrap();
                latencies.push(sent.elapsed());
            }
            Ok(latencies)
        }
    })
    .unwrap();
    let mut latencies = results.into_iter().flatten().collect::<Vec<_>>();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "cross-loop remote channel, {n} messages: p50 {:?}, p99 {:?}, max {:?}",
        at(0.5),
        at(0.99),
        latencies[latencies.len() - 1]
    );
    true
}

/// `<bench> --fine-timers N`: N sequential sleeps of a pseudo-random 50 µs to 2 ms on an
/// idle loop, on evloop and on tokio's current-thread runtime; prints the lateness
/// (p50, p99, max) and the number of early wakes for each.
fn fine_timers_mode() -> bool {
    let Some(args) = flag_args("--fine-timers") else {
        return false;
    };
    let n: usize = number(args.first(), "usage: --fine-timers N");
    let durations: Vec<Duration> = {
        let mut rng = common::XorShift::fixed();
        (0..n)
            .map(|_| Duration::from_micros(50 + rng.next_u64() % 1_950))
            .collect()
    };
    fn report(name: &str, mut late: Vec<Duration>, early: usize) {
        late.sort();
        let at = |q: f64| late[((late.len() as f64 * q) as usize).min(late.len() - 1)];
        println!(
            "{name}: {} sleeps of 50 µs–2 ms: lateness p50 {:?}, p99 {:?}, max {:?}; early {early}",
            late.len(),
            at(0.5),
            at(0.99),
            late[late.len() - 1]
        );
    }
    let sleeps = durations.clone();
    let (late, early) = Evloop::block_on(async move {
        let (mut late, mut early) = (Vec::new(), 0);
        for d in sleeps {
            let start = std::time::Instant::now();
            evloop::sleep(d).await;
            let took = start.elapsed();
            early += usize::from(took < d);
            late.push(took.saturating_sub(d));
        }
        (late, early)
    });
    report("evloop", late, early);
    let (late, early) = Tokio::block_on(async move {
        let (mut late, mut early) = (Vec::new(), 0);
        for d in durations {
            let start = std::time::Instant::now();
            tokio::time::sleep(d).await;
            let took = start.elapsed();
            early += usize::from(took < d);
            late.push(took.saturating_sub(d));
        }
        (late, early)
    });
    report("tokio", late, early);
    true
}

/// `<bench> --serve-hyper evloop|tokio`: hyper's HTTP/1.1 server with the hello handler
/// (`GET /{name}` → `Hello, {name}`) on evloop (`compat::hyper`) or on tokio's
/// current-thread runtime (`hyper_util::rt::TokioIo`), until killed; prints
/// `listening ADDR` first. For `wrk`, the same way as `--serve-http`.
#[cfg(feature = "hyper")]
fn serve_hyper_mode() -> bool {
    let Some(args) = flag_args("--serve-hyper") else {
        return false;
    };
    async fn hello(
        req: hyper::Request<hyper::body::Incoming>,
    ) -> Result<hyper::Response<String>, std::convert::Infallible> {
        let name = req.uri().path().trim_start_matches('/');
        Ok(hyper::Response::new(format!("Hello, {name}")))
    }
    match args.first().map(String::as_str) {
        Some("evloop") => evloop::run(async {
            let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            println!("listening {}", listener.local_addr().unwrap());
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                evloop::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(
                            evloop::compat::hyper::Io::new(stream),
                            hyper::service::service_fn(hello),
                        )
                        .await;
                });
            }
        }),
        Some("tokio") => tokio::task::LocalSet::new().block_on(
            &tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                println!("listening {}", listener.local_addr().unwrap());
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::task::spawn_local(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(
                                hyper_util::rt::TokioIo::new(stream),
                                hyper::service::service_fn(hello),
                            )
                            .await;
                    });
                }
            },
        ),
        other => panic!("--serve-hyper takes evloop or tokio, not {other:?}"),
    }
}

/// Without the feature `hyper`: says how to turn it on.
#[cfg(not(feature = "hyper"))]
fn serve_hyper_mode() -> bool {
    if flag_args("--serve-hyper").is_some() {
        eprintln!(
            "--serve-hyper needs the feature: cargo bench --bench compare --features \
             evloop-bench/hyper -- --serve-hyper evloop|tokio"
        );
        std::process::exit(2);
    }
    false
}

/// Runs of `sleep_100k` per runtime.
const SLEEP_RUNS: usize = 3;

fn main() {
    if net::drive::child_mode()
        || workload_mode()
        || cross_loop_mode()
        || fine_timers_mode()
        || serve_hyper_mode()
        || fs::fs_mode()
        || scale::child_mode()
    {
        return;
    }
    let scale = env_parse("EVLOOP_BENCH_SCALE", 1.0_f64);
    assert!(
        scale.is_finite() && scale > 0.0,
        "EVLOOP_BENCH_SCALE must be > 0"
    );
    let runs = env_parse("EVLOOP_BENCH_RUNS", 7_usize).max(1);
    let scaled = |base: f64| ((base * scale).round() as u64).max(1);
    let sizes = Sizes {
        spawn_tasks: scaled(1_000_000.0),
        yield_tasks: scaled(1_000.0),
        yields: 1_000,
        messages: scaled(1_000_000.0),
        timeouts: scaled(1_000_000.0),
    };
    let sleep_tasks = scaled(100_000.0);

    print_header(scale, runs);
    let only = std::env::var("EVLOOP_BENCH_ONLY").unwrap_or_default();
    if only != "net" && only != "scale" {
        core_table(&sizes, runs, sleep_tasks);
    }
    if only != "core" && only != "scale" {
        net_table(scale);
    }
    if only.is_empty() || only == "scale" {
        out("\n");
        out(&scale::table(scale, runs.min(3)));
    }
}

/// The scheduler and timer workloads of `common`.
fn core_table(sizes: &Sizes, runs: usize, sleep_tasks: u64) {
    let sizes = *sizes;
    out(&format!(
        "| workload | {} | tokio (current_thread) | smol (async-executor) | evloop vs tokio |\n\
         |---|---:|---:|---:|---:|\n",
        Evloop::NAME
    ));

    for workload in Workload::ALL {
        let label = workload.label(&sizes);
        let mut times: [Vec<Duration>; 3] = Default::default();
        for run in 1..=runs {
            progress(&format!("{label}: run {run}/{runs}:"));
            let measured = [
                workload.run::<Evloop>(&sizes, 1),
                workload.run::<Tokio>(&sizes, 1),
                workload.run::<Smol>(&sizes, 1),
            ];
            for (all, time) in times.iter_mut().zip(measured) {
                all.push(time);
            }
            progress_end(&format!(
                " {:.1} / {:.1} / {:.1} ms",
                ms(measured[0]),
                ms(measured[1]),
                ms(measured[2])
            ));
        }
        let [evloop, tokio, smol] = times.map(|all| median(all.into_iter().map(ms).collect()));
        out(&format!(
            "| {label} | {evloop:.2} ms | {tokio:.2} ms | {smol:.2} ms | {} |\n",
            ratio(tokio, evloop)
        ));
    }

    let mut stats: [Vec<SleepStats>; 3] = Default::default();
    for run in 1..=SLEEP_RUNS {
        progress(&format!("sleep_100k: run {run}/{SLEEP_RUNS}:"));
        let measured = [
            sleep_stats::<Evloop>(sleep_tasks),
            sleep_stats::<Tokio>(sleep_tasks),
            sleep_stats::<Smol>(sleep_tasks),
        ];
        progress_end(&format!(
            " max {:.2} / {:.2} / {:.2} ms",
            measured[0].max, measured[1].max, measured[2].max
        ));
        for (all, s) in stats.iter_mut().zip(measured) {
            all.push(s);
        }
    }
    let summary = stats.map(|all| SleepSummary::of(&all));
    out(&format!(
        "| sleep_100k ({sleep_tasks} tasks, 0–50 ms; lateness) | {} | {} | {} | {} |\n",
        summary[0],
        summary[1],
        summary[2],
        ratio(summary[1].max, summary[0].max)
    ));
    out(&format!(
        "\nsleep_100k: lateness = wake instant − (instant the task began its sleep + requested); \
         max and p99 are medians over {SLEEP_RUNS} runs, `early` counts wakes before the deadline \
         over all {SLEEP_RUNS} runs ({} sleeps per runtime).\n\
         Same, measured from the spawn call instead (adds the spawn → first-poll delay), \
         median max: evloop {:.2} ms, tokio {:.2} ms, smol {:.2} ms; early: {} / {} / {}.\n",
        SLEEP_RUNS as u64 * sleep_tasks,
        summary[0].max_from_spawn,
        summary[1].max_from_spawn,
        summary[2].max_from_spawn,
        summary[0].early_from_spawn,
        summary[1].early_from_spawn,
        summary[2].early_from_spawn,
    ));
}

/// Connections of the echo workload.
const ECHO_CONNS: usize = 64;

/// The network workloads of `net`: in-process echo, `wrk` against the hello server, and
/// syscalls per echo round trip, for evloop, tokio, smol and the raw `mio` loop.
fn net_table(scale: f64) {
    use net::Impl;
    let runs = env_parse("EVLOOP_BENCH_NET_RUNS", 5_usize).max(1);
    let wrk_runs = env_parse("EVLOOP_BENCH_WRK_RUNS", 3_usize).max(1);
    let trips = ((10_000.0 * scale).round() as usize).max(1);
    let wrk_seconds = env_parse("EVLOOP_BENCH_WRK_SECONDS", 10_u32).max(1);
    out(&format!(
        "\n## network (echo: median of {runs} runs; HTTP: median of {wrk_runs} runs; the order of \
         the implementations rotates from run to run)\n\n\
         | workload | evloop | tokio (current_thread) | smol (async-io) | raw mio loop | evloop vs tokio | evloop vs raw mio |\n\
         |---|---:|---:|---:|---:|---:|---:|\n"
    ));

    // (a) In-process echo: time, lower is better.
    let mut times: [Vec<f64>; 4] = Default::default();
    for run in 1..=runs {
        progress(&format!("echo: run {run}/{runs}:"));
        for i in rotated(run) {
            let time = ms(net::echo(Impl::ALL[i], ECHO_CONNS, trips));
            progress(&format!(" {} {time:.0}", Impl::ALL[i].name()));
            times[i].push(time);
        }
        progress_end(" ms");
    }
    let echo = times.map(median);
    out(&format!(
        "| echo ({ECHO_CONNS} conns × {trips} round trips of {} B) | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {} | {} |\n",
        net::MESSAGE,
        echo[0],
        echo[1],
        echo[2],
        echo[3],
        ratio(echo[1], echo[0]),
        ratio(echo[3], echo[0]),
    ));

    // (b) HTTP hello under wrk: requests/s and requests per server-CPU-second, higher is better.
    if !net::drive::have("wrk") {
        out("| HTTP hello (wrk) | skipped: `wrk` not found (apt-get install -y wrk) | | | | | |\n");
    } else {
        let mut rate: [Vec<f64>; 4] = Default::default();
        let mut per_cpu: [Vec<f64>; 4] = Default::default();
        for run in 1..=wrk_runs {
            progress(&format!("wrk {wrk_seconds}s: run {run}/{wrk_runs}:"));
            for i in rotated(run) {
                let which = Impl::ALL[i];
                match net::drive::wrk(which, wrk_seconds) {
                    Ok(result) => {
                        progress(&format!(" {} {:.0}", which.name(), result.requests_per_sec));
                        rate[i].push(result.requests_per_sec);
                        per_cpu[i].push(result.per_cpu_sec);
                    }
                    Err(err) => {
                        progress_end(" failed");
                        out(&format!("\n{} HTTP run failed: {err}\n", which.name()));
                    }
                }
            }
            progress_end(" req/s");
        }
        let rate = rate.map(median);
        let per_cpu = per_cpu.map(median);
        out(&format!(
            "| HTTP hello, `wrk -t2 -c64 -d{wrk_seconds}s`, server on 1 core: requests/s | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} |\n",
            rate[0],
            rate[1],
            rate[2],
            rate[3],
            ratio(rate[0], rate[1]),
            ratio(rate[0], rate[3]),
        ));
        out(&format!(
            "| HTTP hello: requests per server-CPU-second | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} |\n",
            per_cpu[0],
            per_cpu[1],
            per_cpu[2],
            per_cpu[3],
            ratio(per_cpu[0], per_cpu[1]),
            ratio(per_cpu[0], per_cpu[3]),
        ));
    }

    // (c) Syscalls per echo round trip, lower is better.
    let strace_trips = ((500.0 * scale).round() as usize).max(10);
    if !net::drive::have("strace") {
        out(
            "| syscalls per echo round trip | skipped: `strace` not found (apt-get install -y strace) | | | | | |\n",
        );
    } else {
        progress("strace:");
        let counts: Vec<Option<net::drive::Syscalls>> = Impl::ALL
            .into_iter()
            .map(
                |which| match net::drive::syscalls(which, ECHO_CONNS, strace_trips) {
                    Ok(counts) => {
                        progress(&format!(" {:.2}", counts.total));
                        Some(counts)
                    }
                    Err(err) => {
                        out(&format!("\n{} strace run failed: {err}\n", which.name()));
                        None
                    }
                },
            )
            .collect();
        progress_end("");
        let cell = |c: &Option<net::drive::Syscalls>| match c {
            Some(c) => format!(
                "{:.3} (read {:.3}, write {:.3}, epoll {:.3}, other {:.3})",
                c.total, c.reads, c.writes, c.polls, c.other
            ),
            None => "failed".into(),
        };
        let total = |i: usize| counts[i].map_or(f64::NAN, |c| c.total);
        out(&format!(
            "| syscalls per echo round trip (`strace -f -c`, {ECHO_CONNS} × {strace_trips}; fewer is better) | {} | {} | {} | {} | {} | {} |\n",
            cell(&counts[0]),
            cell(&counts[1]),
            cell(&counts[2]),
            cell(&counts[3]),
            ratio(total(1), total(0)),
            ratio(total(3), total(0)),
        ));
    }
    out(
        "\nRatios: above 1× means evloop is faster, serves more, or makes fewer syscalls. \
         Echo times are wall time inside the process; syscalls are counted over the whole \
         process (all threads), minus a run with one round trip per connection.\n",
    );
}

/// Indices of `net::Impl::ALL`, starting at a different one in each run, so that no
/// implementation always runs first (or right after another one).
fn rotated(run: usize) -> impl Iterator<Item = usize> {
    let n = net::Impl::ALL.len();
    (0..n).map(move |i| (i + run) % n)
}

/// Lateness statistics of one `sleep_100k` run.
#[derive(Clone, Copy, Debug)]
struct SleepStats {
    max: f64,
    p99: f64,
    early: usize,
    max_from_spawn: f64,
    early_from_spawn: usize,
}

fn sleep_stats<R: Rt>(tasks: u64) -> SleepStats {
    let lateness: Vec<Lateness> = R::block_on(sleep_lateness::<R>(tasks));
    let mut from_start: Vec<f64> = lateness.iter().map(|l| l.from_sleep_start).collect();
    let from_spawn: Vec<f64> = lateness.iter().map(|l| l.from_spawn).collect();
    from_start.sort_by(f64::total_cmp);
    let p99_index = (from_start.len() * 99).div_ceil(100).saturating_sub(1);
    SleepStats {
        max: from_start.last().copied().unwrap_or(0.0),
        p99: from_start.get(p99_index).copied().unwrap_or(0.0),
        early: from_start.iter().filter(|&&l| l < 0.0).count(),
        max_from_spawn: from_spawn.iter().copied().fold(f64::MIN, f64::max),
        early_from_spawn: from_spawn.iter().filter(|&&l| l < 0.0).count(),
    }
}

/// `sleep_100k` over all its runs, for one runtime.
#[derive(Clone, Copy, Debug)]
struct SleepSummary {
    max: f64,
    p99: f64,
    early: usize,
    max_from_spawn: f64,
    early_from_spawn: usize,
}

impl SleepSummary {
    fn of(runs: &[SleepStats]) -> Self {
        SleepSummary {
            max: median(runs.iter().map(|s| s.max).collect()),
            p99: median(runs.iter().map(|s| s.p99).collect()),
            early: runs.iter().map(|s| s.early).sum(),
            max_from_spawn: median(runs.iter().map(|s| s.max_from_spawn).collect()),
            early_from_spawn: runs.iter().map(|s| s.early_from_spawn).sum(),
        }
    }
}

impl std::fmt::Display for SleepSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "max {:.2} ms, p99 {:.2} ms, early {}",
            self.max, self.p99, self.early
        )
    }
}

fn print_header(scale: f64, runs: usize) {
    let date = command_output("date", &[]);
    let nproc = command_output("nproc", &[]).unwrap_or_else(|| {
        std::thread::available_parallelism().map_or_else(|_| "?".into(), |n| n.to_string())
    });
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mut header = String::from("# evloop vs tokio vs smol\n\n");
    if let Some(date) = date {
        header += &format!("{date} · ");
    }
    header += &format!(
        "nproc {nproc} · {cpu} · EVLOOP_BENCH_SCALE={scale} · EVLOOP_BENCH_RUNS={runs} \
         (median of runs; sleep_100k: {SLEEP_RUNS} runs)\n\n"
    );
    out(&header);
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn env_parse<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a valid number")),
        Err(_) => default,
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// `numerator / denominator` as `2.31×`.
fn ratio(numerator: f64, denominator: f64) -> String {
    if denominator > 0.0 && numerator.is_finite() {
        format!("{:.2}×", numerator / denominator)
    } else {
        "n/a".into()
    }
}

/// Prints to stdout and flushes.
fn out(text: &str) {
    clear_progress();
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Starts a progress line on stderr. On a terminal the line is rewritten in place (so the
/// table on stdout stays contiguous); otherwise lines accumulate, to see where a run stalls.
fn progress(text: &str) {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K{text}");
    } else {
        eprint!("{text}");
    }
}

/// Ends the progress line started by [`progress`] with `text`.
fn progress_end(text: &str) {
    if std::io::stderr().is_terminal() {
        eprint!("{}", text.trim_end());
    } else {
        eprintln!("{}", text.trim_end());
    }
}

/// Clears the terminal status line of [`progress`], if any.
fn clear_progress() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}
