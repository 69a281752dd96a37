//! `TcpListener`, `ListenOptions` and the `Incoming` stream.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use socket2::{Domain, Protocol, Socket, Type};

use super::TcpStream;
use crate::io::IoSource;
use crate::net::ToSocketAddrs;
use crate::net::addr::each_addr;
use crate::reactor::Direction;

/// A TCP socket listening for connections: what asyncio's `start_server` listens on.
///
/// Created with [`bind`](Self::bind) (or [`bind_with`](Self::bind_with) for socket
/// options), it hands out a [`TcpStream`] per connection through [`accept`](Self::accept)
/// or the [`incoming`](Self::incoming) stream. Dropping it closes the socket.
///
/// Like every `net` type it belongs to the runtime of the thread that created it (`!Send`).
///
/// # Examples
///
/// An echo server for one connection:
///
/// ```
/// use evloop::net::{TcpListener, TcpStream};
///
/// evloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     evloop::spawn(async move {
///         let (stream, _peer) = listener.accept().await?;
///         let mut buf = [0; 64];
///         let n = stream.read(&mut buf).await?;
///         stream.write_all(&buf[..n]).await
///     });
///     let client = TcpStream::connect(addr).await?;
///     client.write_all(b"echo").await?;
///     let mut buf = [0; 4];
///     let n = client.read(&mut buf).await?;
///     assert_eq!(&buf[..n], b"echo");
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "start_server")]
#[doc(alias = "create_server")]
pub struct TcpListener {
    io: IoSource<mio::net::TcpListener>,
}

/// Socket options for [`TcpListener::bind_with`].
///
/// The defaults are those of [`TcpListener::bind`]: `SO_REUSEADDR` on (a restarted server
/// can bind its port while old connections sit in `TIME_WAIT`), `SO_REUSEPORT` off, and a
/// backlog of 1024 pending connections.
///
/// # Examples
///
/// Two listeners sharing a port, the kernel spreading connections between them:
///
/// ```
/// use evloop::net::{ListenOptions, TcpListener};
///
/// evloop::run(async {
///     let options = ListenOptions::new().reuse_port(true).backlog(128);
///     let a = TcpListener::bind_with("127.0.0.1:0", options).await?;
///     let b = TcpListener::bind_with(a.local_addr()?, options).await?;
///     assert_eq!(a.local_addr()?, b.local_addr()?);
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenOptions {
    reuse_address: bool,
    reuse_port: bool,
    backlog: u32,
}

impl ListenOptions {
    /// The default options: `SO_REUSEADDR` on, `SO_REUSEPORT` off, backlog 1024.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::net::ListenOptions::new(), Default::default());
    /// ```
    pub const fn new() -> Self {
        ListenOptions {
            reuse_address: true,
            reuse_port: false,
            backlog: 1024,
        }
    }

    /// Sets `SO_REUSEADDR`: bind a port that still has connections in `TIME_WAIT`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{ListenOptions, TcpListener};
    /// evloop::run(async {
    ///     let options = ListenOptions::new().reuse_address(false);
    ///     let listener = TcpListener::bind_with("127.0.0.1:0", options).await?;
    ///     // Read back from the socket (with socket2, which evloop uses to set it):
    ///     assert!(!socket2::SockRef::from(&listener).reuse_address()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub const fn reuse_address(mut self, on: bool) -> Self {
        self.reuse_address = on;
        self
    }

    /// Sets `SO_REUSEPORT`: several sockets (in this process or others, of the same user)
    /// may listen on the same address, and the kernel balances connections between them;
    /// the way to run one loop per core on one port.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{ListenOptions, TcpListener};
    /// evloop::run(async {
    ///     let options = ListenOptions::new().reuse_port(true);
    ///     let first = TcpListener::bind_with("127.0.0.1:0", options).await?;
    ///     let second = TcpListener::bind_with(first.local_addr()?, options).await?; // same port
    ///     assert_eq!(first.local_addr()?, second.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub const fn reuse_port(mut self, on: bool) -> Self {
        self.reuse_port = on;
        self
    }

    /// Sets the `listen(2)` backlog: how many connections the kernel queues before
    /// [`accept`](TcpListener::accept) takes them (capped by `net.core.somaxconn`).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{ListenOptions, TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let options = ListenOptions::new().backlog(4096);
    ///     let listener = TcpListener::bind_with("127.0.0.1:0", options).await?;
    ///     // Connected before anyone accepts: the kernel queues the connection.
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_server_side, peer) = listener.accept().await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub const fn backlog(mut self, backlog: u32) -> Self {
        self.backlog = backlog;
        self
    }
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions::new()
    }
}

