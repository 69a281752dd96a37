//! `#[evloop::main]` and `#[evloop::test]` (feature `macros`): the documented faces of the
//! attribute macros of the `evloop-macros` crate.

/// Runs `async fn main` on an evloop runtime: asyncio's `asyncio.run(main())` as an
/// attribute.
///
/// `#[evloop::main] async fn main() -> T { body }` becomes `fn main() -> T` that builds a
/// runtime and runs the body with [`Runtime::block_on`](crate::Runtime::block_on). Options,
/// as `name = value`: `debug = true` ([`Builder::debug`](crate::runtime::Builder::debug)),
/// `event_interval = N` ([`Builder::event_interval`](crate::runtime::Builder::event_interval)).
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
/// options are those of [`main`](macro@crate::main).
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
pub use evloop_macros::test;
