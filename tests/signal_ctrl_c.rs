//! `evloop::signal`: `ctrl_c` and `signal` streams, woken by signals the test process sends
//! itself (`raise` runs the handler on the raising thread before it returns; `kill` from
//! another process goes to any thread).
//!
//! Signals are process-wide and the tests of this file run as threads of one process, so
//! every test holds `SERIAL`. Tests that raise `SIGINT` keep a listener for it alive
//! throughout (`net`), so a bug fails the test instead of killing the whole process. Every
//! wait is bounded. Signals do not run under Miri: every test is ignored there.
#![cfg(feature = "signal")]

mod support;

use std::future::{Future, poll_fn};
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::pin::{Pin, pin};
use std::process::{Command, Stdio};
use std::sync::{Barrier, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::{Duration, Instant};

use evloop::signal::{Signal, SignalKind, ctrl_c, signal};
use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1, SIGUSR2};

/// Upper bound for any wait that should succeed.
const LIMIT: Duration = Duration::from_secs(10);
/// How long "nothing arrives" is watched for.
const QUIET: Duration = Duration::from_millis(100);
/// Set in the environment of a child run of this binary (see `child_*`).
const CHILD_ENV: &str = "EVLOOP_SIGNAL_TEST_CHILD";

/// One test at a time: signals are process-wide.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs a test body on a fresh runtime, holding `SERIAL` throughout.
#[track_caller]
fn serial_run(body: impl Future<Output = io::Result<()>>) {
    let _serial = serial();
    evloop::run(body).unwrap();
}

/// Sends `signum` to this thread (the handler has run when this returns).
#[track_caller]
fn raise(signum: i32) {
    signal_hook::low_level::raise(signum).expect("raise");
}

/// Polls `future` once: whether it was ready.
async fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    let mut future = Some(future);
    poll_fn(|cx| Poll::Ready(future.take().unwrap().poll(cx))).await
}

/// Waits for the next delivery on `signal`, failing after `LIMIT`.
#[track_caller]
fn recv_within_limit(signal: &mut Signal) -> impl Future<Output = ()> + '_ {
    let caller = std::panic::Location::caller();
    async move {
        let received = evloop::wait_for(LIMIT, signal.recv()).await;
        assert_eq!(received, Ok(Some(())), "no {:?} at {caller}", signal.kind());
    }
}

/// Whether `signal` stays silent for `QUIET`.
async fn stays_quiet(signal: &mut Signal) -> bool {
    evloop::wait_for(QUIET, signal.recv()).await.is_err()
}

