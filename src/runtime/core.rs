//! `Core`: everything one runtime owns, and the loop turn that drives it.
//!
//! # Ground rules
//!
//! * `Core` lives in an `Rc`, shared by the `Runtime`, the thread-local `CURRENT` while the
//!   loop runs, and each `JoinHandle` / I/O registration. It never leaves its thread.
//! * Every field with interior mutability is borrowed briefly, and **never across user
//!   code**: futures are moved out of the task store to be polled or dropped, wakers are
//!   collected into a buffer and woken after the borrow ends.
//! * What other threads may touch lives in [`Shared`] (behind an `Arc`).
//!
//! # The loop turn
//!
//! ```text
//! poll tasks from the run queue, in FIFO order (the block_on future queues like a task)
//! → after `event_interval` polls, or when nothing is ready:
//!   park: poll the reactor (blocking until the next timer deadline only if nothing is
//!   ready), fire due timers, wake their waiters, run remote wakes and spawns
//! ```
//!
//! Two variants of the park, each a branch per turn for loops that do not use them: a
//! paused clock parks by the auto-advance rule of `virtual_time.rs` (its clock jumps
//! instead of blocking until a deadline), and a seeded loop (`shuffle.rs`) ends each park
//! by moving a task drawn from its seed to the front of the queue.
//!
//! Parking at least every `event_interval` polls is the fairness rule: a task that wakes
//! itself forever cannot starve I/O or timers. Tasks woken by a timer go to an urgent FIFO
//! that runs before the ordinary one, so a timer is late by about one batch of polls, not
//! by the length of the run queue. When no I/O source is registered and nothing
//! must wait, the non-blocking reactor poll is skipped: it could only report the
//! cross-thread waker, which [`Shared`] tracks with an atomic flag.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::Location;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::builder::Config;
use super::clock::Clock;
use super::context;
use super::executor::POLL_BUDGET;
use super::introspect::Stats;
use super::shared::{self, Remote, Shared};
use super::store::{MAIN_KEY, TaskId, TaskStore};
use super::task_arena::TaskArena;
use super::waker::task_waker;
use crate::debug::Wait;
use crate::reactor::Reactor;
use crate::time::wheel::{TimerKey, Wheel};

/// The `block_on` future's id while no `block_on` runs: its generation is outside the
/// 28 bits a waker carries, so no waker matches it.
const NO_MAIN: TaskId = TaskId {
    key: MAIN_KEY,
    generation: u32::MAX,
};

/// Drops the `block_on` future's context variables when dropped (`task_context.rs`).
struct EndMainContext<'a>(&'a Core);

impl Drop for EndMainContext<'_> {
    fn drop(&mut self) {
        self.0.end_main_context();
    }
}

/// One runtime's state. See the module docs for the rules.
pub(super) struct Core {
    /// Unique among all runtimes ever created in this process.
    pub(super) id: u64,
    /// Index in the global registry of runtimes; carried by wakers.
    pub(super) tag: u16,
    pub(super) tasks: RefCell<TaskStore>,
    pub(super) timers: RefCell<Wheel>,
    pub(super) reactor: RefCell<Reactor>,
    pub(super) shared: Arc<Shared>,
    pub(super) config: Config,
    /// The address of the current `block_on` future: `MAIN_KEY` and a generation of its own,
    /// so that the waker of an earlier `block_on` future (of this runtime or of a dropped
    /// one with the same tag) does not wake this one.
    pub(super) main_id: Cell<TaskId>,
    /// The `block_on` future is in the run queue.
    pub(super) main_woken: Cell<bool>,
    /// The task being polled. While it is, nothing moves or drops its `TaskBox` (see
    /// `poll_task`); an abort of it only raises `abort_current`.
    pub(super) current_task: Cell<Option<TaskId>>,
    /// The task being polled was aborted during its poll: cancel it when the poll returns.
    pub(super) abort_current: Cell<bool>,
    /// What the task being polled registered a wait for during this poll (`note_wait`,
    /// `arm_timer`); stored into its slot when the poll returns, where the slot is at hand
    /// anyway, rather than with a lookup per registration.
    pub(super) wait_note: Cell<u64>,
    /// Where `block_on` was called (reports about its future name this).
    pub(super) main_location: Cell<&'static Location<'static>>,
    /// The loop's one clock (`clock.rs`).
    pub(super) clock: Clock,
    /// Counters for `metrics()`.
    pub(super) stats: Stats,
    /// A panic to re-raise from `block_on` (`UnhandledPanic::ShutdownRuntime`).
    pub(super) raise: RefCell<Option<Box<dyn std::any::Any + Send>>>,
    pub(super) raise_pending: Cell<bool>,
    /// Cooperative budget of the current poll: how many more ready `JoinHandle`s it may
    /// consume before it must yield (see `consume_budget`).
    pub(super) budget: Cell<u32>,
    /// The seeded scheduling order's generator (`Builder::seed`); `None`: FIFO.
    pub(super) shuffle: Option<super::shuffle::Shuffle>,
    /// Some task context variable was set on this runtime: spawns copy contexts from then on
    /// (`task_context.rs`).
    pub(super) contexts_used: Cell<bool>,
    /// The context variables of the `block_on` future (tasks keep theirs in their slot).
    pub(super) main_context: RefCell<Option<super::task_context::TaskContext>>,
    /// Where task cells are allocated (`task_arena.rs`).
    pub(super) arena: Rc<TaskArena>,
    /// Reused buffers.
    pub(super) wakers: RefCell<Vec<Waker>>,
    remote: RefCell<Vec<Remote>>,
}

