//! `examples/hyper_server.rs` and `examples/hyper_scraper.rs` (feature `hyper`, built by
//! the test) against peers this project did not write: `curl` (HTTP/1.1 and HTTP/2),
//! `wrk`, and an aiohttp server (python3-aiohttp).

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use support::child::{Running, example, output_within};

fn curl(args: &[&str]) -> String {
    let output = output_within(Command::new("curl").args(args), support::TEST_LIMIT);
    assert!(output.status.success(), "curl {args:?} failed");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
#[cfg_attr(miri, ignore)]
fn hyper_server_answers_curl_over_http1_and_http2() {
    if !support::peers_available(&["curl"]) {
        return;
    }
    let (_server, addr) = Running::example("hyper_server", &["0"]);
    assert_eq!(
        curl(&["-s", &format!("http://{addr}/Alice")]),
        "Hello, Alice"
    );
    // Keep-alive: two URLs, one connection (the second transfer made no new connect).
    let connects = curl(&[
        "-s",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-w",
        "%{num_connects} ",
        &format!("http://{addr}/a"),
        &format!("http://{addr}/b"),
    ]);
    assert_eq!(connects, "1 0 ");

    let (_h2, addr) = Running::example("hyper_server", &["0", "--h2"]);
    let out = curl(&[
        "-s",
        "--http2-prior-knowledge",
        "-w",
        " %{http_version}",
        &format!("http://{addr}/Bob"),
    ]);
    assert_eq!(out, "Hello, Bob 2");
}

#[test]
#[cfg_attr(miri, ignore)]
fn hyper_server_closes_bad_and_silent_clients_and_keeps_serving() {
    if !support::peers_available(&["curl"]) {
        return;
    }
    let (_server, addr) = Running::example(
        "hyper_server",
        &["0", "--head-timeout", "0.5", "--idle-timeout", "1"],
    );
    // Garbage: 400 and a close.
    let mut bad = TcpStream::connect(addr).unwrap();
    bad.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    bad.write_all(b"garbage\r\n\r\n").unwrap();
    let mut answer = String::new();
    bad.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    // A head that never ends, and a client that never sends anything: the server closes
    // both (end of file, perhaps after a 408); a server that held them would make the read
    // time out, an error.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    slow.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut rest = Vec::new();
    slow.read_to_end(&mut rest)
        .expect("the server closes a slow head");
    let mut silent = TcpStream::connect(addr).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    silent
        .read_to_end(&mut rest)
        .expect("the server closes a silent client");
    assert_eq!(
        curl(&["-s", &format!("http://{addr}/still")]),
        "Hello, still"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn hyper_server_under_wrk_load() {
    if !support::peers_available(&["wrk"]) {
        return;
    }
    let (_server, addr) = Running::example("hyper_server", &["0"]);
    let output = output_within(
        Command::new("wrk").args(["-t1", "-c32", "-d2s", &format!("http://{addr}/wrk")]),
        support::TEST_LIMIT,
    );
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}");
    assert!(!report.contains("Non-2xx"), "{report}");
    assert!(!report.contains("Socket errors"), "{report}");
    let requests: u64 = report
        .lines()
        .find_map(|line| line.trim().split(" requests in").next()?.parse().ok())
        .unwrap_or_else(|| panic!("no request count in:\n{report}"));
    assert!(requests > 0, "{report}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn hyper_scraper_against_an_aiohttp_server() {
    let Some(python) = support::python_with("aiohttp", "python3-aiohttp") else {
        return;
    };
    if !support::peers_available(&["curl"]) {
        return; // it reads the server's connection count with curl
    }
    let scraper = example("hyper_scraper"); // built before the peer starts its clock
    let mut command = Command::new(python);
    command.args([
        "-u",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/aiohttp_server.py"),
    ]);
    let (_server, port) = Running::start(command);
    let base = format!("http://127.0.0.1:{port}");
    let mut urls: Vec<String> = (0..20).map(|i| format!("{base}/user{i}")).collect();
    urls.push(format!("{base}/slow/1"));
    urls.push("http://127.0.0.1:1/refused".into());
    let output = output_within(
        Command::new(scraper)
            .args(["--concurrency", "4", "--timeout-ms", "1000"])
            .args(&urls),
        support::TEST_LIMIT,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let count = |label: &str| -> usize {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(label)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {label:?} in:\n{stdout}"))
    };
    assert_eq!(count("ok"), 20, "{stdout}");
    assert_eq!(count("timed out"), 1, "{stdout}");
    assert_eq!(count("failed"), 1, "{stdout}");
    let alice = format!("{base}/user7  {} bytes", "aiohttp says hi to user7".len());
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("200") && l.ends_with(&alice)),
        "{stdout}"
    );
    // Keep-alive: 21 requests to the server over at most 4 (+1 for the timed-out one)
    // connections, as the server counted them.
    let stats = curl(&["-s", &format!("{base}/stats")]);
    let seen: usize = stats.trim_start_matches("connections ").parse().unwrap();
    assert!(
        seen <= 6,
        "the scraper opened {seen} connections for 21 requests"
    );
}
