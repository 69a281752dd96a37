//! File I/O that does not block the loop: stream a file of any size through a
//! transformation (line and word counts, the most frequent words) with bounded memory,
//! while a ticker task on the same loop keeps running.
//!
//! ```text
//! cargo run --example file_io                      # makes (and then removes) a 64 MiB sample
//! cargo run --example file_io -- /var/log/syslog   # or counts a file of yours
//! ```
//!
//! What it shows:
//! * `evloop::fs::File` read in 64 KiB chunks: every read runs on the blocking pool's file
//!   lane, so the loop is free between chunks (the ticker's longest gap is printed);
//! * bounded memory whatever the file: one chunk buffer, a word cut by a chunk boundary
//!   carried over (at most `MAX_WORD` bytes), and at most `MAX_DISTINCT` distinct words
//!   counted (the rest are counted as `(other)`);
//! * writing the sample with `evloop::fs::File` too, and errors (a missing file) reported
//!   as such, with exit status 1.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use evloop::fs::File;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

/// Bytes read at a time.
const CHUNK: usize = 64 * 1024;
/// Longer words are cut to this many bytes.
const MAX_WORD: usize = 64;
/// Distinct words counted; further new words go to `(other)`.
const MAX_DISTINCT: usize = 100_000;
/// The sample file's size when no file is given.
const SAMPLE_BYTES: usize = 64 * 1024 * 1024;

/// Counts of one file.
#[derive(Default)]
struct Counts {
    bytes: u64,
    lines: u64,
    words: u64,
    frequencies: HashMap<Vec<u8>, u64>,
    other: u64,
}

impl Counts {
    fn word(&mut self, word: &[u8]) {
        self.words += 1;
        let word = word.to_ascii_lowercase();
        if let Some(count) = self.frequencies.get_mut(&word) {
            *count += 1;
        } else if self.frequencies.len() < MAX_DISTINCT {
            self.frequencies.insert(word, 1);
        } else {
            self.other += 1;
        }
    }

    /// Takes one chunk; `partial` is the word cut by the previous chunk's end.
    fn chunk(&mut self, chunk: &[u8], partial: &mut Vec<u8>) {
        self.bytes += chunk.len() as u64;
        for &byte in chunk {
            if byte == b'\n' {
                self.lines += 1;
            }
            if byte.is_ascii_alphanumeric() || byte == b'\'' {
                if partial.len() < MAX_WORD {
                    partial.push(byte);
                }
            } else if !partial.is_empty() {
                self.word(partial);
                partial.clear();
            }
        }
    }
}

/// Streams `path` through [`Counts`], one chunk in memory at a time.
async fn count(path: &Path, progress: &Cell<u64>) -> std::io::Result<Counts> {
    let mut file = File::open(path).await?;
    let mut counts = Counts::default();
    let (mut buf, mut partial) = (vec![0; CHUNK], Vec::with_capacity(MAX_WORD));
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        counts.chunk(&buf[..n], &mut partial);
        progress.set(counts.bytes);
    }
    if !partial.is_empty() {
        counts.word(&partial);
    }
    Ok(counts)
}

/// Writes a sample text of `bytes` bytes to `path`, in chunks.
async fn write_sample(path: &Path, bytes: usize) -> std::io::Result<()> {
    const WORDS: [&str; 12] = [
        "the", "loop", "never", "blocks", "while", "files", "are", "read", "on", "a", "worker",
        "thread",
    ];
    let mut file = File::create(path).await?;
    let (mut written, mut line, mut state) = (0, String::new(), 7u64);
    while written < bytes {
        line.clear();
        for _ in 0..10 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Skewed: later words are more frequent.
            let index = ((state % 144) as f64).sqrt() as usize;
            line.push_str(WORDS[index.min(WORDS.len() - 1)]);
            line.push(' ');
        }
        line.push('\n');
        file.write_all(line.as_bytes()).await?;
        written += line.len();
    }
    file.flush().await
}

async fn main_task(path: Option<PathBuf>) -> std::io::Result<()> {
    let sample = path.is_none();
    let path = match path {
        Some(path) => path,
        None => {
            let path =
                std::env::temp_dir().join(format!("evloop-sample-{}.txt", std::process::id()));
            println!(
                "writing a {} MiB sample to {}",
                SAMPLE_BYTES >> 20,
                path.display()
            );
            write_sample(&path, SAMPLE_BYTES).await?;
            path
        }
    };
    // A ticker on the same loop: it keeps ticking while the file is read.
    let progress = Rc::new(Cell::new(0));
    let longest_gap = Rc::new(Cell::new(Duration::ZERO));
    let ticks = Rc::new(Cell::new(0u64));
    let ticker = evloop::spawn({
        let (progress, longest_gap, ticks) = (progress.clone(), longest_gap.clone(), ticks.clone());
        async move {
            let mut interval = evloop::interval(Duration::from_millis(10));
            let mut last = Instant::now();
            loop {
                interval.tick().await;
                longest_gap.set(longest_gap.get().max(last.elapsed()));
                last = Instant::now();
                ticks.set(ticks.get() + 1);
                if ticks.get() % 50 == 0 {
                    eprintln!("... {} MiB", progress.get() >> 20);
                }
            }
        }
    });
    let started = Instant::now();
    let counts = count(&path, &progress).await;
    ticker.abort();
    if sample {
        evloop::fs::remove_file(&path).await?;
    }
    let counts = counts
        .map_err(|err| std::io::Error::new(err.kind(), format!("{}: {err}", path.display())))?;
    let elapsed = started.elapsed();
    println!("bytes {}", counts.bytes);
    println!("lines {}", counts.lines);
    println!("words {}", counts.words);
    let mut top: Vec<_> = counts.frequencies.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (word, count) in top.iter().take(10) {
        println!("top {} {count}", String::from_utf8_lossy(word));
    }
    if counts.other > 0 {
        println!("top (other) {}", counts.other);
    }
    println!(
        "read at {:.0} MiB/s; the ticker ticked {} times, longest gap {:.1} ms",
        counts.bytes as f64 / (1 << 20) as f64 / elapsed.as_secs_f64(),
        ticks.get(),
        longest_gap.get().as_secs_f64() * 1e3
    );
    Ok(())
}

fn main() {
    let path = std::env::args_os().nth(1).map(PathBuf::from);
    if let Err(err) = evloop::run(main_task(path)) {
        eprintln!("file_io: {err}");
        std::process::exit(1);
    }
}
