//! Feature `tokio-io`: tokio's `AsyncRead` and `AsyncWrite` on evloop's streams, directly
//! (no wrapper), so crates written for tokio's I/O traits run on the loop with no tokio
//! runtime: tokio-postgres (`connect_raw` over an evloop `TcpStream`), redis, tokio-util's
//! codecs (`Framed`, `LinesCodec`), tokio-rustls.
//!
//! Reads go straight into `ReadBuf`'s uninitialised memory (`recv(2)` through socket2): no
//! zeroing per read. `poll_shutdown` shuts down the write side, and a peer that has already
//! gone is not an error (as with `poll_close`).
//!
//! # What still needs a tokio runtime
//!
//! Crates that spawn onto tokio or need `Send` sockets: `reqwest`, `axum::serve`,
//! hyper-util's pooled client, tokio-postgres's `connect` (it resolves and connects with
//! tokio's own sockets). The workaround: run them on a tokio runtime in its own thread and
//! talk to the loop through [`remote`](crate::channel::remote) channels or
//! [`Handle::spawn`](crate::Handle::spawn); or, where the crate takes any stream (as
//! `tokio_postgres::Config::connect_raw` does), connect with evloop and hand it the stream.
//!
//! ```
//! use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//! evloop::run(async {
//!     let (mut a, b) = evloop::net::UnixStream::pair()?;
//!     // tokio's extension traits, over evloop sockets (UFCS: the streams also have
//!     // inherent methods of the same names).
//!     AsyncWriteExt::write_all(&mut a, b"hello\nworld\n").await?;
//!     AsyncWriteExt::shutdown(&mut a).await?;
//!     let mut lines = BufReader::new(b).lines();
//!     assert_eq!(lines.next_line().await?.as_deref(), Some("hello"));
//!     assert_eq!(lines.next_line().await?.as_deref(), Some("world"));
//!     assert_eq!(lines.next_line().await?, None);
//!     Ok::<(), std::io::Error>(())
//! })
//! .unwrap();
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{OwnedReadHalf, OwnedWriteHalf};

/// tokio's `AsyncRead` and `AsyncWrite` for a stream type and its shared reference;
/// invoked in the stream's own module (it reads the private `io` field).
macro_rules! tokio_io_impls {
    ($ty:ty) => {
        $crate::net::tokio_io::tokio_io_impls!(@for $ty);
        $crate::net::tokio_io::tokio_io_impls!(@for &$ty);
    };
    (@for $ty:ty) => {
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // SAFETY: `recv(2)` only writes bytes into the slice, never de-initialises
                // any; the `n` it reports are then initialised, which `assume_init` records.
                let unfilled = unsafe { buf.unfilled_mut() };
                let n = std::task::ready!(self.io.poll_read_uninit(cx, unfilled))?;
                // SAFETY: the first `n` bytes of the unfilled part were written by `recv`.
                unsafe { buf.assume_init(n) };
                buf.advance(n);
                std::task::Poll::Ready(Ok(()))
            }
        }

        impl tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready($crate::net::async_io::closed(
                    self.shutdown(std::net::Shutdown::Write),
                ))
            }
        }
    };
}

pub(crate) use tokio_io_impls;

impl<S> AsyncRead for OwnedReadHalf<S>
where
    for<'a> &'a S: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner()).poll_read(cx, buf)
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
        Pin::new(&mut self.inner()).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner()).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = cx;
        Poll::Ready(self.get_mut().shut_down())
    }
}
