//! Owned read and write halves of a stream, shared by `TcpStream` and `UnixStream`.

use std::error::Error;
use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

/// The read half of a stream split by [`TcpStream::into_split`](super::TcpStream::into_split)
/// or [`UnixStream::into_split`](super::UnixStream::into_split).
///
/// It implements [`AsyncRead`] and has the stream's reading methods (`read`, `readable`,
/// `try_read`) and its addresses; it cannot write. Dropping it does nothing to the
/// connection; the connection closes when both halves are gone.
///
/// # Examples
///
/// ```
/// use evloop::net::{TcpListener, TcpStream};
/// evloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (read_half, _write_half) = TcpStream::connect(listener.local_addr()?).await?.into_split();
///     let (server, _) = listener.accept().await?;
///     server.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     read_half.read(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct OwnedReadHalf<S> {
    stream: Rc<S>,
}

/// The write half of a stream split by [`TcpStream::into_split`](super::TcpStream::into_split)
/// or [`UnixStream::into_split`](super::UnixStream::into_split).
///
/// It implements [`AsyncWrite`] and has the stream's writing methods (`write`,
/// `write_all`, `writable`, `try_write`) and its addresses; it cannot read. Closing it
/// (`poll_close`) or dropping it shuts down the write side of the connection: the peer
/// reads end-of-file, while the read half keeps working.
///
/// # Examples
///
/// ```
/// use evloop::net::{TcpListener, TcpStream};
/// evloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (_read_half, write_half) = TcpStream::connect(listener.local_addr()?).await?.into_split();
///     let (server, _) = listener.accept().await?;
///     write_half.write_all(b"bye").await?;
///     drop(write_half); // FIN
///     let mut buf = [0; 8];
///     assert_eq!(server.read(&mut buf).await?, 3);
///     assert_eq!(server.read(&mut buf).await?, 0);
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct OwnedWriteHalf<S> {
    stream: Rc<S>,
    shutdown: fn(&S) -> io::Result<()>,
    /// Cleared by `poll_close` (already shut down) and by `reunite`.
    shutdown_on_drop: bool,
}

/// Splits `stream`; `shutdown` shuts its write side down.
pub(crate) fn split<S>(
    stream: S,
    shutdown: fn(&S) -> io::Result<()>,
) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let stream = Rc::new(stream);
    let read = OwnedReadHalf {
        stream: stream.clone(),
    };
    let write = OwnedWriteHalf {
        stream,
        shutdown,
        shutdown_on_drop: true,
    };
    (read, write)
}

fn reunite<S>(read: OwnedReadHalf<S>, mut write: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
    if !Rc::ptr_eq(&read.stream, &write.stream) {
        return Err(ReuniteError(read, write));
    }
    write.shutdown_on_drop = false;
    drop(write);
    let stream = read.stream;
    Ok(Rc::into_inner(stream).expect("the two halves hold the only references"))
}

impl<S> OwnedReadHalf<S> {
    /// The stream, for the methods of this half (`split_halves!`).
    pub(crate) fn inner(&self) -> &S {
        &self.stream
    }

    /// Joins the two halves of one stream back into the stream.
    ///
    /// # Errors
    ///
    /// If the halves come from different streams, they are given back in the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (read, write) = stream.into_split();
    ///     let stream = read.reunite(write).expect("same stream");
    ///     stream.write_all(b"still open").await?; // reuniting shut nothing down
    ///     let (peer, _) = listener.accept().await?;
    ///     let mut buf = [0; 10];
    ///     assert_eq!(peer.read(&mut buf).await?, 10);
    ///     assert_eq!(&buf, b"still open");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(self, other)
    }
}

impl<S> OwnedWriteHalf<S> {
    /// Shuts down the write side now (`poll_close`, tokio's `poll_shutdown`); a peer that
    /// has already gone is not an error.
    pub(crate) fn shut_down(&mut self) -> io::Result<()> {
        self.shutdown_on_drop = false;
        crate::net::async_io::closed((self.shutdown)(&self.stream))
    }

