//! `Child`: a running subprocess, its pipes, and waiting for its exit.

use std::fmt;
use std::io;
use std::process::{ExitStatus, Output};

use super::exit::{self, ExitWatcher};
use super::pipe::{ChildStderr, ChildStdin, ChildStdout};

/// A child process started by [`Command::spawn`](super::Command::spawn): asyncio's
/// `Process`.
///
/// Its piped standard streams are in the public fields (take them to use them).
/// [`wait`](Self::wait) awaits its exit; dropping a `Child` whose exit was not collected
/// neither blocks nor leaves a zombie (see [the module docs](super)).
///
/// # Examples
///
/// ```
/// use evloop::process::Command;
/// evloop::run(async {
///     let mut child = Command::new("sh").args(["-c", "exit 7"]).spawn()?;
///     assert!(child.id().is_some());
///     assert_eq!(child.wait().await?.code(), Some(7));
///     assert_eq!(child.id(), None); // reaped
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct Child {
    /// The child's standard input, if it was `Stdio::piped()`.
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if it was `Stdio::piped()`.
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if it was `Stdio::piped()`.
    pub stderr: Option<ChildStderr>,
    /// `None` once its exit was collected (or it was handed to a reaper on drop).
    inner: Option<std::process::Child>,
    exit: Option<ExitWatcher>,
    status: Option<ExitStatus>,
    kill_on_drop: bool,
}

impl Child {
    pub(super) fn new(mut child: std::process::Child, kill_on_drop: bool) -> io::Result<Child> {
        let pipes = (|| {
            Ok::<_, io::Error>((
                child.stdin.take().map(ChildStdin::new).transpose()?,
                child.stdout.take().map(ChildStdout::new).transpose()?,
                child.stderr.take().map(ChildStderr::new).transpose()?,
                ExitWatcher::new(child.id())?,
            ))
        })();
        let (stdin, stdout, stderr, exit) = match pipes {
            Ok(parts) => parts,
            Err(err) => {
                // Could not watch it (outside a runtime, out of fds): do not leak it.
                let _ = child.kill();
                exit::orphan(child);
                return Err(err);
            }
        };
        Ok(Child {
            stdin,
            stdout,
            stderr,
            inner: Some(child),
            exit: Some(exit),
            status: None,
            kill_on_drop,
        })
    }

    /// The child's process id, or `None` once its exit has been collected (the id may
    /// then belong to another process).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let child = evloop::process::Command::new("true").spawn()?;
    ///     assert!(child.id().unwrap() > 0);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn id(&self) -> Option<u32> {
        self.status
            .is_none()
            .then(|| self.inner.as_ref().map(|c| c.id()))
            .flatten()
    }

    /// Waits for the child to exit and returns its status; again the same status once
    /// collected. Closes the child's standard input first (if piped), so a child waiting
    /// for end-of-file can finish.
    ///
    /// # Errors
    ///
    /// An OS error from `waitpid` (rare).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: dropping the future loses nothing; the status is collected by a later
    /// `wait` (or by the reaper if the `Child` is dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut child = evloop::process::Command::new("sleep").arg("0.05").spawn()?;
    ///     let status = child.wait().await?;
    ///     assert!(status.success());
    ///     assert_eq!(child.wait().await?, status);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "asyncio.subprocess.Process.wait")]
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        self.stdin = None;
        let (Some(child), Some(exit)) = (self.inner.as_mut(), self.exit.as_mut()) else {
            unreachable!("a child without a status is still held");
        };
        let status = exit.wait(child).await?;
        self.status = Some(status);
        self.exit = None;
        Ok(status)
    }

    /// The child's status if it has exited, without waiting.
    ///
    /// # Errors
    ///
    /// An OS error from `waitpid` (rare).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut child = evloop::process::Command::new("sleep").arg("60").kill_on_drop(true).spawn()?;
    ///     assert!(child.try_wait()?.is_none());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            if let Some(child) = self.inner.as_mut() {
                self.status = child.try_wait()?;
            }
        }
        Ok(self.status)
    }

    /// Kills the child (`SIGKILL`), without waiting for it: [`wait`](Self::wait) then
    /// collects its status. Killing a child that has already exited does nothing.
    ///
    /// # Errors
    ///
    /// An OS error from `kill(2)` (rare).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    /// evloop::run(async {
    ///     let mut child = evloop::process::Command::new("sleep").arg("60").spawn()?;
    ///     child.kill()?;
    ///     assert_eq!(child.wait().await?.signal(), Some(9));
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn kill(&mut self) -> io::Result<()> {
        match (&self.status, self.inner.as_mut()) {
            (None, Some(child)) => child.kill(),
            _ => Ok(()),
        }
    }

    /// Waits for the child to exit while reading its piped standard output and error to
    /// their ends (concurrently, so a child that fills one pipe cannot block on it):
    /// asyncio's `communicate()`.
    ///
    /// # Errors
    ///
    /// A read error on a pipe, or as [`wait`](Self::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::{Command, Stdio};
    /// evloop::run(async {
    ///     let child = Command::new("sh")
    ///         .args(["-c", "echo out; echo err >&2"])
    ///         .stdout(Stdio::piped())
    ///         .stderr(Stdio::piped())
    ///         .spawn()?;
    ///     let output = child.wait_with_output().await?;
    ///     assert_eq!((output.stdout.as_slice(), output.stderr.as_slice()), (&b"out\n"[..], &b"err\n"[..]));
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        let (stdout, stderr) = (self.stdout.take(), self.stderr.take());
        let (stdout, stderr, status) =
            crate::join!(read_to_end(stdout), read_to_end(stderr), self.wait());
        Ok(Output {
            status: status?,
            stdout: stdout?,
            stderr: stderr?,
        })
    }
}

/// Reads `pipe` to its end (nothing if there is none).
async fn read_to_end<R: futures_io::AsyncRead + Unpin>(pipe: Option<R>) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let Some(mut pipe) = pipe else {
        return Ok(out);
    };
    let mut buf = vec![0; 64 * 1024];
    loop {
        let read = std::future::poll_fn(|cx| std::pin::Pin::new(&mut pipe).poll_read(cx, &mut buf));
        match read.await? {
            0 => return Ok(out),
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if self.status.is_some() {
            return;
        }
        let (Some(mut child), Some(mut exit)) = (self.inner.take(), self.exit.take()) else {
            return;
        };
        if self.kill_on_drop {
            let _ = child.kill();
        }
        if let Ok(Some(_)) = child.try_wait() {
            return; // already gone: reaped now
        }
        if !crate::runtime::in_runtime() {
            exit::orphan(child);
            return;
        }
        // A detached task waits for the exit and reaps it; if the runtime goes first, the
        // guard hands the child to the orphan list.
        let mut orphan = Orphan(Some(child));
        drop(crate::spawn(async move {
            if let Some(child) = orphan.0.as_mut() {
                if exit.wait(child).await.is_ok() {
                    drop(orphan.0.take()); // reaped: nothing for the orphan list
                }
            }
        }));
    }
}

/// A dropped child being waited for; handed to the orphan list if the wait never ends.
struct Orphan(Option<std::process::Child>);

impl Drop for Orphan {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            exit::orphan(child);
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("id", &self.id())
            .field("status", &self.status)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}
