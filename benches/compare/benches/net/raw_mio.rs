//! The same two workloads written directly on `mio`, with no runtime: one `Poll`, state
//! machines instead of tasks, and the fewest syscalls the edge-triggered design allows (a
//! read shorter than its buffer is taken as "drained", like evloop and tokio do). This is
//! the ceiling an executor over this reactor can approach, not something users would
//! write.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

use super::{MESSAGE, http};

const LISTENER: Token = Token(usize::MAX);

/// One side of an echo connection.
struct Peer {
    stream: TcpStream,
    /// Bytes not yet written (only if a write came up short; never with 64-byte messages).
    pending: Vec<u8>,
    /// Client: bytes of the current reply received so far.
    got: usize,
    /// Client: round trips completed.
    done: usize,
}

/// `conns` clients × `trips` round trips of [`MESSAGE`] bytes; tokens `0..conns` are the
/// clients, `conns..2 * conns` the server sides.
pub fn echo(conns: usize, trips: usize) -> Duration {
    let mut poll = Poll::new().expect("poll");
    let mut events = Events::with_capacity(1024);
    let mut listener = TcpListener::bind(([127, 0, 0, 1], 0).into()).expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .expect("register");
    let both = Interest::READABLE | Interest::WRITABLE;
    let mut peers: Vec<Peer> = (0..conns)
        .map(|i| {
            let mut stream = TcpStream::connect(addr).expect("connect");
            poll.registry()
                .register(&mut stream, Token(i), both)
                .expect("register");
            peer(stream)
        })
        .collect();
    // Accept every connection and wait until every client is connected.
    let mut connected = vec![false; conns];
    while peers.len() < 2 * conns || connected.iter().any(|c| !c) {
        poll_once(&mut poll, &mut events);
        for event in events.iter() {
            if event.token() == LISTENER {
                while let Ok((mut stream, _)) = listener.accept() {
                    let token = Token(peers.len());
                    poll.registry()
                        .register(&mut stream, token, both)
                        .expect("register");
                    peers.push(peer(stream));
                }
            } else if event.token().0 < conns && event.is_writable() {
                let client = &peers[event.token().0].stream;
                connected[event.token().0] = client.peer_addr().is_ok();
            }
        }
    }
    for peer in &peers {
        peer.stream.set_nodelay(true).expect("nodelay");
    }

    let start = Instant::now();
    if trips == 0 {
        return start.elapsed();
    }
    let message = [7; MESSAGE];
    for client in &mut peers[..conns] {
        send(client, &message);
    }
    let mut running = conns;
    let mut buf = [0; 4096];
    while running > 0 {
        poll_once(&mut poll, &mut events);
        for event in events.iter() {
            let index = event.token().0;
            let peer = &mut peers[index];
            if event.is_writable() && !peer.pending.is_empty() {
                let pending = std::mem::take(&mut peer.pending);
                send(peer, &pending);
            }
            if !event.is_readable() {
                continue;
            }
            if index < conns {
                // Client: collect the echo; when complete, send the next message. At most
                // one message is in flight, so a read never fills `buf`: it is a short read
                // and the socket is drained after it.
                match peer.stream.read(&mut buf) {
                    Ok(0) => panic!("server closed"),
                    Ok(n) => {
                        peer.got += n;
                        if peer.got == MESSAGE {
                            peer.got = 0;
                            peer.done += 1;
                            if peer.done == trips {
                                running -= 1;
                            } else {
                                send(peer, &message);
                            }
                        }
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    Err(err) => panic!("client read: {err}"),
                }
            } else {
                // Server: echo what arrived.
                loop {
                    match peer.stream.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            send(peer, &buf[..n]);
                            if n < buf.len() {
                                break; // short read: drained
                            }
                        }
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                        Err(err) => panic!("server read: {err}"),
                    }
                }
            }
        }
    }
    start.elapsed()
}

fn peer(stream: TcpStream) -> Peer {
    Peer {
        stream,
        pending: Vec::new(),
        got: 0,
        done: 0,
    }
}

/// Writes `bytes`, keeping whatever the socket does not take for the next writable event.
fn send(peer: &mut Peer, bytes: &[u8]) {
    if !peer.pending.is_empty() {
        peer.pending.extend_from_slice(bytes);
        return;
    }
    let mut rest = bytes;
    while !rest.is_empty() {
        match peer.stream.write(rest) {
            Ok(n) => rest = &rest[n..],
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) => panic!("write: {err}"),
        }
    }
    peer.pending.extend_from_slice(rest);
}

fn poll_once(poll: &mut Poll, events: &mut Events) {
    loop {
        match poll.poll(events, None) {
            Ok(()) => return,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => panic!("poll: {err}"),
        }
    }
}

/// An HTTP connection of [`serve_http`].
struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    out: Vec<u8>,
}

/// The hello server on one `mio` loop; runs until the process is killed.
pub fn serve_http(announce: impl FnOnce(SocketAddr)) {
    let mut poll = Poll::new().expect("poll");
    let mut events = Events::with_capacity(1024);
    let mut listener = TcpListener::bind(([127, 0, 0, 1], 0).into()).expect("bind");
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .expect("register");
    announce(listener.local_addr().expect("local_addr"));
    let mut conns: Slab<Conn> = Slab::new();
    let mut chunk = [0; 4096];
    loop {
        poll_once(&mut poll, &mut events);
        for event in events.iter() {
            if event.token() == LISTENER {
                // Accept errors (EMFILE, ...) end this round; the next event retries.
                while let Ok((mut stream, _)) = listener.accept() {
                    let _ = stream.set_nodelay(true);
                    let entry = conns.vacant_entry();
                    let token = Token(entry.key());
                    if poll
                        .registry()
                        .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
                        .is_ok()
                    {
                        entry.insert(Conn {
                            stream,
                            input: Vec::with_capacity(4096),
                            out: Vec::with_capacity(4096),
                        });
                    }
                }
                continue;
            }
            let key = event.token().0;
            let Some(conn) = conns.get_mut(key) else {
                continue;
            };
            let mut close = event.is_writable() && flush(conn).is_err();
            while event.is_readable() && !close {
                match conn.stream.read(&mut chunk) {
                    Ok(0) => close = true,
                    Ok(n) => {
                        conn.input.extend_from_slice(&chunk[..n]);
                        match http::respond(&conn.input, &mut conn.out) {
                            Ok(used) => {
                                conn.input.drain(..used);
                                close = flush(conn).is_err();
                            }
                            Err(http::Malformed) => close = true,
                        }
                        if n < chunk.len() {
                            break; // short read: drained
                        }
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => close = true,
                }
            }
            if close {
                let mut conn = conns.remove(key);
                let _ = poll.registry().deregister(&mut conn.stream);
            }
        }
    }
}

/// Writes as much of `conn.out` as the socket takes now; the rest waits for writability.
fn flush(conn: &mut Conn) -> io::Result<()> {
    let mut written = 0;
    while written < conn.out.len() {
        match conn.stream.write(&conn.out[written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) => return Err(err),
        }
    }
    conn.out.drain(..written);
    Ok(())
}
