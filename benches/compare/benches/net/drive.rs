//! Out-of-process measurements: `wrk` against a server child pinned to one core, and
//! `strace -c -f` around an echo child. The children are this same bench binary started
//! with [`SERVE_FLAG`] or [`ECHO_FLAG`] (see [`child_mode`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{Impl, echo, serve_http};

/// `<bench> --serve-http <impl>`: serve the hello app until killed.
pub const SERVE_FLAG: &str = "--serve-http";
/// `<bench> --echo <impl> <conns> <trips>`: run the echo workload once, print its time, exit.
pub const ECHO_FLAG: &str = "--echo";

/// Runs this process as a child if it was started with [`SERVE_FLAG`] or [`ECHO_FLAG`];
/// returns `false` for a normal benchmark run.
pub fn child_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let which = |i: usize| {
        let name = args.get(i + 1).map_or("", String::as_str);
        Impl::from_name(name).unwrap_or_else(|| panic!("unknown implementation {name:?}"))
    };
    let number = |i: usize| -> usize {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("usage: {ECHO_FLAG} <impl> <conns> <trips>"))
    };
    if let Some(i) = args.iter().position(|a| a == SERVE_FLAG) {
        serve_http(which(i));
        return true;
    }
    if let Some(i) = args.iter().position(|a| a == ECHO_FLAG) {
        let time = echo(which(i), number(i + 2), number(i + 3));
        println!(
            "{} echo: {:.1} ms",
            which(i).name(),
            time.as_secs_f64() * 1e3
        );
        return true;
    }
    false
}

/// One `wrk` run against one server.
#[derive(Clone, Copy, Debug)]
pub struct HttpRun {
    pub requests_per_sec: f64,
    /// Requests completed per second of CPU time the server process used (user + system).
    pub per_cpu_sec: f64,
}

/// Kills the child on drop, so a failed measurement never leaves a server behind.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Is `program` on the `PATH`?
pub fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// `program args` pinned to `cpu` with `taskset` when the machine has it and the CPU exists.
fn pinned(cpu: usize, program: &Path) -> Command {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if have("taskset") && cpu < cpus {
        let mut command = Command::new("taskset");
        command.arg("-c").arg(cpu.to_string()).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn this_binary() -> PathBuf {
    std::env::current_exe().expect("path of the bench binary")
}

/// Starts the hello server of `which` on CPU 0, drives it with
/// `wrk -t2 -c64 -d<seconds>s` on CPU 1, and measures the server's CPU time meanwhile.
pub fn wrk(which: Impl, seconds: u32) -> Result<HttpRun, String> {
    let mut child = pinned(0, &this_binary())
        .args([SERVE_FLAG, which.name()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| format!("cannot start the server: {err}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let child = Reaped(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|err| format!("server did not start: {err}"))?;
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("server printed {line:?} instead of its address"))?;
    check_hello(addr)?;

    let pid = child.0.id();
    let cpu_before = cpu_seconds(pid)?;
    let output = pinned(1, Path::new("wrk"))
        .args(["-t2", "-c64", &format!("-d{seconds}s")])
        .arg(format!("http://{addr}/bench"))
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run wrk (apt-get install -y wrk): {err}"))?;
    let cpu = cpu_seconds(pid)? - cpu_before;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("wrk failed: {text}"));
    }
    if let Some(line) = text
        .lines()
        .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
    {
        return Err(format!(
            "wrk saw errors against {}: {}",
            which.name(),
            line.trim()
        ));
    }
    let requests: f64 = text
        .lines()
        .find_map(|l| {
            l.trim()
                .split_once(" requests in ")
                .map(|(n, _)| n.trim().parse().ok())
        })
        .flatten()
        .ok_or_else(|| format!("no request count in wrk's output: {text}"))?;
    let requests_per_sec: f64 = text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Requests/sec:")
                .map(|r| r.trim().parse().ok())
        })
        .flatten()
        .ok_or_else(|| format!("no Requests/sec in wrk's output: {text}"))?;
    Ok(HttpRun {
        requests_per_sec,
        per_cpu_sec: if cpu > 0.0 { requests / cpu } else { f64::NAN },
    })
}