impl Core {
    pub(super) fn new(
        id: u64,
        tag: u16,
        generation: u32,
        reactor: Reactor,
        shared: Arc<Shared>,
        config: Config,
    ) -> Self {
        let clock = Clock::new();
        if config.start_paused {
            clock.pause();
        }
        let shuffle = config.seed.map(super::shuffle::Shuffle::new);
        Core {
            id,
            tag,
            main_id: Cell::new(NO_MAIN),
            tasks: RefCell::new(TaskStore::new(generation)),
            timers: RefCell::new(Wheel::new(clock.created())),
            reactor: RefCell::new(reactor),
            shared,
            config,
            main_woken: Cell::new(false),
            current_task: Cell::new(None),
            abort_current: Cell::new(false),
            wait_note: Cell::new(0),
            main_location: Cell::new(Location::caller()),
            clock,
            stats: Stats::default(),
            raise: RefCell::new(None),
            raise_pending: Cell::new(false),
            budget: Cell::new(POLL_BUDGET),
            shuffle,
            contexts_used: Cell::new(false),
            main_context: RefCell::new(None),
            arena: TaskArena::new(),
            wakers: RefCell::new(Vec::new()),
            remote: RefCell::new(Vec::new()),
        }
    }

    /// Drives `future` to completion on this thread, running every other task meanwhile.
    #[track_caller]
    pub(super) fn block_on<F: Future>(self: &Rc<Self>, future: F) -> F::Output {
        let _enter = context::enter(self.clone());
        self.main_location.set(Location::caller());
        self.begin_main_context();
        // Its context goes when this `block_on` ends, however it ends.
        let _main_context = EndMainContext(self);
        self.reraise_unhandled_panic();
        let mut future = pin!(future);
        let main_id = TaskId {
            key: MAIN_KEY,
            generation: self.tasks.borrow_mut().take_generation(),
        };
        self.main_id.set(main_id);
        self.main_woken.set(false);
        let waker = task_waker(self.tag, main_id);
        let mut cx = Context::from_waker(&waker);
        self.wake_local(main_id);
        // Polls left before the loop must look at I/O and timers again.
        let mut budget = self.config.event_interval;
        loop {
            // The block_on future takes its turn in the run queue like any task (FIFO).
            while budget > 0 {
                let next = self.tasks.borrow_mut().pop();
                match next {
                    // A `block_on` future's id queued by an earlier call: not ours.
                    Some(id) if id.is_main() && id != main_id => {}
                    Some(id) if id.is_main() => {
                        self.main_woken.set(false);
                        self.budget.set(POLL_BUDGET);
                        if let Poll::Ready(output) = self.poll_main(future.as_mut(), &mut cx) {
                            // Take what other threads sent even if this call never parked,
                            // so the inject queue does not wait for the next `block_on`.
                            self.run_remote();
                            self.main_id.set(NO_MAIN); // its wakers now wake nothing
                            return output;
                        }
                    }
                    Some(id) => self.poll_task(id),
                    None => break,
                }
                if self.raise_pending.get() {
                    self.reraise_unhandled_panic();
                }
                budget -= 1;
            }
            let idle = self.tasks.borrow().is_idle();
            self.park(idle);
            self.after_park();
            budget = self.config.event_interval;
        }
    }

    /// Arms a timer on this runtime's wheel (`None`: its deadline has already passed).
    /// Also records the timer as what the current task waits on (snapshots).
    pub(super) fn arm_timer(&self, deadline: Instant, waker: &Waker) -> Option<TimerKey> {
        let (key, tick) = self.timers.borrow_mut().insert_at(deadline, waker)?;
        // The wheel's ticks count milliseconds from the clock's base instant.
        self.wait_note.set(Wait::pack_timer_ms(tick));
        Some(key)
    }

    /// The loop's wait: polls the reactor (blocking until the next timer deadline if
    /// `may_block`), fires due timers, wakes their waiters and runs what other threads sent.
    fn park(&self, may_block: bool) {
        if self.clock.is_paused() {
            self.park_virtual(may_block); // virtual time (`virtual_time.rs`)
        } else {
            self.park_real(may_block);
        }
        if self.shuffle.is_some() {
            self.pick_seeded(); // the seeded order (`shuffle.rs`)
        }
    }

