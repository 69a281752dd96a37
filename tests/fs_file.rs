//! `evloop::fs::File` and the path functions: contents, positions, write-behind errors,
//! and a loop that keeps running while files are busy.

mod support;

use std::cell::Cell;
use std::future::Future;
use std::io::{ErrorKind, SeekFrom};
use std::path::PathBuf;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Waker};
use std::time::Duration;

use evloop::fs::{self, File, OpenOptions};
use futures_util::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader};

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("evloop-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Bytes with a pattern that shows a misplaced chunk.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn contents_round_trip_through_write_all_and_read_to_end_in_every_size() {
    let dir = TempDir::new("fs-roundtrip");
    support::run(async {
        // 0, small, and more than one 2 MiB job per call.
        for len in [0, 1, 4095, 65_536, support::scaled(5 * 1024 * 1024 + 17)] {
            let path = dir.join(&format!("f{len}"));
            let data = pattern(len);
            let mut file = File::create(&path).await.unwrap();
            file.write_all(&data).await.unwrap();
            file.flush().await.unwrap();
            drop(file);
            let mut back = Vec::new();
            File::open(&path)
                .await
                .unwrap()
                .read_to_end(&mut back)
                .await
                .unwrap();
            assert_eq!(back.len(), len);
            assert!(back == data, "contents differ for {len} bytes");
            assert_eq!(fs::read(&path).await.unwrap(), data);
        }
    });
}

#[test]
fn writes_in_chunks_land_in_order() {
    let dir = TempDir::new("fs-chunks");
    support::run(async {
        let path = dir.join("chunks");
        let mut file = File::create(&path).await.unwrap();
        let mut expected = Vec::new();
        for i in 0..support::scaled(500) {
            let chunk = format!("line {i}\n");
            file.write_all(chunk.as_bytes()).await.unwrap();
            expected.extend_from_slice(chunk.as_bytes());
        }
        file.sync_all().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), expected);
        // And back, line by line, through a BufReader.
        let mut lines = BufReader::new(File::open(&path).await.unwrap()).lines();
        let mut count = 0;
        while let Some(line) = futures_util::StreamExt::next(&mut lines).await {
            assert_eq!(line.unwrap(), format!("line {count}"));
            count += 1;
        }
        assert_eq!(count, support::scaled(500));
    });
}

#[test]
fn seek_read_and_write_agree_on_the_position() {
    let dir = TempDir::new("fs-seek");
    support::run(async {
        let path = dir.join("seek");
        fs::write(&path, b"0123456789").await.unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        assert_eq!(file.seek(SeekFrom::Start(3)).await.unwrap(), 3);
        let mut two = [0; 2];
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"34");
        assert_eq!(file.stream_position().await.unwrap(), 5);
        file.write_all(b"ab").await.unwrap();
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 7);
        assert_eq!(file.seek(SeekFrom::End(-1)).await.unwrap(), 9);
        file.flush().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"01234ab789");
    });
}

