//! TCP: [`TcpListener`] (with [`ListenOptions`] and the [`Incoming`] stream) and
//! [`TcpStream`].

mod connect;
mod listener;
mod stream;

pub use listener::{Incoming, ListenOptions, TcpListener};
pub use stream::TcpStream;
