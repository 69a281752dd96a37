//! `Mutex`: FIFO hand-over, no barging, cancellation at every point, panics, 10k waiters.

mod support;

use std::cell::Cell;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use evloop::Either;
use evloop::sync::{Event, Mutex};
use support::{Log, finish, finish_all, finish_all_ok, poll_once, yield_times};

/// Spawns a task that locks `mutex`, logs `id`, yields once while holding it, and unlocks.
fn locker(mutex: &Rc<Mutex<()>>, log: &Log<usize>, id: usize) -> evloop::JoinHandle<()> {
    let (mutex, log) = (mutex.clone(), log.clone());
    evloop::spawn(async move {
        let _guard = mutex.lock().await;
        log.push(id);
        evloop::yield_now().await;
    })
}

#[test]
fn grants_in_fifo_order() {
    support::run(async {
        let mutex = Rc::new(Mutex::new(()));
        let log = Log::new();
        let guard = mutex.lock().await;
        let tasks: Vec<_> = (0..20).map(|id| locker(&mutex, &log, id)).collect();
        yield_times(2).await; // all twenty queue, in spawn order
        assert!(log.items().is_empty());
        drop(guard);
        finish_all_ok(tasks, 100).await;
        assert_eq!(log.items(), (0..20).collect::<Vec<_>>());
        assert!(!mutex.is_locked());
    });
}

#[test]
fn unlock_hands_over_so_newcomers_cannot_barge() {
    support::run(async {
        let mutex = Rc::new(Mutex::new(()));
        let log = Log::new();
        let guard = mutex.lock().await;
        let first = locker(&mutex, &log, 1);
        evloop::yield_now().await; // `first` is queued
        drop(guard); // handed to `first`, which has not run yet
        assert!(mutex.is_locked(), "the lock belongs to the queued task now");
        assert!(
            mutex.try_lock().is_err(),
            "try_lock must not jump the queue"
        );
        // A newcomer that arrives now waits behind `first`.
        let guard = mutex.lock().await;
        log.push(2);
        assert_eq!(log.items(), [1, 2]);
        drop(guard);
        finish(first, 100).await;
    });
}

#[test]
fn cancelled_before_grant_leaves_the_queue() {
    support::run(async {
        let mutex = Rc::new(Mutex::new(()));
        let log = Log::new();
        let guard = mutex.lock().await;
        let b = locker(&mutex, &log, 1);
        let c = locker(&mutex, &log, 2);
        yield_times(2).await; // both queued
        b.abort();
        assert!(b.await.unwrap_err().is_cancelled());
        // A lock future polled once (queued) then dropped by `select`.
        let lost = evloop::select(mutex.lock(), evloop::yield_now()).await;
        assert!(matches!(lost, Either::Right(())));
        drop(guard);
        finish(c, 100).await;
        assert_eq!(log.items(), [2]);
        assert!(mutex.try_lock().is_ok(), "nobody left in the queue");
    });
}

#[test]
fn cancelled_after_grant_hands_the_lock_on() {
    support::run(async {
        let mutex = Rc::new(Mutex::new(()));
        let log = Log::new();
        // Through `abort`: granted while queued, aborted before it runs again.
        let guard = mutex.lock().await;
        let b = locker(&mutex, &log, 1);
        let c = locker(&mutex, &log, 2);
        yield_times(2).await;
        drop(guard); // granted to b
        b.abort(); // b's future is dropped holding an unused grant
        finish(c, 100).await;
        assert_eq!(log.items(), [2]);
        assert!(!mutex.is_locked());

        // Through a hand-polled future: granted, then dropped without being polled again.
        let guard = mutex.lock().await;
        let mut lock = Box::pin(mutex.lock());
        assert!(poll_once(&mut lock).await.is_pending());
        let d = locker(&mutex, &log, 3);
        evloop::yield_now().await; // d queues behind `lock`
        drop(guard); // granted to `lock`
        assert!(mutex.is_locked());
        drop(lock); // hands it to d
        finish(d, 100).await;
        assert_eq!(log.items(), [2, 3]);
        assert!(!mutex.is_locked());
    });
}

#[test]
fn cancelled_after_grant_with_nobody_behind_unlocks() {
    support::run(async {
        let mutex = Mutex::new(1);
        let guard = mutex.lock().await;
        let mut lock = Box::pin(mutex.lock());
        assert!(poll_once(&mut lock).await.is_pending());
        drop(guard);
        assert!(mutex.is_locked()); // granted to `lock`, not taken yet
        drop(lock);
        assert!(!mutex.is_locked());
        assert_eq!(*mutex.try_lock().unwrap(), 1);
    });
}

