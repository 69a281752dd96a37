//! Example binaries as child processes of a test: built once per test run, started with
//! port 0, killed when the test ends however it ends.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Once;

/// The examples the tests run with the default features (built together, once).
const EXAMPLES: [&str; 6] = [
    "hello_server",
    "echo_server",
    "scraper",
    "stream_processing",
    "subprocess",
    "file_io",
];

/// The examples that need the optional feature `hyper`, built together, once, when a test
/// first asks for one.
const HYPER_EXAMPLES: [&str; 2] = ["hyper_server", "hyper_scraper"];

/// The examples of the workspace member `evloop-ecosystem` (`examples/ecosystem/`: they
/// use crates that evloop's own examples should not have to build).
const ECOSYSTEM_EXAMPLES: [&str; 2] = ["websocket_chat", "postgres_queries"];

/// Path of an example binary, building all of its group on first use.
pub fn example(name: &str) -> PathBuf {
    static BUILD: Once = Once::new();
    static BUILD_HYPER: Once = Once::new();
    static BUILD_ECOSYSTEM: Once = Once::new();
    let build = |examples: &[&str], extra: &[&str]| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "--quiet"]).args(extra);
        for example in examples {
            cargo.args(["--example", example]);
        }
        let status = cargo
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo");
        assert!(status.success(), "cargo build --example failed");
    };
    if HYPER_EXAMPLES.contains(&name) {
        BUILD_HYPER.call_once(|| build(&HYPER_EXAMPLES, &["--features", "hyper"]));
    } else if ECOSYSTEM_EXAMPLES.contains(&name) {
        BUILD_ECOSYSTEM.call_once(|| build(&ECOSYSTEM_EXAMPLES, &["-p", "evloop-ecosystem"]));
    } else {
        BUILD.call_once(|| build(&EXAMPLES, &[]));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let target = if target.is_relative() {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(target)
    } else {
        target
    };
    target.join("debug").join("examples").join(name)
}

/// A child process killed when the test ends, however it ends.
pub struct Running {
    pub child: Child,
    /// Kept open so that the child never writes into a closed pipe.
    pub stdout: BufReader<ChildStdout>,
}

impl Running {
    /// Starts `command` and returns it with the first line it prints (within
    /// [`TEST_LIMIT`](super::TEST_LIMIT): a child that never prints fails the test).
    pub fn start(mut command: Command) -> (Running, String) {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("start {command:?}: {err}"));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = stdout.read_line(&mut line);
            let _ = tx.send((read.map(|_| line), stdout));
        });
        let Ok((line, stdout)) = rx.recv_timeout(super::TEST_LIMIT) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} printed nothing within {:?}", super::TEST_LIMIT);
        };
        let running = Running { child, stdout };
        let line = line.unwrap();
        assert!(
            !line.is_empty(),
            "{command:?} exited before printing its address"
        );
        (running, line.trim_end().to_string())
    }

    /// Starts an example server on port 0 and returns it with its `host:port`.
    pub fn example(name: &str, args: &[&str]) -> (Running, SocketAddr) {
        let mut command = Command::new(example(name));
        command.args(args);
        let (running, line) = Running::start(command);
        let addr = line
            .strip_prefix("listening on ")
            .map(|a| a.trim_start_matches("http://"))
            .unwrap_or_else(|| panic!("{name}: unexpected first line {line:?}"));
        (running, addr.parse().unwrap())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Open sockets of the child (Linux: the `socket:[..]` links of `/proc/PID/fd`): its
    /// listeners and connections, not the runtime's own fds (epoll, eventfd, and a timerfd
    /// made the first time a sub-millisecond timer is armed).
    pub fn open_sockets(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|dir| {
                dir.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                    .filter(|target| target.to_string_lossy().starts_with("socket:"))
                    .count()
            })
            .unwrap_or(0)
    }
}

/// Runs `command` to its end with `input` (small) on its standard input, collecting its
/// output; kills it and fails the test if it takes longer than `limit`.
pub fn output_with_input(
    command: &mut Command,
    input: &[u8],
    limit: std::time::Duration,
) -> std::process::Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("start {command:?}: {err}"));
    child.stdin.take().unwrap().write_all(input).unwrap(); // then closed: end of file
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(limit) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            // SAFETY: kill(2) on the child's pid; it is not reaped before the thread's wait.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("{command:?} did not finish within {limit:?}");
        }
    }
}

/// [`output_with_input`] with nothing on standard input.
pub fn output_within(command: &mut Command, limit: std::time::Duration) -> std::process::Output {
    output_with_input(command, b"", limit)
}

/// Re-runs this test binary for the one test `name` (`--exact`, one thread, plus `args`),
/// with `env` set: its output, within [`TEST_LIMIT`](super::TEST_LIMIT) (the child is
/// killed after that). For tests that need a fresh process: an environment variable read
/// once, a signal, a subscriber for the whole process.
pub fn rerun_test(name: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args([name, "--exact", "--test-threads=1"])
        .args(args)
        .envs(env.iter().copied());
    output_within(&mut command, super::TEST_LIMIT)
}
