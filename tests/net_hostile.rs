//! The example servers against hostile clients (issue 10): thousands of connections that
//! stall halfway through a request or trickle it a byte at a time, clients that never read
//! their answers, malformed input of every kind. The servers run as child processes with
//! their limits scaled down by the command-line options (1–2 s instead of 10–15 s), so
//! the tests take seconds. Loopback only; no outside peer needed. Figures (latency of a
//! normal client under attack, time until the hostile ones are closed, fd counts) are
//! printed to stderr: `cargo test --test net_hostile -- --nocapture`.
//!
//! Sockets and processes do not run under Miri: every test is ignored there.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::child::{Running, example};

/// Limits given to the servers: the head deadline, idle and write timeouts, in seconds.
const HEAD_TIMEOUT: f64 = 1.5;
const IDLE_TIMEOUT: f64 = 1.5;
const WRITE_TIMEOUT: f64 = 1.0;
/// How much later than its deadline a hostile connection may be closed (a loaded CI box).
const SLACK: Duration = Duration::from_secs(4);

/// Starts `name` on port 0 with the scaled-down limits and `extra` options.
fn server(name: &str, extra: &[&str]) -> (Running, SocketAddr) {
    let (head, idle, write) = (
        HEAD_TIMEOUT.to_string(),
        IDLE_TIMEOUT.to_string(),
        WRITE_TIMEOUT.to_string(),
    );
    let mut args = vec![
        "0",
        "127.0.0.1",
        "--head-timeout",
        &head,
        "--idle-timeout",
        &idle,
        "--write-timeout",
        &write,
    ];
    args.extend_from_slice(extra);
    Running::example(name, &args)
}

/// The soft limit on open files of this process (`/proc/self/limits`).
fn fd_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3)?.parse().ok())
        .unwrap_or(1024)
}

/// Connections per kind of attacker: 2,000, or fewer if the fd limit is lower (this process
/// and the server each hold one fd per connection).
fn attackers() -> usize {
    2_000.min(fd_limit().saturating_sub(300) / 2)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Waits until `server` has at most `fds` sockets open, for `limit` at most; returns how
/// long.
#[track_caller]
fn wait_for_fds(server: &Running, fds: usize, limit: Duration) -> Duration {
    let start = Instant::now();
    while server.open_sockets() > fds {
        assert!(
            start.elapsed() < limit,
            "the server still has {} sockets open, {} more than before",
            server.open_sockets(),
            server.open_sockets() - fds
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    start.elapsed()
}

/// Whether the server closed `stream`: reads (and discards) until end of file or an
/// error, within the stream's read timeout.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // an answer (408) before the close
            Err(err)
                if err.kind() == ErrorKind::WouldBlock || err.kind() == ErrorKind::TimedOut =>
            {
                return false;
            }
            Err(_) => return true, // reset
        }
    }
}

