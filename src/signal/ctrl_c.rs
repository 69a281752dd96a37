//! `ctrl_c`: wait for one `SIGINT`.

use std::io;

use super::{SignalKind, signal};

/// Waits for the next Ctrl-C (`SIGINT`): asyncio's
/// `loop.add_signal_handler(signal.SIGINT, ...)` for the common case.
///
/// Listening starts when the future is first polled (this is an `async fn`), and ends
/// when it completes or is dropped; a `SIGINT` delivered before the first poll is not
/// reported. While it listens, Ctrl-C does not kill the process; afterwards it does again,
/// unless another listener remains (see [the module docs](crate::signal#the-default-action)).
///
/// For a loop that must not miss a signal between two waits (an accept loop that
/// `select`s on it, say), listen once with
/// [`signal(SignalKind::interrupt())`](super::signal) and call `recv` on each turn:
/// between two `ctrl_c()` calls nothing listens, and a `SIGINT` then takes its default
/// action and ends the process.
///
/// # Errors
///
/// As [`signal`]: polled outside an evloop runtime, or no file descriptor left.
///
/// # Cancellation
///
/// Dropping the future stops listening; a `SIGINT` that arrived meanwhile is lost with it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let server = evloop::spawn(async {
///         loop {
///             // Serve requests...
///             evloop::sleep(Duration::from_millis(10)).await;
///         }
///     });
///     // As Ctrl-C in the terminal would, once `ctrl_c` below is listening.
///     evloop::spawn(async {
///         evloop::sleep(Duration::from_millis(20)).await;
///         signal_hook::low_level::raise(signal_hook::consts::SIGINT).unwrap();
///     });
///     evloop::signal::ctrl_c().await?;
///     println!("shutting down");
///     server.abort();
///     assert!(server.await.unwrap_err().is_cancelled());
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "add_signal_handler")]
#[doc(alias = "SIGINT")]
#[doc(alias = "KeyboardInterrupt")]
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    interrupt
        .recv()
        .await
        .ok_or_else(|| io::Error::other("evloop::signal::ctrl_c: the SIGINT listener broke"))
}