#[test]
fn no_lost_wakeups_with_many_waiters() {
    let n = support::scaled(10_000);
    support::run(async {
        let mutex = Rc::new(Mutex::new(0usize));
        let inside = Rc::new(Cell::new(false));
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (mutex, inside) = (mutex.clone(), inside.clone());
                evloop::spawn(async move {
                    let mut count = mutex.lock().await;
                    assert!(!inside.replace(true), "two tasks inside the lock");
                    evloop::yield_now().await;
                    *count += 1;
                    inside.set(false);
                })
            })
            .collect();
        finish_all_ok(tasks, 4 * n + 100).await;
        assert_eq!(*mutex.lock().await, n);
        assert!(!mutex.is_locked());
    });
}

#[test]
fn many_waiters_cancelled_half_way() {
    let n = support::scaled(10_000);
    support::run(async {
        let mutex = Rc::new(Mutex::new(0usize));
        let guard = mutex.lock().await;
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let mutex = mutex.clone();
                evloop::spawn(async move { *mutex.lock().await += 1 })
            })
            .collect();
        evloop::yield_now().await; // all queued
        for task in tasks.iter().step_by(2) {
            task.abort();
        }
        drop(guard);
        let finished = finish_all(tasks, 4 * n + 100)
            .await
            .into_iter()
            .filter(Result::is_ok)
            .count();
        assert_eq!(finished, n / 2);
        assert_eq!(*mutex.lock().await, n / 2);
    });
}

#[test]
fn try_lock() {
    let mutex = Mutex::new(vec![1]);
    let mut guard = mutex.try_lock().unwrap();
    guard.push(2);
    let err = mutex.try_lock().unwrap_err();
    assert_eq!(err.to_string(), "lock is held, or tasks are queued for it");
    drop(guard);
    assert_eq!(*mutex.try_lock().unwrap(), [1, 2]);
}

#[test]
fn guard_released_when_task_panics() {
    support::run(async {
        let mutex = Rc::new(Mutex::new(0));
        let panicker = evloop::spawn({
            let mutex = mutex.clone();
            async move {
                let mut value = mutex.lock().await;
                *value = 1;
                evloop::yield_now().await;
                panic!("boom while holding the lock");
            }
        });
        evloop::yield_now().await; // it holds the lock now
        let waiter = evloop::spawn({
            let mutex = mutex.clone();
            async move { *mutex.lock().await + 10 }
        });
        assert!(panicker.await.unwrap_err().is_panic());
        assert_eq!(
            finish(waiter, 100).await,
            11,
            "the queued task got the lock"
        );
        assert!(!mutex.is_locked());
        *mutex.try_lock().unwrap() += 1; // usable; no poisoning
    });
}

#[test]
fn guard_released_when_holder_is_aborted() {
    support::run(async {
        let mutex = Rc::new(Mutex::new(()));
        let never = Rc::new(Event::new());
        let holder = evloop::spawn({
            let (mutex, never) = (mutex.clone(), never.clone());
            async move {
                let _guard = mutex.lock().await;
                never.wait().await;
            }
        });
        evloop::yield_now().await;
        assert!(mutex.is_locked());
        holder.abort();
        assert!(!mutex.is_locked());
    });
}

#[test]
fn into_inner_get_mut_and_debug() {
    let mut mutex = Mutex::new(String::from("a"));
    mutex.get_mut().push('b');
    assert_eq!(format!("{mutex:?}"), r#"Mutex { data: "ab", waiters: 0 }"#);
    let guard = mutex.try_lock().unwrap();
    assert_eq!(format!("{mutex:?}"), "Mutex { data: <locked>, waiters: 0 }");
    assert_eq!(format!("{guard:?} {guard}"), r#""ab" ab"#);
    drop(guard);
    assert_eq!(mutex.into_inner(), "ab");
    let unsized_mutex: &Mutex<[i32]> = &Mutex::new([1, 2, 3]);
    assert_eq!(unsized_mutex.try_lock().unwrap().len(), 3);
}

#[test]
fn lock_future_before_first_poll_does_not_queue() {
    support::run(async {
        let mutex = Mutex::new(());
        let unpolled = mutex.lock(); // lazy: not in the queue
        let guard = mutex.try_lock().unwrap();
        drop(guard);
        drop(unpolled);
        let mut lock = pin!(mutex.lock());
        assert!(matches!(poll_once(&mut lock).await, Poll::Ready(_)));
    });
}
