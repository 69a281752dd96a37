//! `Queue`, `PriorityQueue`, `LifoQueue`: order, backpressure, cancellation, join and
//! shutdown.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;

use evloop::channel::{
    LifoQueue, PriorityQueue, Queue, QueueShutDown, TaskDoneError, TryGetError, TryPutError,
};
use support::{DropCounter, WakeCount, finish, finish_all_ok, panic_message, poll_with, scaled};

#[test]
fn fifo_lifo_and_priority_orders() {
    let fifo = Queue::new();
    let lifo = LifoQueue::new();
    let prio = PriorityQueue::new();
    for i in [3, 1, 2] {
        fifo.try_put(i).unwrap();
        lifo.try_put(i).unwrap();
        prio.try_put(i).unwrap();
    }
    let drain = |f: &dyn Fn() -> Result<i32, TryGetError>| -> Vec<i32> {
        std::iter::from_fn(|| f().ok()).collect()
    };
    assert_eq!(drain(&|| fifo.try_get()), [3, 1, 2]);
    assert_eq!(drain(&|| lifo.try_get()), [2, 1, 3]);
    assert_eq!(drain(&|| prio.try_get()), [1, 2, 3]);
}

#[test]
fn priority_queue_is_fifo_among_equal_items() {
    // Ordered by priority only, so the tag tells equal items apart.
    #[derive(Debug)]
    struct Keyed(u8, char);
    impl PartialEq for Keyed {
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }
    impl Eq for Keyed {}
    impl PartialOrd for Keyed {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Keyed {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0.cmp(&other.0)
        }
    }
    let queue = PriorityQueue::new();
    for (prio, tag) in [(2, 'z'), (1, 'y'), (2, 'x'), (1, 'w'), (2, 'v')] {
        queue.try_put(Keyed(prio, tag)).unwrap();
    }
    let tags: Vec<char> = std::iter::from_fn(|| queue.try_get().ok())
        .map(|k| k.1)
        .collect();
    assert_eq!(
        tags,
        ['y', 'w', 'z', 'x', 'v'],
        "equal items must come out FIFO"
    );
}

#[test]
fn waiting_getters_are_served_in_fifo_order() {
    support::run(async {
        let queue = Queue::new();
        let n = scaled(1000);
        let getters: Vec<_> = (0..n)
            .map(|_| {
                let queue = queue.clone();
                evloop::spawn(async move { queue.get().await.unwrap() })
            })
            .collect();
        evloop::yield_now().await; // every getter waits, in spawn order
        for i in 0..n {
            queue.put(i).await.unwrap();
        }
        let got = finish_all_ok(getters, 10).await;
        assert_eq!(got, (0..n).collect::<Vec<_>>());
    });
}

#[test]
fn bounded_put_waits_for_room_and_putters_are_fifo() {
    support::run(async {
        let queue = Queue::bounded(2);
        queue.put(0).await.unwrap();
        queue.put(1).await.unwrap();
        assert!(queue.is_full());
        let putters: Vec<_> = (2..6)
            .map(|i| {
                let queue = queue.clone();
                evloop::spawn(async move { queue.put(i).await.unwrap() })
            })
            .collect();
        support::yield_times(3).await;
        assert!(putters.iter().all(|p| !p.is_finished()), "puts must wait");
        assert_eq!(queue.len(), 2);
        assert_eq!(
            queue.try_put(99),
            Err(TryPutError::Full(99)),
            "no overtaking"
        );
        let mut got = Vec::new();
        while got.len() < 6 {
            got.push(queue.get().await.unwrap());
            assert!(queue.len() <= 2);
        }
        assert_eq!(got, [0, 1, 2, 3, 4, 5]);
        finish_all_ok(putters, 10).await;
    });
}

#[test]
fn cancelled_get_before_being_woken_loses_nothing() {
    let queue = Queue::new();
    let (a_wakes, a) = WakeCount::new();
    let (b_wakes, b) = WakeCount::new();
    let mut get_a = queue.get();
    let mut get_b = queue.get();
    assert!(poll_with(&mut get_a, &a).is_pending());
    assert!(poll_with(&mut get_b, &b).is_pending());
    drop(get_a);
    queue.try_put("x").unwrap();
    assert_eq!((a_wakes.get(), b_wakes.get()), (0, 1));
    assert_eq!(poll_with(&mut get_b, &b), Poll::Ready(Ok("x")));
}

#[test]
fn cancelled_get_after_being_woken_passes_the_item_on() {
    let queue = Queue::new();
    let (a_wakes, a) = WakeCount::new();
    let (b_wakes, b) = WakeCount::new();
    let mut get_a = queue.get();
    let mut get_b = queue.get();
    assert!(poll_with(&mut get_a, &a).is_pending());
    assert!(poll_with(&mut get_b, &b).is_pending());
    queue.try_put("x").unwrap();
    assert_eq!((a_wakes.get(), b_wakes.get()), (1, 0), "oldest first");
    assert!(queue.is_empty(), "the item is promised to `a`");
    assert_eq!(
        queue.try_get(),
        Err(TryGetError::Empty),
        "nobody overtakes `a`"
    );
    drop(get_a); // woken, never came back
    assert_eq!(b_wakes.get(), 1, "the promise passes to `b`");
    assert_eq!(poll_with(&mut get_b, &b), Poll::Ready(Ok("x")));
    assert!(queue.is_empty());
}

