//! File system calls that do not block the loop: asyncio users' `aiofiles` and
//! `loop.run_in_executor(None, open(...).read)`, built in.
//!
//! ```
//! evloop::run(async {
//!     let dir = std::env::temp_dir().join(format!("evloop-fs-doc-{}", std::process::id()));
//!     evloop::fs::create_dir_all(&dir).await?;
//!     let path = dir.join("hello.txt");
//!     evloop::fs::write(&path, "Hello, file!").await?;
//!     assert_eq!(evloop::fs::read_to_string(&path).await?, "Hello, file!");
//!     evloop::fs::remove_dir_all(&dir).await
//! })
//! .unwrap();
//! ```
//!
//! # Design
//!
//! Linux has no readiness for regular files (epoll reports them always ready, and a read
//! that misses the page cache blocks), so every call here runs on a thread of the runtime's
//! blocking pool and the awaiting task is woken when it is done, as in tokio and asyncio's
//! executors. File work has a *lane* of its own in that pool, bounded by
//! [`Builder::max_file_threads`](crate::runtime::Builder::max_file_threads) (16 by
//! default), apart from [`spawn_blocking`](crate::spawn_blocking)'s jobs and from host name
//! lookups: 64 slow user jobs or a queue of large file reads never hold up the others.
//!
//! A call is one job and one small allocation for its result; no task is spawned for it.
//! [`File`] keeps one buffer that travels between the loop and the worker thread, so that
//! reading or writing a large file in chunks allocates nothing per chunk. Its writes are
//! *write-behind*: `write` copies the bytes (up to 2 MiB), starts the write on a worker and
//! returns at once; writes made meanwhile are gathered in a second buffer and go as one
//! job after it; an error of a write is returned by the next call on the file. Call
//! `flush` ([`AsyncWrite::poll_flush`](futures_io::AsyncWrite::poll_flush)) or
//! [`File::sync_all`] before dropping a file whose write errors matter.
//!
//! Paths are taken by value (`impl AsRef<Path>` is copied into the job), because the call
//! runs on another thread while the task waits.
//!
//! # Cancellation
//!
//! Dropping a future of this module stops waiting, but the system call it started runs to
//! completion on its thread (a running thread cannot be interrupted): a dropped `write`
//! may still create the file. Dropping a [`File`] with a write in flight lets that write
//! finish.

mod dir;
mod file;
mod open_options;

use std::io;
use std::path::{Path, PathBuf};

pub use dir::{DirEntry, ReadDir, read_dir};
pub use file::File;
pub use open_options::OpenOptions;

use crate::runtime::Lane;

/// Runs `f` on the file lane of the blocking pool.
pub(crate) async fn run<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    crate::blocking::run_io(Lane::File, "fs", f).await
}

/// Reads a whole file into a `Vec<u8>` ([`std::fs::read`] off the loop).
///
/// # Errors
///
/// Any error of `std::fs::read`: the file does not exist, permission denied, ...; also
/// an error outside a runtime.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let bytes = evloop::fs::read("Cargo.toml").await.unwrap();
///     assert!(bytes.starts_with(b"[package]"));
/// });
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::read(path)).await
}

/// Reads a whole file into a `String` ([`std::fs::read_to_string`] off the loop).
///
/// # Errors
///
/// As [`read`], and `InvalidData` if the file is not UTF-8.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let text = evloop::fs::read_to_string("Cargo.toml").await.unwrap();
///     assert!(text.contains("name = \"evloop\""));
/// });
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::read_to_string(path)).await
}

/// Writes `contents` to a file, creating it or truncating it ([`std::fs::write`] off the
/// loop).
///
/// # Errors
///
/// Any error of `std::fs::write`, e.g. a missing parent directory.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let path = std::env::temp_dir().join(format!("evloop-write-{}", std::process::id()));
///     evloop::fs::write(&path, b"bytes").await?;
///     assert_eq!(evloop::fs::read(&path).await?, b"bytes");
///     evloop::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    run(move || std::fs::write(path, contents)).await
}

/// Copies the contents and permissions of `from` to `to`; returns the number of bytes
/// copied ([`std::fs::copy`] off the loop, which uses `copy_file_range` where it can).
///
/// # Errors
///
/// Any error of `std::fs::copy`, e.g. `from` is not a regular file.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let to = std::env::temp_dir().join(format!("evloop-copy-{}", std::process::id()));
///     let copied = evloop::fs::copy("Cargo.toml", &to).await?;
///     assert_eq!(copied, evloop::fs::metadata(&to).await?.len());
///     evloop::fs::remove_file(&to).await
/// })
/// .unwrap();
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    run(move || std::fs::copy(from, to)).await
}

