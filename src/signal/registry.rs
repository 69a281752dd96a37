//! The process-wide half of signal listening: the signal-hook actions, and per signal a count
//! of listeners that decides whether the signal's default action still runs.
//!
//! # Ground rules
//!
//! * Each listener owns one [`Hook`]: a signal-hook action that writes a byte to the
//!   listener's own self-pipe. Dropping the `Hook` unregisters the action, which closes the
//!   write end (signal-hook owns it).
//! * signal-hook installs the OS handler on a signal's first registration and never removes
//!   it; with no action left the signal would be silently ignored. So the first time a
//!   signal is listened for, and only if its disposition then is the default one, a
//!   permanent *guard* action is added ([`signal_hook::flag::register_conditional_default`]):
//!   while the signal's `unattended` flag is set, it runs the default action (terminate, core
//!   dump, stop or ignore, as the signal's table entry says). A signal that was ignored
//!   (`SIG_IGN`, as under `nohup` or for background jobs) or already handled by someone else
//!   gets no guard: with no listener left, what happened before happens again (signal-hook
//!   chains to an earlier handler; an ignored signal stays ignored).
//! * `TABLE` is locked for every count change, and the flag changes only under it. A
//!   signal arriving while a listener is being added or removed is never swallowed: the
//!   pipe action is registered *before* the flag is cleared and unregistered *after* it is
//!   set, so in those windows the default action runs (as for a signal sent just before
//!   listening began).
//! * The signal handler itself only reads an `AtomicBool` and writes to a file descriptor,
//!   both async-signal-safe. It never takes `TABLE`.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use signal_hook::SigId;

use super::SignalKind;

/// One row per signal that has ever been listened for in this process.
struct Entry {
    signum: i32,
    /// Live `Hook`s for this signal.
    listeners: usize,
    /// Read by the guard action in the signal handler: `true` while nobody listens. Unused
    /// when the signal has no guard.
    unattended: Arc<AtomicBool>,
    /// Whether the permanent guard action of this signal is installed.
    guarded: bool,
}

/// The per-signal rows. A `Vec` (a process listens for a handful of signals), never shrunk:
/// a signal's guard action is permanent, and so is its row.
static TABLE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// A registered signal-hook action that wakes one listener's self-pipe; counted as a
/// listener of its signal while it lives. Dropping it unregisters the action (closing the
/// pipe's write end) and, for the last listener, gives the signal its default action back.
pub(crate) struct Hook {
    signum: i32,
    id: SigId,
}

impl Hook {
    /// Registers `pipe` (a socket or pipe write end, which signal-hook takes over) to receive
    /// one byte per delivery of `kind`.
    ///
    /// Errors for the signals nobody may catch (`SIGKILL`, `SIGSTOP`) or that signal-hook
    /// refuses (`SIGSEGV`, `SIGILL`, `SIGFPE`), and for numbers the OS does not know.
    pub(crate) fn register(kind: SignalKind, pipe: OwnedFd) -> io::Result<Hook> {
        let signum = kind.as_raw_value();
        if signal_hook::consts::FORBIDDEN.contains(&signum) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "evloop::signal: cannot listen for {kind:?}: SIGKILL and SIGSTOP cannot be \
                     caught, and SIGSEGV, SIGILL and SIGFPE report faults that a handler cannot \
                     recover from"
                ),
            ));
        }
        let mut table = TABLE.lock().unwrap_or_else(PoisonError::into_inner);
        let index = match table.iter().position(|entry| entry.signum == signum) {
            Some(index) => index,
            None => {
                let unattended = Arc::new(AtomicBool::new(true));
                let guarded = install_guard(signum, &unattended);
                table.push(Entry {
                    signum,
                    listeners: 0,
                    unattended,
                    guarded,
                });
                table.len() - 1
            }
        };
        match signal_hook::low_level::pipe::register(signum, pipe) {
            Ok(id) => Ok(Hook::added(&mut table, index, id)),
            Err(err) => {
                // A row without guard nor listener holds nothing: drop it, so that failing
                // numbers do not pile up. A guard is permanent, and so is its row (with no
                // listener, `unattended` stays set and the guard does its job).
                let entry = &table[index];
                if !entry.guarded && entry.listeners == 0 {
                    table.swap_remove(index);
                }
                Err(register_error(kind, err))
            }
        }
    }

    /// Counts the listener whose action `id` was just registered; clears `unattended` after
    /// the registration, never before (see the ground rules).
    fn added(table: &mut [Entry], index: usize, id: SigId) -> Hook {
        let entry = &mut table[index];
        entry.listeners += 1;
        entry.unattended.store(false, Ordering::SeqCst);
        Hook {
            signum: entry.signum,
            id,
        }
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        let mut table = TABLE.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = table.iter_mut().find(|entry| entry.signum == self.signum) {
            entry.listeners -= 1;
            if entry.listeners == 0 {
                // Set before the action goes, so no delivery falls between the two.
                entry.unattended.store(true, Ordering::SeqCst);
            }
        }
        signal_hook::low_level::unregister(self.id);
    }
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("signal", &SignalKind::from_raw(self.signum))
            .finish_non_exhaustive()
    }
}

