//! `Signal`: one listener for one signal kind, as a stream of deliveries.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::SignalKind;
use super::registry::Hook;
use crate::io::IoSource;

/// Starts listening for `kind` on the current runtime: asyncio's
/// `loop.add_signal_handler(signum, callback)`, as a value you await.
///
/// Listening starts when this returns: a signal delivered after that is reported by the
/// next [`Signal::recv`], however late it is called; a signal delivered before it is not.
/// While at least one listener for a signal exists anywhere in the process, the signal's
/// default action is suspended (a `SIGINT` no longer kills the process); when the last one
/// is dropped, it comes back (see
/// [the module docs](crate::signal#the-default-action)).
///
/// # Errors
///
/// * `InvalidInput` for `SIGKILL` and `SIGSTOP` (the OS does not let a process catch them)
///   and for `SIGSEGV`, `SIGILL` and `SIGFPE` (faults a handler cannot recover from).
/// * Called outside a runtime: `"evloop: no runtime on this thread; ..."`. Create it
///   inside [`evloop::run`](crate::run) or [`Runtime::block_on`](crate::Runtime::block_on).
/// * The OS refuses: a signal number it does not know (`EINVAL`), or no file descriptor
///   left for the self-pipe (`EMFILE`).
///
/// # Examples
///
/// ```
/// use evloop::signal::{signal, SignalKind};
///
/// evloop::run(async {
///     let mut reload = signal(SignalKind::user_defined1())?;
///     // As `kill -USR1 <pid>` from a shell would.
///     signal_hook::low_level::raise(signal_hook::consts::SIGUSR1)?;
///     assert_eq!(reload.recv().await, Some(()));
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
///
/// A forbidden signal is an error, not a panic:
///
/// ```
/// use evloop::signal::{signal, SignalKind};
///
/// evloop::run(async {
///     let kill = SignalKind::from_raw(signal_hook::consts::SIGKILL);
///     let err = signal(kill).unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// });
/// ```
#[doc(alias = "add_signal_handler")]
#[doc(alias = "loop.add_signal_handler")]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    // The self-pipe: the handler sends a byte into `write`, the reactor sees `read` readable.
    // A socket pair rather than a pipe: `std` makes both ends close-on-exec, and
    // signal-hook sends with `MSG_DONTWAIT`, so a full buffer never blocks the handler.
    let (read, write) = std::os::unix::net::UnixStream::pair()?;
    read.set_nonblocking(true)?;
    // Registered first: outside a runtime this fails before anything process-wide changes.
    let pipe = IoSource::new(mio::net::UnixStream::from_std(read))?;
    let hook = Hook::register(kind, write.into())?;
    Ok(Signal { kind, hook, pipe })
}

/// A listener for one Unix signal, made by [`signal`]: each [`recv`](Signal::recv) waits
/// for the next delivery. Also a [`Stream`](futures_core::Stream) of `()`.
///
/// Deliveries that arrive while nobody is waiting are remembered, but coalesced: however
/// many signals came since the last `recv`, the next `recv` returns once without waiting
/// for another, and the one after waits for a new signal. (Unix itself merges pending
/// instances of a standard signal; count on "at least one since you last looked", never on
/// a number.)
///
/// Every `Signal` is woken on its own, even several for the same signal on several
/// runtimes. Dropping it stops listening: asyncio's `loop.remove_signal_handler`. Its
/// action is unregistered and its file descriptors closed; if it was the last listener
/// for its signal in the process, the signal gets its previous behaviour back.
///
/// A `Signal` is `!Send`: it belongs to the runtime it was made on, like the I/O types.
///
/// # Examples
///
/// ```
/// use evloop::signal::{signal, SignalKind};
/// use signal_hook::{consts::SIGUSR2, low_level::raise};
///
/// evloop::run(async {
///     let mut usr2 = signal(SignalKind::user_defined2())?;
///     raise(SIGUSR2)?;
///     raise(SIGUSR2)?; // before anyone looks: coalesced with the first
///     assert_eq!(usr2.recv().await, Some(()));
///     let again = evloop::wait_for(std::time::Duration::from_millis(50), usr2.recv()).await;
///     assert!(again.is_err(), "nothing new arrived");
///     drop(usr2); // remove_signal_handler
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "remove_signal_handler")]
#[doc(alias = "loop.remove_signal_handler")]
pub struct Signal {
    kind: SignalKind,
    // Declaration order is drop order: the hook (owner of the write end) goes first, so the
    // handler never sends into a socket whose reader is closed.
    hook: Hook,
    pipe: IoSource<mio::net::UnixStream>,
}

