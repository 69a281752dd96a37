//! `Event`: set wakes every waiter (even if cleared before they run), clear, cancellation.

mod support;

use std::pin::pin;
use std::rc::Rc;

use evloop::Either;
use evloop::sync::Event;
use support::{Log, finish, finish_all_ok, poll_once};

fn waiter(event: &Rc<Event>, log: &Log<usize>, id: usize) -> evloop::JoinHandle<()> {
    let (event, log) = (event.clone(), log.clone());
    evloop::spawn(async move {
        event.wait().await;
        log.push(id);
    })
}

#[test]
fn set_wakes_every_waiter_in_order() {
    support::run(async {
        let event = Rc::new(Event::new());
        let log = Log::new();
        let tasks: Vec<_> = (0..10).map(|id| waiter(&event, &log, id)).collect();
        evloop::yield_now().await;
        assert_eq!(log.len(), 0);
        event.set();
        finish_all_ok(tasks, 100).await;
        assert_eq!(log.items(), (0..10).collect::<Vec<_>>());
    });
}

#[test]
fn woken_waiters_return_even_if_cleared_before_they_run() {
    support::run(async {
        let event = Rc::new(Event::new());
        let log = Log::new();
        let tasks: Vec<_> = (0..3).map(|id| waiter(&event, &log, id)).collect();
        evloop::yield_now().await;
        event.set();
        event.clear(); // before any waiter ran
        finish_all_ok(tasks, 100).await;
        assert_eq!(log.len(), 3);
        // But a new waiter now waits for the next `set`.
        let late = waiter(&event, &log, 3);
        support::yield_times(3).await;
        assert!(!late.is_finished());
        event.set();
        finish(late, 100).await;
    });
}

#[test]
fn wait_completes_at_once_while_set() {
    support::run(async {
        let event = Event::new();
        assert!(!event.is_set());
        event.set();
        event.set(); // idempotent
        assert!(event.is_set());
        for _ in 0..3 {
            event.wait().await;
        }
        event.clear();
        assert!(!event.is_set());
        let raced = evloop::select(event.wait(), evloop::yield_now()).await;
        assert!(
            matches!(raced, Either::Right(())),
            "cleared: wait must block"
        );
    });
}

#[test]
fn cancelled_waiter_leaves_the_queue() {
    support::run(async {
        let event = Rc::new(Event::new());
        let log = Log::new();
        let a = waiter(&event, &log, 1);
        let b = waiter(&event, &log, 2);
        evloop::yield_now().await;
        assert_eq!(format!("{event:?}"), "Event { set: false, waiters: 2 }");
        a.abort(); // leaves
        let mut wait = pin!(event.wait());
        assert!(poll_once(&mut wait).await.is_pending()); // joins
        assert_eq!(format!("{event:?}"), "Event { set: false, waiters: 2 }");
        event.set();
        finish(b, 100).await;
        assert_eq!(log.items(), [2]);
        wait.await; // it was notified, and returns when polled again
    });
}

#[test]
fn dropped_after_set_loses_nothing() {
    support::run(async {
        let event = Rc::new(Event::new());
        let log = Log::new();
        let a = waiter(&event, &log, 1);
        let b = waiter(&event, &log, 2);
        evloop::yield_now().await;
        event.set();
        a.abort(); // woken, dropped before it ran
        finish(b, 100).await;
        assert_eq!(log.items(), [2]);
        assert_eq!(format!("{event:?}"), "Event { set: true, waiters: 0 }");
    });
}

#[test]
fn no_lost_wakeups_with_many_waiters() {
    let n = support::scaled(10_000);
    support::run(async {
        let event = Rc::new(Event::new());
        let log = Log::new();
        let tasks: Vec<_> = (0..n).map(|id| waiter(&event, &log, id)).collect();
        evloop::yield_now().await;
        event.set();
        finish_all_ok(tasks, 4 * n + 100).await;
        assert_eq!(log.len(), n);
    });
}
