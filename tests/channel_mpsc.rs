//! `mpsc`: order, backpressure, cancellation, closing from either side, `Stream`.

mod support;

use std::cell::Cell;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use evloop::channel::mpsc;
use evloop::channel::{SendError, TryRecvError, TrySendError};
use futures_core::Stream;
use support::{DropCounter, WakeCount, finish, finish_all_ok, panic_message, poll_with, scaled};

#[test]
fn values_arrive_in_send_order() {
    support::run(async {
        let (tx, mut rx) = mpsc::channel(4);
        let n = scaled(1000);
        let producer = evloop::spawn(async move {
            for i in 0..n {
                tx.send(i).await.unwrap();
            }
        });
        for i in 0..n {
            assert_eq!(rx.recv().await, Some(i));
        }
        assert_eq!(rx.recv().await, None);
        finish(producer, 3).await;
    });
}

#[test]
fn bounded_send_waits_for_room() {
    support::run(async {
        let (tx, mut rx) = mpsc::channel(2);
        let sent = Rc::new(Cell::new(0));
        let producer = evloop::spawn({
            let sent = sent.clone();
            async move {
                for i in 0..10 {
                    tx.send(i).await.unwrap();
                    sent.set(sent.get() + 1);
                }
            }
        });
        support::yield_times(3).await;
        assert_eq!(sent.get(), 2, "the third send waits");
        assert_eq!(rx.len(), 2);
        for i in 0..10 {
            assert_eq!(rx.recv().await, Some(i));
            assert!(rx.len() <= 2);
        }
        finish(producer, 3).await;
    });
}

#[test]
fn waiting_senders_are_served_in_fifo_order() {
    support::run(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(usize::MAX).await.unwrap();
        let n = scaled(1000);
        let senders: Vec<_> = (0..n)
            .map(|i| {
                let tx = tx.clone();
                evloop::spawn(async move { tx.send(i).await.unwrap() })
            })
            .collect();
        evloop::yield_now().await; // all wait, in spawn order
        assert_eq!(tx.try_send(0), Err(TrySendError::Full(0)), "no overtaking");
        drop(tx);
        assert_eq!(rx.recv().await, Some(usize::MAX));
        for i in 0..n {
            assert_eq!(rx.recv().await, Some(i));
        }
        assert_eq!(rx.recv().await, None);
        finish_all_ok(senders, 3).await;
    });
}

#[test]
fn recv_is_none_once_every_sender_is_gone() {
    support::run(async {
        let (tx, mut rx) = mpsc::channel(4);
        let tx2 = tx.clone();
        tx.send(1).await.unwrap();
        drop(tx);
        tx2.send(2).await.unwrap();
        let waiter = evloop::spawn(async move {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        });
        evloop::yield_now().await;
        assert!(!waiter.is_finished(), "tx2 is alive");
        drop(tx2);
        assert_eq!(finish(waiter, 3).await, [1, 2]);

        let (tx, mut rx) = mpsc::unbounded();
        tx.send('a').unwrap();
        let tx2 = tx.clone();
        drop((tx, tx2));
        assert_eq!(rx.try_recv(), Ok('a'));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn receiver_close_fails_sends_and_keeps_buffered_values() {
    support::run(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let blocked = evloop::spawn({
            let tx = tx.clone();
            async move { tx.send(2).await }
        });
        let closed = evloop::spawn({
            let tx = tx.clone();
            async move { tx.closed().await }
        });
        evloop::yield_now().await;
        assert!(!tx.is_closed());
        rx.close();
        assert!(tx.is_closed());
        assert_eq!(
            finish(blocked, 3).await,
            Err(SendError(2)),
            "waiting send fails"
        );
        finish(closed, 3).await;
        assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
        assert_eq!(tx.send(4).await, Err(SendError(4)));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None, "closed: no hang although `tx` lives");
    });
}

#[test]
fn receiver_drop_fails_senders_and_drops_buffered_values() {
    support::run(async {
        let drops = Rc::new(Cell::new(0));
        let (tx, rx) = mpsc::channel(1);
        tx.send(DropCounter(0, drops.clone())).await.unwrap();
        let blocked = evloop::spawn({
            let tx = tx.clone();
            let value = DropCounter(1, drops.clone());
            async move { tx.send(value).await.map_err(|e| e.0.0) }
        });
        evloop::yield_now().await;
        drop(rx);
        assert_eq!(
            drops.get(),
            1,
            "the buffered value is dropped with the receiver"
        );
        assert_eq!(finish(blocked, 3).await, Err(1), "the value comes back");
        assert_eq!(drops.get(), 2);
        tx.closed().await;

        let (tx, rx) = mpsc::unbounded::<u8>();
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.send(1), Err(SendError(1)));
        tx.closed().await;
    });
}