/// One keep-alive `GET /name` on `stream`; returns the body.
fn get(stream: &mut TcpStream, name: &str) -> String {
    // One write: a request in pieces meets Nagle and delayed ACKs (40 ms stalls).
    let request = format!("GET /{name} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    let mut buf = [0; 1024];
    loop {
        let n = stream
            .read(&mut buf)
            .expect("the normal client got no answer in time");
        assert!(n > 0, "the server closed the normal client's connection");
        response.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse().ok())
                .expect("a Content-Length");
            if body.len() >= length {
                assert!(head.starts_with("HTTP/1.1 200"), "{head}");
                return body[..length].to_string();
            }
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn hello_server_closes_stalled_and_trickling_clients_and_keeps_serving() {
    let n = attackers();
    let (server, addr) = server("hello_server", &["--max-connections", "10000"]);
    let fds_before = server.open_sockets();
    let start = Instant::now();
    // Half a request, then silence.
    let mut stalled: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut s = connect(addr);
            s.write_all(b"GET /stalled HTTP/1.1\r\nHost: te").unwrap();
            s
        })
        .collect();
    // A byte every 300 ms, which would reset an idle timer forever.
    let trickling: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut s = connect(addr);
            s.write_all(b"G").unwrap();
            s
        })
        .collect();
    let trickler = std::thread::spawn(move || {
        let mut open: Vec<TcpStream> = trickling;
        let request = b"ET /slow HTTP/1.1\r\nHost: test\r\n\r\n";
        for step in 0..request.len() {
            if open.is_empty() || step > 60 {
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
            open.retain_mut(|s| s.write_all(&request[step..step + 1]).is_ok());
        }
        open
    });
    let opened = Instant::now();
    eprintln!(
        "{n} stalled + {n} trickling connections opened in {:?}",
        opened - start
    );
    // A normal client meanwhile: every answer comes, promptly.
    let mut normal = connect(addr);
    let mut latencies = Vec::new();
    let busy_until = Instant::now() + Duration::from_secs_f64(HEAD_TIMEOUT + 1.0);
    while Instant::now() < busy_until {
        let sent = Instant::now();
        assert_eq!(get(&mut normal, "normal"), "Hello, normal");
        latencies.push(sent.elapsed());
        std::thread::sleep(Duration::from_millis(20));
    }
    latencies.sort();
    eprintln!(
        "normal client under attack: {} requests, latency p50 {:?}, max {:?}",
        latencies.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
    // Every hostile connection is closed by its head deadline (plus slack), counted from
    // its accept, which came before the last one opened.
    let deadline = opened + Duration::from_secs_f64(HEAD_TIMEOUT) + SLACK;
    for s in &mut stalled {
        let left = deadline.saturating_duration_since(Instant::now());
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        assert!(closed_by_server(s), "a stalled connection is still open");
    }
    let still_trickling = trickler.join().unwrap();
    assert!(
        still_trickling.is_empty(),
        "{} trickling connections were never closed",
        still_trickling.len()
    );
    eprintln!(
        "all hostile connections closed {:?} after they opened",
        start.elapsed()
    );
    drop(stalled);
    drop(normal);
    let took = wait_for_fds(&server, fds_before, SLACK);
    eprintln!(
        "server sockets back to {} ({took:?} after the clients left)",
        server.open_sockets()
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn hello_server_closes_a_client_that_never_reads_its_answers() {
    let (server, addr) = server("hello_server", &[]);
    let fds_before = server.open_sockets();
    let client = connect(addr);
    let writer = {
        let mut client = client.try_clone().unwrap();
        std::thread::spawn(move || {
            // Pipelined requests whose answers (~4 KiB each) fill both socket buffers.
            let name = "x".repeat(4_000);
            let request = format!("GET /{name} HTTP/1.1\r\nHost: test\r\n\r\n");
            let mut sent = 0usize;
            while sent < 200 << 20 && client.write_all(request.as_bytes()).is_ok() {
                sent += request.len();
            }
            sent
        })
    };
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(200));
    assert!(server.open_sockets() > fds_before, "connected");
    let took = wait_for_fds(
        &server,
        fds_before,
        Duration::from_secs_f64(WRITE_TIMEOUT) + Duration::from_secs(20),
    );
    eprintln!(
        "slow reader closed {:?} after it connected (write timeout {WRITE_TIMEOUT} s)",
        start.elapsed()
    );
    client.shutdown(Shutdown::Both).ok();
    let sent = writer.join().unwrap();
    eprintln!(
        "it had sent {} KiB of requests; closed in {took:?}",
        sent / 1024
    );
}

/// Sends `input`, closes the sending side, and returns everything the server answered
/// before closing. Panics if the connection was reset (the answer could have been lost).
fn exchange(addr: SocketAddr, input: &[u8]) -> Vec<u8> {
    let mut stream = connect(addr);
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = stream.write_all(&input); // the server may stop reading early
            let _ = stream.shutdown(Shutdown::Write);
        })
    };
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(err) => panic!(
            "{err} after {:?} for input {:?}...",
            String::from_utf8_lossy(&answer),
            String::from_utf8_lossy(&input[..input.len().min(60)])
        ),
    }
    writer.join().unwrap();
    answer
}

