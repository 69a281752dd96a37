//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod child;
pub mod postgres;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Counts how many times a future was polled and whether it was dropped.
#[derive(Clone, Default)]
pub struct Tracker {
    pub polls: Rc<Cell<usize>>,
    pub drops: Rc<Cell<usize>>,
}

impl Tracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Wraps `future` so its polls and its drop are counted.
    pub fn track<F: Future>(&self, future: F) -> Tracked<F> {
        Tracked {
            future: Box::pin(future),
            tracker: self.clone(),
        }
    }

    pub fn polls(&self) -> usize {
        self.polls.get()
    }

    pub fn drops(&self) -> usize {
        self.drops.get()
    }
}

pub struct Tracked<F> {
    future: Pin<Box<F>>,
    tracker: Tracker,
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.tracker.polls.set(self.tracker.polls.get() + 1);
        self.future.as_mut().poll(cx)
    }
}

impl<F> Drop for Tracked<F> {
    fn drop(&mut self) {
        self.tracker.drops.set(self.tracker.drops.get() + 1);
    }
}

/// A future that is pending until `flag` is set, counting its polls.
pub fn wait_flag(flag: Rc<Cell<bool>>) -> impl Future<Output = ()> {
    std::future::poll_fn(move |_| {
        if flag.get() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}

/// Runs `f` and returns the message of the panic it must raise.
#[track_caller]
pub fn panic_message(f: impl FnOnce()) -> String {
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("expected a panic");
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        panic!("panic payload is not a string")
    }
}

/// Under Miri everything is ~1000× slower: scale counts down.
pub const fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        if n / 100 > 10 { n / 100 } else { 10 }
    } else {
        n
    }
}

/// Debug events captured through `Builder::on_debug_event`.
#[derive(Clone, Default)]
pub struct Recorder(pub Rc<std::cell::RefCell<Vec<evloop::debug::DebugEvent>>>);

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A runtime builder whose debug events land in this recorder.
    pub fn builder(&self, debug: bool) -> evloop::runtime::Builder {
        let sink = self.0.clone();
        // No slow-poll reports unless a test asks for them (under Miri every poll is slow);
        // a later `.slow_poll_threshold(..)` overrides this.
        evloop::Runtime::builder()
            .debug(debug)
            .slow_poll_threshold(std::time::Duration::from_secs(3600))
            .on_debug_event(move |event| sink.borrow_mut().push(event.clone()))
    }

    pub fn events(&self) -> Vec<evloop::debug::DebugEvent> {
        self.0.borrow().clone()
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.borrow().iter().map(ToString::to_string).collect()
    }
}

/// Yields to the loop `n` times: lets ready tasks (and the tasks they wake) run.
pub async fn yield_times(n: usize) {
    for _ in 0..n {
        evloop::yield_now().await;
    }
}

/// A shared log of events, to assert the order in which tasks got something.
#[derive(Clone, Default)]
pub struct Log<T>(pub Rc<std::cell::RefCell<Vec<T>>>);

impl<T: Clone> Log<T> {
    pub fn new() -> Self {
        Log(Rc::default())
    }

    pub fn push(&self, item: T) {
        self.0.borrow_mut().push(item);
    }

    pub fn items(&self) -> Vec<T> {
        self.0.borrow().clone()
    }

    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }
}

/// Awaits `handle`, yielding at most `max_yields` times for it to finish first, so that a
/// lost wakeup fails the test instead of hanging it. Panics if the task failed.
pub async fn finish<T: 'static>(handle: evloop::JoinHandle<T>, max_yields: usize) -> T {
    for _ in 0..max_yields {
        if handle.is_finished() {
            break;
        }
        evloop::yield_now().await;
    }
    assert!(
        handle.is_finished(),
        "task still pending after {max_yields} yields: lost wakeup?"
    );
    handle.await.expect("task failed")
}

/// Like [`finish`] for many tasks (some may have been aborted): yields at most
/// `max_yields` times in all, then returns every result in order.
pub async fn finish_all<T: 'static>(
    handles: Vec<evloop::JoinHandle<T>>,
    max_yields: usize,
) -> Vec<Result<T, evloop::JoinError>> {
    let mut pending = 0; // handles[..pending] are finished
    for _ in 0..max_yields {
        while pending < handles.len() && handles[pending].is_finished() {
            pending += 1;
        }
        if pending == handles.len() {
            break;
        }
        evloop::yield_now().await;
    }
    let unfinished = handles.iter().filter(|h| !h.is_finished()).count();
    assert_eq!(
        unfinished, 0,
        "tasks still pending after {max_yields} yields: lost wakeup?"
    );
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await);
    }
    results
}

