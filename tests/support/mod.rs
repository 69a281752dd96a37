//! Helpers shared by the integration tests.
#![allow(dead_code)]

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
        evloop::Runtime::builder()
            .debug(debug)
            .on_debug_event(move |event| sink.borrow_mut().push(event.clone()))
    }

    pub fn events(&self) -> Vec<evloop::debug::DebugEvent> {
        self.0.borrow().clone()
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.borrow().iter().map(ToString::to_string).collect()
    }
}
