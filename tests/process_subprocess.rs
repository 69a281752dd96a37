//! `evloop::process`: subprocesses with piped standard streams, exit without a thread per
//! child, kill and kill-on-drop, no zombies (issue 13). Processes do not run under Miri:
//! every test is ignored there.

mod support;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::{Duration, Instant};

use evloop::process::{Command, Stdio};

/// Waits (up to 10 s) until process `pid` is gone from `/proc`: exited *and* reaped.
async fn reaped(pid: u32) -> bool {
    let proc = format!("/proc/{pid}");
    for _ in 0..1_000 {
        if !Path::new(&proc).exists() {
            return true;
        }
        evloop::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[test]
#[cfg_attr(miri, ignore)]
fn two_hundred_children_at_once_with_their_exit_codes() {
    support::run(async {
        let children: Vec<_> = (0..200)
            .map(|i| {
                Command::new("sh")
                    .args(["-c", &format!("exit {i}")])
                    .spawn()
                    .unwrap()
            })
            .collect();
        let statuses = evloop::gather(
            children
                .into_iter()
                .map(|mut child| async move { child.wait().await.unwrap() }),
        )
        .await;
        for (i, status) in statuses.iter().enumerate() {
            assert_eq!(status.code(), Some(i as i32), "child {i}");
        }
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn ten_mib_through_stdin_stdout_and_stderr_without_deadlock() {
    const SIZE: usize = 10 << 20;
    support::run(async {
        // tee copies stdin to stdout and to stderr: both pipes fill while stdin is written.
        let mut child = Command::new("sh")
            .args(["-c", "tee /dev/stderr"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().unwrap();
        let input: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
        let write = async {
            stdin.write_all(&input).await?;
            drop(stdin); // end of file: tee finishes
            std::io::Result::Ok(())
        };
        let (written, output) = evloop::join!(write, child.wait_with_output());
        written?;
        let output = output?;
        assert!(output.status.success());
        assert_eq!(output.stdout.len(), SIZE);
        assert_eq!(output.stderr.len(), SIZE);
        assert!(
            output.stdout == input && output.stderr == input,
            "bytes changed"
        );
        std::io::Result::Ok(())
    })
    .unwrap();
}

#[test]
#[cfg_attr(miri, ignore)]
fn kill_and_kill_on_drop_and_no_zombies() {
    support::run(async {
        // kill: the status says SIGKILL.
        let mut child = Command::new("sleep").arg("60").spawn()?;
        child.kill()?;
        assert_eq!(child.wait().await?.signal(), Some(9));
        // kill_on_drop: dropped, killed, and reaped by the loop.
        let child = Command::new("sleep").arg("60").kill_on_drop(true).spawn()?;
        let pid = child.id().unwrap();
        drop(child);
        assert!(reaped(pid).await, "a child killed on drop stayed a zombie");
        // Dropped without waiting, not killed: it runs to its end and is then reaped.
        let child = Command::new("sleep").arg("0.1").spawn()?;
        let pid = child.id().unwrap();
        drop(child);
        assert!(reaped(pid).await, "a dropped child stayed a zombie");
        std::io::Result::Ok(())
    })
    .unwrap();
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_program_that_does_not_exist_is_an_error_naming_it() {
    support::run(async {
        let err = Command::new("evloop-no-such-program").spawn().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        assert!(err.to_string().contains("evloop-no-such-program"), "{err}");
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_loop_keeps_ticking_while_children_run() {
    support::run(async {
        let started = Instant::now();
        let ticks = std::rc::Rc::new(std::cell::Cell::new(0u32));
        let ticker = evloop::spawn({
            let ticks = ticks.clone();
            async move {
                let mut every = evloop::interval(Duration::from_millis(1));
                loop {
                    every.tick().await;
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        let status = Command::new("sleep").arg("0.3").status().await.unwrap();
        assert!(status.success());
        assert!(started.elapsed() >= Duration::from_millis(300));
        ticker.abort();
        // A 1 ms interval owes a tick per elapsed millisecond (missed ticks burst): the loop
        // ran it all along instead of blocking on the child.
        assert!(ticks.get() >= 100, "only {} ticks in 300 ms", ticks.get());
        // At 1 ms, ~300 ticks happened while the child ran; the loop was never blocked.
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn without_a_pidfd_exits_are_noticed_through_sigchld() {
    // Re-runs `fallback_child` with the pidfd path switched off.
    let output = support::child::rerun_test(
        "fallback_child",
        &["--ignored"],
        &[("EVLOOP_PROCESS_NO_PIDFD", "1")],
    );
    assert!(
        output.status.success(),
        "the fallback run failed: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
#[ignore = "run by without_a_pidfd_exits_are_noticed_through_sigchld, without pidfds"]
fn fallback_child() {
    assert!(std::env::var_os("EVLOOP_PROCESS_NO_PIDFD").is_some());
    support::run(async {
        let statuses = evloop::gather((0..20).map(|i| async move {
            Command::new("sh")
                .args(["-c", &format!("sleep 0.0{}; exit {i}", i % 5)])
                .status()
                .await
                .unwrap()
        }))
        .await;
        for (i, status) in statuses.iter().enumerate() {
            assert_eq!(status.code(), Some(i as i32));
        }
        let child = Command::new("sleep").arg("0.05").spawn().unwrap();
        let pid = child.id().unwrap();
        drop(child);
        assert!(reaped(pid).await);
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_subprocess_example_streams_output_and_kills_the_slow_one() {
    let output = std::process::Command::new(support::child::example("subprocess"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    // Streamed as it arrives: the counter's ticks come in order, between other lines.
    let ticks: Vec<usize> = (1..=3)
        .map(|i| {
            stdout
                .find(&format!("counter: tick {i}"))
                .expect("a tick line")
        })
        .collect();
    assert!(ticks.windows(2).all(|w| w[0] < w[1]), "{stdout}");
    assert!(stdout.contains("failing: exited with status 3"), "{stdout}");
    assert!(stdout.contains("slow: killed after"), "{stdout}");
    assert!(!stdout.contains("never printed"), "{stdout}");
}
