//! `TcpStream`.

use std::fmt;
use std::io::{self, IoSlice};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::task::{Context, Poll};

use crate::io::IoSource;
use crate::net::async_io::async_io_impls;
use crate::net::split::{OwnedReadHalf, OwnedWriteHalf, split};
use crate::reactor::Direction;

/// A TCP connection: asyncio's `(StreamReader, StreamWriter)` pair in one value.
///
/// Made by [`connect`](Self::connect) or [`TcpListener::accept`](super::TcpListener::accept).
/// Read and write with the inherent async methods ([`read`](Self::read),
/// [`write_all`](Self::write_all), ...) or through [`futures_io::AsyncRead`] /
/// [`AsyncWrite`](futures_io::AsyncWrite), which `TcpStream` and `&TcpStream` implement
/// (so the `futures-util` extension traits, `BufReader`, `copy`, ... work on it).
///
/// One task may read while another writes (through `&TcpStream`, an `Rc`, or
/// [`into_split`](Self::into_split)). Several tasks may also wait to read (or to write) at
/// once: each direction keeps every waiting task and a readiness event wakes them all
/// (which bytes each reader gets is then a matter of who runs first).
///
/// Dropping the stream closes the connection.
///
/// A read that returns fewer bytes than asked is taken to have emptied the receive buffer
/// (no further `read(2)` is made until the next readiness event), which saves a syscall per
/// read. TCP urgent data (`MSG_OOB`) is not supported: Linux ends a read early at the urgent
/// mark, so bytes after it wait until the peer sends more (tokio behaves the same).
///
/// # Examples
///
/// ```
/// use evloop::net::{TcpListener, TcpStream};
///
/// evloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     client.write_all(b"hello").await?;
///     let mut buf = [0; 5];
///     let n = server.read(&mut buf).await?;
///     assert_eq!(&buf[..n], b"hello");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "open_connection")]
#[doc(alias = "StreamReader")]
#[doc(alias = "StreamWriter")]
pub struct TcpStream {
    pub(super) io: IoSource<mio::net::TcpStream>,
}

