//! `File`: an open file whose reads, writes and seeks run on the blocking pool's file lane.
//!
//! # Design
//!
//! A `File` is a small state machine around an `Arc<std::fs::File>` and one buffer:
//!
//! * `Idle(buf)`: no call in flight. `buf` may hold bytes read ahead of the caller (a read
//!   asks the worker for as many bytes as the caller's buffer holds, up to [`MAX_BUF`]; what
//!   the caller has not taken yet stays here).
//! * `Busy(call)`: one call is in flight on a worker, which owns the buffer until it hands
//!   it back with the call's outcome. At most one call is in flight per file, so calls on
//!   a file happen in the order they were made.
//!
//! Invariants: the OS file position is ahead of the caller's logical position by exactly
//! the unread bytes of the buffer, so a write or a seek first moves back by that many
//! (done in the same job, no extra round trip). A write is *write-behind*: `poll_write`
//! copies the caller's bytes into a buffer, starts the job and returns `Ready(n)`; the
//! outcome of that write is taken by the next call (read, write, seek, flush, ...), and an
//! error there is returned by that call. Writes are *double-buffered*: while one write is
//! in flight, further writes are copied into a second buffer (`queued`, up to
//! [`MAX_BUF`]) and return at once; that buffer becomes the next job when the first is
//! done, so many small writes cost few jobs, always in order. Every other call (read,
//! seek, flush, `sync_all`, ...) first writes what is queued and waits for it.
//! `poll_flush` and `poll_close` do only that. A file dropped with bytes queued hands them
//! to a detached task that writes them after the write in flight.
//!
//! Fairness: a read or a seek that starts a job returns `Pending` once even if the worker
//! is already done (asyncio suspends at every `await` of a thread's result), so a task
//! reading a file in a loop lets the loop run a turn per chunk; writes, which return at
//! once, take from the poll's cooperative budget like sockets and channels do.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};

use super::OpenOptions;
use crate::blocking::{Blocking, submit};
use crate::runtime::Lane;

/// The most bytes one read or write job moves (larger caller buffers take several).
const MAX_BUF: usize = 2 * 1024 * 1024;

/// The buffer a file lends to its worker: bytes read ahead (`data[pos..end]`) or bytes to
/// write (`data[..end]`). `data` keeps its initialised length between calls (as long as the
/// largest call, at most [`MAX_BUF`]), so that a read does not zero it again.
#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
    end: usize,
}

impl Buf {
    fn unread(&self) -> usize {
        self.end - self.pos
    }

    fn discard(&mut self) {
        self.pos = 0;
        self.end = 0;
    }

    /// `data[..len]`, initialised (zeroed only where it never was).
    fn space(&mut self, len: usize) -> &mut [u8] {
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
        &mut self.data[..len]
    }
}

/// What a finished job reports.
enum Outcome {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
    /// A call on the whole file (`sync_all`, `set_len`, `metadata`, ...).
    Whole(io::Result<WholeOutput>),
}

/// What a call on the whole file returns.
enum WholeOutput {
    Done,
    Metadata(std::fs::Metadata),
    Clone(std::fs::File),
}

enum State {
    Idle(Buf),
    Busy(Blocking<(Outcome, Buf)>),
}