#[test]
fn buffered_values_that_hold_senders_can_be_dropped() {
    // Dropping the receiver drops the buffer, which drops senders of the same channel: the
    // buffer must be dropped outside the channel's borrow.
    struct Holder(#[allow(dead_code)] mpsc::UnboundedSender<Holder>);
    let (tx, rx) = mpsc::unbounded();
    tx.send(Holder(tx.clone())).unwrap();
    tx.send(Holder(tx.clone())).unwrap();
    drop(rx);
    assert!(tx.is_closed());
}

#[test]
fn cancelled_send_before_and_after_being_woken() {
    let drops = Rc::new(Cell::new(0));
    let value = |n| DropCounter(n, drops.clone());
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(value(0)).unwrap();
    let (a_wakes, a) = WakeCount::new();
    let (b_wakes, b) = WakeCount::new();
    let (c_wakes, c) = WakeCount::new();
    let mut send_a = tx.send(value(1));
    let mut send_b = tx.send(value(2));
    let mut send_c = tx.send(value(3));
    assert!(poll_with(&mut send_a, &a).is_pending());
    assert!(poll_with(&mut send_b, &b).is_pending());
    assert!(poll_with(&mut send_c, &c).is_pending());
    drop(send_b); // before being woken
    assert_eq!(drops.get(), 1);
    assert_eq!(rx.try_recv().unwrap().0, 0);
    assert_eq!((a_wakes.get(), b_wakes.get(), c_wakes.get()), (1, 0, 0));
    assert!(matches!(tx.try_send(value(9)), Err(TrySendError::Full(_))));
    drop(send_a); // after being woken: the room passes to `c`
    assert_eq!(c_wakes.get(), 1);
    assert!(poll_with(&mut send_c, &c).is_ready());
    assert_eq!(rx.try_recv().unwrap().0, 3);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
    assert_eq!(
        drops.get(),
        5,
        "0..=3 and the rejected 9, each dropped once"
    );
}

#[test]
fn cancelled_recv_loses_no_value() {
    let (tx, mut rx) = mpsc::unbounded();
    let (wakes, w) = WakeCount::new();
    {
        let mut recv = rx.recv();
        assert!(poll_with(&mut recv, &w).is_pending());
    }
    tx.send(1).unwrap(); // wakes the stale waker: harmless
    assert_eq!(wakes.get(), 1);
    {
        let mut recv = rx.recv();
        assert!(poll_with(&mut recv, &w).is_ready()); // and drop the output
    }
    tx.send(2).unwrap();
    let mut recv = rx.recv();
    assert_eq!(poll_with(&mut recv, &w), Poll::Ready(Some(2)));
}

#[test]
fn no_lost_wakeups_with_many_senders() {
    support::run(async {
        let (tx, mut rx) = mpsc::channel(1);
        let n = scaled(10_000);
        let senders: Vec<_> = (0..n)
            .map(|i| {
                let tx = tx.clone();
                evloop::spawn(async move { tx.send(i).await.unwrap() })
            })
            .collect();
        drop(tx);
        let consumer = evloop::spawn(async move {
            let mut sum = 0;
            let mut count = 0;
            while let Some(i) = rx.recv().await {
                sum += i;
                count += 1;
            }
            (count, sum)
        });
        finish_all_ok(senders, 2 * n).await;
        assert_eq!(finish(consumer, 3).await, (n, n * (n - 1) / 2));
    });
}

#[test]
fn aborted_sender_tasks_lose_and_duplicate_nothing() {
    support::run(async {
        let (tx, mut rx) = mpsc::channel(2);
        let n = scaled(1000);
        let senders: Vec<_> = (0..n)
            .map(|i| {
                let tx = tx.clone();
                evloop::spawn(async move { tx.send(i).await.unwrap() })
            })
            .collect();
        drop(tx);
        evloop::yield_now().await;
        // Free some room (notifying waiters), then abort every third sender.
        let mut got = vec![rx.recv().await.unwrap(), rx.recv().await.unwrap()];
        let mut aborted = Vec::new();
        for (i, sender) in senders.iter().enumerate().step_by(3) {
            if !sender.is_finished() {
                sender.abort();
                aborted.push(i);
            }
        }
        while let Some(i) = rx.recv().await {
            got.push(i);
        }
        drop(senders);
        got.sort_unstable();
        let expected: Vec<usize> = (0..n).filter(|i| !aborted.contains(i)).collect();
        assert_eq!(got, expected);
    });
}

#[test]
fn receiver_is_a_stream() {
    support::run(async {
        let (tx, mut rx) = mpsc::channel(2);
        evloop::spawn(async move {
            for i in 0..5 {
                tx.send(i).await.unwrap();
            }
        });
        let mut got = Vec::new();
        while let Some(i) = poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await {
            got.push(i);
        }
        assert_eq!(got, [0, 1, 2, 3, 4]);
    });
}

#[test]
fn try_send_and_try_recv() {
    let (tx, mut rx) = mpsc::channel(1);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(rx.is_empty());
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn zero_capacity_panics() {
    let message = panic_message(|| drop(mpsc::channel::<u8>(0)));
    assert!(message.contains("unbounded"), "{message}");
}

#[test]
fn debug_output() {
    let (tx, rx) = mpsc::channel::<u8>(3);
    tx.try_send(1).unwrap();
    let debug = format!("{tx:?} {rx:?}");
    assert!(
        debug.contains("len: 1") && debug.contains("capacity: Some(3)"),
        "{debug}"
    );
    let (utx, _urx) = mpsc::unbounded::<u8>();
    assert!(format!("{utx:?}").starts_with("UnboundedSender"));
}
