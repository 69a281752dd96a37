//! `watch`: `changed` semantics, borrows, either end going away, cancellation.

mod support;

use std::task::Poll;

use evloop::channel::watch;
use evloop::channel::{RecvError, SendError};
use support::{WakeCount, finish, finish_all_ok, panic_message, poll_with, scaled};

#[test]
fn changed_waits_for_a_send_after_the_initial_value() {
    support::run(async {
        let (tx, mut rx) = watch::channel(0);
        assert_eq!(
            rx.has_changed(),
            Ok(false),
            "the initial value counts as seen"
        );
        let watcher = evloop::spawn(async move {
            rx.changed().await.unwrap();
            *rx.borrow()
        });
        evloop::yield_now().await;
        assert!(!watcher.is_finished());
        tx.send(1).unwrap();
        assert_eq!(finish(watcher, 3).await, 1);
    });
}

#[test]
fn changes_coalesce_and_the_latest_value_wins() {
    support::run(async {
        let (tx, mut rx) = watch::channel(0);
        for i in 1..=5 {
            tx.send(i).unwrap();
        }
        rx.changed().await.unwrap(); // one change seen, for five sends
        assert_eq!(*rx.borrow(), 5);
        assert_eq!(rx.has_changed(), Ok(false));
    });
}

#[test]
fn borrow_does_not_mark_seen_but_borrow_and_update_does() {
    let (tx, mut rx) = watch::channel("a");
    tx.send("b").unwrap();
    assert_eq!(*rx.borrow(), "b");
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(*rx.borrow_and_update(), "b");
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(*tx.borrow(), "b");
}

#[test]
fn sender_drop_is_reported_after_the_last_unseen_value() {
    support::run(async {
        let (tx, mut rx) = watch::channel(0);
        tx.send(1).unwrap();
        drop(tx);
        assert_eq!(rx.changed().await, Ok(()), "the unseen value first");
        assert_eq!(*rx.borrow(), 1);
        assert_eq!(rx.changed().await, Err(RecvError));
        assert_eq!(rx.has_changed(), Err(RecvError));
    });
}

#[test]
fn waiting_receivers_wake_when_the_sender_drops() {
    support::run(async {
        let (tx, rx) = watch::channel(());
        let waiters: Vec<_> = (0..scaled(1000))
            .map(|_| {
                let mut rx = rx.clone();
                evloop::spawn(async move { rx.changed().await })
            })
            .collect();
        evloop::yield_now().await;
        drop(tx);
        for result in finish_all_ok(waiters, 3).await {
            assert_eq!(result, Err(RecvError));
        }
    });
}

#[test]
fn no_lost_wakeups_with_many_watchers() {
    support::run(async {
        let (tx, rx) = watch::channel(0);
        let n = scaled(10_000);
        let watchers: Vec<_> = (0..n)
            .map(|_| {
                let mut rx = rx.clone();
                evloop::spawn(async move {
                    rx.changed().await.unwrap();
                    *rx.borrow_and_update()
                })
            })
            .collect();
        evloop::yield_now().await;
        tx.send_modify(|v| *v += 7);
        for seen in finish_all_ok(watchers, 3).await {
            assert_eq!(seen, 7);
        }
    });
}

#[test]
fn send_fails_without_receivers_but_send_replace_and_modify_store() {
    let (tx, rx) = watch::channel(1);
    let rx2 = rx.clone();
    assert_eq!(tx.receiver_count(), 2);
    drop((rx, rx2));
    assert!(tx.is_closed());
    assert_eq!(tx.send(2), Err(SendError(2)));
    assert_eq!(*tx.borrow(), 1, "a failed send stores nothing");
    assert_eq!(tx.send_replace(3), 1);
    tx.send_modify(|v| *v *= 10);
    assert_eq!(*tx.borrow(), 30);
    let rx = tx.subscribe();
    assert_eq!(
        rx.has_changed(),
        Ok(false),
        "a new receiver has seen the current value"
    );
    assert_eq!(*rx.borrow(), 30);
}

#[test]
fn cloned_receivers_share_what_was_seen() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    let unseen = rx.clone();
    rx.borrow_and_update();
    let seen = rx.clone();
    assert_eq!(unseen.has_changed(), Ok(true));
    assert_eq!(seen.has_changed(), Ok(false));
}

#[test]
fn cancelled_changed_loses_nothing() {
    let (tx, mut rx) = watch::channel(0);
    let (wakes, w) = WakeCount::new();
    {
        let mut changed = rx.changed();
        assert!(poll_with(&mut changed, &w).is_pending());
        tx.send(1).unwrap();
        assert_eq!(wakes.get(), 1);
        // dropped after being woken: the change stays unseen
    }
    assert_eq!(rx.has_changed(), Ok(true));
    let mut changed = rx.changed();
    assert_eq!(poll_with(&mut changed, &w), Poll::Ready(Ok(())));
    drop(changed);
    {
        let mut changed = rx.changed();
        assert!(poll_with(&mut changed, &w).is_pending()); // dropped before being woken
    }
    tx.send(2).unwrap();
    assert_eq!(wakes.get(), 1, "the dropped waiter was removed");
    assert_eq!(rx.has_changed(), Ok(true));
}

#[test]
fn sending_while_a_borrow_is_alive_panics_with_advice() {
    let (tx, rx) = watch::channel(0);
    let message = panic_message(|| {
        let _held = rx.borrow();
        let _ = tx.send(1);
    });
    assert!(message.contains("drop the `Ref`"), "{message}");
    // The channel still works afterwards.
    tx.send(2).unwrap();
    assert_eq!(*rx.borrow(), 2);
}

#[test]
fn debug_output() {
    let (tx, rx) = watch::channel(0);
    tx.send(1).unwrap();
    assert!(format!("{tx:?}").contains("version: 1"));
    assert!(format!("{rx:?}").contains("seen: 0"));
}