/// [`finish_all`], asserting that every task succeeded.
pub async fn finish_all_ok<T: 'static>(
    handles: Vec<evloop::JoinHandle<T>>,
    max_yields: usize,
) -> Vec<T> {
    finish_all(handles, max_yields)
        .await
        .into_iter()
        .map(|r| r.expect("task failed"))
        .collect()
}

/// A waker that counts its wakes, for polling futures by hand outside a runtime.
#[derive(Default)]
pub struct WakeCount(std::sync::atomic::AtomicUsize);

impl WakeCount {
    /// A fresh counter and a waker that bumps it.
    pub fn new() -> (std::sync::Arc<Self>, std::task::Waker) {
        let count = std::sync::Arc::new(WakeCount::default());
        let waker = std::task::Waker::from(count.clone());
        (count, waker)
    }

    pub fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl std::task::Wake for WakeCount {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Polls `future` once with `waker`, outside any runtime.
#[track_caller]
pub fn poll_with<F: Future + Unpin>(future: &mut F, waker: &std::task::Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// A value that counts its drops (to prove an item was dropped once, never duplicated).
#[derive(Debug)]
pub struct DropCounter(pub u32, pub Rc<Cell<usize>>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.1.set(self.1.get() + 1);
    }
}

/// Polls `future` exactly once with the current task's waker and returns the result (to
/// leave a waiter registered, or granted, and then drop it at a chosen moment).
pub async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

/// Whether the outside programs (test peers) a test drives are installed, e.g.
/// `["curl", "wrk"]`. A missing one prints one line saying which and how to install it
/// (`skipped: wrk not found; apt-get install -y wrk`) and returns false, and the test
/// returns early and passes, so that the README's `cargo test` passes on a machine with only
/// a Rust toolchain. With `EVLOOP_REQUIRE_PEERS=1` (set by `.ci/run`, which installs the
/// peers) a missing peer fails the test instead.
#[track_caller]
pub fn peers_available(programs: &[&str]) -> bool {
    for program in programs {
        // It started: installed (`wrk --version` exits with 1, so the status is ignored).
        let found = std::process::Command::new(program)
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok();
        if found {
            continue;
        }
        return skip(&format!(
            "{program} not found; apt-get install -y {program}"
        ));
    }
    true
}

/// A peer is missing: prints `skipped: {message}` and returns false, or, with
/// `EVLOOP_REQUIRE_PEERS=1`, fails the test.
#[track_caller]
pub fn skip(message: &str) -> bool {
    if std::env::var_os("EVLOOP_REQUIRE_PEERS").is_some_and(|v| v == "1") {
        panic!("EVLOOP_REQUIRE_PEERS=1 and {message}");
    }
    // Straight to stderr, past the test harness's output capture: the skip is seen.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {message}");
    false
}

/// A Python 3 that can `import module`: `python3` on the `PATH`, else Debian's
/// `/usr/bin/python3` (where `apt-get install python3-...` puts modules); `None` (after
/// [`skip`]) if neither can.
#[track_caller]
pub fn python_with(module: &str, debian_package: &str) -> Option<&'static str> {
    for python in ["python3", "/usr/bin/python3"] {
        let imports = std::process::Command::new(python)
            .args(["-c", &format!("import {module}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if imports {
            return Some(python);
        }
    }
    skip(&format!(
        "no python3 with the module {module}; apt-get install -y {debian_package}"
    ));
    None
}

/// How long any one test body may wait before it fails as hung (stretched under Miri,
/// where every poll is slow).
pub const TEST_LIMIT: std::time::Duration =
    std::time::Duration::from_secs(if cfg!(miri) { 900 } else { 60 });

/// `evloop::run` with a deadline: a test whose body waits for longer than [`TEST_LIMIT`]
/// (a lost wakeup, a peer that never answers) fails, instead of hanging the test run.
#[track_caller]
pub fn run<F: Future>(body: F) -> F::Output {
    let location = std::panic::Location::caller();
    evloop::run(async move {
        match evloop::wait_for(TEST_LIMIT, body).await {
            Ok(output) => output,
            Err(_elapsed) => {
                panic!("test body at {location} still waiting after {TEST_LIMIT:?}: hung")
            }
        }
    })
}

/// `runtime.block_on(body)` with the deadline of [`run`]: for tests that need their own
/// runtime (a builder option, or a runtime kept across several `block_on` calls).
#[track_caller]
pub fn block_on<F: Future>(runtime: &evloop::Runtime, body: F) -> F::Output {
    let location = std::panic::Location::caller();
    runtime.block_on(async move {
        match evloop::wait_for(TEST_LIMIT, body).await {
            Ok(output) => output,
            Err(_elapsed) => {
                panic!("test body at {location} still waiting after {TEST_LIMIT:?}: hung")
            }
        }
    })
}