/// One request with the standard library, so a broken server fails loudly before `wrk`.
fn check_hello(addr: SocketAddr) -> Result<(), String> {
    let mut stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /bench HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut reply = Vec::new();
    let mut buf = [0; 1024];
    while !reply.ends_with(b"Hello, bench") {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(err) => return Err(format!("no answer from the server: {err}")),
        }
    }
    let reply = String::from_utf8_lossy(&reply);
    if reply.starts_with("HTTP/1.1 200") && reply.ends_with("Hello, bench") {
        Ok(())
    } else {
        Err(format!("unexpected answer: {reply:?}"))
    }
}

/// User + system CPU time of process `pid` (all its threads) so far.
fn cpu_seconds(pid: u32) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|err| format!("cannot read /proc/{pid}/stat: {err}"))?;
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let after_comm = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    let (Some(user), Some(system)) = (ticks(11), ticks(12)) else {
        return Err(format!("unexpected /proc/{pid}/stat: {stat}"));
    };
    Ok((user + system) as f64 / clock_ticks_per_second())
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Syscalls per echo round trip, by kind.
#[derive(Clone, Copy, Debug, Default)]
pub struct Syscalls {
    pub total: f64,
    pub reads: f64,
    pub writes: f64,
    pub polls: f64,
    pub other: f64,
}

/// Runs the echo workload of `which` under `strace -f -c` twice, with `trips` and with one
/// round trip per connection, and divides the difference by the number of extra round
/// trips: setup (process start, runtime, connects, a connection's first read) cancels out.
/// `trips` must be at least 2.
pub fn syscalls(which: Impl, conns: usize, trips: usize) -> Result<Syscalls, String> {
    let busy = strace_counts(which, conns, trips)?;
    let idle = strace_counts(which, conns, 1)?;
    let round_trips = (conns * (trips - 1)) as f64;
    let per_trip = |kinds: &[&str]| {
        let count = |counts: &[(String, u64)]| -> u64 {
            counts
                .iter()
                .filter(|(name, _)| kinds.is_empty() || kinds.contains(&name.as_str()))
                .map(|(_, calls)| calls)
                .sum()
        };
        (count(&busy) as f64 - count(&idle) as f64) / round_trips
    };
    let reads = per_trip(&["read", "recvfrom", "recvmsg", "readv"]);
    let writes = per_trip(&["write", "sendto", "sendmsg", "writev"]);
    let polls = per_trip(&["epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll"]);
    let total = per_trip(&[]);
    Ok(Syscalls {
        total,
        reads,
        writes,
        polls,
        other: (total - reads - writes - polls).max(0.0),
    })
}

/// `(syscall, calls)` from `strace -f -c` around one echo child.
fn strace_counts(which: Impl, conns: usize, trips: usize) -> Result<Vec<(String, u64)>, String> {
    let report = std::env::temp_dir().join(format!(
        "evloop-bench-strace-{}-{}.txt",
        which.name(),
        std::process::id()
    ));
    let status = Command::new("strace")
        .args(["-f", "-c", "-o"])
        .arg(&report)
        .arg(this_binary())
        .args([
            ECHO_FLAG,
            which.name(),
            &conns.to_string(),
            &trips.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|err| format!("cannot run strace (apt-get install -y strace): {err}"))?;
    let text = std::fs::read_to_string(&report).map_err(|err| format!("no strace report: {err}"));
    let _ = std::fs::remove_file(&report);
    let text = text?;
    if !status.success() {
        return Err(format!("the echo child failed under strace: {status}"));
    }
    // Rows: `% time  seconds  usecs/call  calls  [errors]  syscall`; skip the total row.
    Ok(text
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let name = *fields.last()?;
            let calls = fields.get(3)?.parse().ok()?;
            (fields.len() >= 5 && name != "total").then(|| (name.to_owned(), calls))
        })
        .collect())
}
