//! `IoSource<S>`: a `mio` source registered with the current runtime: the one readiness
//! type. It is `loop.add_reader`'s public face, and every socket of `net` is built on it
//! too (`net/byte_stream.rs` adds the byte-stream operations), so there is one edge-triggered
//! retry loop (in `reactor::Registration`) and one `Drop` that deregisters.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use crate::reactor::{Direction, Registration};

/// A `mio` event source registered with the runtime of the current thread, with async
/// readiness: asyncio's `add_reader` / `add_writer`, as a value you own.
///
/// Dropping it deregisters the source and drops it (closing the fd it owns).
/// `IoSource` is `!Send`: it belongs to the thread of the runtime that registered it.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use evloop::io::IoSource;
///
/// evloop::run(async {
///     let (a, b) = mio::net::UnixStream::pair()?;
///     let (a, b) = (IoSource::new(a)?, IoSource::new(b)?);
///     b.write_with(|mut s| s.write(b"ping")).await?;
///     let mut buf = [0; 4];
///     let n = a.read_with(|mut s| s.read(&mut buf)).await?;
///     assert_eq!(&buf[..n], b"ping");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "add_reader")]
#[doc(alias = "add_writer")]
pub struct IoSource<S: mio::event::Source> {
    source: Option<S>,
    registration: Registration,
}

impl<S: mio::event::Source> IoSource<S> {
    /// Registers `source` with the current runtime's reactor (edge-triggered, both
    /// directions).
    ///
    /// # Errors
    ///
    /// Fails when called outside a runtime, or when the OS refuses to register the source
    /// (for instance a regular file, which epoll does not support).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     assert!(a.get_ref().peer_addr().is_ok());
    /// });
    /// ```
    pub fn new(mut source: S) -> io::Result<Self> {
        let registration = Registration::new(&mut source)?;
        Ok(IoSource {
            source: Some(source),
            registration,
        })
    }

    /// The source.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// evloop::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair().unwrap();
    ///     let fd = a.as_raw_fd();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     let stream: &mio::net::UnixStream = a.get_ref();
    ///     assert_eq!(stream.as_raw_fd(), fd); // the very socket given to `new`
    /// });
    /// ```
    pub fn get_ref(&self) -> &S {
        self.source.as_ref().expect("source is present until drop")
    }

