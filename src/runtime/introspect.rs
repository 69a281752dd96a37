//! The debug-mode and introspection side of `Core`: reports, panic policy, snapshots and
//! counters. Kept apart from `core.rs` so the loop turn reads on its own.
//!
//! # Ground rules
//!
//! * Reports ([`Core::emit`]) call user code (the sink): they are always made with no borrow
//!   of the task store held.
//! * Debug-off cost: counters are plain `Cell`s bumped where the loop already is; the clock
//!   is read only where the loop reads it anyway (see `park`).

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::builder::PanicPolicy;
use super::core::Core;
use super::id::Id;
use super::store::{COMPLETE, QUEUED, RUNNING, TaskId, TaskMeta};
use crate::debug::{
    DebugEvent, RuntimeMetrics, TaskInfo, TaskSnapshot, TaskState, UnhandledPanicInfo, Wait,
};

/// Cross-thread wakes per second above which debug mode reports a wake storm.
const WAKE_STORM_PER_SECOND: u64 = 50_000;

/// Counters behind `RuntimeMetrics`.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) remote_events: Cell<u64>,
    pub(crate) parked: Cell<Duration>,
    /// Debug mode: start of the current one-second wake-storm window, remote events in it,
    /// and whether it was reported.
    pub(crate) storm_window: Cell<Option<(Instant, u64, bool)>>,
}

impl Core {
    /// Sends a report to the sink, and to `tracing` (feature `tracing`) if a subscriber
    /// listens; to stderr only if neither took it.
    pub(crate) fn emit(&self, event: DebugEvent) {
        #[cfg(feature = "tracing")]
        let traced = crate::debug::trace::emit(&event);
        #[cfg(not(feature = "tracing"))]
        let traced = false;
        match &self.config.debug_sink {
            Some(sink) => sink(&event),
            None if !traced => eprintln!("{event}"),
            None => {}
        }
    }

    /// Reports misuse (debug mode only).
    pub(crate) fn misuse(&self, message: String) {
        if self.config.debug {
            self.emit(DebugEvent::Misuse { message });
        }
    }

