//! `dump_on_sigquit`: `kill -QUIT <pid>` makes a running loop print its task table.
//! Needs `--features sigquit` (CI runs it).
#![cfg(feature = "sigquit")]

mod support;

use std::time::{Duration, Instant};

use evloop::debug::DebugEvent;
use support::Recorder;

#[test]
#[cfg_attr(miri, ignore)] // signals and processes
fn sigquit_prints_the_task_table_of_a_parked_loop() {
    let recorder = Recorder::new();
    let rt = recorder
        .builder(false)
        .dump_on_sigquit(true)
        .build()
        .unwrap();
    let events = recorder.clone();
    rt.block_on(async move {
        evloop::spawn_named("hung-forever", std::future::pending::<()>());
        evloop::yield_now().await;
        let status = std::process::Command::new("kill")
            .args(["-QUIT", &std::process::id().to_string()])
            .status()
            .expect("`kill` (procps) must be installed");
        assert!(status.success());
        // The loop parks; the signal's self-pipe wakes it. Bounded wait.
        let start = Instant::now();
        while events.events().is_empty() && start.elapsed() < Duration::from_secs(10) {
            evloop::sleep(Duration::from_millis(5)).await;
        }
    });
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{:?}", recorder.lines());
    let DebugEvent::TaskDump { table } = &events[0] else {
        panic!("{:?}", events[0]);
    };
    assert!(table.starts_with("evloop: 1 tasks"), "{table}");
    assert!(table.contains("hung-forever"), "{table}");
}
