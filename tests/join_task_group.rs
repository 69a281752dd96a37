//! TaskGroup: values in spawn order, first failure cancels siblings, drop cancels children.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::{GroupError, TaskGroup};
use support::Tracker;

#[test]
fn join_returns_values_in_spawn_order() {
    support::run(async {
        let group = TaskGroup::<u64, ()>::new();
        for ms in [30u64, 5, 15] {
            group.spawn(async move {
                evloop::sleep(Duration::from_millis(ms)).await;
                Ok(ms)
            });
        }
        assert_eq!(group.running(), 3);
        assert_eq!(group.join().await.unwrap(), [30, 5, 15]);
    });
}

#[test]
fn first_error_cancels_the_siblings_and_is_returned() {
    let slow = Tracker::new();
    let later_error_seen = Rc::new(Cell::new(false));
    support::run(async {
        let group = TaskGroup::<u32, String>::new();
        group.spawn(slow.track(async {
            evloop::sleep(Duration::from_secs(3600)).await;
            Ok(1)
        }));
        group.spawn(async {
            evloop::sleep(Duration::from_millis(2)).await;
            Err("first".to_owned())
        });
        let seen = later_error_seen.clone();
        group.spawn(async move {
            evloop::sleep(Duration::from_millis(if cfg!(miri) { 3000 } else { 50 })).await;
            seen.set(true);
            Err("second".to_owned())
        });
        match group.join().await {
            Err(GroupError::Failed(message)) => assert_eq!(message, "first"),
            other => panic!("{other:?}"),
        }
        assert_eq!(slow.drops(), 1, "the sibling was cancelled");
    });
    assert!(
        !later_error_seen.get(),
        "the other sibling was cancelled before failing"
    );
}

#[test]
fn a_panicking_child_fails_the_group() {
    support::run(async {
        let group = TaskGroup::<(), String>::new();
        group.spawn(async {
            evloop::sleep(Duration::from_secs(3600)).await;
            Ok(())
        });
        group.spawn(async { panic!("child exploded") });
        match group.join().await {
            Err(err @ GroupError::Panicked(_)) => {
                assert_eq!(
                    err.to_string(),
                    "a task of the group panicked: child exploded"
                );
            }
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn dropping_the_group_cancels_its_children() {
    let child = Tracker::new();
    support::run(async {
        let group = TaskGroup::<(), ()>::new();
        group.spawn(child.track(async {
            std::future::pending::<()>().await;
            Ok(())
        }));
        evloop::yield_now().await;
        assert_eq!(child.polls(), 1);
        drop(group);
        assert_eq!(child.drops(), 1);
    });
}

#[test]
fn cancelling_join_cancels_the_children() {
    let child = Tracker::new();
    support::run(async {
        let group = TaskGroup::<(), ()>::new();
        group.spawn(child.track(async {
            evloop::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }));
        let r = evloop::wait_for(Duration::from_millis(2), group.join()).await;
        assert!(r.is_err());
        assert_eq!(child.drops(), 1);
    });
}

#[test]
fn children_can_spawn_siblings_and_a_failed_group_refuses_new_children() {
    support::run(async {
        let group = TaskGroup::<u8, &str>::new();
        let spawner = group.spawner();
        group.spawn(async move {
            spawner.spawn(async { Ok(2) }).unwrap();
            Ok(1)
        });
        assert_eq!(group.join().await.unwrap(), [1, 2]);

        let group = TaskGroup::<u8, &str>::new();
        let spawner = group.spawner();
        group.spawn(async { Err("broken") });
        evloop::yield_now().await;
        assert!(spawner.spawn(async { Ok(3) }).is_err());
        assert!(group.join().await.is_err());
    });
}

#[test]
fn many_children_finish_and_nothing_is_left_behind() {
    let n = support::scaled(10_000);
    let held = Rc::new(());
    support::run(async {
        let group = TaskGroup::<usize, ()>::new();
        for i in 0..n {
            let held = held.clone();
            group.spawn(async move {
                evloop::yield_now().await;
                drop(held);
                Ok(i)
            });
        }
        let values = group.join().await.unwrap();
        assert_eq!(values, (0..n).collect::<Vec<_>>());
    });
    assert_eq!(Rc::strong_count(&held), 1);
}

#[test]
fn empty_group_joins_at_once() {
    let values: Vec<()> = support::run(TaskGroup::<(), ()>::new().join()).unwrap();
    assert!(values.is_empty());
}
