//! `SignalKind`: which Unix signal to listen for.

use std::fmt;

use signal_hook::consts::signal as sig;

/// A Unix signal to listen for with [`signal`](super::signal).
///
/// The named constructors cover the signals a service usually handles; [`from_raw`]
/// takes any signal number. Whether a number can be listened for is checked by
/// [`signal`](super::signal), not here: `SIGKILL`, `SIGSTOP`, `SIGSEGV`, `SIGILL` and
/// `SIGFPE` are refused there with an error.
///
/// [`from_raw`]: SignalKind::from_raw
///
/// # Examples
///
/// ```
/// use evloop::signal::SignalKind;
///
/// let kind = SignalKind::terminate();
/// assert_eq!(kind, SignalKind::from_raw(signal_hook::consts::SIGTERM));
/// assert_eq!(format!("{kind:?}"), "SIGTERM");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// `SIGINT`: Ctrl-C in a terminal. Its default action terminates the process.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::SignalKind;
    /// assert_eq!(SignalKind::interrupt().as_raw_value(), signal_hook::consts::SIGINT);
    /// ```
    #[doc(alias = "SIGINT")]
    pub const fn interrupt() -> Self {
        SignalKind(sig::SIGINT)
    }

    /// `SIGTERM`: the polite request to stop, sent by `kill`, systemd, Docker and
    /// Kubernetes. Its default action terminates the process.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::SignalKind;
    /// assert_eq!(SignalKind::terminate().as_raw_value(), signal_hook::consts::SIGTERM);
    /// ```
    #[doc(alias = "SIGTERM")]
    pub const fn terminate() -> Self {
        SignalKind(sig::SIGTERM)
    }

    /// `SIGHUP`: the terminal went away; daemons use it as "reload the configuration".
    /// Its default action terminates the process.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::SignalKind;
    /// assert_eq!(SignalKind::hangup().as_raw_value(), signal_hook::consts::SIGHUP);
    /// ```
    #[doc(alias = "SIGHUP")]
    pub const fn hangup() -> Self {
        SignalKind(sig::SIGHUP)
    }

    /// `SIGQUIT`: Ctrl-\ in a terminal. Its default action terminates the process with a
    /// core dump.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::SignalKind;
    /// assert_eq!(SignalKind::quit().as_raw_value(), signal_hook::consts::SIGQUIT);
    /// ```
    #[doc(alias = "SIGQUIT")]
    pub const fn quit() -> Self {
        SignalKind(sig::SIGQUIT)
    }

    /// `SIGUSR1`: for the application to define. Its default action terminates the
    /// process.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::SignalKind;
    /// assert_eq!(SignalKind::user_defined1().as_raw_value(), signal_hook::consts::SIGUSR1);
    /// ```
    #[doc(alias = "SIGUSR1")]
    pub const fn user_defined1() -> Self {
        SignalKind(sig::SIGUSR1)
    }

    /// `SIGUSR2`: for the application to define. Its default action terminates the
    /// process.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::SignalKind;
    /// assert_eq!(SignalKind::user_defined2().as_raw_value(), signal_hook::consts::SIGUSR2);
    /// ```
    #[doc(alias = "SIGUSR2")]
    pub const fn user_defined2() -> Self {
        SignalKind(sig::SIGUSR2)
    }

    /// The signal with number `signum` (for instance `libc::SIGWINCH`). Any number is
    /// accepted here; [`signal`](super::signal) reports one that cannot be listened for.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::SignalKind;
    /// assert_eq!(SignalKind::from_raw(signal_hook::consts::SIGWINCH).as_raw_value(), 28);
    /// ```
    pub const fn from_raw(signum: i32) -> Self {
        SignalKind(signum)
    }

    /// The signal's number.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::SignalKind;
    /// assert_eq!(SignalKind::interrupt().as_raw_value(), 2);
    /// ```
    pub const fn as_raw_value(self) -> i32 {
        self.0
    }

    /// The signal's name, such as `"SIGINT"`, if the platform's table has one.
    pub(crate) fn name(self) -> Option<&'static str> {
        signal_hook::low_level::signal_name(self.0)
    }
}

impl From<SignalKind> for i32 {
    fn from(kind: SignalKind) -> i32 {
        kind.0
    }
}

impl fmt::Debug for SignalKind {
    /// The signal's name (`SIGINT`), or `signal 42` for a number without one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "signal {}", self.0),
        }
    }
}
