//! `UnixStream`.

use std::fmt;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use crate::io::IoSource;
use crate::net::async_io::async_io_impls;
use crate::net::split::{OwnedReadHalf, OwnedWriteHalf, split};
use crate::reactor::Direction;

/// A Unix-domain stream connection: asyncio's `open_unix_connection`.
///
/// The same API as [`TcpStream`](crate::net::TcpStream) (inherent async `read` / `write` /
/// `write_all`, `try_*`, `AsyncRead` / `AsyncWrite` for `T` and `&T`, `into_split`), with
/// path addresses.
///
/// # Examples
///
/// ```
/// use evloop::net::UnixStream;
/// evloop::run(async {
///     let (a, b) = UnixStream::pair()?;
///     a.write_all(b"over the socketpair").await?;
///     let mut buf = [0; 64];
///     let n = b.read(&mut buf).await?;
///     assert_eq!(&buf[..n], b"over the socketpair");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "open_unix_connection")]
pub struct UnixStream {
    io: IoSource<mio::net::UnixStream>,
}

impl UnixStream {
    pub(crate) fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: IoSource::new(stream)?,
        })
    }

    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound` if nothing is at `path`, `ConnectionRefused` if no one listens there,
    /// `WouldBlock` if the listener's backlog is full, or an error outside a runtime.
    ///
    /// # Cancellation
    ///
    /// Dropping the future abandons the attempt and closes its socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{UnixListener, UnixStream};
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-conn-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let _listener = UnixListener::bind(&path)?;
    ///     let stream = UnixStream::connect(&path).await?;
    ///     assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "open_unix_connection")]
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = UnixStream::from_mio(mio::net::UnixStream::connect(path)?)?;
        stream.io.connected().await?;
        Ok(stream)
    }

    /// A connected pair of unnamed sockets (`socketpair(2)`).
    ///
    /// # Errors
    ///
    /// Out of file descriptors, or an error outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, b) = evloop::net::UnixStream::pair()?;
    ///     drop(a);
    ///     assert_eq!(b.read(&mut [0; 4]).await?, 0); // peer closed
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "socketpair")]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
    }

    /// The local address (unnamed for a connecting client or a pair).
    ///
    /// # Errors
    ///
    /// The `getsockname(2)` error (rare).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address (the listener's path for a client).
    ///
    /// # Errors
    ///
    /// The `getpeername(2)` error.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read side, the write side, or both; `Shutdown::Write` makes the peer
    /// read end-of-file.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// evloop::run(async {
    ///     let (a, b) = evloop::net::UnixStream::pair()?;
    ///     a.shutdown(Shutdown::Write)?;
    ///     assert_eq!(b.read(&mut [0; 4]).await?, 0);
    ///     b.write_all(b"a can still read").await?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "write_eof")]
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Takes the socket's pending error (`SO_ERROR`), if any.
    ///
    /// # Errors
    ///
    /// The `getsockopt(2)` error.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     assert!(a.take_error()?.is_none());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Reads some bytes, waiting until at least one is available; 0 means end-of-file.
    ///
    /// # Errors
    ///
    /// Socket errors (`ConnectionReset`, ...), for this stream only.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if dropped before completing, no data was read.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, b) = evloop::net::UnixStream::pair()?;
    ///     a.write_all(b"x").await?;
    ///     assert_eq!(b.read(&mut [0; 4]).await?, 1);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        self.io.read(buf)
    }

    /// Writes some bytes, waiting until the socket takes at least one.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` when the peer is gone, and other socket errors.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if dropped before completing, nothing was written.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     assert_eq!(a.write(b"abc").await?, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        self.io.write(buf)
    }

    /// Writes all of `buf`, waiting as often as needed.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write); `WriteZero` if the socket took zero bytes.
    ///
    /// # Cancellation
    ///
    /// Not cancel-safe: if dropped midway, an unknown prefix of `buf` was sent.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, b) = evloop::net::UnixStream::pair()?;
    ///     a.write_all(b"all of it").await?;
    ///     let mut buf = [0; 9];
    ///     assert_eq!(b.read(&mut buf).await?, 9);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "drain")]
    pub fn write_all<'a>(&'a self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a {
        self.io.write_all(buf)
    }

    /// Waits until the stream is (or may be) readable; follow with
    /// [`try_read`](Self::try_read).
    ///
    /// # Errors
    ///
    /// Only if the registration is gone.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, b) = evloop::net::UnixStream::pair()?;
    ///     a.write_all(b"x").await?;
    ///     b.readable().await?;
    ///     assert_eq!(b.try_read(&mut [0; 4])?, 1);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.io.ready(Direction::Read).await
    }

    /// Waits until the stream is (or may be) writable.
    ///
    /// # Errors
    ///
    /// Only if the registration is gone.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     a.writable().await?;
    ///     assert_eq!(a.try_write(b"x")?, 1);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready(Direction::Write).await
    }

    /// Reads without waiting; `WouldBlock` when nothing is available (which clears the
    /// readiness, so [`readable`](Self::readable) then really waits).
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or as [`read`](Self::read).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     let err = a.try_read(&mut [0; 4]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read(buf)
    }

    /// Writes without waiting; `WouldBlock` when the send buffer is full.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or as [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     assert_eq!(a.try_write(b"abc")?, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write(buf)
    }

    /// Wraps a stream from the standard library, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// Fails outside a runtime, or if the socket cannot be made non-blocking or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UnixStream;
    /// evloop::run(async {
    ///     let (a, b) = std::os::unix::net::UnixStream::pair()?;
    ///     let (a, b) = (UnixStream::from_std(a)?, UnixStream::from_std(b)?);
    ///     a.write_all(b"ok").await?;
    ///     let mut buf = [0; 2];
    ///     assert_eq!(b.read(&mut buf).await?, 2);
    ///     assert_eq!(&buf, b"ok");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream))
    }

    /// Deregisters the stream and returns it as a standard one, still non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     let a = a.into_std();
    ///     assert!(a.peer_addr().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> std::os::unix::net::UnixStream {
        std::os::unix::net::UnixStream::from(OwnedFd::from(self.io.into_inner()))
    }

    /// Splits the stream into halves for two tasks; see
    /// [`TcpStream::into_split`](crate::net::TcpStream::into_split).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, b) = evloop::net::UnixStream::pair()?;
    ///     let (read, write) = a.into_split();
    ///     drop(write); // shuts down a's write side
    ///     assert_eq!(b.read(&mut [0; 4]).await?, 0);
    ///     b.write_all(b"x").await?;
    ///     assert_eq!(read.read(&mut [0; 4]).await?, 1);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf<UnixStream>, OwnedWriteHalf<UnixStream>) {
        split(self, |stream| stream.shutdown(Shutdown::Write))
    }

    fn poll_read_inner(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }

    fn poll_write_inner(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    fn poll_write_vectored_inner(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }
}

async_io_impls!(UnixStream);

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

crate::net::split::split_halves!(UnixStream, SocketAddr, "evloop::net::UnixStream::pair()?");

#[cfg(feature = "tokio-io")]
crate::net::tokio_io::tokio_io_impls!(UnixStream);

impl UnixStream {
    /// The stream's readiness source (for the compat layers).
    #[cfg(feature = "hyper")]
    pub(crate) fn io(&self) -> &IoSource<mio::net::UnixStream> {
        &self.io
    }
}
