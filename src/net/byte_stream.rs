//! Byte-stream operations (`TcpStream`, `UnixStream`) on [`IoSource`]: reads and writes
//! that end the readiness on a short transfer where that proves the buffer drained or full,
//! `write_all`, the completion of a non-blocking `connect`. Datagram sockets and listeners
//! use `IoSource`'s direction-generic operations directly.

use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use crate::io::IoSource;
use crate::reactor::Direction;

/// A connected byte-stream socket, and what a short read says about it.
pub(crate) trait ByteStream: mio::event::Source + std::os::fd::AsFd
where
    for<'a> &'a Self: io::Read + io::Write,
{
    /// Whether a read that returns fewer bytes than asked proves the receive queue empty.
    ///
    /// TCP: yes, except at an urgent-data mark (`MSG_OOB`), where Linux ends a read early;
    /// evloop, like tokio, does not support TCP urgent data. Unix stream sockets: no, a read
    /// also stops early after a message carrying file descriptors (`SCM_RIGHTS`), at an
    /// out-of-band mark, or (with `SO_PASSCRED`) where the writer changes, with more data
    /// queued and no new edge to come.
    const SHORT_READ_DRAINS: bool;

    /// The socket's pending error, if any.
    fn take_error(&self) -> io::Result<Option<io::Error>>;

    /// `Ok` once connected (`getpeername(2)` succeeds), `NotConnected` while connecting.
    fn check_peer(&self) -> io::Result<()>;
}

impl ByteStream for mio::net::TcpStream {
    const SHORT_READ_DRAINS: bool = true;

    fn take_error(&self) -> io::Result<Option<io::Error>> {
        mio::net::TcpStream::take_error(self)
    }

    fn check_peer(&self) -> io::Result<()> {
        self.peer_addr().map(drop)
    }
}

impl ByteStream for mio::net::UnixStream {
    const SHORT_READ_DRAINS: bool = false;

    fn take_error(&self) -> io::Result<Option<io::Error>> {
        mio::net::UnixStream::take_error(self)
    }

    fn check_peer(&self) -> io::Result<()> {
        self.peer_addr().map(drop)
    }
}

/// Byte-stream I/O shared by `TcpStream` and `UnixStream`. A plain `write` that moves fewer
/// bytes than asked filled the send buffer (the kernel then raises a new edge once there is
/// room), so it clears the write readiness without a `WouldBlock` round trip
/// ([`Registration::poll_transfer`]); so does a short read where
/// [`ByteStream::SHORT_READ_DRAINS`] says it proves the queue empty. Vectored writes do not
/// take the shortcut: `writev` stops at `IOV_MAX` (1024) slices with room to spare.
#[allow(
    private_bounds,
    reason = "crate-internal methods, on the sockets' own IoSource only"
)]
impl<S> IoSource<S>
where
    S: ByteStream,
    for<'a> &'a S: io::Read + io::Write,
{
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let source = self.get_ref();
        let len = buf.len();
        let op = || io::Read::read(&mut &*source, buf);
        if S::SHORT_READ_DRAINS {
            self.registration()
                .poll_transfer(cx, Direction::Read, len, op)
        } else {
            self.registration().poll_io(cx, Direction::Read, op)
        }
    }

    /// As [`poll_read`](Self::poll_read), into memory that may be uninitialised (tokio's
    /// `ReadBuf`, hyper's `ReadBufCursor`): `recv(2)` through socket2, with no zeroing.
    #[cfg(any(feature = "tokio-io", feature = "hyper"))]
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        let source = self.get_ref();
        let len = buf.len();
        let op = || socket2::SockRef::from(source).recv(buf);
        if S::SHORT_READ_DRAINS {
            self.registration()
                .poll_transfer(cx, Direction::Read, len, op)
        } else {
            self.registration().poll_io(cx, Direction::Read, op)
        }
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let source = self.get_ref();
        self.registration()
            .poll_transfer(cx, Direction::Write, buf.len(), || {
                io::Write::write(&mut &*source, buf)
            })
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let source = self.get_ref();
        self.registration().poll_io(cx, Direction::Write, || {
            io::Write::write_vectored(&mut &*source, bufs)
        })
    }

    // The futures below are single `poll_fn`s rather than `async fn`s: one state machine
    // level less on the hottest path (callgrind: fewer instructions per echo round trip).

    pub(crate) fn read<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        poll_fn(move |cx| self.poll_read(cx, buf))
    }

    pub(crate) fn write<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        poll_fn(move |cx| self.poll_write(cx, buf))
    }

    /// Writes all of `buf`; `WriteZero` if the stream accepts nothing.
    pub(crate) fn write_all<'a>(
        &'a self,
        mut buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        poll_fn(move |cx| {
            while !buf.is_empty() {
                match self.poll_write(cx, buf) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                    }
                    Poll::Ready(Ok(n)) => buf = &buf[n..],
                    Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            Poll::Ready(Ok(()))
        })
    }

    /// Completes a non-blocking `connect(2)`: waits for writability, then asks the socket
    /// whether it worked (its pending error, else whether it has a peer).
    pub(crate) async fn connected(&self) -> io::Result<()> {
        self.io(Direction::Write, |s| {
            if let Some(err) = s.take_error()? {
                return Err(err);
            }
            match s.check_peer() {
                // Still connecting (a spurious or early wake-up): wait for the next edge.
                Err(err) if err.kind() == io::ErrorKind::NotConnected => {
                    Err(io::ErrorKind::WouldBlock.into())
                }
                result => result,
            }
        })
        .await
    }

    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.try_io(Direction::Read, |source| io::Read::read(&mut &*source, buf))
    }

    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.try_io(Direction::Write, |source| {
            io::Write::write(&mut &*source, buf)
        })
    }
}