impl TcpListener {
    /// Binds a listener to `addr` with the default [`ListenOptions`].
    ///
    /// A host name is resolved on the blocking pool; each address it resolves to is tried
    /// in turn until one binds. Port 0 asks the OS for a free port: read it back with
    /// [`local_addr`](Self::local_addr).
    ///
    /// # Errors
    ///
    /// Resolution errors, the error of the last address that failed to bind (for instance
    /// `AddrInUse`), or an error when called outside a runtime.
    ///
    /// # Cancellation
    ///
    /// Dropping the future before it completes binds nothing (or closes what it bound).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert_ne!(listener.local_addr()?.port(), 0);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        TcpListener::bind_with(addr, ListenOptions::new()).await
    }

    /// Binds a listener to `addr` with the given socket options (`SO_REUSEPORT`, backlog).
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind), plus the OS refusing an option.
    ///
    /// # Cancellation
    ///
    /// As [`bind`](Self::bind).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{ListenOptions, TcpListener};
    /// evloop::run(async {
    ///     let options = ListenOptions::new().backlog(16);
    ///     let listener = TcpListener::bind_with("127.0.0.1:0", options).await?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn bind_with(
        addr: impl ToSocketAddrs,
        options: ListenOptions,
    ) -> io::Result<TcpListener> {
        each_addr(addr, |addr| async move { bind_addr(addr, options) }).await
    }

    /// Waits for a connection and returns it with the peer's address: one iteration of
    /// asyncio's `start_server` callback loop.
    ///
    /// The accepted stream is non-blocking and registered with the current runtime.
    ///
    /// # Errors
    ///
    /// Errors of `accept(2)` come back unchanged and are usually transient: `EMFILE` /
    /// `ENFILE` when the process or system is out of file descriptors, `ECONNABORTED` when a
    /// client gave up while queued. `accept` does not retry or sleep on them; the listener
    /// stays usable, and the caller decides (log, back off with [`sleep`](crate::sleep),
    /// close idle connections). A pending connection stays queued meanwhile, so the next
    /// call tries again at once.
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: dropping the future never loses a connection (it stays in the kernel's
    /// queue).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_server_side, peer) = listener.accept().await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection: `Ready` with the next one, or `Pending` (the task is woken
    /// when one arrives).
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept): `accept(2)` errors are returned unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::net::{TcpListener, TcpStream};
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_stream, peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.io.poll_io(cx, Direction::Read, |l| l.accept()))?;
        Poll::Ready(TcpStream::from_mio(stream).map(|stream| (stream, addr)))
    }

    /// A stream of accepted connections, for `while let Some(conn) = ...` loops.
    ///
    /// It never ends; each item is [`accept`](Self::accept)'s result without the peer
    /// address. An `Err` item (such as `EMFILE`) does not end it either.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    /// use evloop::net::{TcpListener, TcpStream};
    ///
    /// evloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let mut incoming = listener.incoming();
    ///     let next = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
    ///     assert!(next.unwrap().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to (with the actual port when bound to port 0).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname(2)` (rare).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert_eq!(listener.local_addr()?.ip().to_string(), "127.0.0.1");
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Wraps a listener from the standard library, switching it to non-blocking mode.
    ///
    /// # Errors
    ///
    /// Fails outside a runtime, or if the socket cannot be made non-blocking or registered.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let listener = evloop::net::TcpListener::from_std(std_listener)?;
    ///     assert!(listener.local_addr().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: IoSource::new(mio::net::TcpListener::from_std(listener))?,
        })
    }

    /// Deregisters the listener and returns it as a standard one. It stays in
    /// non-blocking mode; call `set_nonblocking(false)` to block on it.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let std_listener = listener.into_std();
    ///     assert_eq!(std_listener.local_addr()?, addr);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> std::net::TcpListener {
        std::net::TcpListener::from(OwnedFd::from(self.io.into_inner()))
    }
}

/// Creates, configures, binds and registers one listening socket.
fn bind_addr(addr: SocketAddr, options: ListenOptions) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    socket.set_reuse_address(options.reuse_address)?;
    if options.reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(options.backlog.min(i32::MAX as u32) as i32)?;
    Ok(TcpListener {
        io: IoSource::new(mio::net::TcpListener::from_std(socket.into()))?,
    })
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

/// The stream of connections returned by [`TcpListener::incoming`].
///
/// # Examples
///
/// ```
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_core::Stream;
///
/// evloop::run(async {
///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     evloop::spawn(async move { evloop::net::TcpStream::connect(addr).await });
///     let mut incoming = listener.incoming();
///     let stream = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await.unwrap()?;
///     assert_eq!(stream.local_addr()?, addr);
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let (stream, _addr) = ready!(self.listener.poll_accept(cx))?;
        Poll::Ready(Some(Ok(stream)))
    }
}