#[test]
#[cfg_attr(miri, ignore)] // mkfifo
fn bytes_read_ahead_by_an_abandoned_read_are_given_back_before_a_write() {
    let (dir, fifo, runtime) = one_file_thread("fs-readahead");
    support::block_on(&runtime, async {
        let path = dir.join("ahead");
        fs::write(&path, b"abcdefghijklmnopqrstuvwxyz")
            .await
            .unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let hold = hold_file_lane(&fifo).await;
        // A read of up to 20 bytes, polled once and dropped: its job still reads 20 bytes,
        // which the file keeps as read-ahead.
        let mut big = [0; 20];
        poll_once_then_drop(file.read(&mut big));
        hold.release().await;
        let mut four = [0; 4];
        file.read_exact(&mut four).await.unwrap();
        assert_eq!(&four, b"abcd");
        // The OS position is 20; the caller's is 4.
        assert_eq!(file.stream_position().await.unwrap(), 4);
        let mut two = [0; 2];
        file.read_exact(&mut two).await.unwrap();
        file.write_all(b"XY").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(
            fs::read(&path).await.unwrap(),
            b"abcdefXYijklmnopqrstuvwxyz"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore)] // mkfifo
fn end_of_file_reaches_a_read_polled_again_after_its_job_finished() {
    let (dir, fifo, runtime) = one_file_thread("fs-eof");
    support::block_on(&runtime, async {
        let path = dir.join("empty");
        fs::write(&path, b"").await.unwrap();
        let mut file = File::open(&path).await.unwrap();
        let hold = hold_file_lane(&fifo).await;
        let mut buf = [0; 16];
        let mut read = pin!(file.read(&mut buf));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(read.as_mut().poll(&mut cx).is_pending()); // queued behind the blocker
        hold.release().await;
        // One thread, FIFO queue: once a later call is done, the read's job is done too.
        fs::metadata(&path).await.unwrap();
        match read.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(Ok(0)) => {}
            other => panic!("expected the end of the file, got {other:?}"),
        }
    });
}

#[test]
fn a_file_with_queued_writes_dropped_outside_its_runtime_does_not_recurse() {
    let dir = TempDir::new("fs-drop-outside");
    let path = dir.join("late");
    let file = support::run(async {
        let mut file = File::create(&path).await.unwrap();
        // The second write queues behind the first.
        file.write_all(&[1; 4096]).await.unwrap();
        file.write_all(&[2; 4096]).await.unwrap();
        file
    });
    drop(file); // no runtime here: the queued bytes are dropped, nothing else happens
    // And inside a runtime that shuts down before the detached writer ran:
    evloop::run(async {
        let mut file = File::create(dir.join("late2")).await.unwrap();
        file.write_all(&[1; 4096]).await.unwrap();
        file.write_all(&[2; 4096]).await.unwrap();
    });
}

#[test]
fn metadata_and_try_clone_come_after_the_writes_before_them() {
    let dir = TempDir::new("fs-meta-order");
    support::run(async {
        let mut file = File::create(dir.join("m")).await.unwrap();
        for _ in 0..10 {
            file.write_all(&[1; 1000]).await.unwrap();
        }
        assert_eq!(file.metadata().await.unwrap().len(), 10_000);
        file.write_all(&[2; 5]).await.unwrap();
        let mut clone = file.try_clone().await.unwrap();
        assert_eq!(clone.metadata().await.unwrap().len(), 10_005);
        assert_eq!(clone.stream_position().await.unwrap(), 10_005);
    });
}

#[test]
#[cfg_attr(miri, ignore)] // mkfifo
fn an_abandoned_seek_does_not_answer_the_next_one() {
    let (dir, fifo, runtime) = one_file_thread("fs-seek-abandoned");
    support::block_on(&runtime, async {
        let path = dir.join("s");
        fs::write(&path, b"0123456789").await.unwrap();
        let mut file = File::open(&path).await.unwrap();
        let hold = hold_file_lane(&fifo).await;
        poll_once_then_drop(file.seek(SeekFrom::Start(7)));
        hold.release().await;
        assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
        let mut two = [0; 2];
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"23");
    });
}

#[test]
#[cfg_attr(miri, ignore)] // mkfifo
fn an_abandoned_set_len_still_runs_before_the_next_write() {
    let (dir, fifo, runtime) = one_file_thread("fs-setlen-abandoned");
    support::block_on(&runtime, async {
        let path = dir.join("t");
        fs::write(&path, b"abcdef").await.unwrap();
        let mut file = OpenOptions::new().write(true).open(&path).await.unwrap();
        let hold = hold_file_lane(&fifo).await;
        poll_once_then_drop(file.set_len(0));
        hold.release().await;
        file.write_all(b"XY").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"XY");
    });
}

/// The only thread of a one-thread file lane, held by an open of a FIFO that has no
/// writer yet: the file jobs started meanwhile wait in the lane's queue.
struct LaneHold {
    fifo: PathBuf,
    open: evloop::JoinHandle<std::io::Result<File>>,
}

async fn hold_file_lane(fifo: &std::path::Path) -> LaneHold {
    let open = evloop::spawn(File::open(fifo.to_owned()));
    evloop::yield_now().await; // the open takes the thread
    LaneHold {
        fifo: fifo.to_owned(),
        open,
    }
}

impl LaneHold {
    /// Lets the open through (a FIFO opened O_RDWR never blocks) and waits for it.
    async fn release(self) {
        let _writer = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.fifo)
            .unwrap();
        self.open.await.unwrap().unwrap();
    }
}

