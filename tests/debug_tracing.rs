//! Feature `tracing`: debug reports as structured `tracing` events, sent once (not also to
//! stderr when a subscriber listens), and task polls inside `poll` spans.
#![cfg(feature = "tracing")]

mod support;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What the test subscriber saw: events (with their fields, and the fields of the spans
/// they happened in) and spans opened.
#[derive(Clone, Default)]
struct Seen {
    events: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
    spans: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
    current: Arc<Mutex<Vec<u64>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Seen {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = BTreeMap::new();
        fields.insert("span".into(), span.metadata().name().to_string());
        span.record(&mut Fields(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push(fields);
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        fields.insert("target".into(), event.metadata().target().to_string());
        fields.insert("level".into(), event.metadata().level().to_string());
        event.record(&mut Fields(&mut fields));
        if let Some(&span) = self.current.lock().unwrap().last() {
            let spans = self.spans.lock().unwrap();
            for (key, value) in &spans[span as usize - 1] {
                fields.insert(format!("span.{key}"), value.clone());
            }
        }
        self.events.lock().unwrap().push(fields);
    }

    fn enter(&self, span: &Id) {
        self.current.lock().unwrap().push(span.into_u64());
    }

    fn exit(&self, _: &Id) {
        self.current.lock().unwrap().pop();
    }
}

/// A subscriber that takes only ERROR events.
struct ErrorsOnly;

impl Subscriber for ErrorsOnly {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() == tracing::Level::ERROR
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[test]
fn a_slow_poll_is_one_structured_event() {
    let seen = Seen::default();
    tracing::subscriber::with_default(seen.clone(), || {
        let rt = evloop::Runtime::builder()
            .debug(true)
            .slow_poll_threshold(Duration::from_millis(1))
            .build()
            .unwrap();
        rt.block_on(async {
            evloop::spawn_named("sleeper", async {
                std::thread::sleep(Duration::from_millis(5));
            })
            .await
            .unwrap();
        });
    });
    let events = seen.events.lock().unwrap();
    let slow: Vec<_> = events
        .iter()
        .filter(|event| event["message"] == "slow poll" && event["task.name"] == "sleeper")
        .collect();
    assert_eq!(slow.len(), 1, "{events:?}");
    let event = slow[0];
    assert_eq!(event["target"], "evloop");
    assert_eq!(event["level"], "WARN");
    assert_eq!(event["task.name"], "sleeper");
    assert_eq!(event["task.id"], "1");
    assert!(
        event["task.spawned_at"].contains("debug_tracing.rs"),
        "{event:?}"
    );
    let micros: u64 = event["duration_us"].parse().unwrap();
    assert!(micros >= 5_000, "{event:?}");
    assert_eq!(event["threshold_us"], "1000");
}

#[test]
fn pending_and_unobserved_panics_carry_their_fields() {
    let seen = Seen::default();
    tracing::subscriber::with_default(seen.clone(), || {
        let rt = evloop::Runtime::builder()
            .debug(true)
            .slow_poll_threshold(Duration::from_secs(3600))
            .build()
            .unwrap();
        rt.block_on(async {
            drop(evloop::spawn_named("boom", async { panic!("kaboom") }));
            evloop::spawn_named("forever", std::future::pending::<()>());
            evloop::yield_now().await;
            evloop::yield_now().await;
        });
    });
    let events = seen.events.lock().unwrap();
    let panic = events
        .iter()
        .find(|event| event["message"] == "panic never retrieved")
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(panic["task.name"], "boom");
    assert_eq!(panic["panic"], "kaboom");
    let pending = events
        .iter()
        .find(|event| event["message"] == "task destroyed while pending")
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(pending["task.name"], "forever");
    assert!(pending.contains_key("polls") && pending.contains_key("age_us"));
}

#[test]
fn task_polls_run_in_poll_spans_when_asked() {
    let seen = Seen::default();
    tracing::subscriber::with_default(seen.clone(), || {
        let rt = evloop::Runtime::builder()
            .trace_polls(true)
            .build()
            .unwrap();
        rt.block_on(async {
            evloop::spawn_named("request-7", async {
                tracing::info!(step = "inside", "hello from a task");
            })
            .await
            .unwrap();
        });
        // Off: no span.
        let rt = evloop::Runtime::builder().build().unwrap();
        rt.block_on(async {
            evloop::spawn(async { tracing::info!("no span") })
                .await
                .unwrap();
        });
    });
    let events = seen.events.lock().unwrap();
    let inside = events
        .iter()
        .find(|event| event["message"] == "hello from a task")
        .unwrap();
    assert_eq!(inside["span.span"], "poll");
    assert_eq!(inside["span.task.name"], "request-7");
    assert!(inside["span.task.spawned_at"].contains("debug_tracing.rs"));
    let outside = events
        .iter()
        .find(|event| event["message"] == "no span")
        .unwrap();
    assert!(!outside.contains_key("span.span"), "{outside:?}");
}

#[test]
#[cfg_attr(miri, ignore)] // spawns a process
fn with_a_subscriber_reports_do_not_also_go_to_stderr() {
    if let Some(mode) = std::env::var_os("EVLOOP_TRACING_CHILD") {
        let body = || {
            let rt = evloop::Runtime::builder().debug(true).build().unwrap();
            rt.block_on(async {
                evloop::spawn_named("left-behind", std::future::pending::<()>());
                evloop::yield_now().await;
            });
        };
        match mode.to_str() {
            Some("subscriber") => tracing::subscriber::with_default(Seen::default(), body),
            Some("filtering") => tracing::subscriber::with_default(ErrorsOnly, body),
            _ => body(),
        }
        return;
    }
    let run = |mode: &str| {
        let output = support::child::rerun_test(
            "with_a_subscriber_reports_do_not_also_go_to_stderr",
            &["--nocapture"],
            &[("EVLOOP_TRACING_CHILD", mode)],
        );
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(!run("subscriber").contains("evloop:"));
    assert!(run("none").contains("evloop: task destroyed while pending"));
    // A subscriber that filters evloop's WARN events out does not swallow them.
    assert!(run("filtering").contains("evloop: task destroyed while pending"));
}
