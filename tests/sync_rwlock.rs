//! `RwLock`: shared readers, writer preference, FIFO batches, cancellation, panics, 10k waiters.

mod support;

use std::cell::Cell;
use std::rc::Rc;

use evloop::sync::RwLock;
use support::{Log, finish, finish_all_ok, poll_once, yield_times};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Read(usize),
    Write(usize),
}

/// Spawns a reader that logs `id` while holding the read lock for two yields.
fn reader(lock: &Rc<RwLock<()>>, log: &Log<Op>, id: usize) -> evloop::JoinHandle<()> {
    let (lock, log) = (lock.clone(), log.clone());
    evloop::spawn(async move {
        let _guard = lock.read().await;
        log.push(Op::Read(id));
        yield_times(2).await;
    })
}

/// Spawns a writer that logs `id` while holding the write lock for two yields.
fn writer(lock: &Rc<RwLock<()>>, log: &Log<Op>, id: usize) -> evloop::JoinHandle<()> {
    let (lock, log) = (lock.clone(), log.clone());
    evloop::spawn(async move {
        let _guard = lock.write().await;
        log.push(Op::Write(id));
        yield_times(2).await;
    })
}

#[test]
fn readers_share_writers_exclude() {
    support::run(async {
        let lock = RwLock::new(1);
        let a = lock.read().await;
        let b = lock.read().await;
        assert_eq!(*a + *b, 2);
        assert!(lock.try_write().is_err());
        drop((a, b));
        let mut w = lock.write().await;
        *w = 5;
        assert!(lock.try_read().is_err());
        assert!(lock.try_write().is_err());
        drop(w);
        assert_eq!(*lock.try_read().unwrap(), 5);
    });
}

#[test]
fn queued_writer_blocks_later_readers() {
    support::run(async {
        let lock = Rc::new(RwLock::new(()));
        let log = Log::new();
        let held = lock.read().await;
        let w = writer(&lock, &log, 1);
        evloop::yield_now().await; // the writer waits for `held` to go
        assert!(
            lock.try_read().is_err(),
            "a reader must not overtake the queued writer"
        );
        let r = reader(&lock, &log, 2);
        yield_times(3).await;
        assert!(
            log.items().is_empty(),
            "the new reader queued behind the writer"
        );
        drop(held);
        finish_all_ok(vec![w, r], 100).await;
        assert_eq!(log.items(), [Op::Write(1), Op::Read(2)]);
    });
}

#[test]
fn fifo_with_reader_batches() {
    support::run(async {
        let lock = Rc::new(RwLock::new(()));
        let log = Log::new();
        let held = lock.write().await;
        let tasks = vec![
            reader(&lock, &log, 1),
            reader(&lock, &log, 2),
            writer(&lock, &log, 3),
            reader(&lock, &log, 4),
            reader(&lock, &log, 5),
            writer(&lock, &log, 6),
            writer(&lock, &log, 7),
        ];
        evloop::yield_now().await; // all queued, in spawn order
        drop(held);
        // Readers 1 and 2 are granted together.
        evloop::yield_now().await;
        assert_eq!(log.items(), [Op::Read(1), Op::Read(2)]);
        finish_all_ok(tasks, 100).await;
        let expected = [1, 2, 3, 4, 5, 6, 7].map(|i| {
            if [3, 6, 7].contains(&i) {
                Op::Write(i)
            } else {
                Op::Read(i)
            }
        });
        assert_eq!(log.items(), expected);
    });
}

#[test]
fn cancelled_queued_writer_lets_readers_behind_it_go() {
    support::run(async {
        let lock = Rc::new(RwLock::new(()));
        let log = Log::new();
        let held = lock.read().await;
        let w = writer(&lock, &log, 1);
        let r = reader(&lock, &log, 2);
        evloop::yield_now().await; // w queued, r queued behind it
        w.abort();
        finish(r, 100).await; // shares the lock with `held`
        assert_eq!(log.items(), [Op::Read(2)]);
        drop(held);
        assert!(lock.try_write().is_ok());
    });
}