/// An open file on the loop: [`AsyncRead`], [`AsyncWrite`] and [`AsyncSeek`], with each
/// system call on a thread of the blocking pool's file lane (asyncio users know this as
/// `aiofiles`). See the [module docs](super) for the design.
///
/// Use the extension traits of `futures-util` or `futures-lite` (`read_to_end`,
/// `write_all`, `BufReader::lines`, ...) for the usual helpers.
///
/// # Errors
///
/// Writes are write-behind: `write` returns once the bytes are copied, and an error of
/// that write comes back from the next call on the file. Call `flush` (or
/// [`sync_all`](File::sync_all)) to see it before dropping the file.
///
/// # Examples
///
/// ```
/// use futures_util::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
/// evloop::run(async {
///     let path = std::env::temp_dir().join(format!("evloop-file-{}", std::process::id()));
///     let mut file = evloop::fs::File::create(&path).await?;
///     file.write_all(b"hello world").await?;
///     file.flush().await?;
///     let mut file = evloop::fs::File::open(&path).await?;
///     file.seek(SeekFrom::Start(6)).await?;
///     let mut rest = String::new();
///     file.read_to_string(&mut rest).await?;
///     assert_eq!(rest, "world");
///     evloop::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
pub struct File {
    std: Arc<std::fs::File>,
    state: State,
    /// The call in flight is a seek to this position whose caller has not taken its
    /// outcome yet.
    seek_in_flight: Option<SeekFrom>,
    /// The call in flight is a write.
    writing: bool,
    /// Bytes accepted while a write was in flight, written by the next write job.
    queued: Buf,
    /// This is what a dropped file left to write, in a detached task: dropping it again
    /// (the task dropped unpolled, at shutdown) loses the bytes instead of respawning.
    detached: bool,
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let busy = matches!(self.state, State::Busy(_));
        f.debug_struct("File")
            .field("std", &self.std)
            .field("busy", &busy)
            .finish()
    }
}

