//! The networking examples against real peers: `curl` and `wrk` against `hello_server`, Python's
//! asyncio as client of `echo_server` and as server for `scraper` and a UDP echo, many
//! concurrent connections, `stream_processing` over stdin and TCP.
//!
//! The example binaries are built once per run with `cargo build --example ...` (the test
//! harness does not build examples) and started with port 0; each prints its address on its
//! first line. Everything is loopback and bounded in time. A test whose peer (`curl`,
//! `python3`, `wrk`) is missing prints one line saying what to install and passes, unless
//! `EVLOOP_REQUIRE_PEERS=1` is set (as `.ci/run` does), which makes it fail. Sockets and
//! processes do not run under Miri: every test is ignored there.

mod support;

use support::child::{Running, example};

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, Output};
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Upper bound for any one child process or socket wait.
const LIMIT: Duration = Duration::from_secs(30);
/// Starts `python3 -u -c script`, which prints the port it listens on.
fn python_server(script: &str) -> (Running, u16) {
    let mut command = Command::new("python3");
    command.args(["-u", "-c", script]);
    let (running, line) = Running::start(command);
    (running, line.parse().expect("python printed a port"))
}

/// Runs `command` to its end, for `LIMIT` at most.
fn output_within_limit(command: &mut Command) -> Output {
    support::child::output_within(command, LIMIT)
}

/// As [`output_within_limit`], with `input` (small) on the command's standard input.
fn output_with_input(command: &mut Command, input: &[u8]) -> Output {
    support::child::output_with_input(command, input, LIMIT)
}

/// Waits for `child` to exit, for `LIMIT` at most (then kills it and fails).
fn wait_within_limit(child: &mut Child, what: &dyn std::fmt::Debug) {
    let deadline = Instant::now() + LIMIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what:?} did not finish within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `curl` with the given arguments; returns its standard output.
