//! Concurrent database queries: tokio-postgres on evloop's TCP streams (feature `tokio-io`:
//! tokio's I/O traits on evloop's sockets, no tokio runtime), against a real PostgreSQL.
//!
//! ```text
//! cargo run -p evloop-ecosystem --example postgres_queries -- "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
//! ```
//!
//! What it shows, each step printing one line:
//! * `connected`: four connections opened at once, each bounded by `CONNECT_TIMEOUT`;
//! * `concurrent`: four slow queries on four connections with `gather`: the wall time is
//!   about the slowest one, not their sum;
//! * `timeout`: a query bounded by `wait_for`; when it times out, the server is told to
//!   cancel it (PostgreSQL's cancel request), and the same connection serves the next
//!   query at once;
//! * `transaction`: rows committed, rows rolled back (a transaction dropped without
//!   `commit`);
//! * `bad sql`: a syntax error is an error for that query; the connection goes on;
//! * `killed`: a connection whose server process is terminated mid-query gives that query
//!   an error; the loop and the other connections go on.
//!
//! Password authentication works through the connection string (`password=...`); TLS
//! would need a TLS connector for tokio-postgres (`NoTls` here, fine on loopback).

use std::io;
use std::str::FromStr;
use std::time::{Duration, Instant};

use evloop::net::TcpStream;
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

/// Time allowed to connect and authenticate.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The bound on the whole demo.
const DEMO_TIMEOUT: Duration = Duration::from_secs(60);
/// The bound on the query of the `timeout` step.
const QUERY_TIMEOUT: Duration = Duration::from_millis(300);

/// The TCP address of the first host of `config`.
fn address(config: &Config) -> io::Result<(String, u16)> {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        Some(Host::Unix(_)) => {
            return Err(io::Error::other(
                "this example connects over TCP: give host=...",
            ));
        }
        None => "127.0.0.1".into(),
    };
    Ok((host, config.get_ports().first().copied().unwrap_or(5432)))
}

