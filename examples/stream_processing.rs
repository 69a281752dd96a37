//! Processing a line-based stream as it arrives: every number on every line goes into
//! running statistics (count, sum, min, max, mean), printed every `--every N` lines and
//! once more at end of input. The lines come from one TCP peer with `--listen PORT`, or
//! from standard input, read on the blocking pool (`spawn_blocking`) and handed to the loop
//! through a `remote` channel.
//!
//! ```text
//! seq 1 100 | cargo run --example stream_processing -- --every 25
//! cargo run --example stream_processing -- --listen 9000    # then: seq 1 100 | nc -N 127.0.0.1 9000
//! ```
//!
//! Numbers on a line are separated by spaces or commas; other words are counted as skipped.
//! With `--listen` the first line of output is `listening on HOST:PORT`; the program serves
//! one peer and ends at its end of file.

use std::io::{self, BufRead};

use evloop::channel::remote::{self, RemoteReceiver};
use evloop::net::{TcpListener, TcpStream};
use futures_util::io::{AsyncBufReadExt, BufReader};

/// Lines between two progress reports, unless `--every` says otherwise.
const DEFAULT_EVERY: u64 = 10;
/// Host of `--listen`: loopback only.
const LISTEN_HOST: &str = "127.0.0.1";

/// Running statistics, updated one value at a time: nothing is kept but these fields.
#[derive(Default)]
struct Stats {
    lines: u64,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    skipped: u64,
}

impl Stats {
    /// Adds every number of `line`.
    fn add_line(&mut self, line: &str) {
        self.lines += 1;
        for word in line.split([' ', '\t', ',']).filter(|w| !w.is_empty()) {
            match word.trim().parse::<f64>() {
                // A number (NaN would poison min/max, so it is skipped too).
                Ok(value) if !value.is_nan() => self.add(value),
                // Anything else, such as a header or a typo.
                _ => self.skipped += 1,
            }
        }
    }

    fn add(&mut self, value: f64) {
        if self.count == 0 {
            (self.min, self.max) = (value, value);
        }
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    fn report(&self, label: &str) {
        let mean = if self.count == 0 {
            f64::NAN
        } else {
            self.sum / self.count as f64
        };
        println!(
            "{label}: lines={} count={} sum={} min={} max={} mean={mean:.3} skipped={}",
            self.lines, self.count, self.sum, self.min, self.max, self.skipped
        );
    }
}

/// Where lines come from.
enum Source {
    /// A TCP peer, read on the loop itself.
    Tcp(BufReader<TcpStream>),
    /// Standard input, read by a blocking thread that sends each line here.
    Stdin(RemoteReceiver<io::Result<String>>),
}

impl Source {
    /// Starts reading standard input on the blocking pool.
    fn stdin() -> Source {
        let (tx, rx) = remote::channel();
        evloop::spawn_blocking(move || {
            for line in io::stdin().lock().lines() {
                let failed = line.is_err();
                // The receiver is gone (the loop ended), or the read failed: stop reading.
                if tx.send(line).is_err() || failed {
                    return;
                }
            }
            // Dropping `tx` closes the channel: the loop sees the end of input.
        });
        Source::Stdin(rx)
    }

    /// Waits for the next line; `None` at end of input.
    async fn next_line(&mut self) -> io::Result<Option<String>> {
        match self {
            Source::Tcp(reader) => {
                let mut line = String::new();
                match reader.read_line(&mut line).await? {
                    // The peer closed its side.
                    0 => Ok(None),
                    // A line (the last one may lack its newline).
                    _ => Ok(Some(line.trim_end().to_string())),
                }
            }
            // `None` once the reading thread is done; otherwise its line or error.
            Source::Stdin(rx) => rx.recv().await.transpose(),
        }
    }
}

/// Folds every line of `source` into the statistics, reporting every `every` lines.
async fn process(mut source: Source, every: u64) -> io::Result<()> {
    let mut stats = Stats::default();
    while let Some(line) = source.next_line().await? {
        stats.add_line(&line);
        if every > 0 && stats.lines % every == 0 {
            stats.report("running");
        }
    }
    stats.report("final");
    Ok(())
}

/// Waits for one peer on `port`, then processes what it sends.
async fn serve_one(port: u16, every: u64) -> io::Result<()> {
    let listener = TcpListener::bind((LISTEN_HOST, port)).await?;
    println!("listening on {}", listener.local_addr()?);
    let (stream, peer) = listener.accept().await?;
    eprintln!("reading from {peer}");
    process(Source::Tcp(BufReader::new(stream)), every).await
}

fn main() {
    const USAGE: &str = "usage: stream_processing [--listen PORT] [--every N]";
    let (mut listen, mut every) = (None, DEFAULT_EVERY);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().expect(USAGE);
        match arg.as_str() {
            "--listen" => listen = Some(value.parse::<u16>().expect(USAGE)),
            "--every" => every = value.parse().expect(USAGE),
            _ => panic!("{USAGE}"),
        }
    }
    let result = evloop::run(async move {
        match listen {
            // A TCP peer.
            Some(port) => serve_one(port, every).await,
            // Standard input.
            None => process(Source::stdin(), every).await,
        }
    });
    if let Err(err) = result {
        eprintln!("stream_processing: {err}");
        std::process::exit(1);
    }
}