    /// Polls the `block_on` future, timing it in debug mode.
    pub(crate) fn poll_main<F: Future>(
        &self,
        future: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<F::Output> {
        if !self.config.debug {
            return future.poll(cx);
        }
        let start = Instant::now();
        let poll = future.poll(cx);
        let duration = start.elapsed();
        if duration > self.config.slow_poll_threshold {
            self.emit(DebugEvent::SlowPoll {
                task: TaskInfo {
                    id: None,
                    name: None,
                    location: self.main_location.get(),
                },
                duration,
                threshold: self.config.slow_poll_threshold,
            });
        }
        poll
    }

    /// Debug mode: adds a poll's duration to its task, and reports the poll if it blocked
    /// the loop for longer than the slow-poll threshold.
    pub(crate) fn record_busy(&self, id: TaskId, busy: Duration) {
        let mut store = self.tasks.borrow_mut();
        if store.get(id).is_none() {
            return;
        }
        store.add_busy(id, busy.as_nanos() as u64);
        if busy > self.config.slow_poll_threshold {
            let task = store.get(id).expect("checked above").meta.info();
            drop(store);
            self.emit(DebugEvent::SlowPoll {
                task,
                duration: busy,
                threshold: self.config.slow_poll_threshold,
            });
        }
    }

    /// A task panicked and nobody will look at it: apply the panic policy.
    pub(crate) fn unobserved_panic(&self, meta: &TaskMeta, payload: Box<dyn Any + Send>) {
        let task = meta.info();
        if self.config.debug {
            let message = crate::runtime::panic_message(payload.as_ref())
                .unwrap_or("<non-string panic payload>")
                .to_owned();
            self.emit(DebugEvent::UnobservedPanic {
                task: task.clone(),
                message,
            });
        }
        match &self.config.panic_policy {
            PanicPolicy::Ignore => {}
            PanicPolicy::ShutdownRuntime => {
                let mut raise = self.raise.borrow_mut();
                if raise.is_none() {
                    *raise = Some(payload);
                    self.raise_pending.set(true);
                }
            }
            PanicPolicy::Handler(handler) => handler(UnhandledPanicInfo { task, payload }),
        }
    }

    /// Re-raises a panic recorded under `UnhandledPanic::ShutdownRuntime`.
    pub(crate) fn reraise_unhandled_panic(&self) {
        if self.raise_pending.replace(false) {
            let payload = self.raise.borrow_mut().take();
            if let Some(payload) = payload {
                resume_unwind(payload);
            }
        }
    }

    /// Records, in the slot of the task being polled, what it is about to wait on (shown
    /// in snapshots as what it *last* waited on). Called where a wait is registered, not on
    /// every poll, so it costs nothing to tasks that do not wait.
    #[inline]
    pub(crate) fn note_wait(&self, wait: Wait) {
        // Stored into the task's slot when its poll returns (`finish_poll`); outside a task
        // poll (the `block_on` future) nothing reads it.
        self.wait_note.set(wait.pack(self.clock.created()));
    }

    /// Introspection between loop turns: a task table on SIGQUIT (`dump_on_sigquit`).
    /// Kept out of the turn itself (`park`), which does I/O, timers and remote work only.
    pub(super) fn after_park(&self) {
        if self.reactor.borrow_mut().take_signal() {
            let table = crate::debug::format_table(&self.snapshot());
            self.emit(crate::debug::DebugEvent::TaskDump { table });
        }
    }

    /// Counts events from other threads; in debug mode, reports a storm of them.
    pub(crate) fn count_remote(&self, n: usize) {
        let n = n as u64;
        self.stats
            .remote_events
            .set(self.stats.remote_events.get() + n);
        if !self.config.debug || n == 0 {
            return;
        }
        let now = Instant::now();
        let (mut start, mut count, mut reported) =
            self.stats.storm_window.get().unwrap_or((now, 0, false));
        if now.duration_since(start) >= Duration::from_secs(1) {
            (start, count, reported) = (now, 0, false); // a new one-second window
        }
        count += n;
        if count > WAKE_STORM_PER_SECOND && !reported {
            reported = true;
            self.emit(DebugEvent::Misuse {
                message: format!(
                    "{count} wakes and spawns from other threads within {:.1?}: each one takes \
                     a lock and may cost a syscall to wake the loop; batch the work (send many \
                     items per wake, e.g. through a channel) instead",
                    now.duration_since(start)
                ),
            });
        }
        self.stats.storm_window.set(Some((start, count, reported)));
    }

    /// Reports every task still pending, before shutdown drops them (debug mode).
    pub(crate) fn report_pending_at_shutdown(&self) {
        if !self.config.debug {
            return;
        }
        let now = self.clock.read();
        let pending: Vec<DebugEvent> = self
            .tasks
            .borrow()
            .iter()
            .filter(|slot| !slot.has(COMPLETE))
            .map(|slot| DebugEvent::PendingAtShutdown {
                task: slot.meta.info(),
                age: self.age(slot.spawned_ms, now),
                polls: u64::from(slot.polls),
            })
            .collect();
        for event in pending {
            self.emit(event);
        }
    }

    /// A snapshot of every live task, in spawn order.
    pub(crate) fn snapshot(&self) -> Vec<TaskSnapshot> {
        let now = self.clock.read();
        let store = self.tasks.borrow();
        let mut tasks: Vec<TaskSnapshot> = store
            .iter_keyed()
            .map(|(key, slot)| {
                let polled = self
                    .current_task
                    .get()
                    .is_some_and(|id| id.key as usize == key);
                let state = if polled || slot.has(RUNNING) {
                    TaskState::Running
                } else if slot.has(COMPLETE) {
                    TaskState::Finished
                } else if slot.has(QUEUED) {
                    TaskState::Scheduled
                } else {
                    TaskState::Idle
                };
                TaskSnapshot {
                    id: Id::new(slot.meta.id),
                    name: slot.meta.name().map(str::to_owned),
                    location: slot.meta.location,
                    state,
                    age: self.age(slot.spawned_ms, now),
                    polls: u64::from(slot.polls),
                    busy: self
                        .config
                        .debug
                        .then(|| Duration::from_nanos(store.busy(key))),
                    waiting_on: Wait::unpack(slot.wait, self.clock.created()),
                }
            })
            .collect();
        tasks.sort_by_key(|t| t.id);
        tasks
    }

    /// How long ago the task was spawned.
    fn age(&self, spawned_ms: u32, now: Instant) -> Duration {
        let spawned = self.clock.created() + Duration::from_millis(u64::from(spawned_ms));
        now.saturating_duration_since(spawned)
    }

    /// The description of the task being polled.
    pub(crate) fn current_info(&self) -> Option<TaskInfo> {
        let id = self.current_task.get()?;
        Some(self.tasks.borrow().get(id)?.meta.info())
    }

    /// The runtime's counters.
    pub(crate) fn metrics(&self) -> RuntimeMetrics {
        let store = self.tasks.borrow();
        let reactor = self.reactor.borrow();
        let parked = self.stats.parked.get();
        let (remote_queued, remote_queue_peak) = self.shared.queue_len();
        RuntimeMetrics {
            tasks_spawned: store.spawned(),
            tasks_alive: store.len() as u64,
            polls: store.polls(),
            run_queue_depth: store.queued() as u64,
            reactor_turns: reactor.turns,
            reactor_events: reactor.events_seen,
            timers_armed: self.timers.borrow().len() as u64,
            remote_events: self.stats.remote_events.get(),
            remote_queued: remote_queued as u64,
            remote_queue_peak: remote_queue_peak as u64,
            time_parked: parked,
            time_busy: self.clock.created().elapsed().saturating_sub(parked),
        }
    }
}
