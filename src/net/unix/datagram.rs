//! `UnixDatagram`.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::io::IoSource;
use crate::reactor::Direction;

/// A Unix-domain datagram socket: asyncio's `create_datagram_endpoint(family=AF_UNIX)`.
///
/// Datagrams keep their boundaries and are reliable and ordered on one machine. All
/// methods take `&self`; several tasks may send and receive on one socket at once (each
/// datagram goes to exactly one receiver; see [`UdpSocket`](crate::net::UdpSocket)).
///
/// # Examples
///
/// ```
/// use evloop::net::UnixDatagram;
/// evloop::run(async {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"one").await?;
///     a.send(b"two").await?;
///     let mut buf = [0; 16];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"one"); // boundaries kept
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub struct UnixDatagram {
    io: IoSource<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    fn from_mio(socket: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: IoSource::new(socket)?,
        })
    }

    /// Creates a socket bound to `path` (the socket file is created; remove it when done).
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the file exists, other `bind(2)` errors, or an error outside a
    /// runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-dgram-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let socket = evloop::net::UnixDatagram::bind(&path)?;
    ///     assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::bind(path)?)
    }

    /// Creates a socket bound to no address: it can send, and receive replies only once
    /// [`connect`](Self::connect)ed (an unnamed sender cannot be answered).
    ///
    /// # Errors
    ///
    /// Out of file descriptors, or an error outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = evloop::net::UnixDatagram::unbound()?;
    ///     assert!(socket.local_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// A connected pair of unnamed datagram sockets.
    ///
    /// # Errors
    ///
    /// Out of file descriptors, or an error outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, b) = evloop::net::UnixDatagram::pair()?;
    ///     b.send(b"hi").await?;
    ///     assert_eq!(a.recv(&mut [0; 4]).await?, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "socketpair")]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_mio(a)?, UnixDatagram::from_mio(b)?))
    }

    /// Sets the default peer for [`send`](Self::send) and [`recv`](Self::recv).
    ///
    /// # Errors
    ///
    /// `NotFound` / `ConnectionRefused` if nothing is bound at `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UnixDatagram;
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-dconn-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let server = UnixDatagram::bind(&path)?;
    ///     let client = UnixDatagram::unbound()?;
    ///     client.connect(&path)?;
    ///     client.send(b"hello").await?;
    ///     assert_eq!(server.recv(&mut [0; 8]).await?, 5);
    ///     std::fs::remove_file(&path)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` without a peer; `ConnectionRefused` when the peer is gone.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if dropped before completing, nothing was sent.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixDatagram::pair()?;
    ///     assert_eq!(a.send(b"abc").await?, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receives one datagram; a longer one is truncated to `buf`.
    ///
    /// # Errors
    ///
    /// `recv(2)` errors.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if dropped before completing, no datagram was taken.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, b) = evloop::net::UnixDatagram::pair()?;
    ///     a.send(b"abc").await?;
    ///     let mut buf = [0; 8];
    ///     let n = b.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"abc");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.io(Direction::Read, |s| s.recv(buf)).await
    }

    /// Sends one datagram to the socket bound at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound` / `ConnectionRefused` if nothing is bound at `path`.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if dropped before completing, nothing was sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UnixDatagram;
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-sendto-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let server = UnixDatagram::bind(&path)?;
    ///     UnixDatagram::unbound()?.send_to(b"ping", &path).await?;
    ///     let (n, from) = server.recv_from(&mut [0; 8]).await?;
    ///     assert_eq!(n, 4);
    ///     assert!(from.is_unnamed());
    ///     std::fs::remove_file(&path)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "sendto")]
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.io(Direction::Write, |s| s.send_to(buf, path)).await
    }

    /// Receives one datagram and its sender's address (unnamed if the sender is unbound).
    ///
    /// # Errors
    ///
    /// `recvfrom(2)` errors.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if dropped before completing, no datagram was taken.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, b) = evloop::net::UnixDatagram::pair()?;
    ///     a.send(b"who?").await?;
    ///     let (n, from) = b.recv_from(&mut [0; 8]).await?;
    ///     assert_eq!(n, 4);
    ///     assert!(from.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "recvfrom")]
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.io(Direction::Read, |s| s.recv_from(buf)).await
    }

    /// The socket's own address (unnamed unless [`bind`](Self::bind) made it).
    ///
    /// # Errors
    ///
    /// The `getsockname(2)` error (rare).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixDatagram::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` without a peer.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = evloop::net::UnixDatagram::unbound()?;
    ///     assert!(socket.peer_addr().is_err());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Wraps a socket from the standard library, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// Fails outside a runtime, or if the socket cannot be made non-blocking or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = std::os::unix::net::UnixDatagram::unbound()?;
    ///     let socket = evloop::net::UnixDatagram::from_std(socket)?;
    ///     assert!(socket.local_addr().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::from_mio(mio::net::UnixDatagram::from_std(socket))
    }

    /// Deregisters the socket and returns it as a standard one, still non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = evloop::net::UnixDatagram::unbound()?;
    ///     assert!(socket.into_std().local_addr().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> std::os::unix::net::UnixDatagram {
        std::os::unix::net::UnixDatagram::from(OwnedFd::from(self.io.into_inner()))
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}