/// Open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
#[cfg_attr(miri, ignore)]
fn ctrl_c_completes_on_sigint() {
    serial_run(async {
        let _net = signal(SignalKind::interrupt())?;
        let mut ctrl_c = pin!(ctrl_c());
        assert!(
            poll_once(ctrl_c.as_mut()).await.is_pending(),
            "listening now"
        );
        raise(SIGINT);
        let done = evloop::wait_for(LIMIT, ctrl_c).await;
        assert!(matches!(done, Ok(Ok(()))), "{done:?}");
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_waiting_task_wakes_on_its_signal() {
    serial_run(async {
        let mut usr1 = signal(SignalKind::user_defined1())?;
        let waiter = evloop::spawn(async move {
            let start = Instant::now();
            recv_within_limit(&mut usr1).await;
            start.elapsed()
        });
        evloop::sleep(Duration::from_millis(30)).await; // the waiter is parked in the reactor
        raise(SIGUSR1);
        let waited = evloop::wait_for(LIMIT, waiter).await.unwrap().unwrap();
        assert!(waited >= Duration::from_millis(25), "{waited:?}");
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn sigterm_from_another_process_wakes_the_loop() {
    serial_run(async {
        let mut term = signal(SignalKind::terminate())?;
        let pid = std::process::id().to_string();
        let kill =
            evloop::spawn_blocking(move || Command::new("kill").args(["-TERM", &pid]).status());
        let status = kill
            .await
            .unwrap()
            .expect("`kill` (procps) must be installed");
        assert!(status.success());
        recv_within_limit(&mut term).await;
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn deliveries_before_recv_coalesce_into_one() {
    serial_run(async {
        let mut usr2 = signal(SignalKind::user_defined2())?;
        for _ in 0..3 {
            raise(SIGUSR2);
        }
        recv_within_limit(&mut usr2).await;
        assert!(stays_quiet(&mut usr2).await, "three deliveries, one recv");
        raise(SIGUSR2);
        recv_within_limit(&mut usr2).await;
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_signal_is_a_stream() {
    use futures_lite::StreamExt;
    serial_run(async {
        let mut usr1 = signal(SignalKind::user_defined1())?;
        raise(SIGUSR1);
        assert_eq!(evloop::wait_for(LIMIT, usr1.next()).await, Ok(Some(())));
        raise(SIGUSR1);
        assert_eq!(evloop::wait_for(LIMIT, usr1.next()).await, Ok(Some(())));
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn two_listeners_for_one_signal_both_wake() {
    serial_run(async {
        let mut first = signal(SignalKind::user_defined1())?;
        let mut second = signal(SignalKind::user_defined1())?;
        raise(SIGUSR1);
        recv_within_limit(&mut first).await;
        recv_within_limit(&mut second).await;
        // Dropping one leaves the other listening.
        drop(first);
        raise(SIGUSR1);
        recv_within_limit(&mut second).await;
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn listeners_on_two_runtimes_both_wake() {
    let _serial = serial();
    let listening = Barrier::new(3);
    std::thread::scope(|scope| {
        let loops: Vec<_> = (0..2)
            .map(|_| {
                let listening = &listening;
                scope.spawn(move || {
                    evloop::run(async {
                        let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
                        listening.wait();
                        recv_within_limit(&mut usr2).await;
                    })
                })
            })
            .collect();
        listening.wait();
        raise(SIGUSR2); // on this thread, which runs no loop
        for handle in loops {
            handle.join().unwrap();
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_signal_before_listening_is_not_delivered_later() {
    serial_run(async {
        let mut net = signal(SignalKind::interrupt())?;
        raise(SIGINT);
        recv_within_limit(&mut net).await; // delivered, to `net` only

        let mut later = signal(SignalKind::interrupt())?;
        assert!(stays_quiet(&mut later).await);
        let mut ctrl_c = pin!(ctrl_c());
        assert!(poll_once(ctrl_c.as_mut()).await.is_pending());
        assert!(evloop::wait_for(QUIET, ctrl_c.as_mut()).await.is_err());

        raise(SIGINT);
        recv_within_limit(&mut later).await;
        let done = evloop::wait_for(LIMIT, ctrl_c).await;
        assert!(matches!(done, Ok(Ok(()))), "{done:?}");
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn forbidden_and_unknown_signals_are_errors() {
    use signal_hook::consts::{SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGSTOP};
    let _serial = serial();
    evloop::run(async {
        for (signum, name) in [
            (SIGKILL, "SIGKILL"),
            (SIGSTOP, "SIGSTOP"),
            (SIGSEGV, "SIGSEGV"),
            (SIGILL, "SIGILL"),
            (SIGFPE, "SIGFPE"),
        ] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{name}: {err}");
            assert!(err.to_string().contains(name), "{err}");
        }
        for signum in [0, -1, 4096] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert!(err.to_string().contains("cannot listen"), "{signum}: {err}");
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn outside_a_runtime_is_an_error() {
    let _serial = serial();
    let err = signal(SignalKind::user_defined1()).unwrap_err();
    assert!(err.to_string().contains("no runtime"), "{err}");
    // Polled by another executor: the same error, at the first poll.
    let err = futures_lite::future::block_on(ctrl_c()).unwrap_err();
    assert!(err.to_string().contains("no runtime"), "{err}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn dropping_listeners_leaks_no_file_descriptors() {
    let _serial = serial();
    evloop::run(async {
        // Warm up: the first listener of a signal installs the process-wide handler.
        drop(signal(SignalKind::user_defined2())?);
        let before = open_fds();
        for round in 0..200 {
            let mut usr2 = signal(SignalKind::user_defined2())?;
            if round % 50 == 0 {
                raise(SIGUSR2);
                recv_within_limit(&mut usr2).await;
            }
        }
        for _ in 0..50 {
            let mut ctrl_c = pin!(ctrl_c());
            let _net = signal(SignalKind::interrupt())?;
            assert!(poll_once(ctrl_c.as_mut()).await.is_pending());
        }
        assert_eq!(open_fds(), before, "file descriptors leaked");
        io::Result::Ok(())
    })
    .unwrap();
}

/// Runs the test `name` of this binary in a child process (with `CHILD_ENV` set), through
/// `sh -c "$shell_prefix exec ..."`; waits at most `LIMIT` for it.
fn run_child(name: &str, shell_prefix: &str) -> std::process::ExitStatus {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("{shell_prefix} exec \"$0\" \"$@\""))
        .arg(exe)
        .args([
            name,
            "--exact",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("child {name} did not finish within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// In a child process: listens for SIGINT, receives one, stops listening, raises another.
/// Whether the process survives the second is what the parent checks.
#[test]
#[ignore = "run in a child process by the two tests below (it raises SIGINT)"]
fn child_listens_then_raises_sigint() {
    assert!(
        std::env::var_os(CHILD_ENV).is_some(),
        "run only as a child of the tests below, which set {CHILD_ENV}"
    );
    evloop::run(async {
        let mut interrupt = signal(SignalKind::interrupt()).unwrap();
        raise(SIGINT);
        recv_within_limit(&mut interrupt).await;
    });
    raise(SIGINT);
    // Still alive: SIGINT was ignored before we listened, and is again.
}

/// Whether this process ignores SIGINT (as a background job of a script does); its children
/// then inherit that.
fn sigint_ignored_here() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let ignored = status
        .lines()
        .find_map(|line| line.strip_prefix("SigIgn:"))
        .map(|hex| u64::from_str_radix(hex.trim(), 16).unwrap())
        .unwrap();
    ignored & (1 << (SIGINT - 1)) != 0
}

#[test]
#[cfg_attr(miri, ignore)]
fn sigint_kills_again_once_the_last_listener_is_dropped() {
    let status = run_child("child_listens_then_raises_sigint", "");
    if sigint_ignored_here() {
        // The child inherited SIG_IGN: what it did before listening, it does again.
        assert!(status.success(), "{status:?}");
    } else {
        assert_eq!(status.signal(), Some(SIGINT), "{status:?}");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn an_ignored_sigint_stays_ignored_after_listening() {
    // `trap '' INT` makes the shell, and the program it execs, ignore SIGINT (SIG_IGN).
    let status = run_child("child_listens_then_raises_sigint", "trap '' INT;");
    assert!(status.success(), "{status:?}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn listeners_come_and_go_without_a_missed_or_fatal_sigterm() {
    // Many listeners come and go; a signal with a listener never kills the process.
    serial_run(async {
        for _ in 0..20 {
            let mut term = signal(SignalKind::terminate())?;
            raise(SIGTERM);
            recv_within_limit(&mut term).await;
        }
        Ok(())
    });
}