/// Renames a file or directory, replacing `to` if it exists ([`std::fs::rename`]).
///
/// # Errors
///
/// Any error of `std::fs::rename`, e.g. `from` and `to` on different file systems.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let dir = std::env::temp_dir();
///     let (a, b) = (dir.join(format!("evloop-a-{}", std::process::id())), dir.join(format!("evloop-b-{}", std::process::id())));
///     evloop::fs::write(&a, "x").await?;
///     evloop::fs::rename(&a, &b).await?;
///     assert!(!evloop::fs::try_exists(&a).await?);
///     evloop::fs::remove_file(&b).await
/// })
/// .unwrap();
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    run(move || std::fs::rename(from, to)).await
}

/// Removes a file ([`std::fs::remove_file`]).
///
/// # Errors
///
/// `NotFound` if there is no such file, and the other errors of `std::fs::remove_file`.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let err = evloop::fs::remove_file("/no/such/file").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::remove_file(path)).await
}

/// Creates a directory; its parent must exist ([`std::fs::create_dir`]).
///
/// # Errors
///
/// `AlreadyExists` if it exists, `NotFound` if the parent does not.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let dir = std::env::temp_dir().join(format!("evloop-mkdir-{}", std::process::id()));
///     evloop::fs::create_dir(&dir).await?;
///     evloop::fs::remove_dir(&dir).await
/// })
/// .unwrap();
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::create_dir(path)).await
}

/// Creates a directory and every missing parent ([`std::fs::create_dir_all`]); no error if
/// it exists.
///
/// # Errors
///
/// Any error of `std::fs::create_dir_all`, e.g. a parent that is a file.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let root = std::env::temp_dir().join(format!("evloop-mkdirs-{}", std::process::id()));
///     evloop::fs::create_dir_all(root.join("a/b/c")).await?;
///     assert!(evloop::fs::metadata(root.join("a/b/c")).await?.is_dir());
///     evloop::fs::remove_dir_all(&root).await
/// })
/// .unwrap();
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::create_dir_all(path)).await
}

/// Removes an empty directory ([`std::fs::remove_dir`]).
///
/// # Errors
///
/// Any error of `std::fs::remove_dir`, e.g. the directory is not empty.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let err = evloop::fs::remove_dir("/no/such/dir").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it ([`std::fs::remove_dir_all`]).
///
/// # Errors
///
/// Any error of `std::fs::remove_dir_all`.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let root = std::env::temp_dir().join(format!("evloop-rmtree-{}", std::process::id()));
///     evloop::fs::create_dir_all(root.join("x")).await?;
///     evloop::fs::write(root.join("x/file"), "data").await?;
///     evloop::fs::remove_dir_all(&root).await?;
///     assert!(!evloop::fs::try_exists(&root).await?);
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::remove_dir_all(path)).await
}

/// The metadata of a file or directory, following symbolic links ([`std::fs::metadata`]).
///
/// # Errors
///
/// `NotFound` if nothing is there, and the other errors of `std::fs::metadata`.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let meta = evloop::fs::metadata("src").await.unwrap();
///     assert!(meta.is_dir());
/// });
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::metadata(path)).await
}

/// The metadata of a path without following a final symbolic link
/// ([`std::fs::symlink_metadata`]).
///
/// # Errors
///
/// As [`metadata`].
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     assert!(evloop::fs::symlink_metadata("Cargo.toml").await.unwrap().is_file());
/// });
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::symlink_metadata(path)).await
}

/// Whether something exists at `path` (`Ok(false)` for a broken symbolic link);
/// `Err` when that cannot be told, e.g. permission denied ([`std::fs::exists`]).
///
/// # Errors
///
/// Errors other than "not found" of the underlying `stat`.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     assert!(evloop::fs::try_exists("Cargo.toml").await.unwrap());
///     assert!(!evloop::fs::try_exists("no-such-file").await.unwrap());
/// });
/// ```
#[doc(alias = "exists")]
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::exists(path)).await
}

/// The absolute, normalized path with every symbolic link resolved
/// ([`std::fs::canonicalize`]).
///
/// # Errors
///
/// `NotFound` if the path does not exist, and the other errors of `std::fs::canonicalize`.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let path = evloop::fs::canonicalize(".").await.unwrap();
///     assert!(path.is_absolute());
/// });
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    run(move || std::fs::canonicalize(path)).await
}