#[test]
fn cancelled_woken_get_with_nobody_behind_returns_the_item() {
    let queue = Queue::new();
    let (_, w) = WakeCount::new();
    let mut get = queue.get();
    assert!(poll_with(&mut get, &w).is_pending());
    queue.try_put(7).unwrap();
    assert_eq!(queue.len(), 0);
    drop(get);
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.try_get(), Ok(7));
}

#[test]
fn cancelled_put_before_and_after_being_woken() {
    let drops = Rc::new(Cell::new(0));
    let item = |n| DropCounter(n, drops.clone());
    let queue = Queue::bounded(1);
    queue.try_put(item(0)).unwrap();
    let (a_wakes, a) = WakeCount::new();
    let (b_wakes, b) = WakeCount::new();
    let (c_wakes, c) = WakeCount::new();
    let mut put_a = queue.put(item(1));
    let mut put_b = queue.put(item(2));
    let mut put_c = queue.put(item(3));
    assert!(poll_with(&mut put_a, &a).is_pending());
    assert!(poll_with(&mut put_b, &b).is_pending());
    assert!(poll_with(&mut put_c, &c).is_pending());
    drop(put_b); // before being woken: its item is dropped, unput
    assert_eq!(drops.get(), 1);
    assert_eq!(queue.try_get().unwrap().0, 0); // room for `a`
    assert_eq!(drops.get(), 2);
    assert_eq!((a_wakes.get(), b_wakes.get(), c_wakes.get()), (1, 0, 0));
    assert!(queue.is_full(), "the room is promised to `a`");
    drop(put_a); // after being woken: the room passes to `c`
    assert_eq!(drops.get(), 3);
    assert_eq!(c_wakes.get(), 1);
    assert!(poll_with(&mut put_c, &c).is_ready());
    assert_eq!(queue.try_get().unwrap().0, 3);
    assert_eq!(drops.get(), 4, "every item dropped exactly once");
    assert!(queue.is_empty());
}

#[test]
fn aborted_getter_tasks_lose_no_item() {
    support::run(async {
        let queue = Queue::new();
        let n = scaled(2000);
        let getters: Vec<_> = (0..n)
            .map(|_| {
                let queue = queue.clone();
                evloop::spawn(async move { queue.get().await.unwrap() })
            })
            .collect();
        evloop::yield_now().await;
        // Half the items arrive while everyone waits; then every other getter is aborted,
        // some of them notified (holding a promise), some not; then the rest arrives.
        for i in 0..n / 2 {
            queue.try_put(i).unwrap();
        }
        for getter in getters.iter().step_by(2) {
            getter.abort();
        }
        for i in n / 2..n {
            queue.try_put(i).unwrap();
        }
        let mut got: Vec<usize> = Vec::new();
        for (i, getter) in getters.into_iter().enumerate() {
            if i % 2 == 1 {
                got.push(finish(getter, 10).await);
            }
        }
        while let Ok(item) = queue.try_get() {
            got.push(item);
        }
        got.sort_unstable();
        assert_eq!(
            got,
            (0..n).collect::<Vec<_>>(),
            "no item lost or duplicated"
        );
    });
}

#[test]
fn no_lost_wakeups_with_many_putters_and_getters() {
    support::run(async {
        let queue = Queue::bounded(3);
        let n = scaled(10_000);
        let putters: Vec<_> = (0..n)
            .map(|i| {
                let queue = queue.clone();
                evloop::spawn(async move { queue.put(i).await.unwrap() })
            })
            .collect();
        let getters: Vec<_> = (0..n)
            .map(|_| {
                let queue = queue.clone();
                evloop::spawn(async move { queue.get().await.unwrap() })
            })
            .collect();
        // Capacity 3: about three items move per loop turn, so allow n turns in all.
        finish_all_ok(putters, n).await;
        let mut got = finish_all_ok(getters, 10).await;
        got.sort_unstable();
        assert_eq!(got, (0..n).collect::<Vec<_>>());
        assert!(queue.is_empty());
    });
}

#[test]
fn join_waits_for_task_done() {
    support::run(async {
        let queue = Queue::new();
        queue.join().await; // nothing unfinished
        for i in 0..3 {
            queue.put(i).await.unwrap();
        }
        let joiner = evloop::spawn({
            let queue = queue.clone();
            async move { queue.join().await }
        });
        for _ in 0..3 {
            queue.get().await.unwrap();
        }
        evloop::yield_now().await;
        assert!(!joiner.is_finished(), "got is not done");
        queue.task_done().unwrap();
        queue.task_done().unwrap();
        evloop::yield_now().await;
        assert!(!joiner.is_finished());
        queue.task_done().unwrap();
        finish(joiner, 3).await;
        assert!(queue.task_done().is_err());
    });
}

