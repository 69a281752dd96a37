//! `AsyncRead` / `AsyncWrite` for the stream types (`TcpStream`, `UnixStream`) and
//! references to them.

/// Generates the `AsyncRead` / `AsyncWrite` impls for a stream type and for `&` it.
/// `poll_close` shuts down the write side (FIN); `poll_flush` has nothing to flush. Closing a
/// stream whose peer has already gone is not an error: the `NotConnected` that
/// `shutdown(Write)` then returns is taken as done (as tokio does), so that hyper and other
/// users do not report a failure for every connection a client dropped.
macro_rules! async_io_impls {
    ($ty:ty) => {
        $crate::net::async_io::async_io_impls!(@for $ty);
        $crate::net::async_io::async_io_impls!(@for &$ty);
    };
    (@for $ty:ty) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_read_inner(cx, buf)
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_write_inner(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_write_vectored_inner(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
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
pub(crate) use async_io_impls;

/// The outcome of shutting down a stream's write side for `poll_close`: a peer that has
/// already gone (`NotConnected`) leaves nothing to close.
pub(crate) fn closed(shutdown: std::io::Result<()>) -> std::io::Result<()> {
    match shutdown {
        Err(err) if err.kind() == std::io::ErrorKind::NotConnected => Ok(()),
        other => other,
    }
}
