//! asyncio's `create_subprocess_exec` on evloop: several commands run at once, their
//! output streamed line by line as it arrives (prefixed with the command's name), and a
//! timeout that kills the one that takes too long.
//!
//! ```text
//! cargo run --example subprocess
//! ```
//!
//! Each command is a `process::Command` with a piped stdout, read through a
//! `futures_util` `BufReader` in its own task; `wait_for` bounds each run and
//! `Child::kill` stops a late one (its exit status then says `SIGKILL`).

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use evloop::process::{Command, Stdio};
use futures_util::io::{AsyncBufReadExt, BufReader};

/// Each command may take this long; then it is killed.
const TIMEOUT: Duration = Duration::from_millis(1_500);

/// Runs `script` under `sh`, printing its lines as they come; returns how it ended.
async fn run(name: &'static str, script: &'static str, started: Instant) -> io::Result<String> {
    let mut child = Command::new("sh")
        .args(["-c", script])
        .stdout(Stdio::piped())
        .kill_on_drop(true) // a task cancelled mid-run leaves no process behind
        .spawn()?;
    let stdout = child.stdout.take().expect("piped");
    let print_lines = async move {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = futures_util::StreamExt::next(&mut lines).await {
            let at = started.elapsed().as_millis();
            println!("[{at:>5} ms] {name}: {}", line?);
        }
        io::Result::Ok(())
    };
    // The output and the exit, within the timeout.
    let finished = evloop::wait_for(TIMEOUT, async {
        let (printed, status) = evloop::join!(print_lines, child.wait());
        printed?;
        status
    })
    .await;
    let status = match finished {
        Ok(status) => status?,
        Err(_elapsed) => {
            child.kill()?; // too slow: stop it, then collect its status
            child.wait().await?
        }
    };
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(9)) => format!("killed after {TIMEOUT:?}"),
        (None, signal) => format!("ended by signal {signal:?}"),
    })
}

fn main() {
    evloop::run(async {
        let started = Instant::now();
        let commands = [
            (
                "counter",
                "for i in 1 2 3; do echo tick $i; sleep 0.2; done",
            ),
            ("quick", "echo done at once"),
            ("failing", "echo about to fail; exit 3"),
            (
                "slow",
                "echo starting a long job; sleep 10; echo never printed",
            ),
        ];
        let results = evloop::gather(
            commands.map(|(name, script)| async move { (name, run(name, script, started).await) }),
        )
        .await;
        println!("--- after {} ms:", started.elapsed().as_millis());
        for (name, result) in results {
            match result {
                Ok(how) => println!("{name}: {how}"),
                Err(err) => println!("{name}: could not run: {err}"),
            }
        }
    });
}
