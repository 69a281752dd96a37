//! `Barrier`: one leader per generation, reuse, `new(0)`, cancellation, 10k parties.

mod support;

use std::cell::Cell;
use std::rc::Rc;

use evloop::sync::Barrier;
use support::{finish, finish_all_ok, yield_times};

#[test]
fn one_leader_per_generation_across_generations() {
    const PARTIES: usize = 5;
    const GENERATIONS: usize = 20;
    support::run(async {
        let barrier = Rc::new(Barrier::new(PARTIES));
        // `passed[g]`: how many tasks went through generation g.
        let passed = Rc::new((0..GENERATIONS).map(|_| Cell::new(0)).collect::<Vec<_>>());
        let tasks: Vec<_> = (0..PARTIES)
            .map(|_| {
                let (barrier, passed) = (barrier.clone(), passed.clone());
                evloop::spawn(async move {
                    let mut led = 0;
                    for generation in 0..GENERATIONS {
                        if barrier.wait().await.is_leader() {
                            led += 1;
                        }
                        passed[generation].set(passed[generation].get() + 1);
                        // Nobody may be a whole generation ahead of the others.
                        if generation > 0 {
                            assert_eq!(passed[generation - 1].get(), PARTIES);
                        }
                    }
                    led
                })
            })
            .collect();
        let leaders: usize = finish_all_ok(tasks, 10 * GENERATIONS)
            .await
            .into_iter()
            .sum();
        assert_eq!(leaders, GENERATIONS, "exactly one leader per generation");
        assert!(passed.iter().all(|p| p.get() == PARTIES));
        assert_eq!(barrier.n_waiting(), 0);
    });
}

#[test]
fn nobody_passes_before_the_last_arrives() {
    support::run(async {
        let barrier = Rc::new(Barrier::new(3));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let barrier = barrier.clone();
                evloop::spawn(async move { barrier.wait().await.is_leader() })
            })
            .collect();
        yield_times(5).await;
        assert!(tasks.iter().all(|t| !t.is_finished()));
        assert_eq!(barrier.n_waiting(), 2);
        assert!(barrier.wait().await.is_leader(), "the last to arrive leads");
        let others = finish_all_ok(tasks, 100).await;
        assert_eq!(others, [false, false]);
    });
}

#[test]
fn zero_and_one_parties_never_wait() {
    support::run(async {
        for n in [0, 1] {
            let barrier = Barrier::new(n);
            assert_eq!(barrier.parties(), 1);
            for _ in 0..3 {
                assert!(barrier.wait().await.is_leader());
            }
        }
    });
}

#[test]
fn cancelled_before_trip_withdraws_its_arrival() {
    support::run(async {
        let barrier = Rc::new(Barrier::new(2));
        let spawn_waiter = || {
            let barrier = barrier.clone();
            evloop::spawn(async move { barrier.wait().await.is_leader() })
        };
        let a = spawn_waiter();
        evloop::yield_now().await;
        assert_eq!(barrier.n_waiting(), 1);
        a.abort();
        assert_eq!(barrier.n_waiting(), 0, "a's arrival is withdrawn");
        let b = spawn_waiter();
        yield_times(3).await;
        assert!(!b.is_finished(), "b alone must not trip a barrier of two");
        let c = spawn_waiter();
        let results = finish_all_ok(vec![b, c], 100).await;
        assert_eq!(results, [false, true]);
    });
}

#[test]
fn cancelled_after_trip_loses_nothing() {
    support::run(async {
        let barrier = Rc::new(Barrier::new(2));
        let spawn_waiter = || {
            let barrier = barrier.clone();
            evloop::spawn(async move { barrier.wait().await.is_leader() })
        };
        let a = spawn_waiter();
        evloop::yield_now().await;
        assert!(barrier.wait().await.is_leader()); // trips; a is woken
        a.abort(); // dropped before it ran
        assert_eq!(barrier.n_waiting(), 0);
        // The next generation starts clean.
        let b = spawn_waiter();
        evloop::yield_now().await;
        assert!(barrier.wait().await.is_leader());
        assert!(!finish(b, 100).await);
    });
}

#[test]
fn no_lost_wakeups_with_many_parties() {
    let n = support::scaled(10_000);
    support::run(async {
        let barrier = Rc::new(Barrier::new(n));
        for _generation in 0..2 {
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    let barrier = barrier.clone();
                    evloop::spawn(async move { barrier.wait().await.is_leader() })
                })
                .collect();
            let leaders = finish_all_ok(tasks, 100)
                .await
                .into_iter()
                .filter(|l| *l)
                .count();
            assert_eq!(leaders, 1);
        }
    });
}

#[test]
fn debug_shows_progress() {
    support::run(async {
        let barrier = Rc::new(Barrier::new(2));
        let a = evloop::spawn({
            let barrier = barrier.clone();
            async move { barrier.wait().await.is_leader() }
        });
        evloop::yield_now().await;
        assert_eq!(
            format!("{barrier:?}"),
            "Barrier { parties: 2, arrived: 1, generation: 0 }"
        );
        assert!(barrier.wait().await.is_leader());
        assert!(!finish(a, 100).await);
        assert_eq!(
            format!("{barrier:?}"),
            "Barrier { parties: 2, arrived: 0, generation: 1 }"
        );
    });
}
