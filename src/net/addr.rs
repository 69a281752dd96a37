//! Address resolution: `ToSocketAddrs` and `lookup_host`.
//!
//! Addresses that are already numeric (`SocketAddr`, `"127.0.0.1:80"`, `(IpAddr, u16)`)
//! resolve on the spot; host names go to `getaddrinfo` on the blocking pool
//! (its lookup lane, apart from `spawn_blocking`'s jobs and file calls, so that neither
//! can hold lookups up), so a slow DNS server stalls no task.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::runtime::Lane;

/// Something that resolves to one or more socket addresses: the argument of
/// [`TcpListener::bind`](super::TcpListener::bind), [`TcpStream::connect`](super::TcpStream::connect),
/// [`UdpSocket::bind`](super::UdpSocket::bind) and [`lookup_host`].
///
/// Implemented for the same types as [`std::net::ToSocketAddrs`]: `SocketAddr` (and its V4
/// and V6 forms), `(IpAddr, u16)`, `(&str, u16)`, `(String, u16)`, `&str` and `String`
/// (`"host:port"`), and `&[SocketAddr]`. It is sealed: resolution happens inside evloop,
/// off the loop thread when a host name needs DNS.
///
/// # Examples
///
/// ```
/// use std::net::SocketAddr;
/// evloop::run(async {
///     let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
///     let listener = evloop::net::TcpListener::bind(addr).await?;
///     let addr = listener.local_addr()?;
///     let port = addr.port();
///     // The same address, spelled three ways:
///     let streams = [
///         evloop::net::TcpStream::connect(("127.0.0.1", port)).await?,
///         evloop::net::TcpStream::connect(format!("127.0.0.1:{port}")).await?,
///         evloop::net::TcpStream::connect(addr).await?,
///     ];
///     for stream in &streams {
///         assert_eq!(stream.peer_addr()?, addr);
///     }
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub trait ToSocketAddrs: sealed::Resolve {}

pub(crate) mod sealed {
    use super::*;

    /// What a `ToSocketAddrs` value turns into before any I/O.
    #[derive(Debug)]
    pub enum Addrs {
        /// Numeric: no lookup needed.
        Ready(Vec<SocketAddr>),
        /// A host name (`"host:port"`) for `getaddrinfo`.
        Lookup(String),
    }

    /// The private half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait Resolve {
        /// The addresses, or the host name to look up.
        fn to_addrs(&self) -> io::Result<Addrs>;
    }
}

use sealed::{Addrs, Resolve};

/// Resolves `addr`, on the blocking pool if it needs DNS.
pub(crate) async fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    let addrs = match addr.to_addrs()? {
        Addrs::Ready(addrs) => addrs,
        Addrs::Lookup(_) if !crate::runtime::in_runtime() => {
            return Err(io::Error::other(
                "evloop: no runtime on this thread; resolve host names inside evloop::run or \
                 Runtime::block_on",
            ));
        }
        Addrs::Lookup(host) => {
            crate::blocking::run_io(Lane::Lookup, "net", move || {
                std::net::ToSocketAddrs::to_socket_addrs(host.as_str()).map(Vec::from_iter)
            })
            .await?
        }
    };
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        ));
    }
    Ok(addrs)
}

/// Calls `op` on each address of `addr` in turn; returns the first success, or the last
/// error.
pub(crate) async fn each_addr<T, F, Fut>(addr: impl ToSocketAddrs, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in resolve(addr).await? {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(err) => last = Some(err),
        }
    }
    Err(last.expect("resolve returns at least one address"))
}

/// Resolves a host name to its socket addresses: asyncio's `loop.getaddrinfo`.
///
/// `"host:port"` strings and `(host, port)` pairs that hold a numeric IP address resolve at
/// once; anything else calls the system resolver on the blocking pool.
///
/// # Errors
///
/// The resolver's error (unknown host, malformed `"host:port"`), `InvalidInput` when
/// the name resolves to no address, or an error when a name needs DNS outside a runtime
/// (the blocking pool belongs to the runtime).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let addrs: Vec<_> = evloop::net::lookup_host("127.0.0.1:8080").await?.collect();
///     assert_eq!(addrs, ["127.0.0.1:8080".parse().unwrap()]);
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "getaddrinfo")]
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(resolve(host).await?.into_iter())
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Resolve + ?Sized> Resolve for &T {
    fn to_addrs(&self) -> io::Result<Addrs> {
        (**self).to_addrs()
    }
}

/// Types that are numeric already.
macro_rules! ready_addrs {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Resolve for $ty {
            fn to_addrs(&self) -> io::Result<Addrs> {
                Ok(Addrs::Ready(std::net::ToSocketAddrs::to_socket_addrs(self)?.collect()))
            }
        }
    )*};
}

ready_addrs!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl ToSocketAddrs for [SocketAddr] {}
impl Resolve for [SocketAddr] {
    fn to_addrs(&self) -> io::Result<Addrs> {
        Ok(Addrs::Ready(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl Resolve for str {
    fn to_addrs(&self) -> io::Result<Addrs> {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Ok(Addrs::Ready(vec![addr])),
            Err(_) => Ok(Addrs::Lookup(self.to_owned())),
        }
    }
}

impl ToSocketAddrs for String {}
impl Resolve for String {
    fn to_addrs(&self) -> io::Result<Addrs> {
        self.as_str().to_addrs()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Resolve for (&str, u16) {
    fn to_addrs(&self) -> io::Result<Addrs> {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Ok(Addrs::Ready(vec![SocketAddr::new(ip, port)])),
            // `getaddrinfo` wants "host:port"; an IPv6 literal would need brackets, but it
            // parsed above, so what is left is a name.
            Err(_) => Ok(Addrs::Lookup(format!("{host}:{port}"))),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Resolve for (String, u16) {
    fn to_addrs(&self) -> io::Result<Addrs> {
        (self.0.as_str(), self.1).to_addrs()
    }
}
