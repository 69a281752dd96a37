//! `UnixListener` and `UnixIncoming`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;

use super::UnixStream;
use crate::io::IoSource;
use crate::reactor::Direction;

/// A Unix-domain socket listening for connections: asyncio's `start_unix_server`.
///
/// # Examples
///
/// ```
/// use evloop::net::{UnixListener, UnixStream};
///
/// evloop::run(async {
///     let path = std::env::temp_dir().join(format!("evloop-doc-{}.sock", std::process::id()));
///     # let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path)?;
///     let client = UnixStream::connect(&path).await?;
///     let (server, _addr) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     server.read(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     drop(listener); // removes the socket file it created
///     assert!(!path.exists());
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
///
/// # The socket file
///
/// A listener made by [`bind`](Self::bind) removes the socket file it created when it is
/// dropped, as asyncio (3.13) does, so a restarted server can bind the same path again. It
/// removes it only if the file at that path is still the one it created (same device and
/// inode): a file another process put there since is left alone. A listener made from an
/// existing socket ([`from_std`](Self::from_std)), or turned back into one
/// ([`into_std`](Self::into_std)), never removes anything.
#[doc(alias = "start_unix_server")]
pub struct UnixListener {
    io: IoSource<mio::net::UnixListener>,
    /// The socket file `bind` created, removed when the listener is dropped.
    created: Option<SocketFile>,
}

/// A socket file created by `bind`, with its device and inode: removed on drop if the file
/// at its path is still that one.
struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl SocketFile {
    /// Leaves the file where it is.
    fn keep(mut self) {
        self.path = PathBuf::new();
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        if self.path.as_os_str().is_empty() {
            return; // kept
        }
        // Only the file the listener created: not one that replaced it since.
        let ours = std::fs::symlink_metadata(&self.path)
            .is_ok_and(|meta| meta.dev() == self.dev && meta.ino() == self.ino);
        if ours {
            let _ = std::fs::remove_file(&self.path); // a destructor does not fail
        }
    }
}

impl UnixListener {
    /// Creates the socket file at `path` and listens on it. The file is removed when the
    /// listener is dropped (see [the socket file](Self#the-socket-file)).
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the file exists (remove a stale one first), other `bind(2)` errors,
    /// or an error outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-bind-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let listener = evloop::net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     drop(listener);
    ///     evloop::net::UnixListener::bind(&path)?; // the path is free again
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let path = path.as_ref();
        let listener = mio::net::UnixListener::bind(path)?;
        // What identifies the file we created (an abstract or unnamed address has none).
        let created = std::fs::symlink_metadata(path).ok().map(|meta| SocketFile {
            path: path.to_path_buf(),
            dev: meta.dev(),
            ino: meta.ino(),
        });
        Ok(UnixListener {
            io: IoSource::new(listener)?,
            created,
        })
    }

    /// Waits for a connection and returns it with the peer's address (usually unnamed).
    ///
    /// # Errors
    ///
    /// `accept(2)` errors, unchanged (such as `EMFILE`); see
    /// [`TcpListener::accept`](crate::net::TcpListener::accept).
    ///
    /// # Cancellation
    ///
    /// Cancel-safe: a pending connection stays queued.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::{UnixListener, UnixStream};
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-accept-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let (_stream, addr) = listener.accept().await?;
    ///     assert!(addr.is_unnamed());
    ///     std::fs::remove_file(&path)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection; see [`accept`](Self::accept).
    ///
    /// # Errors
    ///
    /// As [`accept`](Self::accept).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use evloop::net::{UnixListener, UnixStream};
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-poll-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path)?;
    ///     let client = UnixStream::connect(&path).await?;
    ///     let (stream, _addr) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     client.write_all(b"hi").await?;
    ///     assert_eq!(stream.read(&mut [0; 2]).await?, 2); // the other end of `client`
    ///     std::fs::remove_file(&path)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = ready!(self.io.poll_io(cx, Direction::Read, |l| l.accept()))?;
        Poll::Ready(UnixStream::from_mio(stream).map(|stream| (stream, addr)))
    }

    /// A never-ending stream of accepted connections; see
    /// [`TcpListener::incoming`](crate::net::TcpListener::incoming).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    /// use evloop::net::{UnixListener, UnixStream};
    ///
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-inc-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let mut incoming = listener.incoming();
    ///     let stream = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await.unwrap()?;
    ///     assert!(stream.peer_addr()?.is_unnamed());
    ///     std::fs::remove_file(&path)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn incoming(&self) -> UnixIncoming<'_> {
        UnixIncoming { listener: self }
    }

    /// The address (path) the listener is bound to.
    ///
    /// # Errors
    ///
    /// The `getsockname(2)` error (rare).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-addr-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let listener = evloop::net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
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
    ///     let path = std::env::temp_dir().join(format!("evloop-std-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    ///     let listener = evloop::net::UnixListener::from_std(std_listener)?;
    ///     assert!(listener.local_addr().is_ok());
    ///     std::fs::remove_file(&path)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: IoSource::new(mio::net::UnixListener::from_std(listener))?,
            created: None,
        })
    }

    /// Deregisters the listener and returns it as a standard one, still non-blocking. The
    /// socket file stays: the standard listener still uses it.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-into-{}.sock", std::process::id()));
    ///     # let _ = std::fs::remove_file(&path);
    ///     let listener = evloop::net::UnixListener::bind(&path)?;
    ///     let std_listener = listener.into_std();
    ///     assert!(std_listener.local_addr().is_ok());
    ///     std::fs::remove_file(&path)?;
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub fn into_std(self) -> std::os::unix::net::UnixListener {
        let UnixListener { io, created } = self;
        if let Some(file) = created {
            file.keep(); // the standard listener keeps using the file
        }
        std::os::unix::net::UnixListener::from(OwnedFd::from(io.into_inner()))
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

/// The stream of connections returned by [`UnixListener::incoming`].
///
/// # Examples
///
/// ```
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use futures_core::Stream;
/// use evloop::net::{UnixIncoming, UnixListener, UnixStream};
///
/// evloop::run(async {
///     let path = std::env::temp_dir().join(format!("evloop-uinc-{}.sock", std::process::id()));
///     # let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path)?;
///     let mut incoming: UnixIncoming<'_> = listener.incoming();
///     let _client = UnixStream::connect(&path).await?;
///     let next = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
///     assert!(next.unwrap().is_ok()); // the accepted connection
///     std::fs::remove_file(&path)?;
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct UnixIncoming<'a> {
    listener: &'a UnixListener,
}

impl Stream for UnixIncoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let (stream, _addr) = ready!(self.listener.poll_accept(cx))?;
        Poll::Ready(Some(Ok(stream)))
    }
}
