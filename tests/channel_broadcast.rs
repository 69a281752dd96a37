//! `broadcast`: every receiver sees every value, `Lagged`, closing, cancellation.

mod support;

use std::task::Poll;

use evloop::channel::SendError;
use evloop::channel::broadcast::{self, BroadcastRecvError, BroadcastTryRecvError};
use support::{WakeCount, finish_all_ok, panic_message, poll_with, scaled};

#[test]
fn every_receiver_sees_every_value_in_order() {
    support::run(async {
        let (tx, rx) = broadcast::channel(4);
        let receivers: Vec<_> = std::iter::once(rx)
            .chain((0..2).map(|_| tx.subscribe()))
            .map(|mut rx| {
                evloop::spawn(async move {
                    let mut got = Vec::new();
                    while let Ok(v) = rx.recv().await {
                        got.push(v);
                    }
                    got
                })
            })
            .collect();
        for i in 0..10 {
            assert_eq!(tx.send(i).unwrap(), 3, "three receivers");
            evloop::yield_now().await; // let them keep up
        }
        drop(tx);
        for got in finish_all_ok(receivers, 3).await {
            assert_eq!(got, (0..10).collect::<Vec<_>>());
        }
    });
}

#[test]
fn a_lagging_receiver_is_told_and_continues_from_the_oldest_value() {
    support::run(async {
        let (tx, mut rx) = broadcast::channel(3);
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.recv().await, Err(BroadcastRecvError::Lagged(7)));
        assert_eq!(rx.recv().await, Ok(7));
        assert_eq!(rx.recv().await, Ok(8));
        tx.send(10).unwrap();
        tx.send(11).unwrap();
        tx.send(12).unwrap(); // 9 is evicted: lagged by one more
        assert_eq!(rx.try_recv(), Err(BroadcastTryRecvError::Lagged(1)));
        assert_eq!(rx.try_recv(), Ok(10));
    });
}

#[test]
fn closed_after_the_senders_are_gone_and_the_values_read() {
    support::run(async {
        let (tx, mut rx) = broadcast::channel(4);
        let tx2 = tx.clone();
        tx.send(1).unwrap();
        drop(tx);
        tx2.send(2).unwrap();
        drop(tx2);
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Ok(2));
        assert_eq!(rx.recv().await, Err(BroadcastRecvError::Closed));
        assert_eq!(rx.try_recv(), Err(BroadcastTryRecvError::Closed));
    });
}

#[test]
fn waiting_receivers_wake_when_the_last_sender_drops() {
    support::run(async {
        let (tx, rx) = broadcast::channel::<u8>(1);
        let waiters: Vec<_> = std::iter::once(rx)
            .chain((0..scaled(1000) - 1).map(|_| tx.subscribe()))
            .map(|mut rx| evloop::spawn(async move { rx.recv().await }))
            .collect();
        evloop::yield_now().await;
        drop(tx);
        for result in finish_all_ok(waiters, 3).await {
            assert_eq!(result, Err(BroadcastRecvError::Closed));
        }
    });
}

#[test]
fn no_lost_wakeups_with_many_waiting_receivers() {
    support::run(async {
        let (tx, rx) = broadcast::channel(2);
        let n = scaled(10_000);
        let waiters: Vec<_> = std::iter::once(rx)
            .chain((1..n).map(|_| tx.subscribe()))
            .map(|mut rx| {
                evloop::spawn(async move { (rx.recv().await.unwrap(), rx.recv().await.unwrap()) })
            })
            .collect();
        evloop::yield_now().await;
        assert_eq!(tx.send(1).unwrap(), n);
        evloop::yield_now().await;
        tx.send(2).unwrap();
        for got in finish_all_ok(waiters, 3).await {
            assert_eq!(got, (1, 2));
        }
    });
}

#[test]
fn send_fails_without_receivers_and_subscribers_see_only_new_values() {
    let (tx, rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    drop(rx);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(tx.send(2), Err(SendError(2)));
    let mut rx = tx.subscribe();
    assert_eq!(rx.try_recv(), Err(BroadcastTryRecvError::Empty));
    tx.send(3).unwrap();
    let mut rx2 = rx.resubscribe();
    tx.send(4).unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx2.try_recv(), Ok(4));
}

#[test]
fn cancelled_recv_loses_no_value() {
    let (tx, mut rx) = broadcast::channel(4);
    let (wakes, w) = WakeCount::new();
    {
        let mut recv = rx.recv();
        assert!(poll_with(&mut recv, &w).is_pending());
        tx.send('a').unwrap();
        assert_eq!(wakes.get(), 1);
        // dropped after being woken, before taking the value
    }
    tx.send('b').unwrap();
    assert_eq!(wakes.get(), 1, "the dropped waiter was removed");
    let mut recv = rx.recv();
    assert_eq!(poll_with(&mut recv, &w), Poll::Ready(Ok('a')));
    drop(recv);
    assert_eq!(rx.try_recv(), Ok('b'));
}

#[test]
fn a_slow_receiver_does_not_hold_the_others_back() {
    let (tx, mut fast) = broadcast::channel(2);
    let mut slow = tx.subscribe();
    for i in 0..5 {
        tx.send(i).unwrap(); // never waits
        assert_eq!(fast.try_recv(), Ok(i));
    }
    assert_eq!(slow.try_recv(), Err(BroadcastTryRecvError::Lagged(3)));
    assert_eq!(slow.try_recv(), Ok(3));
}

#[test]
fn zero_capacity_panics() {
    let message = panic_message(|| drop(broadcast::channel::<u8>(0)));
    assert!(message.contains("at least one"), "{message}");
}

#[test]
fn debug_output() {
    let (tx, rx) = broadcast::channel::<u8>(2);
    tx.send(1).unwrap();
    assert!(format!("{tx:?}").contains("receivers: 1"));
    assert!(format!("{rx:?}").contains("unread: 1"));
}

#[test]
fn an_aborted_waiting_receiver_is_gone() {
    support::run(async {
        let (tx, mut rx) = broadcast::channel(8);
        let reader = evloop::spawn(async move { rx.recv().await });
        evloop::yield_now().await;
        reader.abort(); // drops a waiting recv, then the receiver
        let results = support::finish_all(vec![reader], 3).await;
        assert!(results[0].as_ref().unwrap_err().is_cancelled());
        assert_eq!(tx.send(1), Err(SendError(1)), "the only receiver is gone");
    });
}