    /// The stream, for the methods of this half (`split_halves!`).
    pub(crate) fn inner(&self) -> &S {
        &self.stream
    }

    /// Joins the two halves of one stream back into the stream; see
    /// [`OwnedReadHalf::reunite`].
    ///
    /// # Errors
    ///
    /// If the halves come from different streams, they are given back in the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UnixStream;
    /// evloop::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (a_read, a_write) = a.into_split();
    ///     let (b_read, b_write) = b.into_split();
    ///     let err = a_write.reunite(b_read).unwrap_err(); // not the same stream
    ///     // The halves come back in the error, each able to rejoin its own stream:
    ///     assert!(err.1.reunite(a_read).is_ok());
    ///     assert!(b_write.reunite(err.0).is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn reunite(self, other: OwnedReadHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(other, self)
    }
}

/// The inherent methods of the halves of one stream type: each half gets the stream's
/// methods for its direction, and its addresses. `$pair` is a doc-test expression that
/// makes a connected `(a, b)` pair of that stream type.
macro_rules! split_halves {
    ($stream:ident, $addr:ty, $pair:literal) => {
        impl crate::net::OwnedReadHalf<$stream> {
            #[doc = concat!("Reads into `buf`: [`", stringify!($stream), "::read`].")]
            ///
            /// # Errors
            ///
            /// As the stream's `read`.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, b) = ", $pair, ";")]
            ///     let (read, _write) = a.into_split();
            ///     b.write_all(b"hi").await?;
            ///     let mut buf = [0; 2];
            ///     assert_eq!(read.read(&mut buf).await?, 2);
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub fn read<'a>(
                &'a self,
                buf: &'a mut [u8],
            ) -> impl Future<Output = std::io::Result<usize>> + 'a {
                self.inner().read(buf)
            }

            #[doc = concat!("Waits until the stream may be readable: [`", stringify!($stream), "::readable`].")]
            ///
            /// # Errors
            ///
            /// If the stream's registration is gone.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, b) = ", $pair, ";")]
            ///     let (read, _write) = a.into_split();
            ///     b.write_all(b"x").await?;
            ///     read.readable().await?;
            ///     assert_eq!(read.try_read(&mut [0; 1])?, 1);
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub async fn readable(&self) -> std::io::Result<()> {
                self.inner().readable().await
            }

            #[doc = concat!("Reads without waiting: [`", stringify!($stream), "::try_read`].")]
            ///
            /// # Errors
            ///
            /// `WouldBlock` when nothing is there to read.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, _b) = ", $pair, ";")]
            ///     let (read, _write) = a.into_split();
            ///     let err = read.try_read(&mut [0; 1]).unwrap_err();
            ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.inner().try_read(buf)
            }

            /// The stream's local address.
            ///
            /// # Errors
            ///
            /// As the stream's `local_addr`.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, _b) = ", $pair, ";")]
            ///     let expected = a.local_addr()?;
            ///     let (read, _write) = a.into_split();
            ///     assert_eq!(format!("{:?}", read.local_addr()?), format!("{expected:?}"));
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.inner().local_addr()
            }

            /// The address of the stream's peer.
            ///
            /// # Errors
            ///
            /// As the stream's `peer_addr`.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, _b) = ", $pair, ";")]
            ///     let expected = a.peer_addr()?;
            ///     let (read, _write) = a.into_split();
            ///     assert_eq!(format!("{:?}", read.peer_addr()?), format!("{expected:?}"));
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.inner().peer_addr()
            }
        }

        impl crate::net::OwnedWriteHalf<$stream> {
            #[doc = concat!("Writes some of `buf`: [`", stringify!($stream), "::write`].")]
            ///
            /// # Errors
            ///
            /// As the stream's `write`.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, b) = ", $pair, ";")]
            ///     let (_read, write) = a.into_split();
            ///     let n = write.write(b"hello").await?;
            ///     let mut buf = [0; 5];
            ///     assert_eq!(b.read(&mut buf).await?, n);
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub fn write<'a>(
                &'a self,
                buf: &'a [u8],
            ) -> impl Future<Output = std::io::Result<usize>> + 'a {
                self.inner().write(buf)
            }

            #[doc = concat!("Writes all of `buf`: [`", stringify!($stream), "::write_all`].")]
            ///
            /// # Errors
            ///
            /// As the stream's `write_all`.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, b) = ", $pair, ";")]
            ///     let (_read, write) = a.into_split();
            ///     write.write_all(b"hi").await?;
            ///     let mut buf = [0; 2];
            ///     assert_eq!(b.read(&mut buf).await?, 2);
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub fn write_all<'a>(
                &'a self,
                buf: &'a [u8],
            ) -> impl Future<Output = std::io::Result<()>> + 'a {
                self.inner().write_all(buf)
            }

            #[doc = concat!("Waits until the stream may be writable: [`", stringify!($stream), "::writable`].")]
            ///
            /// # Errors
            ///
            /// If the stream's registration is gone.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, _b) = ", $pair, ";")]
            ///     let (_read, write) = a.into_split();
            ///     write.writable().await?;
            ///     assert_eq!(write.try_write(b"x")?, 1);
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub async fn writable(&self) -> std::io::Result<()> {
                self.inner().writable().await
            }

            #[doc = concat!("Writes without waiting: [`", stringify!($stream), "::try_write`].")]
            ///
            /// # Errors
            ///
            /// `WouldBlock` when the send buffer is full.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, _b) = ", $pair, ";")]
            ///     let (_read, write) = a.into_split();
            ///     assert_eq!(write.try_write(b"x")?, 1);
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.inner().try_write(buf)
            }

            /// The stream's local address.
            ///
            /// # Errors
            ///
            /// As the stream's `local_addr`.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, _b) = ", $pair, ";")]
            ///     let expected = a.local_addr()?;
            ///     let (_read, write) = a.into_split();
            ///     assert_eq!(format!("{:?}", write.local_addr()?), format!("{expected:?}"));
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.inner().local_addr()
            }

            /// The address of the stream's peer.
            ///
            /// # Errors
            ///
            /// As the stream's `peer_addr`.
            ///
            /// # Examples
            ///
            /// ```
            /// evloop::run(async {
            #[doc = concat!("    let (a, _b) = ", $pair, ";")]
            ///     let expected = a.peer_addr()?;
            ///     let (_read, write) = a.into_split();
            ///     assert_eq!(format!("{:?}", write.peer_addr()?), format!("{expected:?}"));
            ///     Ok::<(), std::io::Error>(())
            /// })
            /// .unwrap();
            /// ```
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.inner().peer_addr()
            }
        }
    };
}