    /// `park` with the real clock (or a virtual one that runs).
    pub(super) fn park_real(&self, may_block: bool) {
        let (timeout, precise) = self.park_timeout(may_block);
        self.with_wakers(|wakers| {
            self.poll_io(timeout, precise, wakers);
            self.fire_timers(wakers);
        });
        self.run_remote();
    }

    /// Runs `f` with the reused buffer of wakers (empty on entry and on return).
    #[inline(always)]
    pub(super) fn with_wakers<R>(&self, f: impl FnOnce(&mut Vec<Waker>) -> R) -> R {
        let mut wakers = std::mem::take(&mut *self.wakers.borrow_mut());
        let output = f(&mut wakers);
        *self.wakers.borrow_mut() = wakers;
        output
    }

    /// How long the reactor may block: not at all if something is ready (or another thread
    /// sent work), else until the next timer deadline (`None`: no timer, block until an
    /// event); and whether that deadline is a fine timer's, to be met to the microsecond.
    fn park_timeout(&self, may_block: bool) -> (Option<Duration>, bool) {
        if !may_block || self.shared.is_notified() {
            return (Some(Duration::ZERO), false);
        }
        let Some((deadline, precise)) = self.timers.borrow_mut().next_deadline() else {
            return (None, false);
        };
        (
            Some(deadline.saturating_duration_since(self.clock.now())),
            precise,
        )
    }

    /// Polls the reactor for I/O events and wakes their waiters. A poll that could not block
    /// is skipped when no source is registered (it could only report the cross-thread waker,
    /// which `Shared` tracks with an atomic flag). A `precise` wait ends at `timeout` to the
    /// microsecond rather than the millisecond (a timerfd). Returns how many events came.
    pub(super) fn poll_io(
        &self,
        timeout: Option<Duration>,
        precise: bool,
        wakers: &mut Vec<Waker>,
    ) -> usize {
        let blocking = timeout != Some(Duration::ZERO);
        if !blocking && !self.reactor.borrow().has_sources() {
            return 0;
        }
        let parked_at = blocking.then(Instant::now);
        let turned = match timeout {
            Some(timeout) if precise => self.reactor.borrow_mut().turn_precise(timeout, wakers),
            _ => self.reactor.borrow_mut().turn(timeout, wakers),
        };
        let events = match turned {
            Ok(events) => events,
            Err(err) => panic!("evloop: unexpected error when polling the I/O driver: {err:?}"),
        };
        if let Some(parked_at) = parked_at {
            let now = Instant::now();
            self.clock.saw_real(now);
            self.stats
                .parked
                .set(self.stats.parked.get() + now.duration_since(parked_at));
        }
        for waker in wakers.drain(..) {
            self.wake_collected(waker);
        }
        events
    }

    /// Fires the timers that are due and wakes their tasks, which run before the tasks
    /// already queued (urgent FIFO), so a timer's lateness is bounded by one batch of polls,
    /// not by the queue length.
    pub(super) fn fire_timers(&self, wakers: &mut Vec<Waker>) {
        if self.timers.borrow().len() == 0 {
            self.clock.tick();
            return;
        }
        let now = self.clock.now();
        self.timers.borrow_mut().process(now, wakers);
        if !wakers.is_empty() {
            self.tasks.borrow_mut().begin_urgent();
            for waker in wakers.drain(..) {
                self.wake_collected(waker);
            }
            self.tasks.borrow_mut().end_urgent();
        }
    }

    /// Runs the wakes and spawns other threads sent, if they sent any.
    pub(super) fn run_remote(&self) {
        if !self.shared.take_notified() {
            return;
        }
        let mut batch = std::mem::take(&mut *self.remote.borrow_mut());
        self.shared.take_queue(&mut batch);
        self.count_remote(batch.len());
        // Tasks spawned by other threads start with no context variables: the `block_on`
        // future's (which a spawn outside any task would copy) are put aside meanwhile. The
        // batch runs no user code that could read or set them.
        let main_context = self.main_context.take();
        for remote in batch.drain(..) {
            match remote {
                Remote::Wake(id) => self.wake_local(id),
                Remote::Spawn(spawn) => spawn(),
            }
        }
        drop(self.main_context.replace(main_context));
        if batch.capacity() > shared::KEEP {
            batch = Vec::new(); // a burst: give the memory back
        }
        *self.remote.borrow_mut() = batch;
    }

    /// Drops every task (on this thread, inside this runtime's context), then every timer,
    /// and closes the door to other threads. Called when the `Runtime` is dropped.
    pub(super) fn shutdown(self: &Rc<Self>) {
        let _enter = context::enter_for_shutdown(self.clone());
        drop(self.shared.close());
        self.report_pending_at_shutdown();
        self.end_main_context();
        // Destructors of tasks may spawn new ones; give up after a bounded number of rounds.
        for _ in 0..64 {
            let slots = self.tasks.borrow_mut().drain();
            if slots.is_empty() {
                break;
            }
            drop(slots);
        }
        let timers = self.timers.borrow_mut().clear();
        drop(timers);
        drop(self.shared.close());
    }
}