/// A directory, a FIFO in it, and a runtime whose file lane has one thread (to be held
/// with [`hold_file_lane`]).
fn one_file_thread(name: &str) -> (TempDir, PathBuf, evloop::Runtime) {
    let dir = TempDir::new(name);
    let fifo = make_fifo(&dir.join("fifo"));
    let runtime = evloop::Runtime::builder()
        .max_file_threads(1)
        .build()
        .unwrap();
    (dir, fifo, runtime)
}

/// Polls `call` once, checks that it is waiting (its job queued behind a held lane), and
/// drops it: the job still runs later.
fn poll_once_then_drop<F: std::future::Future>(call: F) {
    let call = pin!(call);
    assert!(
        call.poll(&mut Context::from_waker(Waker::noop()))
            .is_pending()
    );
}

/// Makes a FIFO at `path`.
fn make_fifo(path: &std::path::Path) -> PathBuf {
    let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    path.to_owned()
}

#[test]
fn a_failed_write_behind_is_returned_by_flush() {
    support::run(async {
        // Opened read-only: the write job fails with EBADF after `write` returned.
        let mut file = File::open("Cargo.toml").await.unwrap();
        assert_eq!(file.write(b"x").await.unwrap(), 1);
        // The next call returns the first write's error: this write if the first one is
        // done by now, else the flush (and the byte queued behind it is dropped).
        let err = match file.write(b"y").await {
            Ok(n) => {
                assert_eq!(n, 1);
                file.flush().await.unwrap_err()
            }
            Err(err) => err,
        };
        // (Miri's file shim reports the failed write with another code.)
        if !cfg!(miri) {
            assert_eq!(err.raw_os_error(), Some(libc::EBADF), "{err}");
        }
        // The error is returned once; the file is usable for reads after it.
        file.flush().await.unwrap();
        let mut head = [0; 9];
        file.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"[package]");
    });
}

#[test]
fn a_file_dropped_with_writes_in_flight_and_queued_still_gets_its_bytes() {
    let dir = TempDir::new("fs-drop");
    support::run(async {
        let path = dir.join("dropped");
        // Many small writes: the first goes in flight, the rest queue behind it.
        let chunks = support::scaled(200);
        let mut expected = Vec::new();
        let mut file = File::create(&path).await.unwrap();
        for i in 0..chunks {
            let chunk = format!("{i:05} ").repeat(100);
            file.write_all(chunk.as_bytes()).await.unwrap();
            expected.extend_from_slice(chunk.as_bytes());
        }
        drop(file);
        for _ in 0..10_000 {
            if fs::metadata(&path).await.unwrap().len() == expected.len() as u64 {
                assert!(fs::read(&path).await.unwrap() == expected, "out of order");
                return;
            }
            evloop::sleep(Duration::from_millis(1)).await;
        }
        let len = fs::metadata(&path).await.unwrap().len();
        panic!(
            "the writes of a dropped file never finished: {len} of {} bytes",
            expected.len()
        );
    });
}

#[test]
fn file_level_calls_see_the_writes_before_them() {
    let dir = TempDir::new("fs-filelevel");
    support::run(async {
        let path = dir.join("meta");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        file.write_all(&[7; 1000]).await.unwrap();
        // `set_len` waits for the write in flight: the length is not overwritten by it.
        file.set_len(10).await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 10);
        file.sync_data().await.unwrap();
        let mut clone = file.try_clone().await.unwrap();
        assert_eq!(clone.metadata().await.unwrap().len(), 10);
        let std = file.into_std().await.unwrap();
        assert_eq!(std.metadata().unwrap().len(), 10);
    });
}

