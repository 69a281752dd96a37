//! hyper 1.x on evloop (feature `hyper`): [`Io`] (hyper's `Read`/`Write` over an evloop
//! stream, reading straight into hyper's uninitialised buffer, with vectored writes),
//! [`Timer`] (evloop's `sleep`) and [`Executor`] (spawns hyper's `!Send` connection tasks
//! on the current loop).
//!
//! An HTTP/1.1 server and client, on one loop:
//!
//! ```
//! use evloop::compat::hyper::Io;
//! use evloop::net::{TcpListener, TcpStream};
//! use hyper::body::{Body, Incoming};
//! use hyper::{Request, Response};
//!
//! /// Reads a body to its end (hyper's `Incoming`, without extra crates).
//! async fn text(mut body: Incoming) -> String {
//!     let mut out = Vec::new();
//!     while let Some(frame) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
//!         if let Ok(data) = frame.unwrap().into_data() {
//!             out.extend_from_slice(&data);
//!         }
//!     }
//!     String::from_utf8(out).unwrap()
//! }
//!
//! evloop::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     // The server: one task per connection, hyper's HTTP/1.1 state machine over `Io`.
//!     evloop::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let hello = hyper::service::service_fn(|req: Request<Incoming>| async move {
//!             let name = req.uri().path().trim_start_matches('/').to_owned();
//!             Ok::<_, std::convert::Infallible>(Response::new(format!("Hello, {name}")))
//!         });
//!         hyper::server::conn::http1::Builder::new()
//!             .timer(evloop::compat::hyper::Timer)
//!             .serve_connection(Io::new(stream), hello)
//!             .await
//!             .unwrap();
//!     });
//!     // The client: hyper's HTTP/1.1 handshake over an evloop connection.
//!     let stream = TcpStream::connect(addr).await?;
//!     let (mut sender, connection) = hyper::client::conn::http1::handshake(Io::new(stream))
//!         .await
//!         .unwrap();
//!     evloop::spawn(connection); // drives the connection while we use `sender`
//!     let request = Request::get("/Alice").header("host", "localhost").body(String::new()).unwrap();
//!     let response = sender.send_request(request).await.unwrap();
//!     assert_eq!(response.status(), 200);
//!     assert_eq!(text(response.into_body()).await, "Hello, Alice");
//!     Ok::<(), std::io::Error>(())
//! })
//! .unwrap();
//! ```
//!
//! HTTP/2 takes the [`Executor`] (hyper spawns a task per stream), the rest is the same;
//! here a server and a client over h2c (HTTP/2 without TLS, prior knowledge), with two
//! requests on one connection at once:
//!
//! ```
//! use evloop::compat::hyper::{Executor, Io, Timer};
//! use evloop::net::{TcpListener, TcpStream};
//! use hyper::{Request, Response};
//!
//! evloop::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     evloop::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let echo_path = hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
//!             Ok::<_, std::convert::Infallible>(Response::new(req.uri().path().to_owned()))
//!         });
//!         let _ = hyper::server::conn::http2::Builder::new(Executor)
//!             .timer(Timer)
//!             .serve_connection(Io::new(stream), echo_path)
//!             .await;
//!     });
//!     let stream = TcpStream::connect(addr).await?;
//!     let (sender, connection) = hyper::client::conn::http2::handshake(Executor, Io::new(stream))
//!         .await
//!         .unwrap();
//!     evloop::spawn(connection);
//!     let get = |path: &str| {
//!         let mut sender = sender.clone();
//!         let request = Request::get(format!("http://{addr}{path}")).body(String::new()).unwrap();
//!         async move { sender.send_request(request).await.unwrap().status().as_u16() }
//!     };
//!     let (a, b) = evloop::join!(get("/a"), get("/b")); // two streams, one connection
//!     assert_eq!((a, b), (200, 200));
//!     Ok::<(), std::io::Error>(())
//! })
//! .unwrap();
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Read, ReadBufCursor, Write};

use crate::net::{TcpStream, UnixStream};