pub(crate) use split_halves;

impl<S> AsyncRead for OwnedReadHalf<S>
where
    for<'a> &'a S: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_read(cx, buf)
    }
}

impl<S> AsyncWrite for OwnedWriteHalf<S>
where
    for<'a> &'a S: AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shut_down())
    }
}

impl<S> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone already (`NotConnected`): nothing to report from a drop.
            let _ = (self.shutdown)(&self.stream);
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for OwnedReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("stream", &self.stream)
            .finish()
    }
}

impl<S: fmt::Debug> fmt::Debug for OwnedWriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("stream", &self.stream)
            .finish()
    }
}

/// The error of `reunite` when the two halves come from different streams; it gives them
/// back.
///
/// # Examples
///
/// ```
/// use evloop::net::UnixStream;
/// evloop::run(async {
///     let (a, b) = UnixStream::pair()?;
///     let (a_read, _a_write) = a.into_split();
///     let (_b_read, b_write) = b.into_split();
///     let err = a_read.reunite(b_write).unwrap_err();
///     assert_eq!(err.to_string(), "tried to reunite halves of different streams");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct ReuniteError<S>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

impl<S> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReuniteError").finish_non_exhaustive()
    }
}

impl<S> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves of different streams")
    }
}

impl<S> Error for ReuniteError<S> {}
