//! `#[evloop::main]` and `#[evloop::test]` (feature `macros`): the documented faces of the
//! attribute macros of the `evloop-macros` crate.

/// Runs `async fn main` on an evloop runtime: asyncio's `asyncio.run(main())` as an
/// attribute.
///
/// `#[evloop::main] async fn main() -> T { body }` becomes `fn main() -> T` that builds a
/// runtime and runs the body with [`Runtime::block_on`](crate::Runtime::block_on). Options,
/// as `name = value`: `debug = true` ([`Builder::debug`](crate::runtime::Builder::debug)),
/// `event_interval = N` ([`Builder::event_interval`](crate::runtime::Builder::event_interval)),
/// `start_paused = true` or just `start_paused`
/// ([`Builder::start_paused`](crate::runtime::Builder::start_paused): virtual time),
/// `seed = N` ([`Builder::seed`](crate::runtime::Builder::seed): a reproducible
/// scheduling order).
///
/// Misuse is a compile error saying what to write instead: the attribute on a function
/// that is not `async`, a `main` with arguments, a generic function, an unknown option.
///
/// # Panics
///
/// The generated `main` panics if the runtime cannot be built (the OS refused an epoll
/// instance or an eventfd), and re-raises a panic of the body.
///
/// # Examples
///
/// ```
/// #[evloop::main(debug = true)]
/// async fn main() -> std::io::Result<()> {
///     let answer = evloop::spawn(async { 6 * 7 }).await.unwrap();
///     assert_eq!(answer, 42);
///     evloop::fs::metadata("Cargo.toml").await?; // `?` works in the body
///     Ok(())
/// }
/// ```
#[doc(alias = "asyncio.run")]
pub use evloop_macros::main;

/// Runs an `async fn` test on a fresh evloop runtime: `#[evloop::test]` instead of
/// `#[test]`.
///
/// Each test gets its own runtime, dropped at the end of the test (tasks still pending are
/// dropped with it). A test may return `()` or a `Result`, as `#[test]` functions do. The
/// options are those of [`main`](macro@crate::main), and `seeds = N`: run the body N times,
/// each on a fresh runtime with seed `0..N`
/// ([`testing::run_with_seeds`](crate::testing::run_with_seeds)); a failure names the seed
/// to replay (`EVLOOP_SEED=n cargo test ...`, or `seed = n`).
///
/// # Panics
///
/// As `#[test]`: a panic in the body fails the test.
///
/// # Examples
///
/// ```
/// #[evloop::test]
/// async fn sleeps_never_end_early() {
///     let start = std::time::Instant::now();
///     evloop::sleep(std::time::Duration::from_millis(5)).await;
///     assert!(start.elapsed() >= std::time::Duration::from_millis(5));
/// }
/// # fn main() {} // (a doctest's own main; in a test file the attribute is all there is)
/// ```
///
/// Virtual time and many seeds (a day of heartbeats, in milliseconds of real time, under
/// 20 interleavings):
///
/// ```
/// #[evloop::test(start_paused, seeds = 20)]
/// async fn a_day_of_heartbeats_in_any_order() {
///     let beats = std::rc::Rc::new(std::cell::Cell::new(0));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let beats = beats.clone();
///             evloop::spawn(async move {
///                 let mut every = evloop::interval(std::time::Duration::from_secs(60));
///                 for _ in 0..24 * 60 {
///                     every.tick().await;
///                     beats.set(beats.get() + 1);
///                 }
///             })
///         })
///         .collect();
///     evloop::gather(tasks).await;
///     assert_eq!(beats.get(), 3 * 24 * 60);
/// }
/// # fn main() {}
/// ```
pub use evloop_macros::test;
