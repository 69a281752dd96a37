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

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use async_executor::LocalExecutor;
use async_io::Async;

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

/// The two stream operations the workloads need, implemented once per runtime with the
/// calls its documentation teaches; the connection logic below is written once.
pub trait Conn {
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a;
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a;
}

impl Conn for evloop::net::TcpStream {
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        evloop::net::TcpStream::read(self, buf)
    }
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a {
        evloop::net::TcpStream::write_all(self, buf)
    }
}

impl Conn for tokio::net::TcpStream {
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        tokio::io::AsyncReadExt::read(self, buf)
    }
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a {
        tokio::io::AsyncWriteExt::write_all(self, buf)
    }
}

impl Conn for Async<std::net::TcpStream> {
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        futures_lite::AsyncReadExt::read(self, buf)
    }
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a {
        futures_lite::AsyncWriteExt::write_all(self, buf)
    }
}

/// Server side of `echo`: sends back what arrives, until end of file.
async fn echo_back(mut conn: impl Conn) {
    let mut buf = [0; 4096];
    loop {
        match conn.read(&mut buf).await.expect("server read") {
            0 => return,
            n => conn.write_all(&buf[..n]).await.expect("server write"),
        }
    }
}

/// Client side of `echo`: `trips` messages, each followed by waiting for its echo.
async fn round_trips(mut conn: impl Conn, trips: usize) {
    let message = [7; MESSAGE];
    let mut buf = [0; 4096];
    for _ in 0..trips {
        conn.write_all(&message).await.expect("client write");
        let mut got = 0;
        while got < MESSAGE {
            match conn.read(&mut buf).await.expect("client read") {
                0 => panic!("server closed"),
                n => got += n,
            }
        }
    }
}

/// One keep-alive HTTP connection of the hello server; returns when it closes or errs.
async fn serve_hello(mut conn: impl Conn) {
    let mut input = Vec::with_capacity(4096);
    let mut out = Vec::with_capacity(4096);
    let mut chunk = [0; 4096];
    loop {
        let n = match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        input.extend_from_slice(&chunk[..n]);
        let Ok(used) = http::respond(&input, &mut out) else {
            return;
        };
        input.drain(..used);
        if !out.is_empty() {
            if conn.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
    }
}

/// Runs the clients, one task each, and returns the time until all are done.
async fn time_clients<C, H>(clients: Vec<C>, spawn: impl Fn(C) -> H) -> Duration
where
    H: Future<Output = ()>,
{
    let start = Instant::now();
    let handles: Vec<H> = clients.into_iter().map(spawn).collect();
    for handle in handles {
        handle.await;
    }
    start.elapsed()
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
            evloop::spawn(echo_back(stream));
        }
    });
    let mut clients = Vec::with_capacity(conns);
    for _ in 0..conns {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        clients.push(stream);
    }
    acceptor.await.expect("acceptor");
    time_clients(clients, |client| {
        let handle = evloop::spawn(round_trips(client, trips));
        async move { handle.await.expect("client task") }
    })
    .await
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
        evloop::spawn(serve_hello(stream));
    }
}

// ---- tokio -----------------------------------------------------------------------------

async fn tokio_echo(conns: usize, trips: usize) -> Duration {
    use tokio::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let acceptor = tokio::task::spawn_local(async move {
        for _ in 0..conns {
            let (stream, _) = listener.accept().await.expect("accept");
            stream.set_nodelay(true).expect("nodelay");
            tokio::task::spawn_local(echo_back(stream));
        }
    });
    let mut clients = Vec::with_capacity(conns);
    for _ in 0..conns {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        clients.push(stream);
    }
    acceptor.await.expect("acceptor");
    time_clients(clients, |client| {
        let handle = tokio::task::spawn_local(round_trips(client, trips));
        async move { handle.await.expect("client task") }
    })
    .await
}

async fn tokio_http(announce: impl FnOnce(SocketAddr)) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    announce(listener.local_addr().expect("local_addr"));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::task::spawn_local(serve_hello(stream));
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
    for stream in acceptor.await {
        ex.spawn(echo_back(stream)).detach();
    }
    time_clients(clients, |client| ex.spawn(round_trips(client, trips))).await
}

async fn smol_http(ex: &LocalExecutor<'_>, announce: impl FnOnce(SocketAddr)) {
    let listener = Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).expect("bind");
    announce(listener.get_ref().local_addr().expect("local_addr"));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            async_io::Timer::after(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.get_ref().set_nodelay(true);
        ex.spawn(serve_hello(stream)).detach();
    }
}
