//! `examples/postgres_queries.rs` (tokio-postgres over evloop TCP, feature `tokio-io`)
//! against a real PostgreSQL server that the test starts itself (`initdb` + `pg_ctl` in a
//! temporary directory, on a free loopback port) and stops.

mod support;

use std::process::Command;

use support::child::{example, output_within};
use support::postgres::Postgres;

#[test]
#[cfg_attr(miri, ignore)] // processes
fn postgres_queries_against_a_real_server() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let output = output_within(
        Command::new(example("postgres_queries")).arg(server.conninfo()),
        support::TEST_LIMIT,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}");
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let line = |prefix: &str| -> String {
        stdout
            .lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in:\n{stdout}"))
            .to_string()
    };
    assert!(line("connected:").contains("4 connections"));
    // 0.1 + 0.2 + 0.3 + 0.4 s side by side: the server ran all four at once (by its own
    // clock: the last to start started before the first to end ended).
    let concurrent = line("concurrent:");
    let numbers: Vec<u64> = concurrent
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    let (wall, sum) = (numbers[1], numbers[2]);
    assert!(sum >= 1000 && wall >= 400, "{concurrent}");
    assert!(
        concurrent.ends_with("all four running at once on the server: yes"),
        "{concurrent}"
    );
    assert!(line("timeout:").contains("cancelled it"), "{stdout}");
    assert!(
        line("transaction:").ends_with("the table has 3"),
        "{stdout}"
    );
    assert!(line("bad sql:").contains("error 42601"), "{stdout}");
    let killed = line("killed:");
    assert!(
        killed.contains("terminated=true") && killed.ends_with("answered 42"),
        "{killed}"
    );
}

#[test]
#[cfg_attr(miri, ignore)] // processes
fn postgres_queries_reports_a_server_that_is_not_there() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // and closed again: nothing listens there
    let output = output_within(
        Command::new(example("postgres_queries"))
            .arg(format!("host=127.0.0.1 port={closed} user=postgres")),
        support::TEST_LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refused"), "{stderr}");
}
