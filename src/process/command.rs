//! `Command`: the builder of a subprocess, mirroring `std::process::Command`.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

use super::child::Child;

/// A process to start: asyncio's `create_subprocess_exec(program, *args, ...)`, built like
/// [`std::process::Command`].
///
/// # Examples
///
/// ```
/// use evloop::process::{Command, Stdio};
/// evloop::run(async {
///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
///     let stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"through cat").await?;
///     drop(stdin); // end of file for cat
///     let output = child.wait_with_output().await?;
///     assert_eq!(output.stdout, b"through cat");
///     assert!(output.status.success());
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "create_subprocess_exec")]
pub struct Command {
    inner: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command that runs `program` (looked up in `PATH` if it has no `/`), with no
    /// arguments, the current environment and directory, and inherited standard streams.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let status = evloop::process::Command::new("true").status().await?;
    ///     assert!(status.success());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            inner: std::process::Command::new(program),
            kill_on_drop: false,
        }
    }

    /// Adds an argument.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let out = evloop::process::Command::new("echo").arg("hi").output().await?;
    ///     assert_eq!(out.stdout, b"hi\n");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.inner.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let out = evloop::process::Command::new("echo").args(["a", "b"]).output().await?;
    ///     assert_eq!(out.stdout, b"a b\n");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let out = evloop::process::Command::new("sh")
    ///         .args(["-c", "echo $GREETING"])
    ///         .env("GREETING", "hello")
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"hello\n");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.inner.env(key, value);
        self
    }

    /// Removes an environment variable from the child's environment.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let out = evloop::process::Command::new("sh")
    ///         .args(["-c", "echo ${HOME:-unset}"])
    ///         .env_remove("HOME")
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"unset\n");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.inner.env_remove(key);
        self
    }

    /// Starts the child in `dir`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let out = evloop::process::Command::new("pwd").current_dir("/").output().await?;
    ///     assert_eq!(out.stdout, b"/\n");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.inner.current_dir(dir);
        self
    }

    /// What the child's standard input is: `Stdio::piped()` gives [`Child::stdin`].
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::{Command, Stdio};
    /// evloop::run(async {
    ///     let child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    ///     assert!(child.stdin.is_some());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stdin(cfg);
        self
    }

    /// What the child's standard output is: `Stdio::piped()` gives [`Child::stdout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::{Command, Stdio};
    /// evloop::run(async {
    ///     let child = Command::new("true").stdout(Stdio::piped()).spawn()?;
    ///     assert!(child.stdout.is_some());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stdout(cfg);
        self
    }

    /// What the child's standard error is: `Stdio::piped()` gives [`Child::stderr`].
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::{Command, Stdio};
    /// evloop::run(async {
    ///     let child = Command::new("true").stderr(Stdio::null()).spawn()?;
    ///     assert!(child.stderr.is_none());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] before its exit was collected kills it (`SIGKILL`).
    /// Off by default: a dropped child runs on (and is reaped when it exits).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// evloop::run(async {
    ///     let child = evloop::process::Command::new("sleep").arg("60").kill_on_drop(true).spawn()?;
    ///     let pid = child.id().unwrap();
    ///     drop(child); // killed, and reaped by the loop
    ///     evloop::sleep(Duration::from_millis(200)).await;
    ///     assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn kill_on_drop(&mut self, kill: bool) -> &mut Command {
        self.kill_on_drop = kill;
        self
    }

    /// Starts the program.
    ///
    /// # Errors
    ///
    /// The program cannot be started (not found, not executable, ...): the error names it.
    /// Outside a runtime, an error saying where to call it from.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let err = evloop::process::Command::new("no-such-program-xyz").spawn().unwrap_err();
    ///     assert!(err.to_string().contains("no-such-program-xyz"), "{err}");
    /// });
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        super::exit::reap_orphans();
        let child = self.inner.spawn().map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("cannot start {:?}: {err}", self.inner.get_program()),
            )
        })?;
        Child::new(child, self.kill_on_drop)
    }

    /// Runs the program to its end and collects its standard output and error (its
    /// standard input is empty unless set): asyncio's `communicate()`.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Self::spawn), or an I/O error on the pipes.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let out = evloop::process::Command::new("sh").args(["-c", "echo err >&2"]).output().await?;
    ///     assert_eq!(out.stderr, b"err\n");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn output(&mut self) -> io::Result<Output> {
        self.inner.stdout(Stdio::piped()).stderr(Stdio::piped());
        self.inner.stdin(Stdio::null());
        self.spawn()?.wait_with_output().await
    }

    /// Runs the program to its end and returns its exit status.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Self::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let status = evloop::process::Command::new("false").status().await?;
    ///     assert_eq!(status.code(), Some(1));
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("command", &self.inner)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
