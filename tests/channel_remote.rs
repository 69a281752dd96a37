//! `remote`: values from other threads into a parked loop.

mod support;

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use evloop::channel::remote::{self, RemoteReceiver, RemoteSender};
use evloop::channel::{SendError, TryRecvError};
use futures_core::Stream;
use support::scaled;

#[test]
fn remote_sender_is_send_sync_clone() {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    fn assert_send<T: Send>() {}
    assert_send_sync_clone::<RemoteSender<String>>();
    assert_send::<RemoteReceiver<String>>();
}

#[test]
fn several_threads_send_while_the_loop_is_parked() {
    const THREADS: usize = 4;
    let per_thread = scaled(200);
    let (tx, mut rx) = remote::channel();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                // Give the loop time to park: only these sends can wake it (no timer).
                std::thread::sleep(Duration::from_millis(10));
                for i in 0..per_thread {
                    tx.send((t, i)).unwrap();
                    if i % 50 == 0 {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let got = support::run(async move {
        let mut got = Vec::new();
        while let Some(value) = rx.recv().await {
            got.push(value);
        }
        got
    });
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(got.len(), THREADS * per_thread);
    for t in 0..THREADS {
        let from_t: Vec<usize> = got.iter().filter(|v| v.0 == t).map(|v| v.1).collect();
        assert_eq!(
            from_t,
            (0..per_thread).collect::<Vec<_>>(),
            "per-thread order"
        );
    }
}

#[test]
fn spawn_blocking_workers_send_into_the_loop() {
    support::run(async {
        let (tx, mut rx) = remote::channel();
        let jobs: Vec<_> = (0..3u64)
            .map(|i| {
                let tx = tx.clone();
                evloop::spawn_blocking(move || tx.send(i * i).unwrap())
            })
            .collect();
        drop(tx);
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1, 4]);
        for job in jobs {
            job.await.unwrap();
        }
    });
}

#[test]
fn dropping_the_last_sender_on_another_thread_ends_the_stream() {
    support::run(async {
        let (tx, mut rx) = remote::channel::<u8>();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10)); // the loop parks first
            drop(tx);
        });
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        thread.join().unwrap();
    });
}

#[test]
fn receiver_drop_or_close_fails_sends_from_threads() {
    let (tx, rx) = remote::channel();
    drop(rx);
    let tx2 = tx.clone();
    let result = std::thread::spawn(move || tx2.send(String::from("x")))
        .join()
        .unwrap();
    assert_eq!(result, Err(SendError(String::from("x"))));
    assert!(tx.is_closed());

    let (tx, mut rx) = remote::channel();
    tx.send(1).unwrap();
    rx.close();
    assert_eq!(tx.send(2), Err(SendError(2)));
    assert_eq!(
        rx.try_recv(),
        Ok(1),
        "values sent before the close are kept"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    support::run(async move { assert_eq!(rx.recv().await, None) });
}

#[test]
fn receiver_is_a_stream() {
    support::run(async {
        let (tx, mut rx) = remote::channel();
        let thread = std::thread::spawn(move || {
            for i in 0..5 {
                tx.send(i).unwrap();
            }
        });
        let mut got = Vec::new();
        while let Some(i) = poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await {
            got.push(i);
        }
        assert_eq!(got, [0, 1, 2, 3, 4]);
        thread.join().unwrap();
    });
}

#[test]
fn a_cancelled_recv_loses_no_value() {
    support::run(async {
        let (tx, mut rx) = remote::channel();
        {
            let mut recv = rx.recv();
            let first = poll_fn(|cx| Poll::Ready(Pin::new(&mut recv).poll(cx))).await;
            assert!(first.is_pending());
        }
        std::thread::spawn(move || tx.send(7).unwrap())
            .join()
            .unwrap();
        assert_eq!(rx.recv().await, Some(7));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn debug_output() {
    let (tx, rx) = remote::channel::<u8>();
    tx.send(1).unwrap();
    assert!(format!("{tx:?}").contains("len: 1"));
    assert!(format!("{rx:?}").contains("senders: 1"));
}

#[test]
#[cfg_attr(miri, ignore)] // 1,000 cross-thread hand-offs: slow under Miri
fn bounded_remote_channel_blocks_a_producer_that_outruns_the_loop() {
    support::run(async {
        let (tx, mut rx) = evloop::channel::remote::bounded(8);
        let producer = std::thread::spawn(move || {
            for i in 0..1_000u32 {
                tx.send(i).unwrap();
            }
        });
        let mut next = 0;
        while let Some(i) = rx.recv().await {
            assert_eq!(i, next, "in order");
            assert!(
                rx.len() <= 8,
                "{} values queued in a bounded(8) channel",
                rx.len()
            );
            next += 1;
            if next % 100 == 0 {
                // A slow consumer: the producer must wait, not queue more.
                evloop::sleep(std::time::Duration::from_millis(1)).await;
            }
        }
        assert_eq!(next, 1_000);
        producer.join().unwrap();
    });
}

#[test]
fn bounded_remote_try_send_full_and_closed() {
    use evloop::channel::TrySendError;
    let (tx, mut rx) = evloop::channel::remote::bounded(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
    assert_eq!(rx.try_recv(), Ok(1));
    tx.try_send(3).unwrap();
    drop(rx);
    assert!(matches!(tx.try_send(4), Err(TrySendError::Closed(4))));
    assert!(tx.send(5).is_err());
}

#[test]
fn a_sender_blocked_on_a_full_channel_gets_its_value_back_when_the_receiver_goes() {
    let (tx, rx) = evloop::channel::remote::bounded(1);
    tx.send(1).unwrap();
    let blocked = std::thread::spawn(move || tx.send(2));
    std::thread::sleep(std::time::Duration::from_millis(20)); // it waits for room
    drop(rx);
    let evloop::channel::SendError(value) = blocked.join().unwrap().unwrap_err();
    assert_eq!(value, 2);
}

#[test]
fn blocking_send_on_a_loop_thread_panics_with_advice() {
    let (tx, _rx) = evloop::channel::remote::bounded(1);
    tx.send(1).unwrap();
    let message = support::panic_message(|| support::run(async { tx.send(2).unwrap() }));
    assert!(message.contains("use try_send"), "{message}");
}

#[test]
#[should_panic(expected = "bounded(0)")]
fn bounded_zero_panics() {
    let _ = evloop::channel::remote::bounded::<u8>(0);
}
