//! `Condvar`: predicate waits, lock released while waiting, FIFO, pass-on, 10k waiters.

mod support;

use std::rc::Rc;

use evloop::Either;
use evloop::sync::{Condvar, Mutex};
use support::{Log, finish, finish_all_ok, yield_times};

type Shared<T> = Rc<(Mutex<T>, Condvar)>;

fn shared<T>(value: T) -> Shared<T> {
    Rc::new((Mutex::new(value), Condvar::new()))
}

/// Spawns a task that waits once on the condvar, then logs `id` with the lock held.
fn waiter(pair: &Shared<()>, log: &Log<usize>, id: usize) -> evloop::JoinHandle<()> {
    let (pair, log) = (pair.clone(), log.clone());
    evloop::spawn(async move {
        let (mutex, condvar) = &*pair;
        let _guard = condvar.wait(mutex.lock().await).await;
        log.push(id);
    })
}

#[test]
fn wait_until_with_predicate() {
    support::run(async {
        let pair = shared(Vec::new());
        let consumer = evloop::spawn({
            let pair = pair.clone();
            async move {
                let (mutex, condvar) = &*pair;
                let mut items = condvar
                    .wait_until(mutex.lock().await, |v| v.len() >= 3)
                    .await;
                std::mem::take(&mut *items)
            }
        });
        for i in 0..5 {
            pair.0.lock().await.push(i);
            pair.1.notify_all();
            evloop::yield_now().await;
        }
        let taken = finish(consumer, 100).await;
        assert_eq!(
            taken,
            [0, 1, 2],
            "woke up with the predicate true and the lock held"
        );
        assert_eq!(*pair.0.lock().await, [3, 4]);
    });
}

#[test]
fn wait_until_checks_first_without_waiting() {
    support::run(async {
        let pair = shared(5);
        let guard = pair.1.wait_until(pair.0.lock().await, |n| *n == 5).await;
        assert_eq!(*guard, 5);
    });
}

#[test]
fn wait_releases_the_lock_and_relocks_before_returning() {
    support::run(async {
        let pair = shared(0);
        let waiting = evloop::spawn({
            let pair = pair.clone();
            async move {
                let (mutex, condvar) = &*pair;
                let guard = condvar.wait(mutex.lock().await).await;
                assert!(mutex.is_locked());
                *guard
            }
        });
        evloop::yield_now().await;
        assert!(!pair.0.is_locked(), "released while waiting");
        let mut value = pair.0.lock().await;
        *value = 7;
        pair.1.notify_one();
        yield_times(3).await;
        assert!(
            !waiting.is_finished(),
            "it must relock, and we still hold the lock"
        );
        drop(value);
        assert_eq!(finish(waiting, 100).await, 7);
    });
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    support::run(async {
        let pair = shared(());
        let log = Log::new();
        let tasks: Vec<_> = (0..5).map(|id| waiter(&pair, &log, id)).collect();
        yield_times(2).await;
        for expected in 0..5 {
            pair.1.notify_one();
            yield_times(3).await;
            assert_eq!(log.items(), (0..=expected).collect::<Vec<_>>());
        }
        finish_all_ok(tasks, 100).await;
    });
}

#[test]
fn notifications_are_not_stored() {
    support::run(async {
        let pair = shared(());
        pair.1.notify_one();
        pair.1.notify_all();
        let (mutex, condvar) = &*pair;
        let raced = evloop::select(condvar.wait(mutex.lock().await), evloop::yield_now()).await;
        assert!(matches!(raced, Either::Right(())));
        assert!(!mutex.is_locked(), "the dropped wait released the lock");
    });
}

#[test]
fn cancelled_after_notify_one_passes_it_on() {
    support::run(async {
        let pair = shared(());
        let log = Log::new();
        let a = waiter(&pair, &log, 1);
        let b = waiter(&pair, &log, 2);
        yield_times(2).await;
        pair.1.notify_one(); // chooses a
        a.abort(); // before a ran: b gets the notification
        finish(b, 100).await;
        assert_eq!(log.items(), [2]);
    });
}

#[test]
fn cancelled_while_relocking_passes_notify_one_on() {
    support::run(async {
        let pair = shared(());
        let log = Log::new();
        let a = waiter(&pair, &log, 1);
        let b = waiter(&pair, &log, 2);
        yield_times(2).await;
        let guard = pair.0.lock().await;
        pair.1.notify_one(); // chooses a, which then waits for our lock
        yield_times(2).await;
        assert!(!a.is_finished());
        a.abort(); // notified, relocking: b gets the notification
        drop(guard);
        finish(b, 100).await;
        assert_eq!(log.items(), [2]);
    });
}

#[test]
fn cancelled_before_notification_leaves_the_queue() {
    support::run(async {
        let pair = shared(());
        let log = Log::new();
        let a = waiter(&pair, &log, 1);
        let b = waiter(&pair, &log, 2);
        yield_times(2).await;
        a.abort();
        assert_eq!(format!("{:?}", pair.1), "Condvar { waiters: 1 }");
        pair.1.notify_one();
        finish(b, 100).await;
        assert_eq!(log.items(), [2]);
    });
}

#[test]
fn no_lost_wakeups_with_many_waiters() {
    let n = support::scaled(10_000);
    support::run(async {
        let pair = shared(());
        let log = Log::new();
        let tasks: Vec<_> = (0..n).map(|id| waiter(&pair, &log, id)).collect();
        yield_times(2).await;
        pair.1.notify_all();
        finish_all_ok(tasks, 4 * n + 100).await;
        assert_eq!(
            log.items(),
            (0..n).collect::<Vec<_>>(),
            "relocked in FIFO order"
        );

        let tasks: Vec<_> = (0..n).map(|id| waiter(&pair, &log, id)).collect();
        yield_times(2).await;
        for _ in 0..n {
            pair.1.notify_one();
        }
        finish_all_ok(tasks, 4 * n + 100).await;
        assert_eq!(log.len(), 2 * n);
    });
}

#[test]
fn lock_released_when_predicate_panics() {
    support::run(async {
        let pair = shared(0);
        let panicker = evloop::spawn({
            let pair = pair.clone();
            async move {
                let (mutex, condvar) = &*pair;
                let _guard = condvar
                    .wait_until(mutex.lock().await, |n| {
                        if *n > 0 { panic!("bad state") } else { false }
                    })
                    .await;
            }
        });
        evloop::yield_now().await; // it waits, lock released
        *pair.0.lock().await = 1;
        pair.1.notify_all();
        assert!(panicker.await.unwrap_err().is_panic());
        assert!(!pair.0.is_locked());
        assert_eq!(*pair.0.try_lock().unwrap(), 1);
    });
}