    /// The source, mutably. Do not re-register it with another poller.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// evloop::run(async {
    ///     let (a, mut b) = mio::net::UnixStream::pair().unwrap();
    ///     let mut a = evloop::io::IoSource::new(a).unwrap();
    ///     b.write_all(b"hi").unwrap();
    ///     let stream: &mut mio::net::UnixStream = a.get_mut();
    ///     let mut buf = [0; 2];
    ///     assert_eq!(stream.read(&mut buf).unwrap(), 2); // `Read` wants `&mut`
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        self.source.as_mut().expect("source is present until drop")
    }

    /// Deregisters the source and gives it back.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     let plain: mio::net::UnixStream = a.into_inner();
    ///     // Deregistered: it can be registered again.
    ///     assert!(evloop::io::IoSource::new(plain).is_ok());
    /// });
    /// ```
    pub fn into_inner(mut self) -> S {
        let mut source = self.source.take().expect("source is present until drop");
        self.registration.deregister(&mut source);
        source
    }

    /// Polls for read readiness: `Ready(Ok(()))` when the source is, or may be, readable
    /// (or closed, or in error).
    ///
    /// Readiness stays set until an operation through [`poll_read_with`](Self::poll_read_with)
    /// or [`read_with`](Self::read_with) returns `WouldBlock`, so this may be `Ready` while
    /// a read would still block.
    ///
    /// Several tasks may wait for the same direction: each `Pending` adds the context's
    /// waker (unless that task's is there already), and the next readiness event wakes
    /// them all.
    ///
    /// # Errors
    ///
    /// Fails if the registration is gone (it never is while `self` lives).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::{Read, Write};
    /// evloop::run(async {
    ///     let (a, mut b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     b.write_all(b"hi").unwrap();
    ///     poll_fn(|cx| a.poll_readable(cx)).await.unwrap();
    ///     let mut buf = [0; 2];
    ///     assert_eq!(a.read_with(|s| (&*s).read(&mut buf)).await.unwrap(), 2);
    ///     assert_eq!(&buf, b"hi");
    /// });
    /// ```
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(cx, Direction::Read)
    }

    /// Polls for write readiness; see [`poll_readable`](Self::poll_readable).
    ///
    /// # Errors
    ///
    /// Fails if the registration is gone (it never is while `self` lives).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::Write;
    /// evloop::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     poll_fn(|cx| a.poll_writable(cx)).await.unwrap();
    ///     assert_eq!(a.get_ref().write(b"hi").unwrap(), 2); // room to write
    /// });
    /// ```
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(cx, Direction::Write)
    }

    /// Waits until the source is (or may be) readable.
    ///
    /// # Errors
    ///
    /// As [`poll_readable`](Self::poll_readable).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: dropping the future loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// evloop::run(async {
    ///     let (a, mut b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     b.write_all(b"x").unwrap();
    ///     a.readable().await.unwrap();
    ///     assert_eq!(a.get_ref().read(&mut [0; 4]).unwrap(), 1); // data to read
    /// });
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_readable(cx)).await
    }

    /// Waits until the source is (or may be) writable.
    ///
    /// # Errors
    ///
    /// As [`poll_writable`](Self::poll_writable).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: dropping the future loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// evloop::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     a.writable().await.unwrap();
    ///     assert_eq!(a.get_ref().write(b"hi").unwrap(), 2); // room to write
    /// });
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_writable(cx)).await
    }

    /// Polls `op` until it stops returning `WouldBlock`, waiting for read readiness in
    /// between. The building block of `AsyncRead` implementations.
    ///
    /// # Errors
    ///
    /// Whatever `op` returns, other than `WouldBlock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::{Read, Write};
    /// evloop::run(async {
    ///     let (a, mut b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     b.write_all(b"hi").unwrap();
    ///     let mut buf = [0; 2];
    ///     let n = poll_fn(|cx| a.poll_read_with(cx, |mut s| s.read(&mut buf))).await.unwrap();
    ///     assert_eq!(n, 2);
    /// });
    /// ```
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Read, op)
    }

    /// Polls `op` until it stops returning `WouldBlock`, waiting for write readiness in
    /// between. The building block of `AsyncWrite` implementations.
    ///
    /// # Errors
    ///
    /// Whatever `op` returns, other than `WouldBlock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::io::Write;
    /// evloop::run(async {
    ///     let (a, _b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     let n = poll_fn(|cx| a.poll_write_with(cx, |mut s| s.write(b"hi"))).await.unwrap();
    ///     assert_eq!(n, 2);
    /// });
    /// ```
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Write, op)
    }

    /// Runs a non-blocking read-side operation, waiting for readiness while it returns
    /// `WouldBlock`.
    ///
    /// # Errors
    ///
    /// Whatever `op` returns, other than `WouldBlock`.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe as long as `op` is: nothing is lost when the future is dropped between
    /// attempts.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// evloop::run(async {
    ///     let (a, mut b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     evloop::spawn(async move { b.write_all(b"late").unwrap(); b });
    ///     let mut buf = [0; 4];
    ///     let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
    ///     assert_eq!(&buf[..n], b"late");
    /// });
    /// ```
    pub async fn read_with<R>(&self, mut op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_read_with(cx, &mut op)).await
    }

    /// Runs a non-blocking write-side operation, waiting for readiness while it returns
    /// `WouldBlock`.
    ///
    /// # Errors
    ///
    /// Whatever `op` returns, other than `WouldBlock`.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe as long as `op` is.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// evloop::run(async {
    ///     let (a, mut b) = mio::net::UnixStream::pair().unwrap();
    ///     let a = evloop::io::IoSource::new(a).unwrap();
    ///     a.write_with(|mut s| s.write_all(b"hello")).await.unwrap();
    ///     let mut buf = [0; 5];
    ///     assert_eq!(b.read(&mut buf).unwrap(), 5);
    ///     assert_eq!(&buf, b"hello");
    /// });
    /// ```
    pub async fn write_with<R>(&self, mut op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_write_with(cx, &mut op)).await
    }
}

/// The direction-generic operations the sockets of `net` are written with.
impl<S: mio::event::Source> IoSource<S> {
    /// The source's registration (for the byte-stream transfers of `net`).
    #[inline]
    pub(crate) fn registration(&self) -> &Registration {
        &self.registration
    }

    /// Ready when the source is (or may be) ready in `direction`.
    #[inline]
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<()>> {
        self.registration.poll_ready(cx, direction).map_ok(|_| ())
    }

    /// The async form of [`poll_ready`](Self::poll_ready).
    pub(crate) async fn ready(&self, direction: Direction) -> io::Result<()> {
        poll_fn(|cx| self.poll_ready(cx, direction)).await
    }

    /// Runs `op` on the source once it is ready in `direction`, retrying on `WouldBlock`
    /// (the edge-triggered contract: see `Registration::poll_io`).
    #[inline]
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let source = self.get_ref();
        self.registration.poll_io(cx, direction, || op(source))
    }

    /// The async form of [`poll_io`](Self::poll_io).
    pub(crate) async fn io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        poll_fn(|cx| self.poll_io(cx, direction, &mut op)).await
    }

    /// Runs `op` once if the source may be ready; `WouldBlock` otherwise, or when `op` says
    /// so (which clears the readiness, so a later wait really waits). Stores no waker, so it
    /// never wakes or disturbs a task waiting on this source.
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        let source = self.get_ref();
        self.registration.try_io(direction, || op(source))
    }
}

impl<S: mio::event::Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        if let Some(mut source) = self.source.take() {
            self.registration.deregister(&mut source);
        }
    }
}

impl<S: mio::event::Source + fmt::Debug> fmt::Debug for IoSource<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoSource")
            .field("source", &self.source)
            .finish()
    }
}
