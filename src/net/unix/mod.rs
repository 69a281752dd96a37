//! Unix-domain sockets: [`UnixListener`] (with [`UnixIncoming`]), [`UnixStream`] and
//! [`UnixDatagram`].
//!
//! Addresses are paths in the file system (or unnamed, for `pair` and `unbound` sockets)
//! and come back as [`std::os::unix::net::SocketAddr`]. Binding creates the socket file;
//! nothing removes it when the socket closes (as with `std`): remove it yourself.

mod datagram;
mod listener;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::{UnixIncoming, UnixListener};
pub use stream::UnixStream;
