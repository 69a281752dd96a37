//! `oneshot`: delivery, either end going away, `try_recv`, `close`, `closed`.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;

use evloop::channel::oneshot;
use evloop::channel::{RecvError, TryRecvError};
use support::{DropCounter, WakeCount, finish, poll_with};

#[test]
fn value_sent_before_or_after_the_receiver_waits() {
    support::run(async {
        let (tx, rx) = oneshot::channel();
        tx.send(1).unwrap();
        assert_eq!(rx.await, Ok(1));

        let (tx, rx) = oneshot::channel();
        let waiter = evloop::spawn(rx);
        evloop::yield_now().await;
        assert!(!waiter.is_finished());
        tx.send("late").unwrap();
        assert_eq!(finish(waiter, 3).await, Ok("late"));
    });
}

#[test]
fn sender_dropped_unsent_fails_the_receiver() {
    support::run(async {
        let (tx, rx) = oneshot::channel::<u8>();
        let waiter = evloop::spawn(rx);
        evloop::yield_now().await;
        drop(tx);
        assert_eq!(finish(waiter, 3).await, Err(RecvError));
    });
}

#[test]
fn receiver_gone_fails_the_sender_and_returns_the_value() {
    support::run(async {
        let (mut tx, rx) = oneshot::channel();
        let closed = evloop::spawn(async move {
            tx.closed().await;
            tx.send(5)
        });
        evloop::yield_now().await;
        assert!(!closed.is_finished());
        drop(rx);
        assert_eq!(finish(closed, 3).await, Err(5));

        let (tx, mut rx) = oneshot::channel();
        rx.close();
        assert!(tx.is_closed());
        assert_eq!(tx.send('x'), Err('x'));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(rx.await, Err(RecvError), "closed and nothing sent: no hang");
    });
}

#[test]
fn value_sent_before_close_is_still_received() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn try_recv_states() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(()).unwrap();
    assert_eq!(rx.try_recv(), Ok(()));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    let (tx, mut rx) = oneshot::channel::<()>();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn cancelled_await_loses_nothing_until_the_receiver_drops() {
    let (wakes, w) = WakeCount::new();
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_with(&mut rx, &w).is_pending());
    tx.send(3).unwrap();
    assert_eq!(wakes.get(), 1);
    assert_eq!(poll_with(&mut rx, &w), Poll::Ready(Ok(3)));
    assert_eq!(
        poll_with(&mut rx, &w),
        Poll::Ready(Err(RecvError)),
        "polled again"
    );
}

#[test]
fn a_sent_value_is_dropped_exactly_once_with_the_receiver() {
    let drops = Rc::new(Cell::new(0));
    let (tx, rx) = oneshot::channel();
    tx.send(DropCounter(0, drops.clone())).unwrap();
    assert_eq!(drops.get(), 0);
    drop(rx);
    assert_eq!(drops.get(), 1);
}

#[test]
fn a_value_holding_the_sender_side_can_be_dropped() {
    // The value's Drop runs outside the channel's borrow.
    struct Holder(#[allow(dead_code)] oneshot::Receiver<u8>);
    let (tx, rx) = oneshot::channel();
    let (inner_tx, inner_rx) = oneshot::channel::<u8>();
    assert!(tx.send(Holder(inner_rx)).is_ok());
    drop(rx);
    assert!(inner_tx.is_closed());
}

#[test]
fn debug_output() {
    let (tx, rx) = oneshot::channel::<u8>();
    assert_eq!(format!("{tx:?}"), "Sender { closed: false }");
    assert!(format!("{rx:?}").contains("sent: false"));
}