/// An evloop stream as hyper's `Read` + `Write`.
///
/// Reads go into hyper's uninitialised buffer with `recv(2)` (no zeroing); writes support
/// hyper's vectored writes (head and body in one `writev`). Shutting down the write side of
/// a stream whose peer has gone is not an error.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (a, _b) = evloop::net::UnixStream::pair()?;
///     let io = evloop::compat::hyper::Io::new(a);
///     assert!(io.get_ref().peer_addr().is_ok());
///     let _stream: evloop::net::UnixStream = io.into_inner();
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct Io<T> {
    inner: T,
}

impl<T> Io<T> {
    /// Wraps a stream ([`TcpStream`] or [`UnixStream`]).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     let _io = evloop::compat::hyper::Io::new(a);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn new(inner: T) -> Io<T> {
        Io { inner }
    }

    /// The stream.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     assert!(evloop::compat::hyper::Io::new(a).get_ref().local_addr().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The stream back.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (a, _b) = evloop::net::UnixStream::pair()?;
    ///     let a: evloop::net::UnixStream = evloop::compat::hyper::Io::new(a).into_inner();
    ///     assert!(a.peer_addr().is_ok());
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// The stream operations `Io` needs (implemented by the stream types in their modules).
pub(crate) trait HyperStream {
    fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;
    fn shutdown_write(&self) -> io::Result<()>;
}

macro_rules! hyper_stream {
    ($ty:ty) => {
        impl HyperStream for $ty {
            fn poll_read_uninit(
                &self,
                cx: &mut Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> Poll<io::Result<usize>> {
                self.io().poll_read_uninit(cx, buf)
            }

            fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.io().poll_write(cx, buf)
            }

            fn poll_write_vectored(
                &self,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.io().poll_write_vectored(cx, bufs)
            }

            fn shutdown_write(&self) -> io::Result<()> {
                crate::net::closed_write(self.shutdown(std::net::Shutdown::Write))
            }
        }
    };
}

hyper_stream!(TcpStream);
hyper_stream!(UnixStream);

#[allow(private_bounds, reason = "implemented for evloop's stream types only")]
impl<T: HyperStream + Unpin> Read for Io<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `recv(2)` only writes bytes into the slice, never de-initialises any.
        let unfilled = unsafe { buf.as_mut() };
        let n = std::task::ready!(self.inner.poll_read_uninit(cx, unfilled))?;
        // SAFETY: the first `n` bytes of the slice were written by `recv`.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

#[allow(private_bounds, reason = "implemented for evloop's stream types only")]
impl<T: HyperStream + Unpin> Write for Io<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(())) // a socket has no user-space buffer
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.inner.shutdown_write())
    }
}

/// hyper's `Timer` on evloop's timers (header-read timeouts, keep-alive, HTTP/2 pings).
///
/// # Examples
///
/// ```
/// use hyper::rt::Timer as _;
/// use std::time::{Duration, Instant};
/// evloop::run(async {
///     let start = Instant::now();
///     evloop::compat::hyper::Timer.sleep(Duration::from_millis(5)).await;
///     assert!(start.elapsed() >= Duration::from_millis(5));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Timer;

/// An evloop `Sleep` as hyper's `Sleep` (`Send + Sync`, like evloop's).
struct HyperSleep(crate::time::Sleep);

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}

impl hyper::rt::Timer for Timer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(crate::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(crate::sleep_until(deadline)))
    }

    /// The loop's clock ([`crate::time::now`]), so that hyper's deadlines follow a paused
    /// clock in tests.
    fn now(&self) -> Instant {
        crate::time::now()
    }
}

/// hyper's `Executor`: spawns the futures hyper hands it (HTTP/2 streams, client
/// connections) as detached tasks on the current loop; they need not be `Send`.
///
/// # Panics
///
/// `execute` panics outside a runtime (as [`spawn`](crate::spawn) does).
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor as _;
/// evloop::run(async {
///     let (tx, rx) = evloop::channel::oneshot::channel();
///     evloop::compat::hyper::Executor.execute(async move { tx.send(42).unwrap() });
///     assert_eq!(rx.await, Ok(42));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Executor;

impl<F> hyper::rt::Executor<F> for Executor
where
    F: Future + 'static,
    F::Output: 'static,
{
    #[track_caller]
    fn execute(&self, future: F) {
        drop(crate::spawn(future));
    }
}
