//! Tools for testing async code: run a test body under many scheduling seeds.
//!
//! Bugs that appear only in one interleaving (a task that reads shared state before another
//! wrote it, a message handled before the one it depends on) pass under the loop's FIFO
//! order every time, and fail in production when the timing changes. A seeded runtime
//! ([`Builder::seed`](crate::runtime::Builder::seed)) polls ready tasks in an order drawn
//! from its seed; [`run_with_seeds`] runs one test body under many seeds and, when one
//! fails, says which seed replays it.
//!
//! Together with virtual time ([`crate::time::pause`]), a failing interleaving of tasks and
//! timers is replayed exactly: same seed, same order, same virtual timestamps. What comes
//! from outside the loop (real sockets, other threads, blocking jobs) arrives when it
//! arrives, so a body that depends on it replays only as far as that timing repeats.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crate::runtime::{Builder, panic_message};

/// Runs `body()` on a fresh runtime for each seed of `seeds`, each runtime seeded
/// ([`Builder::seed`]) so that its tasks run in an order drawn from the seed. If a run
/// panics, prints the seed to replay to stderr and panics with a message that starts with
/// `evloop::testing: failed with seed N` and ends with the original panic's message.
///
/// To replay: set `EVLOOP_SEED=N` (this function then runs seed `N` only, and every
/// runtime built without an explicit seed uses it too), or build a runtime with
/// `Builder::seed(N)`. `make` builds each runtime's builder, for other options
/// (`start_paused`, `debug`...); its `seed` is overridden.
///
/// # Panics
///
/// When `body` panics under a seed (see above); if a runtime cannot be built; if
/// `EVLOOP_SEED` is set but is not a number.
///
/// # Examples
///
/// ```should_panic
/// use std::cell::Cell;
/// use std::rc::Rc;
/// // An order-dependent bug: the reader assumes the writer ran first, which the FIFO order
/// // happens to guarantee, and another order does not.
/// evloop::testing::run_with_seeds(0..64, evloop::Runtime::builder, || async {
///     let config = Rc::new(Cell::new(None));
///     let writer = evloop::spawn({
///         let config = config.clone();
///         async move { config.set(Some(42)) }
///     });
///     let reader = evloop::spawn(async move { assert_eq!(config.get(), Some(42)) });
///     let (w, r) = evloop::join!(writer, reader);
///     w.unwrap();
///     r.unwrap(); // panics under some seeds: "failed with seed N"
/// });
/// ```
#[track_caller]
pub fn run_with_seeds<S, M, F, Fut>(seeds: S, make: M, body: F)
where
    S: IntoIterator<Item = u64>,
    M: Fn() -> Builder,
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let replay = crate::runtime::seed_from_env()
        .unwrap_or_else(|err| panic!("evloop::testing::run_with_seeds: {err}"));
    let seeds: Box<dyn Iterator<Item = u64>> = match replay {
        Some(seed) => Box::new(std::iter::once(seed)),
        None => Box::new(seeds.into_iter()),
    };
    for seed in seeds {
        let runtime = make()
            .seed(seed)
            .build()
            .unwrap_or_else(|err| panic!("evloop::testing::run_with_seeds: no runtime: {err}"));
        let outcome = catch_unwind(AssertUnwindSafe(|| runtime.block_on(body())));
        drop(runtime);
        if let Err(payload) = outcome {
            eprintln!(
                "evloop: the test failed with seed {seed}; replay it with EVLOOP_SEED={seed} \
                 (or Builder::seed({seed}))"
            );
            let Some(message) = panic_message(&*payload) else {
                resume_unwind(payload);
            };
            panic!(
                "evloop::testing: failed with seed {seed} (replay: EVLOOP_SEED={seed}): {message}"
            );
        }
    }
}

/// What a test body may return (for `#[evloop::test(seeds = N)]`): `()`, or a `Result`
/// whose error fails the test.
#[doc(hidden)]
pub trait TestOutcome {
    /// Panics on a failure.
    fn check(self);
}

impl TestOutcome for () {
    fn check(self) {}
}

impl<E: std::fmt::Debug> TestOutcome for Result<(), E> {
    #[track_caller]
    fn check(self) {
        if let Err(err) = self {
            panic!("the test returned an error: {err:?}");
        }
    }
}

/// Used by `#[evloop::test(seeds = N)]`: fails the test if `outcome` is an error.
#[doc(hidden)]
#[track_caller]
pub fn __test_outcome(outcome: impl TestOutcome) {
    outcome.check();
}