#[test]
fn cancelled_after_grant_hands_the_lock_on() {
    support::run(async {
        let lock = Rc::new(RwLock::new(()));
        let log = Log::new();

        // A writer granted, then dropped before it returned: readers behind it go.
        let held = lock.write().await;
        let mut write = Box::pin(lock.write());
        assert!(poll_once(&mut write).await.is_pending());
        let r = reader(&lock, &log, 1);
        evloop::yield_now().await;
        drop(held); // granted to `write`
        assert!(lock.try_read().is_err());
        drop(write);
        finish(r, 100).await;

        // A reader granted, then dropped: the writer waiting for readers goes.
        let held = lock.write().await;
        let mut read = Box::pin(lock.read());
        assert!(poll_once(&mut read).await.is_pending());
        let w = writer(&lock, &log, 2);
        evloop::yield_now().await;
        drop(held); // granted to `read` (the writer behind it waits for it)
        drop(read);
        finish(w, 100).await;

        // Through `abort`: granted while queued, aborted before it runs again.
        let held = lock.read().await;
        let w3 = writer(&lock, &log, 3);
        let w4 = writer(&lock, &log, 4);
        evloop::yield_now().await;
        drop(held); // granted to w3
        w3.abort();
        finish(w4, 100).await;
        assert_eq!(log.items(), [Op::Read(1), Op::Write(2), Op::Write(4)]);
        assert!(lock.try_write().is_ok());
    });
}

#[test]
fn no_lost_wakeups_with_many_waiters() {
    let n = support::scaled(10_000);
    support::run(async {
        let lock = Rc::new(RwLock::new(0usize));
        let readers_inside = Rc::new(Cell::new(0usize));
        let max_readers = Rc::new(Cell::new(0usize));
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (lock, inside, max) =
                    (lock.clone(), readers_inside.clone(), max_readers.clone());
                evloop::spawn(async move {
                    if i % 10 == 0 {
                        let mut value = lock.write().await;
                        assert_eq!(inside.get(), 0, "a writer beside readers");
                        evloop::yield_now().await;
                        *value += 1;
                    } else {
                        let _value = lock.read().await;
                        inside.set(inside.get() + 1);
                        max.set(max.get().max(inside.get()));
                        evloop::yield_now().await;
                        inside.set(inside.get() - 1);
                    }
                })
            })
            .collect();
        finish_all_ok(tasks, 4 * n + 100).await;
        assert_eq!(*lock.read().await, n.div_ceil(10));
        assert!(max_readers.get() > 1, "readers never shared the lock");
        assert!(lock.try_write().is_ok());
    });
}

#[test]
fn try_variants() {
    let lock = RwLock::new(1);
    let r = lock.try_read().unwrap();
    let r2 = lock.try_read().unwrap();
    let err = lock.try_write().unwrap_err();
    assert_eq!(err.to_string(), "lock is held, or tasks are queued for it");
    drop((r, r2));
    let w = lock.try_write().unwrap();
    assert!(lock.try_read().is_err());
    drop(w);
    assert!(lock.try_read().is_ok());
}

#[test]
fn guards_released_when_task_panics() {
    support::run(async {
        let lock = Rc::new(RwLock::new(0));
        let panicker = evloop::spawn({
            let lock = lock.clone();
            async move {
                let mut value = lock.write().await;
                *value = 1;
                evloop::yield_now().await;
                panic!("boom while holding the write lock");
            }
        });
        evloop::yield_now().await;
        let waiter = evloop::spawn({
            let lock = lock.clone();
            async move { *lock.read().await }
        });
        assert!(panicker.await.unwrap_err().is_panic());
        assert_eq!(finish(waiter, 100).await, 1);
        *lock.try_write().unwrap() += 1;
    });
}

#[test]
fn into_inner_get_mut_and_debug() {
    let mut lock = RwLock::new(3);
    *lock.get_mut() += 1;
    assert_eq!(
        format!("{lock:?}"),
        "RwLock { data: 4, readers: 0, writer: false, waiters: 0 }"
    );
    let r = lock.try_read().unwrap();
    assert_eq!(
        format!("{lock:?}"),
        "RwLock { data: 4, readers: 1, writer: false, waiters: 0 }"
    );
    drop(r);
    let w = lock.try_write().unwrap();
    assert_eq!(format!("{w:?}"), "4");
    assert_eq!(
        format!("{lock:?}"),
        "RwLock { data: <locked>, readers: 0, writer: true, waiters: 0 }"
    );
    drop(w);
    assert_eq!(lock.into_inner(), 4);
}