impl File {
    /// Opens a file for reading.
    ///
    /// # Errors
    ///
    /// `NotFound`, permission denied and the other errors of [`std::fs::File::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::AsyncReadExt;
    /// evloop::run(async {
    ///     let mut file = evloop::fs::File::open("Cargo.toml").await.unwrap();
    ///     let mut head = [0u8; 9];
    ///     file.read_exact(&mut head).await.unwrap();
    ///     assert_eq!(&head, b"[package]");
    /// });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating it or truncating it.
    ///
    /// # Errors
    ///
    /// The errors of [`std::fs::File::create`], e.g. a missing parent directory.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let err = evloop::fs::File::create("/no/such/dir/file").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Options to open a file with: `File::options().append(true).open(path)`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let file = evloop::fs::File::options().read(true).open("Cargo.toml").await;
    ///     assert!(file.is_ok());
    /// });
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps a file opened with the standard library.
    ///
    /// # Examples
    ///
    /// ```
    /// let std = std::fs::File::open("Cargo.toml").unwrap();
    /// let file = evloop::fs::File::from_std(std);
    /// # drop(file);
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            state: State::Idle(Buf::default()),
            seek_in_flight: None,
            writing: false,
            queued: Buf::default(),
            detached: false,
        }
    }

    /// Waits for the call in flight, then gives back the standard file, its position where
    /// the caller left it (bytes read ahead are given back with a seek).
    ///
    /// # Errors
    ///
    /// An error of a write still pending, or of the seek back.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let file = evloop::fs::File::open("Cargo.toml").await?;
    ///     let std = file.into_std().await?;
    ///     assert!(std.metadata()?.len() > 0);
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// .unwrap();
    /// ```
    pub async fn into_std(mut self) -> io::Result<std::fs::File> {
        self.whole_unit(|_| Ok(())).await?;
        // Jobs hold clones of the Arc only while in flight; `whole` waited for the last one.
        let std = self.std.clone();
        drop(self);
        Arc::try_unwrap(std).or_else(|shared| shared.try_clone())
    }

    /// Flushes written data and metadata to the disk (`fsync`), after the write in flight.
    ///
    /// # Errors
    ///
    /// An error of a pending write, or of `fsync`.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_util::AsyncWriteExt;
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-sync-{}", std::process::id()));
    ///     let mut file = evloop::fs::File::create(&path).await?;
    ///     file.write_all(b"durable").await?;
    ///     file.sync_all().await?;
    ///     evloop::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "fsync")]
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.whole_unit(std::fs::File::sync_all).await
    }

    /// Flushes written data to the disk (`fdatasync`: metadata only where needed to read
    /// the data back), after the write in flight.
    ///
    /// # Errors
    ///
    /// An error of a pending write, or of `fdatasync`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-datasync-{}", std::process::id()));
    ///     let mut file = evloop::fs::File::create(&path).await?;
    ///     file.sync_data().await?;
    ///     evloop::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "fdatasync")]
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.whole_unit(std::fs::File::sync_data).await
    }

    /// Truncates or extends the file to `len` bytes (the position does not move).
    ///
    /// # Errors
    ///
    /// An error of a pending write; `InvalidInput` etc. from `ftruncate`, e.g. a file not
    /// opened for writing.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-setlen-{}", std::process::id()));
    ///     let mut file = evloop::fs::File::create(&path).await?;
    ///     file.set_len(4096).await?;
    ///     assert_eq!(file.metadata().await?.len(), 4096);
    ///     evloop::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.whole_unit(move |std| std.set_len(len)).await
    }

    /// The file's metadata (`fstat`), after the writes made before it.
    ///
    /// # Errors
    ///
    /// An error of a pending write, or of `fstat`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut file = evloop::fs::File::open("Cargo.toml").await.unwrap();
    ///     assert!(file.metadata().await.unwrap().is_file());
    /// });
    /// ```
    pub async fn metadata(&mut self) -> io::Result<std::fs::Metadata> {
        match self
            .whole(|std| std.metadata().map(WholeOutput::Metadata))
            .await?
        {
            WholeOutput::Metadata(metadata) => Ok(metadata),
            _ => unreachable!("a metadata job returns metadata"),
        }
    }

    /// Another handle to the same open file (`dup`), sharing its position (the writes
    /// made before are written first, bytes read ahead given back).
    ///
    /// # Errors
    ///
    /// An error of a pending write, or of `dup` (e.g. too many open files).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut file = evloop::fs::File::open("Cargo.toml").await.unwrap();
    ///     let copy = file.try_clone().await.unwrap();
    ///     # drop(copy);
    /// });
    /// ```
    pub async fn try_clone(&mut self) -> io::Result<File> {
        match self
            .whole(|std| std.try_clone().map(WholeOutput::Clone))
            .await?
        {
            WholeOutput::Clone(std) => Ok(File::from_std(std)),
            _ => unreachable!("a dup job returns a file"),
        }
    }

    /// [`whole`](Self::whole) for a call that returns nothing.
    async fn whole_unit<F>(&mut self, call: F) -> io::Result<()>
    where
        F: FnOnce(&std::fs::File) -> io::Result<()> + Send + 'static,
    {
        self.whole(|std| call(std).map(|()| WholeOutput::Done))
            .await
            .map(|_| ())
    }

    /// Runs `call` on the whole file as one of its jobs, in order: after the writes made
    /// before it and with the bytes read ahead given back (so the OS position is the
    /// caller's). Cancelled, the job still runs, and the next call on the file waits for it.
    async fn whole<F>(&mut self, call: F) -> io::Result<WholeOutput>
    where
        F: FnOnce(&std::fs::File) -> io::Result<WholeOutput> + Send + 'static,
    {
        std::future::poll_fn(|cx| self.poll_idle(cx)).await?;
        let State::Idle(buf) = &mut self.state else {
            unreachable!("poll_idle returned Ready")
        };
        let buf = std::mem::take(buf);
        self.start(buf, move |std, buf| {
            Outcome::Whole(give_back_read_ahead(std, buf).and_then(|()| call(std)))
        })?;
        match std::future::poll_fn(|cx| self.poll_done(cx)).await? {
            Outcome::Whole(result) => result,
            _ => unreachable!("the whole-file job was the one in flight"),
        }
    }

    /// Waits until no call is in flight and no written bytes are queued; returns the error
    /// of a write that was in flight (the bytes queued after it are then dropped).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if let State::Busy(_) = self.state {
                let outcome = ready!(self.poll_done(cx)).inspect_err(|_| self.queued.discard())?;
                if let Outcome::Write(Err(err)) = outcome {
                    self.queued.discard();
                    return Poll::Ready(Err(err));
                }
            }
            if self.queued.end == 0 {
                return Poll::Ready(Ok(()));
            }
            self.start_write()?;
        }
    }

    /// Starts writing the queued bytes (the file must be idle); the idle buffer becomes the
    /// next queue. Bytes read ahead are given back (a seek) by the job, before it writes.
    fn start_write(&mut self) -> io::Result<()> {
        let State::Idle(idle) = &mut self.state else {
            unreachable!("start_write on a busy file")
        };
        let mut spare = std::mem::take(idle);
        let unread = spare.unread();
        spare.discard();
        let buf = std::mem::replace(&mut self.queued, spare);
        self.start(buf, move |std, buf| {
            let result =
                seek_back(std, unread).and_then(|()| (&*std).write_all(&buf.data[..buf.end]));
            buf.discard();
            Outcome::Write(result)
        })?;
        self.writing = true;
        Ok(())
    }

    /// Queues as much of `src` as fits ([`MAX_BUF`] in all); how much.
    fn queue(&mut self, src: &[u8]) -> usize {
        let end = self.queued.end;
        let n = src.len().min(MAX_BUF - end);
        self.queued.space(end + n)[end..].copy_from_slice(&src[..n]);
        self.queued.end += n;
        n
    }

    /// Polls the call in flight (there must be one); once done, the file is idle again with
    /// the buffer back. A job that could not start (no thread) is an error.
    fn poll_done(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Outcome>> {
        let State::Busy(call) = &mut self.state else {
            unreachable!("poll_done without a call in flight")
        };
        let outcome = ready!(call.poll_io(cx, "fs::File"));
        self.seek_in_flight = None;
        self.writing = false;
        Poll::Ready(match outcome {
            Ok((outcome, buf)) => {
                self.state = State::Idle(buf);
                Ok(outcome)
            }
            Err(err) => {
                self.state = State::Idle(Buf::default());
                Err(err)
            }
        })
    }

    /// After starting a job: always `Pending` once, as asyncio suspends at every `await`
    /// of a thread's result, so that a task reading a file chunk by chunk lets the loop
    /// run a turn per chunk even when the worker finishes before the task looks. The
    /// waker is registered for the outcome (or, if it is already there, the task is woken
    /// at once); the next poll takes it.
    fn suspend<T>(&mut self, cx: &mut Context<'_>) -> Poll<T> {
        let State::Busy(call) = &self.state else {
            unreachable!("suspend right after start")
        };
        if call.register(cx) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// Starts `job` on the file lane with the buffer; the file is busy until it is done.
    fn start<F>(&mut self, mut buf: Buf, job: F) -> io::Result<()>
    where
        F: FnOnce(&std::fs::File, &mut Buf) -> Outcome + Send + 'static,
    {
        let std = self.std.clone();
        let call = submit(Lane::File, move || {
            let outcome = job(&std, &mut buf);
            (outcome, buf)
        });
        match call {
            Some(call) => {
                self.state = State::Busy(call);
                Ok(())
            }
            None => {
                self.state = State::Idle(Buf::default());
                Err(crate::blocking::no_runtime("fs::File"))
            }
        }
    }
}

impl Drop for File {
    /// Bytes still queued behind a write in flight are written by a detached task (in
    /// order, after it); a write in flight finishes on its thread. If the runtime ends
    /// first, queued bytes are lost: `flush` before to be sure.
    fn drop(&mut self) {
        if self.queued.end == 0 || self.detached {
            return;
        }
        let mut rest = File {
            std: self.std.clone(),
            state: std::mem::replace(&mut self.state, State::Idle(Buf::default())),
            seek_in_flight: None,
            writing: self.writing,
            queued: std::mem::take(&mut self.queued),
            detached: true,
        };
        let location = std::panic::Location::caller();
        let _ = crate::runtime::spawn_detached(
            async move {
                let _ = std::future::poll_fn(|cx| rest.poll_idle(cx)).await;
            },
            location,
        );
    }
}

/// Moves the OS position back over the bytes read ahead, so that it is the caller's.
fn give_back_read_ahead(std: &std::fs::File, buf: &mut Buf) -> io::Result<()> {
    let unread = buf.unread();
    buf.discard();
    seek_back(std, unread)
}

/// Moves the OS position back by `unread` bytes (read ahead, not given to the caller).
fn seek_back(mut std: &std::fs::File, unread: usize) -> io::Result<()> {
    if unread > 0 {
        std.seek(SeekFrom::Current(-(unread as i64)))?;
    }
    Ok(())
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.writing || this.queued.end > 0 {
            ready!(this.poll_idle(cx))?; // written bytes go first
        }
        if let State::Busy(_) = this.state {
            // The call in flight may be a read whose outcome this caller wants (also
            // when it was started by an earlier poll): an end of file or an error is
            // returned, bytes are copied out below.
            match ready!(this.poll_done(cx))? {
                Outcome::Read(Ok(0)) => return Poll::Ready(Ok(0)),
                Outcome::Read(Err(err)) | Outcome::Write(Err(err)) => {
                    return Poll::Ready(Err(err));
                }
                _ => {}
            }
        }
        let State::Idle(buf) = &mut this.state else {
            unreachable!("poll_done left the file idle")
        };
        if buf.unread() > 0 || dst.is_empty() {
            let n = buf.unread().min(dst.len());
            dst[..n].copy_from_slice(&buf.data[buf.pos..buf.pos + n]);
            buf.pos += n;
            return Poll::Ready(Ok(n));
        }
        let mut buf = std::mem::take(buf);
        let want = dst.len().min(MAX_BUF);
        buf.discard();
        this.start(buf, move |std, buf| {
            let mut file = std;
            let result = file.read(buf.space(want));
            buf.end = *result.as_ref().unwrap_or(&0);
            Outcome::Read(result)
        })?;
        this.suspend(cx)
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // Writes usually return at once (write-behind): take from the poll's budget, so a
        // task writing in a loop still lets the others run.
        ready!(crate::runtime::poll_proceed(cx));
        loop {
            if let State::Busy(_) = this.state {
                let writing = this.writing;
                match this.poll_done(cx) {
                    // A write in flight: the bytes join the queue for the next write job
                    // (double buffering: the caller goes on while the worker writes).
                    Poll::Pending if writing => {
                        return match this.queue(src) {
                            0 => Poll::Pending, // the queue is full: woken by the job
                            n => Poll::Ready(Ok(n)),
                        };
                    }
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(done) => {
                        if let Outcome::Write(Err(err)) = done? {
                            this.queued.discard();
                            return Poll::Ready(Err(err));
                        }
                    }
                }
            }
            let n = this.queue(src);
            this.start_write()?;
            if n > 0 {
                return Poll::Ready(Ok(n));
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Writes the queued bytes and waits for the writes in flight (std's File has no
        // user-space buffer of its own).
        self.get_mut().poll_idle(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        if this.seek_in_flight == Some(pos) {
            // Polled again for the seek it started: wait for that one, start no other.
            return poll_seek_outcome(this, cx);
        }
        // (A seek to elsewhere whose caller gave up is waited for by `poll_idle` below.)
        ready!(this.poll_idle(cx))?;
        let State::Idle(buf) = &mut this.state else {
            unreachable!("poll_idle returned Ready")
        };
        let buf = std::mem::take(buf);
        this.start(buf, move |std, buf| {
            let result = give_back_read_ahead(std, buf).and_then(|()| {
                let mut file = std;
                file.seek(pos)
            });
            Outcome::Seek(result)
        })?;
        this.seek_in_flight = Some(pos);
        this.suspend(cx)
    }
}

/// Polls the seek in flight and returns its position.
fn poll_seek_outcome(file: &mut File, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
    match ready!(file.poll_done(cx))? {
        Outcome::Seek(result) => Poll::Ready(result),
        _ => unreachable!("only the seek was in flight"),
    }
}
