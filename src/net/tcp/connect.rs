//! `TcpStream::connect`: name resolution off the loop, then a non-blocking `connect(2)` per
//! address until one succeeds.

use std::io;
use std::net::SocketAddr;

use super::TcpStream;
use crate::net::ToSocketAddrs;
use crate::net::addr::each_addr;

impl TcpStream {
    /// Opens a connection to `addr`: asyncio's `open_connection(host, port)`.
    ///
    /// A `SocketAddr` (or numeric `"ip:port"`) connects directly; a host name is resolved
    /// on the blocking pool and its addresses are tried in order until one connects. The
    /// connect itself is non-blocking: the task waits for the socket to become writable,
    /// then checks the socket's error.
    ///
    /// # Errors
    ///
    /// Resolution errors, or the error of the last address tried: `ConnectionRefused` when
    /// nothing listens there, `TimedOut`, `NetworkUnreachable`, ... Outside a runtime, an
    /// error saying so.
    ///
    /// # Cancellation
    ///
    /// Dropping the future abandons the attempt and closes its socket.
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
    #[doc(alias = "open_connection")]
    #[doc(alias = "create_connection")]
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        each_addr(addr, connect_addr).await
    }
}

/// Connects to one address: a non-blocking `connect(2)`, then wait for writability and ask
/// the socket whether it worked.
async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
    stream.io.connected().await?;
    Ok(stream)
}