/// Opens one connection: TCP, then PostgreSQL's startup and authentication, within
/// `CONNECT_TIMEOUT`. The connection's I/O runs in a task of its own.
async fn connect(config: &Config) -> io::Result<Client> {
    let (host, port) = address(config)?;
    let connecting = async {
        let stream = TcpStream::connect((host.as_str(), port)).await?;
        stream.set_nodelay(true)?;
        config
            .connect_raw(stream, NoTls)
            .await
            .map_err(io::Error::other)
    };
    let (client, connection) = evloop::wait_for(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
    drop(evloop::spawn(async move {
        if let Err(err) = connection.await {
            eprintln!("connection ended: {err}");
        }
    }));
    Ok(client)
}

/// Runs `sql` (one text column) and returns its first value and how long it took.
async fn timed(client: &Client, sql: &str) -> Result<(String, Duration), tokio_postgres::Error> {
    let started = Instant::now();
    let row = client.query_one(sql, &[]).await?;
    Ok((row.get(0), started.elapsed()))
}

async fn demo(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    // Four connections at once.
    let clients: Vec<Client> = evloop::try_gather((0..4).map(|_| connect(&config))).await?;
    let version: String = clients[0]
        .query_one("SHOW server_version", &[])
        .await?
        .get(0);
    println!("connected: 4 connections to PostgreSQL {version}");

    // Slow queries side by side: wall time ≈ the slowest, not the sum. Each query also
    // reports when the server started and ended it, to show that they overlapped there.
    let started = Instant::now();
    let sleeps = [0.1, 0.2, 0.3, 0.4];
    let queries = clients.iter().zip(sleeps).map(|(client, secs)| async move {
        let started = Instant::now();
        let sql = format!(
            "SELECT extract(epoch FROM statement_timestamp())::float8, \
                    (SELECT extract(epoch FROM clock_timestamp())::float8 FROM pg_sleep({secs}))"
        );
        let row = client.query_one(&sql, &[]).await?;
        let (begun, ended): (f64, f64) = (row.get(0), row.get(1));
        Ok::<_, tokio_postgres::Error>((begun, ended, started.elapsed()))
    });
    let results = evloop::try_gather(queries).await?;
    let sum: Duration = results.iter().map(|(_, _, took)| *took).sum();
    let last_begun = results.iter().map(|r| r.0).fold(f64::MIN, f64::max);
    let first_ended = results.iter().map(|r| r.1).fold(f64::MAX, f64::min);
    println!(
        "concurrent: 4 queries in {} ms wall, {} ms summed; all four running at once on the server: {}",
        started.elapsed().as_millis(),
        sum.as_millis(),
        if last_begun < first_ended {
            "yes"
        } else {
            "no"
        }
    );

    // A query bounded by wait_for; on timeout the server is told to cancel it.
    let slow = clients[0].query_one("SELECT pg_sleep(30)::text", &[]);
    match evloop::wait_for(QUERY_TIMEOUT, slow).await {
        Ok(result) => println!(
            "timeout: the query finished first: {:?}",
            result.map(|_| ())
        ),
        Err(_) => {
            let (host, port) = address(&config)?;
            let stream = TcpStream::connect((host.as_str(), port)).await?;
            clients[0]
                .cancel_token()
                .cancel_query_raw(stream, NoTls)
                .await?;
            let (one, took) = timed(&clients[0], "SELECT 1::text").await?;
            println!(
                "timeout: gave up after {} ms, cancelled it; the next query on that connection answered {one} in {} ms",
                QUERY_TIMEOUT.as_millis(),
                took.as_millis()
            );
        }
    }

    // A transaction committed and one rolled back.
    let mut client = connect(&config).await?;
    client
        .batch_execute("CREATE TEMP TABLE items (id int PRIMARY KEY, name text)")
        .await?;
    let kept = client.transaction().await?;
    for (id, name) in [(1, "one"), (2, "two"), (3, "three")] {
        kept.execute("INSERT INTO items VALUES ($1, $2)", &[&id, &name])
            .await?;
    }
    kept.commit().await?;
    let dropped = client.transaction().await?;
    dropped
        .execute("INSERT INTO items VALUES (4, 'four'), (5, 'five')", &[])
        .await?;
    drop(dropped); // no commit: rolled back
    let count: i64 = client
        .query_one("SELECT count(*) FROM items", &[])
        .await?
        .get(0);
    println!("transaction: 3 rows committed, 2 rolled back; the table has {count}");

    // Bad SQL: an error for that query only.
    match client.query("SELEC 1", &[]).await {
        Ok(_) => println!("bad sql: accepted?"),
        Err(err) => {
            let code = err.code().map_or("-", |code| code.code());
            let (two, _) = timed(&client, "SELECT 2::text").await?;
            println!("bad sql: error {code}; the connection goes on: {two}");
        }
    }

    // A connection killed mid-query: that query fails, the others go on.
    let victim_pid: i32 = clients[2]
        .query_one("SELECT pg_backend_pid()", &[])
        .await?
        .get(0);
    let doomed = clients[2].query_one("SELECT pg_sleep(30)::text", &[]);
    let killer = async {
        evloop::sleep(Duration::from_millis(100)).await;
        clients[3]
            .query_one("SELECT pg_terminate_backend($1)", &[&victim_pid])
            .await
    };
    let (doomed, killed) = evloop::join!(doomed, killer);
    let terminated: bool = killed?.get(0);
    let error = doomed.expect_err("the killed query cannot succeed");
    let (answer, _) = timed(&clients[1], "SELECT 42::text").await?;
    println!(
        "killed: terminated={terminated}; that query failed ({}); another connection answered {answer}",
        error
            .as_db_error()
            .map_or_else(|| error.to_string(), |db| db.message().to_string())
    );
    Ok(())
}

fn main() {
    let conninfo = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "host=127.0.0.1 port=5432 user=postgres dbname=postgres".into());
    let config = Config::from_str(&conninfo).unwrap_or_else(|err| {
        eprintln!("postgres_queries: bad connection string {conninfo:?}: {err}");
        std::process::exit(2);
    });
    // Every step has its own bound; this one bounds them all (a server that stalls).
    let outcome = evloop::run(async {
        match evloop::wait_for(DEMO_TIMEOUT, demo(config)).await {
            Ok(outcome) => outcome,
            Err(_) => Err("the server stopped answering (60 s)".into()),
        }
    });
    if let Err(err) = outcome {
        eprintln!("postgres_queries: {err}");
        std::process::exit(1);
    }
}
