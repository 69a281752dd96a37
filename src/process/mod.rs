//! Subprocesses on the loop: asyncio's `create_subprocess_exec`.
//!
//! [`Command`] mirrors [`std::process::Command`]; [`Command::spawn`] starts the program and
//! returns a [`Child`] whose piped standard streams are non-blocking pipes registered with
//! the runtime's reactor ([`ChildStdin`] is `AsyncWrite`, [`ChildStdout`] and
//! [`ChildStderr`] are `AsyncRead`), and whose exit is awaited with [`Child::wait`] without
//! a thread per child and without blocking the loop.
//!
//! ```
//! use evloop::process::Command;
//! evloop::run(async {
//!     let output = Command::new("sh").args(["-c", "echo hello; exit 3"]).output().await?;
//!     assert_eq!(output.stdout, b"hello\n");
//!     assert_eq!(output.status.code(), Some(3));
//!     Ok::<(), std::io::Error>(())
//! })
//! .unwrap();
//! ```
//!
//! # How an exit is noticed
//!
//! * With a *pidfd* (`pidfd_open(2)`, Linux 5.3 and later): the child's pidfd becomes
//!   readable when it exits; it is registered with the reactor like a socket, and the exit
//!   status is then collected with a non-blocking `waitpid`.
//! * Without one (an older kernel): through `SIGCHLD`, delivered by evloop's signal
//!   machinery (feature `signal`, on by default); each delivery makes every waiting `wait`
//!   check its child. Without the `signal` feature, `wait` checks with a backing-off timer.
//!
//! # No zombies
//!
//! A `Child` dropped before its exit was collected is not left a zombie: if
//! [`kill_on_drop`](Command::kill_on_drop) is set it is killed, and a detached task on the
//! current runtime waits for it and collects its status. If that runtime is dropped first
//! (or there is none), the child goes on an orphan list that later spawns reap.

mod child;
mod command;
mod exit;
mod pipe;

pub use child::Child;
pub use command::Command;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};
