//! Unix signals as async values: asyncio's `loop.add_signal_handler`, as [`ctrl_c`] and
//! [`signal`] streams. Needs the `signal` feature (on by default).
//!
//! ```
//! use evloop::signal::{signal, SignalKind};
//!
//! evloop::run(async {
//!     let mut terminate = signal(SignalKind::terminate())?;
//!     # signal_hook::low_level::raise(signal_hook::consts::SIGTERM)?;
//!     let delivered = terminate.recv().await; // `kill <pid>`, or systemd stopping the service
//!     assert_eq!(delivered, Some(()));
//!     println!("shutting down");
//!     Ok::<(), std::io::Error>(())
//! })
//! .unwrap();
//! ```
//!
//! # Implementation
//!
//! A signal handler may run on any thread, between any two instructions, and may only do
//! async-signal-safe things; it cannot wake a task. So each listener ([`Signal`]) owns a
//! *self-pipe*: a Unix socket pair whose write end is handed to
//! [`signal_hook::low_level::pipe::register`] and whose read end is registered with the
//! runtime's reactor like any socket ([`crate::io::IoSource`]). The process-wide handler
//! (signal-hook installs one per signal, on first use) sends one byte to the write end of
//! every listener of that signal. The reactor's `epoll_wait` returns, the listener's task is
//! woken, and [`Signal::recv`] reads every byte there is, reporting one delivery.
//!
//! * **Several listeners, several runtimes.** Each `Signal` has its own pipe and its own
//!   handler action, so every listener of a signal is woken, on whichever runtime (thread)
//!   made it. Nothing is shared between runtimes but signal-hook's table.
//! * **Coalescing.** Deliveries that arrive while nobody waits are merged: the next `recv`
//!   returns once. The OS merges pending standard signals too, so a count is never
//!   meaningful. Several listeners each see the delivery (one is not "consumed" by another).
//! * **Before and after.** A listener sees only signals delivered while it exists (from
//!   [`signal`] returning, or from [`ctrl_c`]'s first poll, until it is dropped).
//! * **Cost.** Two file descriptors and one handler action per listener; nothing per loop
//!   turn. A signal costs one `send` per listener in the handler.
//!
//! # The default action
//!
//! What a user of a server expects: Ctrl-C stops the program, unless the program said it
//! handles Ctrl-C, and only for as long as it does. So:
//!
//! * While at least one listener for a signal exists in the process, the signal's default
//!   action is suspended: `SIGINT` and `SIGTERM` no longer terminate, `SIGQUIT` no longer
//!   dumps core. The listeners are woken instead.
//! * When the last listener of a signal is dropped, the signal does what it did before
//!   evloop first listened for it. That is usually the default action (terminate, core dump,
//!   stop, ignore). This differs from tokio, whose handler stays installed for the life of
//!   the process (the signal is then ignored once nobody listens). It matches asyncio's
//!   `remove_signal_handler`.
//! * A signal that was *ignored* when evloop first listened for it (`SIG_IGN`, as `nohup`
//!   does for `SIGHUP` and shells do for `SIGINT` of background jobs) is still ignored
//!   afterwards. One that already had a handler (another library) has it called again:
//!   signal-hook chains to it, also while evloop listens.
//! * Mechanism: signal-hook never removes the OS handler it installs, and with no action left
//!   it would ignore the signal. evloop therefore adds, once per signal and permanently, a
//!   guard action that runs the default action
//!   ([`signal_hook::low_level::emulate_default_handler`]) while the signal has no listener.
//!   The earlier disposition is read from `/proc/self/status`. Where there is no `/proc`,
//!   evloop assumes the default action.
//!
//! Caveats, all rare: if *other* code in the process registers its own signal-hook action for
//! a signal after evloop listened for it, the default action still comes back when evloop's
//! last listener goes (evloop's guard runs first and the process terminates), so keep a
//! listener alive for as long as the other code needs the signal. Real-time signals
//! (`SIGRTMIN..`) have no entry in signal-hook's table of default actions: once their last
//! listener is gone they are ignored, as with tokio.
//!
//! Signals that no process can catch (`SIGKILL`, `SIGSTOP`) and the fault signals signal-hook
//! refuses (`SIGSEGV`, `SIGILL`, `SIGFPE`) are an error from [`signal`], never a panic.
//!
//! # Portability
//!
//! Unix only (as all of evloop). Under Miri signals are not supported.

mod ctrl_c;
mod kind;
pub(crate) mod registry;
mod stream;

pub use ctrl_c::ctrl_c;
pub use kind::SignalKind;
pub use stream::{Signal, signal};
