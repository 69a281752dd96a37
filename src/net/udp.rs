//! `UdpSocket`.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use super::ToSocketAddrs;
use super::addr::{each_addr, resolve};
use crate::io::IoSource;
use crate::reactor::Direction;

/// A UDP socket: asyncio's `create_datagram_endpoint`, as a value with async methods.
///
/// Unconnected, it sends with [`send_to`](Self::send_to) and receives from anyone with
/// [`recv_from`](Self::recv_from). After [`connect`](Self::connect) it has a default peer
/// for [`send`](Self::send) / [`recv`](Self::recv) and only receives from that peer.
///
/// All methods take `&self`, and any number of tasks may use one socket at once (through an
/// `Rc<UdpSocket>`): several tasks may wait in `recv` on the same socket, the usual shape
/// of a UDP server. Each arriving datagram goes to exactly one of them; a readiness event
/// wakes all the waiting receivers, and those that find nothing wait again.
///
/// # Examples
///
/// ```
/// use evloop::net::UdpSocket;
/// evloop::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "create_datagram_endpoint")]
pub struct UdpSocket {
    io: IoSource<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (port 0 for any free port). A host name is resolved on the
    /// blocking pool and its addresses tried in order.
    ///
    /// # Errors
    ///
    /// Resolution errors, the last `bind(2)` error (`AddrInUse`, ...), or an error outside
    /// a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = evloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_ne!(socket.local_addr()?.port(), 0);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| async move {
            Ok(UdpSocket {
                io: IoSource::new(mio::net::UdpSocket::bind(addr)?)?,
            })
        })
        .await
    }

    /// Sets the default peer: [`send`](Self::send) goes there and only its datagrams are
    /// received. A host name is resolved on the blocking pool; the first address that
    /// connects wins. No packet is sent.
    ///
    /// # Errors
    ///
    /// Resolution errors, or the last `connect(2)` error.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UdpSocket;
    /// evloop::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     assert_eq!(a.peer_addr()?, b.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let mut last = None;
        for addr in resolve(addr).await? {
            match self.io.get_ref().connect(addr) {
                Ok(()) => return Ok(()),
                Err(err) => last = Some(err),
            }
        }
        Err(last.expect("resolve returns at least one address"))
    }

    /// Sends one datagram to the connected peer; returns the bytes sent.
    ///
    /// # Errors
    ///
    /// `EDESTADDRREQ` without [`connect`](Self::connect); `ConnectionRefused` may report
    /// that an earlier datagram found no listener (ICMP port unreachable).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if dropped before completing, nothing was sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UdpSocket;
    /// evloop::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     assert_eq!(a.send(b"hi").await?, 2);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receives one datagram from the connected peer into `buf`; returns its length. A
    /// datagram longer than `buf` is truncated (the rest is lost).
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` may report that an earlier datagram found no listener.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if dropped before completing, no datagram was taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UdpSocket;
    /// evloop::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     b.connect(a.local_addr()?).await?;
    ///     a.send(b"hi").await?;
    ///     let mut buf = [0; 8];
    ///     let n = b.recv(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"hi");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.io(Direction::Read, |s| s.recv(buf)).await
    }

    /// Sends one datagram to `target`; returns the bytes sent. `target` is resolved like
    /// [`bind`](Self::bind)'s address (its first address is used).
    ///
    /// # Errors
    ///
    /// Resolution errors, `sendto(2)` errors (`MessageTooLong`-like errors for oversized
    /// datagrams, permission errors for broadcast without
    /// [`set_broadcast`](Self::set_broadcast)).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: if dropped before completing, nothing was sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UdpSocket;
    /// evloop::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(a.send_to(b"datagram", b.local_addr()?).await?, 8);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "sendto")]
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = resolve(target).await?[0];
        self.io
            .io(Direction::Write, |s| s.send_to(buf, target))
            .await
    }

    /// Receives one datagram into `buf`; returns its length and sender. A datagram longer
    /// than `buf` is truncated.
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
    /// use evloop::net::UdpSocket;
    /// evloop::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"x", b.local_addr()?).await?;
    ///     let (n, from) = b.recv_from(&mut [0; 8]).await?;
    ///     assert_eq!((n, from), (1, a.local_addr()?));
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "recvfrom")]
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.io(Direction::Read, |s| s.recv_from(buf)).await
    }

    /// Like [`recv_from`](Self::recv_from), but leaves the datagram queued: the next receive
    /// returns it again.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](Self::recv_from).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UdpSocket;
    /// evloop::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"twice", b.local_addr()?).await?;
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.peek_from(&mut buf).await?.0, 5);
    ///     assert_eq!(b.recv_from(&mut buf).await?.0, 5);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.io(Direction::Read, |s| s.peek_from(buf)).await
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    ///
    /// The `getsockname(2)` error (rare).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = evloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
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
    /// `NotConnected` without [`connect`](Self::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = evloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(socket.peer_addr().unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `SO_BROADCAST`: allow sending to broadcast addresses.
    ///
    /// # Errors
    ///
    /// The `setsockopt(2)` error.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = evloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     socket.set_broadcast(true)?;
    ///     assert!(socket.broadcast()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    ///
    /// The `getsockopt(2)` error.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = evloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(!socket.broadcast()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
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
    ///     let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let socket = evloop::net::UdpSocket::from_std(std_socket)?;
    ///     assert!(socket.local_addr().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: IoSource::new(mio::net::UdpSocket::from_std(socket))?,
        })
    }

    /// Deregisters the socket and returns it as a standard one, still non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let socket = evloop::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let addr = socket.local_addr()?;
    ///     assert_eq!(socket.into_std().local_addr()?, addr);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> std::net::UdpSocket {
        std::net::UdpSocket::from(OwnedFd::from(self.io.into_inner()))
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}
