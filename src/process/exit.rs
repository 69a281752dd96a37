//! Noticing a child's exit without a thread per child: a pidfd registered with the
//! reactor, else `SIGCHLD`; and the orphan list that keeps dropped children from staying
//! zombies.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::ExitStatus;
use std::sync::Mutex;

use crate::io::{FdSource, IoSource};
use crate::reactor::Direction;

/// Opens a pidfd for `pid`: `None` where the kernel has none (before Linux 5.3), or when
/// `EVLOOP_PROCESS_NO_PIDFD` is set (to test the fallback).
fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    if std::env::var_os("EVLOOP_PROCESS_NO_PIDFD").is_some() {
        return None;
    }
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1; no memory is
    // passed in or out.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|&fd| fd >= 0)?;
    // SAFETY: `fd` was just returned by pidfd_open, so it is open and owned by nobody else.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// How one child's exit is noticed.
pub(super) enum ExitWatcher {
    /// Its pidfd (readable once the process has exited), registered with the reactor.
    PidFd(IoSource<FdSource>),
    /// `SIGCHLD`: each delivery makes the waiter check.
    #[cfg(feature = "signal")]
    SigChld(crate::signal::Signal),
    /// Neither (no pidfd, no signal feature): checks on a backing-off timer.
    Poll,
}

impl ExitWatcher {
    /// A watcher for the child `pid`, made on the loop's thread.
    pub(super) fn new(pid: u32) -> io::Result<ExitWatcher> {
        if let Some(fd) = pidfd_open(pid) {
            return Ok(ExitWatcher::PidFd(IoSource::new(FdSource(fd))?));
        }
        #[cfg(feature = "signal")]
        {
            let kind = crate::signal::SignalKind::from_raw(libc::SIGCHLD);
            return Ok(ExitWatcher::SigChld(crate::signal::signal(kind)?));
        }
        #[allow(unreachable_code, reason = "reached without the signal feature")]
        Ok(ExitWatcher::Poll)
    }

    /// Waits until `child` has exited and collects its status (it is then reaped).
    pub(super) async fn wait(&mut self, child: &mut std::process::Child) -> io::Result<ExitStatus> {
        match self {
            // Readable once it exited; a spurious wake (not yet reapable) waits again.
            ExitWatcher::PidFd(pidfd) => {
                pidfd
                    .io(Direction::Read, |_| match child.try_wait()? {
                        Some(status) => Ok(status),
                        None => Err(io::ErrorKind::WouldBlock.into()),
                    })
                    .await
            }
            // The listener exists before the first check, so no `SIGCHLD` is missed.
            #[cfg(feature = "signal")]
            ExitWatcher::SigChld(signal) => loop {
                if let Some(status) = child.try_wait()? {
                    return Ok(status);
                }
                signal.recv().await;
            },
            ExitWatcher::Poll => {
                let mut pause = std::time::Duration::from_millis(1);
                loop {
                    if let Some(status) = child.try_wait()? {
                        return Ok(status);
                    }
                    crate::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_millis(50));
                }
            }
        }
    }
}

/// Children dropped before their exit was collected, when no task could wait for them.
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

/// Keeps `child` to be reaped later (by [`reap_orphans`]).
pub(super) fn orphan(child: std::process::Child) {
    ORPHANS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(child);
}

/// Collects the status of every orphan that has exited (called at each spawn).
pub(super) fn reap_orphans() {
    let mut orphans = ORPHANS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    orphans.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
}
