//! Network workloads of `benches/compare.rs`, one implementation per runtime (evloop, tokio
//! current-thread, smol's async-io, and a hand-written `mio` loop in [`raw_mio`], the limit
//! of this architecture):
//!
//! * [`echo`]: in-process TCP echo over loopback: `conns` client tasks each send `trips`
//!   64-byte messages and wait for each echo; one server task per connection echoes what it
//!   reads. The connections are set up before the clock starts. Clients and servers read
//!   into a 4 KiB buffer (as a buffered reader would), so a read that returns less than
//!   asked tells every implementation the socket is drained.
//! * [`serve_http`]: the `/{name}` hello server (keep-alive, [`http::respond`]) for `wrk`,
//!   run in a child process pinned to one core by [`drive`].
//!
//! Each runtime's code is written the way its documentation teaches (a task per
//! connection, `read` / `write_all`), with `TCP_NODELAY` on every socket.

pub mod drive;
pub mod http;
pub mod raw_mio;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use async_executor::LocalExecutor;
use async_io::Async;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

/// Size of one echo message.
pub const MESSAGE: usize = 64;

/// The implementations compared, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    Evloop,
    Tokio,
    Smol,
    RawMio,
}

impl Impl {
    pub const ALL: [Impl; 4] = [Impl::Evloop, Impl::Tokio, Impl::Smol, Impl::RawMio];

    pub fn name(self) -> &'static str {
        match self {
            Impl::Evloop => "evloop",
            Impl::Tokio => "tokio",
            Impl::Smol => "smol",
            Impl::RawMio => "raw-mio",
        }
    }

    pub fn from_name(name: &str) -> Option<Impl> {
        Impl::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// Runs the echo workload on `which`; returns the wall time of the round trips.
pub fn echo(which: Impl, conns: usize, trips: usize) -> Duration {
    match which {
        Impl::Evloop => evloop_rt().block_on(evloop_echo(conns, trips)),
        Impl::Tokio => {
            let local = tokio::task::LocalSet::new();
            local.block_on(&tokio_rt(), tokio_echo(conns, trips))
        }
        Impl::Smol => {
            let ex = LocalExecutor::new();
            async_io::block_on(ex.run(smol_echo(&ex, conns, trips)))
        }
        Impl::RawMio => raw_mio::echo(conns, trips),
    }
}

/// Serves the hello app on `127.0.0.1:0` with `which`, printing `listening <addr>` on
/// stdout; runs until killed.
pub fn serve_http(which: Impl) {
    let announce = |addr: SocketAddr| {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "listening {addr}");
        let _ = stdout.flush();
    };
    match which {
        Impl::Evloop => evloop_rt().block_on(evloop_http(announce)),
        Impl::Tokio => {
            let local = tokio::task::LocalSet::new();
            local.block_on(&tokio_rt(), tokio_http(announce))
        }
        Impl::Smol => {
            let ex = LocalExecutor::new();
            async_io::block_on(ex.run(smol_http(&ex, announce)))
        }
        Impl::RawMio => raw_mio::serve_http(announce),
    }
}

fn evloop_rt() -> evloop::Runtime {
    evloop::Runtime::new().expect("evloop runtime")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Starts `conns` clients, each running `trips` round trips, and waits for them all.
macro_rules! time_clients {
    ($spawn:expr, $clients:expr, $trips:expr, $round_trips:path) => {{
        let start = Instant::now();
        let handles: Vec<_> = $clients
            .into_iter()
            .map(|client| $spawn($round_trips(client, $trips)))
            .collect();
        for handle in handles {
            handle.await;
        }
        start.elapsed()
    }};
}

// ---- evloop ----------------------------------------------------------------------------

async fn evloop_echo(conns: usize, trips: usize) -> Duration {
    use evloop::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let acceptor = evloop::spawn(async move {
        for _ in 0..conns {
            let (stream, _) = listener.accept().await.expect("accept");
            stream.set_nodelay(true).expect("nodelay");
            evloop::spawn(async move {
                let mut buf = [0; 4096];
                loop {
                    match stream.read(&mut buf).await.expect("server read") {
                        0 => return,
                        n => stream.write_all(&buf[..n]).await.expect("server write"),
                    }
                }
            });
        }
    });
    let mut clients = Vec::with_capacity(conns);
    for _ in 0..conns {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        clients.push(stream);
    }
    acceptor.await.expect("acceptor");
    async fn round_trips(stream: evloop::net::TcpStream, trips: usize) {
        let message = [7; MESSAGE];
        let mut buf = [0; 4096];
        for _ in 0..trips {
            stream.write_all(&message).await.expect("client write");
            let mut got = 0;
            while got < MESSAGE {
                match stream.read(&mut buf).await.expect("client read") {
                    0 => panic!("server closed"),
                    n => got += n,
                }
            }
        }
    }
    let spawn = |f| {
        let handle = evloop::spawn(f);
        async move { handle.await.expect("client task") }
    };
    time_clients!(spawn, clients, trips, round_trips)
}

async fn evloop_http(announce: impl FnOnce(SocketAddr)) {
    let listener = evloop::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    announce(listener.local_addr().expect("local_addr"));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            evloop::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        evloop::spawn(async move {
            let mut input = Vec::with_capacity(4096);
            let mut out = Vec::with_capacity(4096);
            let mut chunk = [0; 4096];
            loop {
                let n = match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                input.extend_from_slice(&chunk[..n]);
                let Ok(used) = http::respond(&input, &mut out) else {
                    return;
                };
                input.drain(..used);
                if !out.is_empty() {
                    if stream.write_all(&out).await.is_err() {
                        return;
                    }
                    out.clear();
                }
            }
        });
    }
}

