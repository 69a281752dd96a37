//! Networking: TCP, UDP and Unix-domain sockets on the event loop, asyncio's streams and
//! transports.
//!
//! | asyncio | evloop |
//! |---|---|
//! | `open_connection(host, port)` | [`TcpStream::connect`]`((host, port))` |
//! | `start_server(cb, host, port)` | [`TcpListener::bind`] + [`accept`](TcpListener::accept) in a loop, [`spawn`](crate::spawn) per connection |
//! | `reader.read(n)`, `writer.write(d); drain()` | [`TcpStream::read`], [`TcpStream::write_all`] |
//! | `writer.write_eof()`, `writer.close()` | [`TcpStream::shutdown`]`(Write)`, drop |
//! | `create_datagram_endpoint` | [`UdpSocket`] |
//! | `open_unix_connection`, `start_unix_server` | [`UnixStream`], [`UnixListener`] |
//! | `loop.getaddrinfo` | [`lookup_host`] |
//!
//! The streams implement [`futures_io::AsyncRead`] and [`futures_io::AsyncWrite`] (for `T`
//! and `&T`), so the `futures-util` extension traits (`read_exact`, `read_line` through
//! a `BufReader`, `copy`, ...) apply.
//!
//! # Design
//!
//! Every socket wraps a `mio` socket in an [`IoSource`](crate::io::IoSource), the same
//! readiness type users get for their own file descriptors (`loop.add_reader`), registered
//! with the runtime's reactor (`reactor::Registration`, which owns the retry loop below);
//! `byte_stream.rs` adds the stream operations. Sockets hold the runtime (`Rc`), so they are `!Send` and must be
//! created on the runtime's thread; outside a runtime, constructors return an
//! [`io::Error`](std::io::Error) instead of panicking.
//!
//! ```compile_fail
//! fn assert_send<T: Send>() {}
//! assert_send::<evloop::net::TcpStream>(); // !Send: it belongs to its runtime's thread
//! ```
//!
//! Errors are plain [`std::io::Error`]s and concern one socket only: a peer that resets its
//! connection makes that stream's reads fail (`ConnectionReset`) or end (EOF after FIN);
//! other connections and the listener are unaffected. `accept` returns the errors of
//! `accept(2)` (such as `EMFILE`) unchanged instead of retrying; see
//! [`TcpListener::accept`].
//!
//! Host names are resolved with `getaddrinfo` on the blocking pool
//! ([`spawn_blocking`](crate::spawn_blocking)); numeric addresses skip it ([`ToSocketAddrs`]).
//!
//! # Edge-triggered rules
//!
//! Sockets are registered once, edge-triggered, for both directions. The OS reports an edge
//! (not-ready → ready) once, so:
//!
//! * Readiness is remembered until an operation returns `WouldBlock`, and only then cleared
//!   (and only if no new event arrived meanwhile). A read that fills the buffer it was
//!   given does not clear it: the next read tries the socket again, which is what makes a
//!   1-byte reader of a large burst see every byte without a new edge.
//! * One shortcut: a TCP read, or a plain (not vectored) stream write, that moves *some but
//!   fewer* bytes than asked has emptied the receive buffer (or filled the send buffer), so
//!   it clears the readiness at once and saves the `read(2)` that would return
//!   `WouldBlock`; the kernel raises a new edge for any later arrival. Not for datagrams,
//!   vectored writes (`IOV_MAX`) or Unix stream reads (passed descriptors end a read early),
//!   where a short transfer proves nothing.
//! * A new socket starts out "ready": the first operation finds out.
//! * A spurious wake-up (ready, but the operation says `WouldBlock`) clears the readiness and
//!   waits again: no busy loop.
//! * End-of-file and hang-up are sticky: once seen, reads return 0 or the error at once,
//!   never wait. An error event is not sticky: the next operation returns the error (a
//!   connected UDP socket's ICMP "port unreachable", say) and later ones wait again.
//! * Each direction keeps a list of waiting tasks (the first stored inline): one task may
//!   read while another writes, and several may read (or write) at once, as several
//!   receivers on one shared `UdpSocket` do. A readiness event wakes every task waiting for
//!   that direction; those that find nothing wait again.
//! * `try_read` / `try_write` (and `try_*` in general) run the operation once when the
//!   socket may be ready and clear readiness on `WouldBlock`. When the socket is known not to
//!   be ready they return `WouldBlock` without a system call. They store no waker, so they
//!   never disturb a task waiting on the same socket; the usual pattern is
//!   `readable().await` then `try_read`.

mod addr;
mod async_io;
mod byte_stream;
mod split;
mod tcp;
#[cfg(feature = "tokio-io")]
pub mod tokio_io;
mod udp;
mod unix;

pub use addr::{ToSocketAddrs, lookup_host};
#[cfg(feature = "hyper")]
pub(crate) use async_io::closed as closed_write;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use tcp::{Incoming, ListenOptions, TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixIncoming, UnixListener, UnixStream};
