//! Debug-mode reports and task polls as `tracing` data (feature `tracing`).
//!
//! # Design
//!
//! Each [`DebugEvent`] becomes one `tracing` event (target `evloop`, level WARN, `TaskDump`
//! at INFO) whose fields carry the data (`task.id`, `task.name`, `task.spawned_at`,
//! `duration_us`, ...) and whose message is a short constant (`"slow poll"`), so that a
//! subscriber can filter and aggregate on fields instead of parsing text. The report goes
//! to `tracing` only when a subscriber for this thread (a global default or a scoped one)
//! takes `evloop` events at that level; then it is not also printed to stderr. A
//! subscriber that filters them out leaves the report to stderr. A sink set with
//! `Builder::on_debug_event` still receives every report.
//!
//! With `Builder::trace_polls(true)`, each task poll runs inside a span `poll` (target
//! `evloop`, level TRACE) with the task's id, name and spawn site, so that events a task
//! emits carry them. Off (the default), it costs nothing more: the runtime takes its
//! observed-poll path only when debug mode or poll spans are on, a choice made once at
//! build time.

use std::panic::Location;

use crate::debug::{DebugEvent, TaskInfo};

/// The task's id (0 for the `block_on` future) and name ("" when unnamed).
fn fields(task: &TaskInfo) -> (u64, &str, &'static Location<'static>) {
    (
        task.id.map_or(0, |id| id.as_u64()),
        task.name.as_deref().unwrap_or(""),
        task.location,
    )
}

/// One WARN event about `task`: its id, name and spawn site, then the event's own fields
/// and message. A macro, not a function: `tracing` wants each event's fields at compile
/// time, and each use stays a callsite of its own.
macro_rules! task_warn {
    ($task:expr, $message:tt, $($field:ident = $value:expr),+) => {{
        let (id, name, spawned_at) = fields($task);
        tracing::event!(
            target: "evloop",
            tracing::Level::WARN,
            task.id = id,
            task.name = name,
            task.spawned_at = %spawned_at,
            $($field = $value,)+
            $message
        );
    }};
}

/// Sends `event` to `tracing` if a subscriber for this thread takes `evloop` events at its
/// level (one that filters them out does not count: the report then goes to stderr); true
/// if one did.
pub(crate) fn emit(event: &DebugEvent) -> bool {
    let wanted = match event {
        DebugEvent::TaskDump { .. } => tracing::enabled!(target: "evloop", tracing::Level::INFO),
        _ => tracing::enabled!(target: "evloop", tracing::Level::WARN),
    };
    if !wanted {
        return false;
    }
    match event {
        DebugEvent::SlowPoll {
            task,
            duration,
            threshold,
        } => task_warn!(
            task,
            "slow poll",
            duration_us = duration.as_micros() as u64,
            threshold_us = threshold.as_micros() as u64
        ),
        DebugEvent::PendingAtShutdown { task, age, polls } => task_warn!(
            task,
            "task destroyed while pending",
            age_us = age.as_micros() as u64,
            polls = *polls
        ),
        DebugEvent::UnobservedPanic { task, message } => {
            task_warn!(task, "panic never retrieved", panic = message.as_str())
        }
        DebugEvent::Misuse { message } => {
            tracing::warn!(target: "evloop", detail = message.as_str(), "misuse");
        }
        DebugEvent::TaskDump { table } => {
            tracing::info!(target: "evloop", table = table.as_str(), "task dump");
        }
    }
    true
}

/// The span a task's poll runs in (`Builder::trace_polls`).
pub(crate) fn poll_span(id: u64, name: Option<&str>, spawned_at: &Location<'_>) -> tracing::Span {
    tracing::trace_span!(
        target: "evloop",
        "poll",
        task.id = id,
        task.name = name.unwrap_or(""),
        task.spawned_at = %spawned_at
    )
}