#[test]
#[cfg_attr(miri, ignore)]
fn hello_server_answers_malformed_input_with_a_4xx_or_a_clean_close() {
    let (server, addr) = server("hello_server", &[]);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let random: Vec<u8> = (0..1_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    let long_line = format!(
        "GET / HTTP/1.1\r\nX-Long: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let many_headers = format!("GET / HTTP/1.1\r\n{}\r\n", "X-H: v\r\n".repeat(10_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("random bytes", random),
        ("a 64 KiB header line", long_line.into_bytes()),
        ("10,000 headers", many_headers.into_bytes()),
        ("no version", b"GET /\r\n\r\n".to_vec()),
        ("an empty request", b"\r\n\r\n".to_vec()),
        ("a bad method token", b"G\x01T / HTTP/1.1\r\n\r\n".to_vec()),
        (
            "a body with Content-Length",
            b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
        ),
        (
            "a chunked body",
            b"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                .to_vec(),
        ),
        (
            "a body without Content-Length",
            b"GET /x HTTP/1.1\r\nHost: t\r\n\r\nnot a request at all\r\n\r\n".to_vec(),
        ),
        ("half a request, then end of file", b"GET /x HTTP/1.1\r\nHo".to_vec()),
    ];
    for (what, input) in &cases {
        let answer = String::from_utf8_lossy(&exchange(addr, input)).into_owned();
        let first = answer.lines().next().unwrap_or("");
        eprintln!(
            "{what}: {}",
            if first.is_empty() {
                "clean close"
            } else {
                first
            }
        );
        assert!(
            answer.is_empty()
                || answer.starts_with("HTTP/1.1 4")
                || answer.starts_with("HTTP/1.1 200"),
            "{what}: {answer:?}"
        );
        if *what == "a body without Content-Length" {
            // The body is taken for the next request: answered, then refused.
            assert!(
                answer.starts_with("HTTP/1.1 200") && answer.contains("HTTP/1.1 400"),
                "{answer}"
            );
        } else if *what != "half a request, then end of file" {
            assert!(answer.starts_with("HTTP/1.1 4"), "{what}: {answer:?}");
        }
    }
    // A body is never read as a request, whatever the order of the headers (request
    // smuggling: a later `Connection: keep-alive` used to keep the connection open).
    let smuggling = b"POST / HTTP/1.1\r\nContent-Length: 26\r\nConnection: keep-alive\r\n\r\n\
                      GET /smuggled HTTP/1.1\r\n\r\n";
    let answer = String::from_utf8_lossy(&exchange(addr, smuggling)).into_owned();
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    assert!(
        !answer.contains("smuggled"),
        "the body was served as a request: {answer}"
    );
    // Pipelined requests are all answered, in order.
    let pipelined = b"GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n\
                      GET /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    let answer = String::from_utf8(exchange(addr, pipelined)).unwrap();
    let bodies: Vec<&str> = answer.split("\r\n\r\n").skip(1).map(|b| &b[..8]).collect();
    assert_eq!(bodies, ["Hello, a", "Hello, b", "Hello, c"], "{answer}");
    // And the server still serves.
    let mut client = connect(addr);
    assert_eq!(get(&mut client, "after"), "Hello, after");
    drop(server);
}

#[test]
#[cfg_attr(miri, ignore)]
fn echo_server_closes_silent_clients_and_clients_that_never_read() {
    let (server, addr) = server("echo_server", &[]);
    let fds_before = server.open_sockets();
    // Silent: closed after the idle timeout.
    let mut silent = connect(addr);
    let start = Instant::now();
    assert!(closed_by_server(&mut silent));
    let idle = start.elapsed();
    assert!(idle >= Duration::from_secs_f64(IDLE_TIMEOUT) - Duration::from_millis(50));
    eprintln!("silent echo client closed after {idle:?} (idle timeout {IDLE_TIMEOUT} s)");
    // Sends and never reads: closed after the write timeout, once its buffers are full.
    let client = connect(addr);
    let writer = {
        let mut client = client.try_clone().unwrap();
        std::thread::spawn(move || {
            let block = vec![b'x'; 64 * 1024];
            let mut sent = 0usize;
            while sent < 500 << 20 && client.write_all(&block).is_ok() {
                sent += block.len();
            }
            sent
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let took = wait_for_fds(
        &server,
        fds_before,
        Duration::from_secs_f64(WRITE_TIMEOUT) + Duration::from_secs(20),
    );
    client.shutdown(Shutdown::Both).ok();
    let sent = writer.join().unwrap();
    eprintln!(
        "echo client that never reads closed after sending {} KiB ({took:?})",
        sent / 1024
    );
    drop(silent);
}

#[test]
#[cfg_attr(miri, ignore)]
fn max_connections_makes_further_clients_wait_for_a_slot() {
    let (_server, addr) = server("hello_server", &["--max-connections", "2"]);
    let mut first = connect(addr);
    let mut second = connect(addr);
    assert_eq!(get(&mut first, "one"), "Hello, one");
    assert_eq!(get(&mut second, "two"), "Hello, two");
    // The third connects (the kernel's queue) but is not served while two are open.
    let mut third = connect(addr);
    third
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    third
        .write_all(b"GET /three HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut buf = [0; 256];
    let err = third
        .read(&mut buf)
        .expect_err("served beyond --max-connections 2");
    assert!(matches!(
        err.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut
    ));
    drop(first); // a slot frees up: the third is served
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let n = third.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    drop(second);
}

#[test]
#[cfg_attr(miri, ignore)]
fn accept_errors_are_logged_at_most_once_a_second() {
    // Out of file descriptors: every accept fails (EMFILE) while connections wait.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -n 24 && exec \"$0\" 0")
        .arg(example("hello_server"))
        .stderr(Stdio::piped());
    let (mut server, line) = Running::start(command);
    let addr: SocketAddr = line
        .trim_start_matches("listening on http://")
        .parse()
        .unwrap();
    let clients: Vec<TcpStream> = (0..40).map(|_| connect(addr)).collect();
    std::thread::sleep(Duration::from_millis(2_500));
    let _ = server.child.kill();
    let mut log = String::new();
    server
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let lines = log.lines().filter(|l| l.contains("accept failed")).count();
    eprintln!("{lines} accept-error lines in 2.5 s:\n{log}");
    assert!((1..=4).contains(&lines), "{lines} lines:\n{log}");
    drop(clients);
}