/// Installs the permanent guard of `signum` if the signal's disposition is the default one.
/// Returns whether it did.
fn install_guard(signum: i32, unattended: &Arc<AtomicBool>) -> bool {
    if prior_disposition(signum) != Disposition::Default {
        return false;
    }
    // Fails for a signal missing from signal-hook's table of default actions (real-time
    // signals, for instance): such a signal keeps signal-hook's handler and is ignored once
    // its last listener is gone. Failing to guard is no reason to refuse the listener.
    signal_hook::flag::register_conditional_default(signum, Arc::clone(unattended)).is_ok()
}

/// What a signal did before evloop first listened for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Disposition {
    /// `SIG_DFL`, or unknown (no `/proc`): the signal's default action.
    Default,
    /// `SIG_IGN`.
    Ignored,
    /// A handler installed by someone else (or by signal-hook for someone else).
    Caught,
}

/// The disposition of `signum`, from the `SigIgn` and `SigCgt` masks of `/proc/self/status`
/// (process-wide; bit `n - 1` stands for signal `n`). Without `/proc` (not Linux), assumes
/// the default.
fn prior_disposition(signum: i32) -> Disposition {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return Disposition::Default;
    };
    let Some(bit) = u32::try_from(signum)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|n| 1u64.checked_shl(n))
    else {
        return Disposition::Default;
    };
    let mask = |field: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .unwrap_or(0)
    };
    if mask("SigIgn:") & bit != 0 {
        Disposition::Ignored
    } else if mask("SigCgt:") & bit != 0 {
        Disposition::Caught
    } else {
        Disposition::Default
    }
}

/// Adds which signal failed to signal-hook's error (an OS error such as `EINVAL`).
fn register_error(kind: SignalKind, err: io::Error) -> io::Error {
    io::Error::new(
        err.kind(),
        format!("evloop::signal: cannot listen for {kind:?}: {err}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore)] // reads /proc
    fn reads_the_disposition_from_proc() {
        if std::fs::metadata("/proc/self/status").is_err() {
            return;
        }
        // Rust's runtime ignores SIGPIPE in every binary, test harnesses included.
        assert_eq!(
            prior_disposition(signal_hook::consts::SIGPIPE),
            Disposition::Ignored
        );
        // Nothing here touches SIGWINCH.
        assert_eq!(
            prior_disposition(signal_hook::consts::SIGWINCH),
            Disposition::Default
        );
        assert_eq!(prior_disposition(0), Disposition::Default);
        assert_eq!(prior_disposition(1000), Disposition::Default);
        assert_eq!(prior_disposition(i32::MIN), Disposition::Default);
    }
}
