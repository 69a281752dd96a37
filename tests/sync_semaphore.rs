//! `Semaphore`: FIFO grants, `acquire_many` fairness, cancellation, owned permits, limits.

mod support;

use std::cell::Cell;
use std::rc::Rc;

use evloop::sync::Semaphore;
use support::{Log, finish, finish_all_ok, panic_message, poll_once, yield_times};

/// Spawns a task that takes `n` permits, logs `id`, holds them for one yield, and returns
/// them.
fn taker(sem: &Rc<Semaphore>, log: &Log<usize>, id: usize, n: usize) -> evloop::JoinHandle<()> {
    let (sem, log) = (sem.clone(), log.clone());
    evloop::spawn(async move {
        let _permit = sem.acquire_many(n).await;
        log.push(id);
        evloop::yield_now().await;
    })
}

#[test]
fn grants_in_fifo_order() {
    support::run(async {
        let sem = Rc::new(Semaphore::new(0));
        let log = Log::new();
        let tasks: Vec<_> = (0..20).map(|id| taker(&sem, &log, id, 1)).collect();
        evloop::yield_now().await; // all queued
        sem.add_permits(1); // one permit, passed along the queue
        finish_all_ok(tasks, 100).await;
        assert_eq!(log.items(), (0..20).collect::<Vec<_>>());
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn large_request_at_the_head_blocks_smaller_ones() {
    support::run(async {
        let sem = Rc::new(Semaphore::new(2));
        let log = Log::new();
        let held = sem.acquire_many(2).await;
        let big = taker(&sem, &log, 1, 3);
        let small = taker(&sem, &log, 2, 1);
        evloop::yield_now().await; // both queued, big first
        sem.add_permits(1);
        yield_times(3).await;
        assert_eq!(
            sem.available_permits(),
            1,
            "small must not take the permit big waits for"
        );
        assert!(log.items().is_empty());
        assert!(
            sem.try_acquire().is_err(),
            "try_acquire must not jump the queue"
        );
        drop(held); // 3 available: big goes, small waits for big
        finish_all_ok(vec![big, small], 100).await;
        assert_eq!(log.items(), [1, 2]);
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn cancelled_head_request_unblocks_the_ones_behind() {
    support::run(async {
        let sem = Rc::new(Semaphore::new(1));
        let log = Log::new();
        let big = taker(&sem, &log, 1, 5);
        let small = taker(&sem, &log, 2, 1);
        evloop::yield_now().await;
        assert!(log.items().is_empty());
        big.abort(); // never granted: it leaves, and small now fits
        finish(small, 100).await;
        assert_eq!(log.items(), [2]);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn cancelled_after_grant_returns_the_permits() {
    support::run(async {
        let sem = Rc::new(Semaphore::new(0));
        let log = Log::new();

        // A hand-polled future: granted, then dropped without being polled again.
        let mut acquire = Box::pin(sem.acquire_many(2));
        assert!(poll_once(&mut acquire).await.is_pending());
        let next = taker(&sem, &log, 1, 2);
        evloop::yield_now().await;
        sem.add_permits(2); // granted to `acquire`
        assert_eq!(sem.available_permits(), 0);
        drop(acquire); // its 2 permits go to `next`
        finish(next, 100).await;
        assert_eq!(sem.available_permits(), 2);

        // Through `abort`.
        let held = sem.acquire_many(2).await;
        let a = taker(&sem, &log, 2, 1);
        let b = taker(&sem, &log, 3, 1);
        evloop::yield_now().await;
        drop(held); // both granted
        a.abort();
        finish(b, 100).await;
        assert_eq!(log.items(), [1, 3]);
        assert_eq!(sem.available_permits(), 2);

        // An owned acquire, granted then dropped with nobody behind.
        let held = sem.acquire_many(2).await;
        let mut owned = Box::pin(sem.clone().acquire_owned());
        assert!(poll_once(&mut owned).await.is_pending());
        drop(held);
        assert_eq!(sem.available_permits(), 1);
        drop(owned);
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn no_lost_wakeups_with_many_waiters() {
    let n = support::scaled(10_000);
    support::run(async {
        let sem = Rc::new(Semaphore::new(3));
        let inside = Rc::new(Cell::new(0usize));
        let max_inside = Rc::new(Cell::new(0usize));
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (sem, inside, max) = (sem.clone(), inside.clone(), max_inside.clone());
                evloop::spawn(async move {
                    let permit = sem.acquire_many(1 + i % 2).await;
                    inside.set(inside.get() + permit.num_permits());
                    max.set(max.get().max(inside.get()));
                    evloop::yield_now().await;
                    inside.set(inside.get() - permit.num_permits());
                })
            })
            .collect();
        finish_all_ok(tasks, 4 * n + 100).await;
        assert!(
            max_inside.get() <= 3,
            "{} permits out of 3",
            max_inside.get()
        );
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn owned_permits_move_into_tasks() {
    support::run(async {
        let sem = Rc::new(Semaphore::new(2));
        let permit = sem.clone().acquire_many_owned(2).await;
        assert_eq!(permit.num_permits(), 2);
        let task = evloop::spawn(async move {
            evloop::yield_now().await;
            drop(permit);
        });
        let _mine = sem.clone().acquire_owned().await; // waits for the task
        assert!(task.is_finished());
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn try_acquire_forget_and_add_permits() {
    let sem = Semaphore::new(3);
    let one = sem.try_acquire().unwrap();
    let two = sem.try_acquire_many(2).unwrap();
    let err = sem.try_acquire().unwrap_err();
    assert_eq!(
        err.to_string(),
        "not enough permits available, or tasks are queued for them"
    );
    assert_eq!(sem.try_acquire_many(0).unwrap().num_permits(), 0);
    two.forget();
    drop(one);
    assert_eq!(sem.available_permits(), 1);
    sem.add_permits(4);
    assert_eq!(sem.available_permits(), 5);
    assert!(sem.try_acquire_many(6).is_err());
    assert_eq!(format!("{sem:?}"), "Semaphore { permits: 5, waiters: 0 }");
}

#[test]
fn acquire_zero_completes_at_once() {
    support::run(async {
        let sem = Rc::new(Semaphore::new(0));
        let queued = taker(&sem, &Log::new(), 0, 1);
        evloop::yield_now().await;
        assert_eq!(sem.acquire_many(0).await.num_permits(), 0);
        queued.abort();
    });
}

#[test]
fn permits_released_when_task_panics() {
    support::run(async {
        let sem = Rc::new(Semaphore::new(1));
        let panicker = evloop::spawn({
            let sem = sem.clone();
            async move {
                let _permit = sem.acquire().await;
                evloop::yield_now().await;
                panic!("boom while holding a permit");
            }
        });
        assert!(panicker.await.unwrap_err().is_panic());
        assert_eq!(sem.available_permits(), 1);
        let _permit = sem.acquire().await;
    });
}

#[test]
fn max_permits_is_enforced_with_a_helpful_message() {
    let msg = panic_message(|| drop(Semaphore::new(Semaphore::MAX_PERMITS + 1)));
    assert!(
        msg.contains("MAX_PERMITS") && msg.contains("smaller"),
        "{msg}"
    );
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    let msg = panic_message(|| sem.add_permits(1));
    assert!(
        msg.contains("MAX_PERMITS") && msg.contains("add fewer"),
        "{msg}"
    );
    assert_eq!(sem.available_permits(), Semaphore::MAX_PERMITS);
    let msg = panic_message(|| drop(sem.acquire_many(Semaphore::MAX_PERMITS + 1)));
    assert!(msg.contains("never be granted"), "{msg}");
    let msg = panic_message(|| sem.add_permits(usize::MAX));
    assert!(msg.contains("MAX_PERMITS"), "{msg}");
}
