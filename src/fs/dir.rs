//! `read_dir`: a directory's entries as a `Stream`, read in batches off the loop.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures_core::Stream;

use crate::blocking::{Blocking, no_runtime, submit};
use crate::runtime::Lane;

/// Entries fetched per job: one thread hop per batch, not per entry.
const BATCH: usize = 32;

type Batch = (
    std::fs::ReadDir,
    VecDeque<io::Result<std::fs::DirEntry>>,
    bool,
);

enum State {
    /// Entries fetched and not yet taken; the iterator, unless it is exhausted.
    Idle {
        iter: Option<std::fs::ReadDir>,
        ready: VecDeque<io::Result<std::fs::DirEntry>>,
    },
    Busy(Blocking<Batch>),
}

/// Opens a directory for reading its entries: a [`Stream`] of [`DirEntry`] (in the order
/// the file system gives them, without `.` and `..`), fetched 32 at a time on the blocking
/// pool's file lane. Python's `os.scandir`, off the loop.
///
/// # Errors
///
/// `NotFound`, `NotADirectory`, permission denied, ... when the directory cannot be
/// opened; an error for an entry that cannot be read comes as an item of the stream.
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
/// evloop::run(async {
///     let mut entries = evloop::fs::read_dir("src").await?;
///     let mut names = Vec::new();
///     while let Some(entry) = entries.next().await {
///         names.push(entry?.file_name());
///     }
///     assert!(names.iter().any(|name| name == "lib.rs"));
///     Ok::<(), std::io::Error>(())
/// })
/// .unwrap();
/// ```
#[doc(alias = "scandir")]
#[doc(alias = "listdir")]
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let iter = super::run(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle {
            iter: Some(iter),
            ready: VecDeque::new(),
        },
    })
}

/// The entries of a directory, from [`read_dir`]: a `Stream<Item = io::Result<DirEntry>>`,
/// or [`next_entry`](ReadDir::next_entry) without a stream extension trait.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let mut entries = evloop::fs::read_dir(".").await.unwrap();
///     let mut count = 0;
///     while let Some(_entry) = entries.next_entry().await.unwrap() {
///         count += 1;
///     }
///     assert!(count > 0);
/// });
/// ```
pub struct ReadDir {
    state: State,
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir").finish_non_exhaustive()
    }
}

impl ReadDir {
    /// The next entry; `Ok(None)` at the end.
    ///
    /// # Errors
    ///
    /// An entry that could not be read.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut entries = evloop::fs::read_dir("src").await.unwrap();
    ///     let first = entries.next_entry().await.unwrap();
    ///     assert!(first.is_some());
    /// });
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_entry(cx)).await.transpose()
    }

    fn poll_entry(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle { iter, ready } => {
                    if let Some(entry) = ready.pop_front() {
                        return Poll::Ready(Some(entry.map(DirEntry::new)));
                    }
                    let Some(mut iter) = iter.take() else {
                        return Poll::Ready(None);
                    };
                    let mut batch = std::mem::take(ready);
                    let call = submit(Lane::File, move || {
                        batch.extend(iter.by_ref().take(BATCH));
                        let more = batch.len() == BATCH;
                        (iter, batch, more)
                    });
                    match call {
                        Some(call) => self.state = State::Busy(call),
                        None => return Poll::Ready(Some(Err(no_runtime("fs::ReadDir")))),
                    }
                }
                State::Busy(call) => {
                    let outcome = ready!(call.poll_io(cx, "fs::ReadDir"));
                    let (iter, ready, failed) = match outcome {
                        Ok((iter, ready, more)) => (more.then_some(iter), ready, None),
                        Err(err) => (None, VecDeque::new(), Some(err)),
                    };
                    self.state = State::Idle { iter, ready };
                    if let Some(err) = failed {
                        return Poll::Ready(Some(Err(err)));
                    }
                }
            }
        }
    }
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_entry(cx)
    }
}

/// An entry of a directory, from [`ReadDir`]: its name and path at once, its type and
/// metadata off the loop.
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
/// evloop::run(async {
///     let mut entries = evloop::fs::read_dir("src").await.unwrap();
///     while let Some(entry) = entries.next().await {
///         let entry = entry.unwrap();
///         if entry.file_name() == "fs" {
///             assert!(entry.file_type().await.unwrap().is_dir());
///         }
///     }
/// });
/// ```
#[derive(Clone)]
pub struct DirEntry(Arc<std::fs::DirEntry>);

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DirEntry").field(&self.0.path()).finish()
    }
}

impl DirEntry {
    fn new(entry: std::fs::DirEntry) -> Self {
        DirEntry(Arc::new(entry))
    }

    /// The full path: the directory given to [`read_dir`] joined with the entry's name.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let entry = evloop::fs::read_dir("src").await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert!(entry.path().starts_with("src"));
    /// });
    /// ```
    pub fn path(&self) -> PathBuf {
        self.0.path()
    }

    /// The entry's name, without the directory.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let entry = evloop::fs::read_dir("src").await.unwrap().next_entry().await.unwrap().unwrap();
    ///     assert!(!entry.file_name().is_empty());
    /// });
    /// ```
    pub fn file_name(&self) -> OsString {
        self.0.file_name()
    }

    /// The entry's metadata, not following a symbolic link (`lstat`, off the loop).
    ///
    /// # Errors
    ///
    /// The entry was removed since it was listed, permission denied, ...
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let entry = evloop::fs::read_dir("src").await.unwrap().next_entry().await.unwrap().unwrap();
    ///     let _len = entry.metadata().await.unwrap().len();
    /// });
    /// ```
    pub async fn metadata(&self) -> io::Result<std::fs::Metadata> {
        let entry = self.0.clone();
        super::run(move || entry.metadata()).await
    }

    /// The entry's type, not following a symbolic link (usually known from the listing;
    /// else an `lstat` off the loop).
    ///
    /// # Errors
    ///
    /// As [`metadata`](DirEntry::metadata), when the type needs an `lstat`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let entry = evloop::fs::read_dir("src").await.unwrap().next_entry().await.unwrap().unwrap();
    ///     let kind = entry.file_type().await.unwrap();
    ///     assert!(kind.is_file() || kind.is_dir());
    /// });
    /// ```
    pub async fn file_type(&self) -> io::Result<std::fs::FileType> {
        let entry = self.0.clone();
        super::run(move || entry.file_type()).await
    }
}