#[test]
fn too_many_task_done_is_an_error() {
    let queue = Queue::new();
    queue.try_put(1).unwrap();
    assert!(queue.task_done().is_ok());
    let err: TaskDoneError = queue.task_done().unwrap_err();
    assert!(err.to_string().contains("task_done"));
    queue.try_put(2).unwrap();
    assert!(queue.task_done().is_ok(), "the count stayed at zero");
}

#[test]
fn cancelled_join_loses_nothing() {
    let queue = Queue::new();
    queue.try_put(()).unwrap();
    let (_, w) = WakeCount::new();
    let mut join = queue.join();
    assert!(poll_with(&mut join, &w).is_pending());
    drop(join);
    let mut join = queue.join();
    assert!(poll_with(&mut join, &w).is_pending());
    queue.task_done().unwrap();
    assert!(poll_with(&mut join, &w).is_ready());
}

#[test]
fn shutdown_fails_waiting_gets_and_puts_but_keeps_items() {
    support::run(async {
        let empty = Queue::<u8>::new();
        let getter = evloop::spawn({
            let empty = empty.clone();
            async move { empty.get().await }
        });
        let full = Queue::bounded(1);
        full.put("kept").await.unwrap();
        let putter = evloop::spawn({
            let full = full.clone();
            async move { full.put("late").await }
        });
        evloop::yield_now().await;
        empty.shutdown();
        full.shutdown();
        assert_eq!(finish(getter, 3).await, Err(QueueShutDown(())));
        assert_eq!(finish(putter, 3).await, Err(QueueShutDown("late")));
        assert_eq!(full.try_put("no"), Err(TryPutError::ShutDown("no")));
        assert_eq!(
            full.get().await,
            Ok("kept"),
            "queued items can still be got"
        );
        assert_eq!(full.get().await, Err(QueueShutDown(())));
        assert_eq!(full.try_get(), Err(TryGetError::ShutDown));
        assert!(full.is_shut_down());
        full.shutdown(); // again: nothing
    });
}

#[test]
fn shutdown_reaches_getters_that_were_already_promised_an_item() {
    let queue = Queue::new();
    let (_, w) = WakeCount::new();
    let mut a = queue.get();
    let mut b = queue.get();
    assert!(poll_with(&mut a, &w).is_pending());
    assert!(poll_with(&mut b, &w).is_pending());
    queue.try_put(1).unwrap(); // promised to `a`
    queue.shutdown();
    assert_eq!(poll_with(&mut a, &w), Poll::Ready(Ok(1)));
    assert_eq!(poll_with(&mut b, &w), Poll::Ready(Err(QueueShutDown(()))));
}

#[test]
fn bounded_zero_panics_with_advice() {
    let message = panic_message(|| drop(Queue::<u8>::bounded(0)));
    assert!(message.contains("Queue::new()"), "{message}");
    let message = panic_message(|| drop(evloop::channel::PriorityQueue::<u8>::bounded(0)));
    assert!(message.contains("PriorityQueue::new()"), "{message}");
}

#[test]
fn accessors_and_debug() {
    let queue = Queue::bounded(2);
    assert_eq!(queue.maxsize(), Some(2));
    assert_eq!(Queue::<u8>::new().maxsize(), None);
    assert!(queue.is_empty() && !queue.is_full());
    queue.try_put('a').unwrap();
    assert_eq!(queue.len(), 1);
    let debug = format!("{queue:?}");
    assert!(
        debug.contains("len: 1") && debug.contains("maxsize: Some(2)"),
        "{debug}"
    );
    assert_eq!(format!("{:?}", queue.get()), "Get { waiting: false }");
}

#[test]
fn bounded_queue_counts_items_promised_to_woken_getters() {
    // Regression (issue 9): with five getters waiting, `bounded(2)` accepted seven
    // `try_put`s before any getter ran; asyncio accepts two.
    support::run(async {
        let queue = Rc::new(Queue::bounded(2));
        let getters: Vec<_> = (0..5)
            .map(|_| {
                let queue = queue.clone();
                evloop::spawn(async move { queue.get().await.unwrap() })
            })
            .collect();
        support::yield_times(2).await; // all five wait
        let accepted = (0..7).filter(|&i| queue.try_put(i).is_ok()).count();
        assert_eq!(accepted, 2);
        assert!(queue.is_full());
        // The two woken getters take their items, making room for three more.
        support::yield_times(2).await;
        let accepted = (10..17).filter(|&i| queue.try_put(i).is_ok()).count();
        assert_eq!(accepted, 2);
        support::yield_times(2).await;
        assert!(queue.try_put(20).is_ok());
        let got = finish_all_ok(getters, 20).await;
        assert_eq!(got, [0, 1, 10, 11, 20]);
    });
}