impl Signal {
    /// Waits for the next delivery of the signal; `Some(())` when it came.
    ///
    /// Returns without waiting for another signal if one arrived since the previous `recv`
    /// (several coalesce into one). `None` means the listener broke and no signal will ever
    /// be reported: that does not happen while the runtime that made the `Signal` runs (it
    /// would take the self-pipe failing).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: a delivery is consumed only when `recv` returns it, so dropping the
    /// future (in [`select`](crate::select), under [`wait_for`](crate::wait_for)) loses
    /// no signal.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::{signal, SignalKind};
    ///
    /// evloop::run(async {
    ///     let mut term = signal(SignalKind::terminate())?;
    ///     evloop::spawn(async {
    ///         signal_hook::low_level::raise(signal_hook::consts::SIGTERM).unwrap();
    ///     });
    ///     assert_eq!(term.recv().await, Some(()));
    ///     println!("SIGTERM: shutting down");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery: the poll form of [`recv`](Self::recv), for hand-written
    /// futures. `Pending` stores `cx`'s waker (only the last one is woken).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::task::Poll;
    /// use evloop::signal::{signal, SignalKind};
    ///
    /// evloop::run(async {
    ///     let mut usr1 = signal(SignalKind::user_defined1())?;
    ///     let first = poll_fn(|cx| Poll::Ready(usr1.poll_recv(cx))).await;
    ///     assert!(first.is_pending(), "no signal yet");
    ///     signal_hook::low_level::raise(signal_hook::consts::SIGUSR1)?;
    ///     assert_eq!(poll_fn(|cx| usr1.poll_recv(cx)).await, Some(()));
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let drained = ready!(self.pipe.poll_read_with(cx, drain));
        Poll::Ready(match drained {
            Ok(true) => Some(()),
            // End of file or an error: the write end is gone (it never is before drop).
            Ok(false) | Err(_) => None,
        })
    }

    /// The signal this listener is for.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::{signal, SignalKind};
    ///
    /// evloop::run(async {
    ///     let hup = signal(SignalKind::hangup()).unwrap();
    ///     assert_eq!(hup.kind(), SignalKind::hangup());
    /// });
    /// ```
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

/// Consumes every byte the handler sent: `Ok(true)` if there was at least one,
/// `WouldBlock` if there was none (so the caller waits), `Ok(false)` at end of file.
///
/// Returning `Ok` leaves the source's readiness set; the next call then reads `WouldBlock`
/// and clears it, so a byte sent in between is never missed.
fn drain(mut pipe: &mio::net::UnixStream) -> io::Result<bool> {
    let mut buf = [0u8; 64];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return Ok(false),
            Ok(_) => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err), // `WouldBlock`: nothing yet
        }
    }
    loop {
        match pipe.read(&mut buf) {
            // More signals sent before we looked: coalesced into this one.
            Ok(n) if n > 0 => continue,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            // Drained (`WouldBlock`), or closed or failing: report this delivery now, and
            // let the next call see the state again.
            _ => return Ok(true),
        }
    }
}

impl futures_core::Stream for Signal {
    type Item = ();

    /// One `()` per (coalesced) delivery; see [`Signal::recv`].
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("hook", &self.hook)
            .finish_non_exhaustive()
    }
}
