//! Cooperative scheduling: a task that keeps finding work ready (a channel that never runs
//! dry, a socket that always has bytes) yields every 128 operations, so the other tasks
//! still run meanwhile.
//!
//! Each test drains a source that is ready from start to end in one tight loop while a
//! "ticker" task counts how often it got to run. Without the budget the drain never yields
//! and the ticker stays at 0; with it the ticker runs about once per 128 items.

mod support;

use std::cell::Cell;
use std::rc::Rc;

use evloop::channel::{Queue, broadcast, mpsc};

/// Items drained per test.
const ITEMS: usize = 4_096;
/// The ticker must have run at least this often: `ITEMS / 128` yields, with slack.
const MIN_TICKS: usize = ITEMS / 128 / 2;

/// Spawns a task that bumps a counter every time it runs, until `stop` is set.
fn ticker(stop: &Rc<Cell<bool>>) -> Rc<Cell<usize>> {
    let ticks = Rc::new(Cell::new(0));
    let (stop, counter) = (stop.clone(), ticks.clone());
    evloop::spawn(async move {
        while !stop.get() {
            counter.set(counter.get() + 1);
            evloop::yield_now().await;
        }
    });
    ticks
}

/// Runs `drain` next to a ticker; returns how often the ticker ran during the drain.
fn ticks_during(drain: impl AsyncFnOnce()) -> usize {
    support::run(async {
        let stop = Rc::new(Cell::new(false));
        let ticks = ticker(&stop);
        evloop::yield_now().await; // the ticker has started
        let before = ticks.get();
        drain().await;
        stop.set(true);
        ticks.get() - before
    })
}

#[test]
fn a_receiver_of_a_full_mpsc_channel_yields() {
    let ticks = ticks_during(async || {
        let (tx, mut rx) = mpsc::unbounded();
        for i in 0..ITEMS {
            tx.send(i).unwrap();
        }
        for i in 0..ITEMS {
            assert_eq!(rx.recv().await, Some(i));
        }
    });
    assert!(ticks >= MIN_TICKS, "the ticker ran {ticks} times");
}

#[test]
fn a_getter_of_a_full_queue_yields() {
    let ticks = ticks_during(async || {
        let queue = Queue::new();
        for i in 0..ITEMS {
            queue.try_put(i).unwrap();
        }
        for i in 0..ITEMS {
            assert_eq!(queue.get().await, Ok(i));
        }
    });
    assert!(ticks >= MIN_TICKS, "the ticker ran {ticks} times");
}

#[test]
fn a_broadcast_receiver_that_is_behind_yields() {
    let ticks = ticks_during(async || {
        let (tx, mut rx) = broadcast::channel(ITEMS);
        for i in 0..ITEMS {
            tx.send(i).unwrap();
        }
        for i in 0..ITEMS {
            assert_eq!(rx.recv().await, Ok(i));
        }
    });
    assert!(ticks >= MIN_TICKS, "the ticker ran {ticks} times");
}

#[test]
#[cfg_attr(miri, ignore)] // sockets
fn a_reader_of_a_long_burst_yields() {
    use evloop::net::{TcpListener, TcpStream};
    let ticks = ticks_during(async || {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // Fits in the socket buffers: every 1-byte read below is ready at once.
        server.write_all(&[7; ITEMS]).await.unwrap();
        let mut byte = [0];
        for _ in 0..ITEMS {
            assert_eq!(client.read(&mut byte).await.unwrap(), 1);
        }
    });
    assert!(ticks >= MIN_TICKS, "the ticker ran {ticks} times");
}