// ---- tokio -----------------------------------------------------------------------------

async fn tokio_echo(conns: usize, trips: usize) -> Duration {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let acceptor = tokio::task::spawn_local(async move {
        for _ in 0..conns {
            let (mut stream, _) = listener.accept().await.expect("accept");
            stream.set_nodelay(true).expect("nodelay");
            tokio::task::spawn_local(async move {
                let mut buf = [0; 4096];
                loop {
                    match stream.read(&mut buf).await.expect("server read") {
                        0 => return,
                        n => stream.write_all(&buf[..n]).await.expect("server write"),
                    }
                }
            });
        }
    });
    let mut clients = Vec::with_capacity(conns);
    for _ in 0..conns {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        clients.push(stream);
    }
    acceptor.await.expect("acceptor");
    async fn round_trips(mut stream: tokio::net::TcpStream, trips: usize) {
        let message = [7; MESSAGE];
        let mut buf = [0; 4096];
        for _ in 0..trips {
            stream.write_all(&message).await.expect("client write");
            let mut got = 0;
            while got < MESSAGE {
                match stream.read(&mut buf).await.expect("client read") {
                    0 => panic!("server closed"),
                    n => got += n,
                }
            }
        }
    }
    let spawn = |f| {
        let handle = tokio::task::spawn_local(f);
        async move { handle.await.expect("client task") }
    };
    time_clients!(spawn, clients, trips, round_trips)
}

async fn tokio_http(announce: impl FnOnce(SocketAddr)) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    announce(listener.local_addr().expect("local_addr"));
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::task::spawn_local(async move {
            let mut input = Vec::with_capacity(4096);
            let mut out = Vec::with_capacity(4096);
            let mut chunk = [0; 4096];
            loop {
                let n = match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                input.extend_from_slice(&chunk[..n]);
                let Ok(used) = http::respond(&input, &mut out) else {
                    return;
                };
                input.drain(..used);
                if !out.is_empty() {
                    if stream.write_all(&out).await.is_err() {
                        return;
                    }
                    out.clear();
                }
            }
        });
    }
}

// ---- smol (async-executor + async-io) ----------------------------------------------------

async fn smol_echo(ex: &LocalExecutor<'_>, conns: usize, trips: usize) -> Duration {
    use std::net::{TcpListener, TcpStream};
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).expect("bind");
    let addr = listener.get_ref().local_addr().expect("local_addr");
    let acceptor = ex.spawn(async move {
        let mut servers = Vec::with_capacity(conns);
        for _ in 0..conns {
            let (stream, _) = listener.accept().await.expect("accept");
            stream.get_ref().set_nodelay(true).expect("nodelay");
            servers.push(stream);
        }
        servers
    });
    let mut clients = Vec::with_capacity(conns);
    for _ in 0..conns {
        let stream = Async::<TcpStream>::connect(addr).await.expect("connect");
        stream.get_ref().set_nodelay(true).expect("nodelay");
        clients.push(stream);
    }
    for mut stream in acceptor.await {
        ex.spawn(async move {
            let mut buf = [0; 4096];
            loop {
                match stream.read(&mut buf).await.expect("server read") {
                    0 => return,
                    n => stream.write_all(&buf[..n]).await.expect("server write"),
                }
            }
        })
        .detach();
    }
    async fn round_trips(mut stream: Async<TcpStream>, trips: usize) {
        let message = [7; MESSAGE];
        let mut buf = [0; 4096];
        for _ in 0..trips {
            stream.write_all(&message).await.expect("client write");
            let mut got = 0;
            while got < MESSAGE {
                match stream.read(&mut buf).await.expect("client read") {
                    0 => panic!("server closed"),
                    n => got += n,
                }
            }
        }
    }
    let spawn = |f| ex.spawn(f);
    time_clients!(spawn, clients, trips, round_trips)
}

async fn smol_http(ex: &LocalExecutor<'_>, announce: impl FnOnce(SocketAddr)) {
    let listener = Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).expect("bind");
    announce(listener.get_ref().local_addr().expect("local_addr"));
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            async_io::Timer::after(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.get_ref().set_nodelay(true);
        ex.spawn(async move {
            let mut input = Vec::with_capacity(4096);
            let mut out = Vec::with_capacity(4096);
            let mut chunk = [0; 4096];
            loop {
                let n = match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                input.extend_from_slice(&chunk[..n]);
                let Ok(used) = http::respond(&input, &mut out) else {
                    return;
                };
                input.drain(..used);
                if !out.is_empty() {
                    if stream.write_all(&out).await.is_err() {
                        return;
                    }
                    out.clear();
                }
            }
        })
        .detach();
    }
}