#[test]
fn path_functions_report_errors_by_kind() {
    let dir = TempDir::new("fs-paths");
    support::run(async {
        let nested = dir.join("a/b/c");
        fs::create_dir_all(&nested).await.unwrap();
        fs::create_dir_all(&nested).await.unwrap(); // exists: fine
        assert_eq!(
            fs::create_dir(&nested).await.unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
        let file = nested.join("f.txt");
        fs::write(&file, "text").await.unwrap();
        if cfg!(miri) {
            // Miri does not support copy_file_range(2).
            fs::write(dir.join("g.txt"), "text").await.unwrap();
        } else {
            assert_eq!(fs::copy(&file, dir.join("g.txt")).await.unwrap(), 4);
        }
        fs::rename(dir.join("g.txt"), dir.join("h.txt"))
            .await
            .unwrap();
        assert_eq!(fs::read_to_string(dir.join("h.txt")).await.unwrap(), "text");
        assert!(!fs::try_exists(dir.join("g.txt")).await.unwrap());
        assert!(fs::symlink_metadata(&file).await.unwrap().is_file());
        assert!(fs::canonicalize(&file).await.unwrap().is_absolute());
        assert_eq!(
            fs::remove_dir(dir.join("a")).await.unwrap_err().kind(),
            ErrorKind::DirectoryNotEmpty
        );
        assert_eq!(
            fs::remove_file(dir.join("nope")).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        fs::write(dir.join("bad.txt"), [0xff, 0xfe]).await.unwrap();
        assert_eq!(
            fs::read_to_string(dir.join("bad.txt"))
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidData
        );
        fs::remove_dir_all(dir.join("a")).await.unwrap();
        assert!(!fs::try_exists(dir.join("a")).await.unwrap());
    });
}

#[test]
fn outside_a_runtime_calls_fail_with_an_error_not_a_panic() {
    let err = futures_lite::future::block_on(fs::read("Cargo.toml")).unwrap_err();
    assert!(err.to_string().contains("evloop::run"), "{err}");
    let err = futures_lite::future::block_on(File::open("Cargo.toml")).unwrap_err();
    assert!(err.to_string().contains("evloop::run"), "{err}");
}

#[test]
#[cfg_attr(miri, ignore)] // 64 MiB: hours under Miri
fn a_1ms_ticker_keeps_ticking_while_64_mib_are_written_and_read_back() {
    let dir = TempDir::new("fs-ticker");
    support::run(async {
        let ticks = Rc::new(Cell::new(0u64));
        let max_gap = Rc::new(Cell::new(Duration::ZERO));
        let ticker = evloop::spawn({
            let (ticks, max_gap) = (ticks.clone(), max_gap.clone());
            async move {
                let mut interval = evloop::interval(Duration::from_millis(1));
                let mut last = std::time::Instant::now();
                loop {
                    interval.tick().await;
                    let now = std::time::Instant::now();
                    max_gap.set(max_gap.get().max(now - last));
                    last = now;
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        let path = dir.join("big");
        let chunk = pattern(64 * 1024);
        // The interval's first tick is immediate: count from after it.
        while ticks.get() == 0 {
            evloop::yield_now().await;
        }
        let started = ticks.get();
        let mut file = File::create(&path).await.unwrap();
        for _ in 0..1024 {
            file.write_all(&chunk).await.unwrap();
        }
        file.sync_all().await.unwrap();
        let after_write = ticks.get();
        let mut file = File::open(&path).await.unwrap();
        let mut buf = vec![0; 64 * 1024];
        let mut total = 0;
        loop {
            let n = file.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            assert_eq!(buf[..n], chunk[total % chunk.len()..][..n]);
            total += n;
        }
        assert_eq!(total, 64 * 1024 * 1024);
        let after_read = ticks.get();
        ticker.abort();
        eprintln!(
            "ticks: {} while writing, {} while reading; longest gap {:?}",
            after_write - started,
            after_read - after_write,
            max_gap.get()
        );
        // The loop ran the ticker during both halves (a blocked loop would tick 0 times).
        assert!(after_write > started, "the ticker never ran while writing");
        assert!(
            after_read > after_write,
            "the ticker never ran while reading"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore)] // mkfifo
fn an_open_that_blocks_for_good_does_not_block_the_loop() {
    let dir = TempDir::new("fs-fifo");
    let fifo = make_fifo(&dir.join("fifo"));
    support::run(async {
        // Opening a FIFO for reading blocks in open(2) until a writer comes.
        let reader = evloop::spawn({
            let fifo = fifo.clone();
            async move {
                let mut file = File::open(&fifo).await.unwrap();
                let mut text = String::new();
                file.read_to_string(&mut text).await.unwrap();
                text
            }
        });
        // The loop goes on meanwhile: 20 ticks of another task.
        for _ in 0..20 {
            evloop::sleep(Duration::from_millis(1)).await;
        }
        assert!(!reader.is_finished());
        let mut writer = OpenOptions::new().write(true).open(&fifo).await.unwrap();
        writer.write_all(b"through the fifo").await.unwrap();
        writer.close().await.unwrap();
        drop(writer);
        assert_eq!(reader.await.unwrap(), "through the fifo");
    });
}