fn curl(args: &[&str]) -> String {
    let output = output_within_limit(
        Command::new("curl")
            .args(["-s", "--max-time", "10"])
            .args(args),
    );
    assert!(output.status.success(), "curl {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    stream
}

#[test]
#[cfg_attr(miri, ignore)]
fn hello_server_answers_curl() {
    if !support::peers_available(&["curl"]) {
        return;
    }
    let (_server, addr) = Running::example("hello_server", &["0"]);
    let get = |path: &str| {
        curl(&[
            "-w",
            "|%{http_code}|%{content_type}",
            &format!("http://{addr}{path}"),
        ])
    };
    let plain = "text/plain; charset=utf-8";
    assert_eq!(get("/"), format!("Hello, Anonymous|200|{plain}"));
    assert_eq!(get("/Alice"), format!("Hello, Alice|200|{plain}"));
    assert_eq!(get("/a/b"), format!("Not Found|404|{plain}"));
    let post = curl(&[
        "-X",
        "POST",
        "-w",
        "|%{http_code}",
        &format!("http://{addr}/"),
    ]);
    assert!(post.ends_with("|405"), "{post}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn hello_server_keeps_the_connection_alive() {
    if !support::peers_available(&["curl"]) {
        return;
    }
    let (_server, addr) = Running::example("hello_server", &["0"]);
    // One curl, two URLs: the second request reuses the first connection (0 new connects).
    let (alice, bob) = (format!("http://{addr}/Alice"), format!("http://{addr}/Bob"));
    let out = curl(&[
        &alice,
        "-w",
        "[%{num_connects}]",
        &bob,
        "-w",
        "[%{num_connects}]",
    ]);
    assert_eq!(out, "Hello, Alice[1]Hello, Bob[0]");

    // Pipelined: two requests in one write; HTTP/1.0 without keep-alive closes after its
    // response, so reading to the end terminates.
    let mut stream = connect(addr);
    stream
        .write_all(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\nGET /y HTTP/1.0\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert_eq!(reply.matches("HTTP/1.1 200 OK").count(), 2, "{reply}");
    assert!(
        reply.contains("Hello, x") && reply.ends_with("Hello, y"),
        "{reply}"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn hello_server_rejects_garbage_and_keeps_serving() {
    if !support::peers_available(&["curl"]) {
        return;
    }
    let (_server, addr) = Running::example("hello_server", &["0"]);
    let mut stream = connect(addr);
    stream.write_all(b"GARBAGE\r\n\r\n").unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap(); // returns at EOF: the server closed
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert_eq!(stream.read(&mut [0; 16]).unwrap(), 0);

    let out = curl(&[&format!("http://{addr}/again")]);
    assert_eq!(out, "Hello, again");
}

/// `wrk` with 50 keep-alive connections for one second: every response is a 200, no
/// socket errors, and the server still answers afterwards.
#[test]
#[cfg_attr(miri, ignore)]
fn hello_server_under_wrk_load() {
    if !support::peers_available(&["wrk", "curl"]) {
        return;
    }
    let (_server, addr) = Running::example("hello_server", &["0"]);
    let output = output_within_limit(Command::new("wrk").args([
        "-t1",
        "-c50",
        "-d1s",
        &format!("http://{addr}/wrk"),
    ]));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed: {output:?}");
    assert!(
        !report.contains("Socket errors") && !report.contains("Non-2xx"),
        "{report}"
    );
    let requests: u64 = report
        .lines()
        .find_map(|line| line.trim().split_once(" requests in"))
        .and_then(|(count, _)| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("no request count in wrk's report: {report}"));
    assert!(requests > 50, "{report}");
    assert_eq!(curl(&[&format!("http://{addr}/after")]), "Hello, after");
}

#[test]
#[cfg_attr(miri, ignore)]
fn hello_server_shuts_down_gracefully_on_sigint() {
    let (mut server, addr) = Running::example("hello_server", &["0"]);
    // An idle keep-alive connection: the shutdown closes it at once rather than waiting.
    let mut idle = connect(addr);
    idle.write_all(b"GET /idle HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut reply = Vec::new();
    while !reply.ends_with(b"Hello, idle") {
        let mut chunk = [0; 256];
        let n = idle.read(&mut chunk).unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&reply));
        reply.extend_from_slice(&chunk[..n]);
    }

    let pid = server.child.id().to_string();
    let kill = Command::new("kill").args(["-INT", &pid]).status();
    assert!(kill.expect("`kill` (procps) must be installed").success());
    let start = Instant::now();
    wait_within_limit(&mut server.child, &"hello_server after SIGINT");
    let status = server.child.wait().unwrap();
    assert!(status.success(), "hello_server exited with {status:?}");
    assert!(start.elapsed() < LIMIT, "took {:?}", start.elapsed());

    let mut rest = String::new();
    server.stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("shutting down"), "{rest}");
    assert!(rest.contains("all connections closed"), "{rest}");
    assert_eq!(
        idle.read(&mut [0; 16]).unwrap(),
        0,
        "idle connection closed"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn hello_server_with_two_loops_serves_from_both_and_stops_on_sigint() {
    let (mut server, addr) =
        Running::example("hello_server", &["0", "127.0.0.1", "--threads", "2"]);
    let mut loops = std::collections::BTreeSet::new();
    for i in 0..64 {
        let mut client = connect(addr);
        let request = format!("GET /c{i} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        client.write_all(request.as_bytes()).unwrap();
        let mut reply = String::new();
        client.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.ends_with(&format!("Hello, c{i}")), "{reply}");
        let server_header = reply
            .lines()
            .find_map(|line| line.strip_prefix("Server: "))
            .expect("a Server header");
        loops.insert(server_header.to_owned());
    }
    // SO_REUSEPORT spreads 64 connections over both loops (all on one: odds of 2^-63).
    assert_eq!(loops.len(), 2, "{loops:?}");
    let pid = server.child.id().to_string();
    let kill = Command::new("kill").args(["-INT", &pid]).status();
    assert!(kill.expect("`kill` (procps) must be installed").success());
    wait_within_limit(&mut server.child, &"hello_server --threads 2 after SIGINT");
    assert!(server.child.wait().unwrap().success());
    let mut rest = String::new();
    server.stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest.matches("all connections closed").count(), 2, "{rest}");
}

/// Python's asyncio streams as the client: lines written are read back unchanged.
const PY_ECHO_CLIENT: &str = r#"
import asyncio, sys

async def main(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"line {i}: hello from asyncio\n".encode() for i in range(100)]
    for line in lines:
        writer.write(line)
    await writer.drain()
    got = [await reader.readline() for _ in lines]
    writer.write_eof()
    rest = await reader.read()  # the server closes after our end of file
    writer.close()
    await writer.wait_closed()
    if got != lines or rest != b"":
        print("mismatch:", got[:3], rest[:100])
        sys.exit(1)

asyncio.run(asyncio.wait_for(main(int(sys.argv[1])), 20))
"#;

#[test]
#[cfg_attr(miri, ignore)]
fn echo_server_with_a_python_asyncio_client() {
    if !support::peers_available(&["python3"]) {
        return;
    }
    let (_server, addr) = Running::example("echo_server", &["0"]);
    let port = addr.port().to_string();
    let output = output_within_limit(Command::new("python3").args(["-c", PY_ECHO_CLIENT, &port]));
    assert!(output.status.success(), "python client: {output:?}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn echo_server_serves_1000_concurrent_connections() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 250;
    let (_server, addr) = Running::example("echo_server", &["0"]);
    let all_open = Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let all_open = &all_open;
            scope.spawn(move || {
                let mut streams: Vec<_> = (0..PER_THREAD).map(|_| connect(addr)).collect();
                for (i, stream) in streams.iter_mut().enumerate() {
                    stream
                        .write_all(format!("{thread}/{i}\n").as_bytes())
                        .unwrap();
                }
                all_open.wait(); // all 1,000 connections are open (and written to) now
                for (i, stream) in streams.iter_mut().enumerate() {
                    let expected = format!("{thread}/{i}\n");
                    let mut got = vec![0; expected.len()];
                    stream.read_exact(&mut got).unwrap();
                    assert_eq!(got, expected.as_bytes());
                    stream.shutdown(Shutdown::Write).unwrap();
                    assert_eq!(stream.read(&mut [0; 8]).unwrap(), 0, "closed after EOF");
                }
            });
        }
    });
}

/// Python's asyncio as an HTTP server: `200` with a `Content-Length` body, except on
/// `/slow/...` where it waits far longer than the scraper's timeout.
const PY_HTTP_SERVER: &str = r#"
import asyncio

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ")[1].decode()
            if path.startswith("/slow/"):
                await asyncio.sleep(60)
            body = f"python says hi to {path}".encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"#;

/// The count printed on the summary line `label   N` of the scraper's output.
fn summary_count(stdout: &str, label: &str) -> usize {
    stdout
        .lines()
        .find_map(|line| line.strip_prefix(label)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{stdout}"))
}

#[test]
#[cfg_attr(miri, ignore)]
fn scraper_against_a_python_asyncio_server() {
    if !support::peers_available(&["python3"]) {
        return;
    }
    let (_python, port) = python_server(PY_HTTP_SERVER);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut urls: Vec<String> = ["/", "/Alice", "/Bob", "/Carol", "/Dave", "/Eve"]
        .iter()
        .map(|path| format!("http://127.0.0.1:{port}{path}"))
        .collect();
    urls.push(format!("http://127.0.0.1:{port}/slow/1"));
    urls.push(format!("http://127.0.0.1:{port}/slow/2"));
    urls.push(format!("http://{closed}/")); // the listener above is gone: refused
    let output = output_within_limit(
        Command::new(example("scraper"))
            .args(["--concurrency", "3", "--timeout-ms", "500"])
            .args(&urls),
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "scraper: {stdout}\n{stderr}");
    assert_eq!(summary_count(&stdout, "ok"), 6, "{stdout}");
    assert_eq!(summary_count(&stdout, "timed out"), 2, "{stdout}");
    assert_eq!(summary_count(&stdout, "failed"), 1, "{stdout}");
    let alice = format!("/Alice  {} bytes", "python says hi to /Alice".len());
    assert!(
        stdout
            .lines()
            .any(|row| row.starts_with("200") && row.ends_with(&alice)),
        "{stdout}"
    );
}

/// Python's asyncio datagram endpoint echoing every datagram to its sender.
const PY_UDP_ECHO: &str = r#"
import asyncio

class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport
    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)

async def main():
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
    print(transport.get_extra_info("sockname")[1], flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"#;

#[test]
#[cfg_attr(miri, ignore)]
fn udp_echo_with_a_python_datagram_peer() {
    if !support::peers_available(&["python3"]) {
        return;
    }
    let (_python, port) = python_server(PY_UDP_ECHO);
    support::run(async move {
        let socket = evloop::net::UdpSocket::bind("127.0.0.1:0").await?;
        socket.connect(("127.0.0.1", port)).await?;
        let mut buf = [0; 64];
        for i in 0..20 {
            let message = format!("datagram {i}");
            socket.send(message.as_bytes()).await?;
            let n = evloop::wait_for(Duration::from_secs(10), socket.recv(&mut buf))
                .await
                .expect("python echoed within 10 s")?;
            assert_eq!(&buf[..n], message.as_bytes());
        }
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
}

/// Input for `stream_processing`, and the final line it must print for it.
const NUMBERS: &str = "value\n1 2 3\n4\nfoo, 5\n-2.5\n";
const FINAL: &str = "final: lines=5 count=6 sum=12.5 min=-2.5 max=5 mean=2.083 skipped=2";

#[test]
#[cfg_attr(miri, ignore)]
fn stream_processing_reads_stdin() {
    let mut command = Command::new(example("stream_processing"));
    let output = output_with_input(command.args(["--every", "2"]), NUMBERS.as_bytes());
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "two running reports and the final one: {stdout}"
    );
    assert!(lines[0].starts_with("running: lines=2 count=3"), "{stdout}");
    assert_eq!(lines[2], FINAL);
}

#[test]
#[cfg_attr(miri, ignore)]
fn stream_processing_reads_a_tcp_peer() {
    let (mut running, addr) = Running::example("stream_processing", &["--listen", "0"]);
    let mut stream = connect(addr);
    for line in NUMBERS.lines() {
        stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    }
    stream.shutdown(Shutdown::Write).unwrap();
    wait_within_limit(&mut running.child, &"stream_processing --listen");
    let mut rest = String::new();
    running.stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest.lines().last(), Some(FINAL), "{rest}");
}