impl TcpStream {
    /// Registers a connected (or connecting) mio stream.
    pub(super) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::new(stream)?,
        })
    }

    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` once the connection is gone, or another `getpeername(2)` error.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address of the connection.
    ///
    /// # Errors
    ///
    /// The `getsockname(2)` error (rare).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_server, peer) = listener.accept().await?;
    ///     assert_eq!(stream.local_addr()?, peer);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY`: send small writes at once instead of coalescing them (Nagle's
    /// algorithm off).
    ///
    /// # Errors
    ///
    /// The `setsockopt(2)` error.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     stream.set_nodelay(true)?;
    ///     assert!(stream.nodelay()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set; see [`set_nodelay`](Self::set_nodelay).
    ///
    /// # Errors
    ///
    /// The `getsockopt(2)` error.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(!stream.nodelay()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Shuts down the read side, the write side, or both (`shutdown(2)`); it does not wait.
    ///
    /// `Shutdown::Write` sends FIN: the peer reads end-of-file while this side can still
    /// read, asyncio's `writer.write_eof()`.
    ///
    /// # Errors
    ///
    /// `NotConnected` if the connection is already gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Shutdown;
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     client.shutdown(Shutdown::Write)?;
    ///     assert_eq!(server.read(&mut [0; 8]).await?, 0); // EOF
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
    /// The `getsockopt(2)` error (not the pending one, which is the `Ok` value).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(stream.take_error()?.is_none());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Reads some bytes into `buf`, waiting until at least one is available: asyncio's
    /// `await reader.read(n)`.
    ///
    /// Returns the number read; 0 means end-of-file (the peer shut down its write side or
    /// closed), or that `buf` is empty.
    ///
    /// # Errors
    ///
    /// `ConnectionReset` when the peer reset the connection, and other socket errors. They
    /// concern this connection only.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if the future is dropped before completing, no data was read.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     server.write_all(b"hi").await?;
    ///     let mut buf = [0; 8];
    ///     let n = client.read(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"hi");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        self.io.read(buf)
    }

    /// Like [`read`](Self::read), but leaves the bytes in the socket: the next read returns
    /// them again.
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     server.write_all(b"x").await?;
    ///     let mut buf = [0; 1];
    ///     assert_eq!(client.peek(&mut buf).await?, 1);
    ///     assert_eq!(client.read(&mut buf).await?, 1); // still there
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.io(Direction::Read, |s| s.peek(buf)).await
    }

    /// Writes some bytes of `buf`, waiting until the socket accepts at least one; returns how
    /// many it took.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` or `ConnectionReset` when the peer is gone, and other socket errors.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if the future is dropped before completing, nothing was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let n = client.write(b"some bytes").await?;
    ///     assert!(n > 0);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        self.io.write(buf)
    }

    /// Writes all of `buf`, waiting for the socket as often as needed: asyncio's
    /// `writer.write(data); await writer.drain()`.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write); `WriteZero` if the socket accepted zero bytes.
    ///
    /// # Cancellation
    ///
    /// Not cancel-safe: if dropped midway, an unknown prefix of `buf` was sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let data = vec![7u8; 100_000]; // more than one write takes, probably
    ///     let reader = evloop::spawn(async move {
    ///         let mut got = 0;
    ///         let mut buf = [0; 4096];
    ///         loop {
    ///             match server.read(&mut buf).await? {
    ///                 0 => return Ok::<_, std::io::Error>(got),
    ///                 n => got += n,
    ///             }
    ///         }
    ///     });
    ///     client.write_all(&data).await?;
    ///     drop(client); // FIN: the reader sees end-of-file
    ///     assert_eq!(reader.await.unwrap()?, data.len());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "drain")]
    pub fn write_all<'a>(&'a self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a {
        self.io.write_all(buf)
    }

    /// Waits until the stream is (or may be) readable: data, end-of-file or an error.
    ///
    /// A spurious wake-up is possible; follow it with [`try_read`](Self::try_read) and wait
    /// again on `WouldBlock`.
    ///
    /// # Errors
    ///
    /// Only if the stream's registration is gone (it never is while the stream lives).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     server.write_all(b"ready").await?;
    ///     let mut buf = [0; 16];
    ///     let n = loop {
    ///         client.readable().await?;
    ///         match client.try_read(&mut buf) {
    ///             Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
    ///             other => break other?,
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"ready");
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
    /// Only if the stream's registration is gone.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     client.writable().await?;
    ///     assert!(client.try_write(b"now")? > 0);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready(Direction::Write).await
    }

    /// Reads without waiting: the bytes available now, or `WouldBlock`.
    ///
    /// `WouldBlock` also clears the stream's readiness, so a following
    /// [`readable`](Self::readable) really waits for new data (no busy loop).
    ///
    /// # Errors
    ///
    /// `WouldBlock` when nothing is available, otherwise as [`read`](Self::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let err = client.try_read(&mut [0; 8]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read(buf)
    }

    /// Writes without waiting: the number of bytes the socket took now, or `WouldBlock`.
    ///
    /// # Errors
    ///
    /// `WouldBlock` when the send buffer is full, otherwise as [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(client.try_write(b"abc")?, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write(buf)
    }

    /// Wraps a connected stream from the standard library, switching it to non-blocking
    /// mode.
    ///
    /// # Errors
    ///
    /// Fails outside a runtime, or if the socket cannot be made non-blocking or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let stream = evloop::net::TcpStream::from_std(std_stream)?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// Deregisters the stream and returns it as a standard one. It stays in non-blocking
    /// mode; call `set_nonblocking(false)` to block on it.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     let std_stream = stream.into_std();
    ///     assert_eq!(std_stream.peer_addr()?, listener.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> std::net::TcpStream {
        std::net::TcpStream::from(OwnedFd::from(self.io.into_inner()))
    }

    /// Splits the stream into a read half and a write half that can move to two tasks, for
    /// full duplex.
    ///
    /// The halves share the stream through an `Rc` (no lock: everything runs on the loop's
    /// thread). Dropping or closing the [`OwnedWriteHalf`] shuts down the write side (the
    /// peer reads end-of-file); the connection closes when both halves are gone.
    /// [`OwnedReadHalf::reunite`] puts them back together. To share without splitting, use
    /// `&TcpStream`, which is also `AsyncRead + AsyncWrite`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (server, _) = listener.accept().await?;
    ///     let (reader, writer) = client.into_split();
    ///     let sender = evloop::spawn(async move {
    ///         writer.write_all(b"ping").await?;
    ///         Ok::<_, std::io::Error>(writer) // dropping it would send FIN
    ///     });
    ///     let mut buf = [0; 4];
    ///     server.read(&mut buf).await?;
    ///     server.write_all(b"pong").await?;
    ///     reader.read(&mut buf).await?;
    ///     assert_eq!(&buf, b"pong");
    ///     let writer = sender.await.unwrap()?;
    ///     let _client: TcpStream = reader.reunite(writer).unwrap();
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf<TcpStream>, OwnedWriteHalf<TcpStream>) {
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

async_io_impls!(TcpStream);

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

crate::net::split::split_halves!(
    TcpStream,
    SocketAddr,
    "{ let listener = evloop::net::TcpListener::bind(\"127.0.0.1:0\").await?; \
     let a = evloop::net::TcpStream::connect(listener.local_addr()?).await?; \
     (a, listener.accept().await?.0) }"
);

#[cfg(feature = "tokio-io")]
crate::net::tokio_io::tokio_io_impls!(TcpStream);

impl TcpStream {
    /// The stream's readiness source (for the compat layers).
    #[cfg(feature = "hyper")]
    pub(crate) fn io(&self) -> &IoSource<mio::net::TcpStream> {
        &self.io
    }
}
