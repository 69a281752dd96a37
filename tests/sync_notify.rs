//! `Notify`: one stored permit, FIFO `notify_one`, `notify_waiters`, pass-on on cancellation.

mod support;

use std::rc::Rc;

use evloop::Either;
use evloop::sync::Notify;
use support::{Log, finish, finish_all_ok, poll_once, yield_times};

fn waiter(notify: &Rc<Notify>, log: &Log<usize>, id: usize) -> evloop::JoinHandle<()> {
    let (notify, log) = (notify.clone(), log.clone());
    evloop::spawn(async move {
        notify.notified().await;
        log.push(id);
    })
}

/// Whether `notified()` completes without waiting (consuming a stored permit).
async fn has_permit(notify: &Notify) -> bool {
    matches!(
        evloop::select(notify.notified(), evloop::yield_now()).await,
        Either::Left(())
    )
}

#[test]
fn notify_one_without_waiters_stores_one_permit() {
    support::run(async {
        let notify = Notify::new();
        notify.notify_one();
        notify.notify_one(); // still one permit
        assert!(has_permit(&notify).await);
        assert!(!has_permit(&notify).await);
    });
}

#[test]
fn notify_one_wakes_the_oldest_waiter() {
    support::run(async {
        let notify = Rc::new(Notify::new());
        let log = Log::new();
        let tasks: Vec<_> = (0..5).map(|id| waiter(&notify, &log, id)).collect();
        evloop::yield_now().await;
        for expected in 0..5 {
            notify.notify_one();
            yield_times(2).await;
            assert_eq!(log.items(), (0..=expected).collect::<Vec<_>>());
        }
        finish_all_ok(tasks, 100).await;
        assert!(
            !has_permit(&notify).await,
            "every notification was consumed"
        );
    });
}

#[test]
fn notify_waiters_wakes_all_and_stores_nothing() {
    support::run(async {
        let notify = Rc::new(Notify::new());
        let log = Log::new();
        let tasks: Vec<_> = (0..5).map(|id| waiter(&notify, &log, id)).collect();
        evloop::yield_now().await;
        notify.notify_waiters();
        finish_all_ok(tasks, 100).await;
        assert_eq!(log.items(), (0..5).collect::<Vec<_>>());
        notify.notify_waiters(); // nobody waits: nothing stored
        assert!(!has_permit(&notify).await);
    });
}

#[test]
fn cancelled_before_notification_leaves_the_queue() {
    support::run(async {
        let notify = Rc::new(Notify::new());
        let log = Log::new();
        let a = waiter(&notify, &log, 1);
        let b = waiter(&notify, &log, 2);
        evloop::yield_now().await;
        a.abort();
        notify.notify_one(); // goes to b, not to the departed a
        finish(b, 100).await;
        assert_eq!(log.items(), [2]);
        assert!(!has_permit(&notify).await);
    });
}

#[test]
fn cancelled_after_notify_one_passes_it_on() {
    support::run(async {
        let notify = Rc::new(Notify::new());
        let log = Log::new();
        let a = waiter(&notify, &log, 1);
        let b = waiter(&notify, &log, 2);
        evloop::yield_now().await;
        notify.notify_one(); // chooses a
        a.abort(); // before a ran: the notification goes to b
        finish(b, 100).await;
        assert_eq!(log.items(), [2]);

        // With nobody behind, it becomes the stored permit.
        let mut notified = Box::pin(notify.notified());
        assert!(poll_once(&mut notified).await.is_pending());
        notify.notify_one();
        drop(notified);
        assert!(
            has_permit(&notify).await,
            "the unused notification became the permit"
        );
    });
}

#[test]
fn cancelled_after_notify_waiters_is_not_passed_on() {
    support::run(async {
        let notify = Rc::new(Notify::new());
        let log = Log::new();
        let a = waiter(&notify, &log, 1);
        evloop::yield_now().await;
        notify.notify_waiters();
        a.abort();
        assert!(!has_permit(&notify).await);
        assert!(log.items().is_empty());
    });
}

#[test]
fn no_lost_wakeups_with_many_waiters() {
    let n = support::scaled(10_000);
    support::run(async {
        let notify = Rc::new(Notify::new());
        let log = Log::new();
        let tasks: Vec<_> = (0..n).map(|id| waiter(&notify, &log, id)).collect();
        evloop::yield_now().await;
        for _ in 0..n {
            notify.notify_one();
        }
        finish_all_ok(tasks, 4 * n + 100).await;
        assert_eq!(log.items(), (0..n).collect::<Vec<_>>());
        assert!(!has_permit(&notify).await);

        let tasks: Vec<_> = (0..n).map(|id| waiter(&notify, &log, id)).collect();
        evloop::yield_now().await;
        notify.notify_waiters();
        finish_all_ok(tasks, 4 * n + 100).await;
        assert_eq!(log.len(), 2 * n);
    });
}
