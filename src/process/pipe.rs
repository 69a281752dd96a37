//! The standard streams of a child, as non-blocking pipes registered with the reactor.

use std::fmt;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use mio::unix::pipe::{Receiver, Sender};

use crate::io::IoSource;
use crate::reactor::Direction;

/// The child's standard input (`Stdio::piped()`): `AsyncWrite`. Dropping it (or closing
/// it) closes the pipe: the child reads end-of-file.
///
/// # Examples
///
/// ```
/// use evloop::process::{Command, Stdio};
/// evloop::run(async {
///     let mut child = Command::new("wc").arg("-c").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
///     child.stdin.take().unwrap().write_all(b"12345").await?;
///     let out = child.wait_with_output().await?;
///     assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "5");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct ChildStdin {
    /// `None` once closed.
    io: Option<IoSource<Sender>>,
}

/// The child's standard output (`Stdio::piped()`): `AsyncRead`.
///
/// # Examples
///
/// ```
/// use evloop::process::{Command, Stdio};
/// use futures_util::AsyncReadExt;
/// evloop::run(async {
///     let mut child = Command::new("echo").arg("out").stdout(Stdio::piped()).spawn()?;
///     let mut text = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut text).await?;
///     assert_eq!(text, "out\n");
///     child.wait().await?;
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct ChildStdout {
    io: IoSource<Receiver>,
}

/// The child's standard error (`Stdio::piped()`): `AsyncRead`.
///
/// # Examples
///
/// ```
/// use evloop::process::{Command, Stdio};
/// evloop::run(async {
///     let mut child = Command::new("sh").args(["-c", "echo oops >&2"]).stderr(Stdio::piped()).spawn()?;
///     let stderr = child.stderr.take().unwrap();
///     let mut buf = [0; 16];
///     let n = stderr.read(&mut buf).await?;
///     assert_eq!(&buf[..n], b"oops\n");
///     child.wait().await?;
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct ChildStderr {
    io: IoSource<Receiver>,
}

fn receiver(pipe: impl Into<Receiver>) -> io::Result<IoSource<Receiver>> {
    let pipe = pipe.into();
    pipe.set_nonblocking(true)?;
    IoSource::new(pipe)
}

impl ChildStdin {
    pub(super) fn new(pipe: std::process::ChildStdin) -> io::Result<ChildStdin> {
        let pipe = Sender::from(pipe);
        pipe.set_nonblocking(true)?;
        Ok(ChildStdin {
            io: Some(IoSource::new(pipe)?),
        })
    }

    fn io(&self) -> io::Result<&IoSource<Sender>> {
        self.io
            .as_ref()
            .ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "the child's stdin is closed"))
    }

    fn poll_write_inner(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.io() {
            Ok(io) => io.poll_io(cx, Direction::Write, |pipe| (&*pipe).write(buf)),
            Err(err) => Poll::Ready(Err(err)),
        }
    }

    /// Writes some of `buf`; returns how much.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` if the child closed its end (or exited), or if this was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::{Command, Stdio};
    /// evloop::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    ///     let stdin = child.stdin.take().unwrap();
    ///     assert_eq!(stdin.write(b"abc").await?, 3);
    ///     drop(stdin);
    ///     child.wait().await?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_write_inner(cx, buf)).await
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::{Command, Stdio};
    /// evloop::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    ///     child.stdin.take().unwrap().write_all(&[b'x'; 100_000]).await?;
    ///     assert_eq!(child.wait_with_output().await?.stdout.len(), 100_000);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }
}

macro_rules! reader_impls {
    ($name:ident, $std:ty, $field:ident) => {
        impl $name {
            pub(super) fn new(pipe: $std) -> io::Result<$name> {
                Ok($name {
                    io: receiver(pipe)?,
                })
            }

            /// Reads what the child wrote into `buf`; `Ok(0)` at end of file (the child
            /// closed it, or exited).
            ///
            /// # Errors
            ///
            /// A read error of the pipe.
            ///
            /// # Examples
            ///
            /// ```
            /// use evloop::process::{Command, Stdio};
            /// evloop::run(async {
            ///     let mut child = Command::new("true").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
            ///     let mut buf = [0; 8];
            #[doc = concat!("    let pipe = child.", stringify!($field), ".take().unwrap();")]
            ///     assert_eq!(pipe.read(&mut buf).await?, 0); // nothing written, then closed
            ///     child.wait().await?;
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
                std::future::poll_fn(|cx| {
                    self.io
                        .poll_io(cx, Direction::Read, |pipe| (&*pipe).read(buf))
                })
                .await
            }
        }

        impl AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.io
                    .poll_io(cx, Direction::Read, |pipe| (&*pipe).read(buf))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

reader_impls!(ChildStdout, std::process::ChildStdout, stdout);
reader_impls!(ChildStderr, std::process::ChildStderr, stderr);

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_inner(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(())) // a pipe has no user-space buffer
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io = None; // closes the pipe: the child reads end-of-file
        Poll::Ready(Ok(()))
    }
}

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin")
            .field("closed", &self.io.is_none())
            .finish()
    }
}
