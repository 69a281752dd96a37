//! `net::TcpListener` and `net::TcpStream` over loopback (`127.0.0.1`, port 0 only).
//!
//! Sockets do not run under Miri: every test is ignored there.

use std::future::poll_fn;
use std::io::{self, ErrorKind, IoSlice};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use evloop::net::{ListenOptions, TcpListener, TcpStream};
use futures_core::Stream;
use futures_util::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// Runs a test body on a fresh runtime, failing (instead of hanging) after a minute.
#[track_caller]
fn run<F: Future<Output = io::Result<()>>>(body: F) {
    evloop::run(async {
        evloop::wait_for(Duration::from_secs(60), body)
            .await
            .expect("test timed out")
    })
    .unwrap();
}

/// An echo server on `127.0.0.1:0` that serves connections until the runtime ends.
async fn echo_server() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    evloop::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            evloop::spawn(async move {
                let mut buf = vec![0; 16 * 1024];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if stream.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    Ok(addr)
}

#[test]
#[cfg_attr(miri, ignore)]
fn echo_round_trips() {
    run(async {
        let addr = echo_server().await?;
        let stream = TcpStream::connect(addr).await?;
        for i in 0..100u32 {
            let msg = format!("message {i}");
            stream.write_all(msg.as_bytes()).await?;
            let mut buf = vec![0; msg.len()];
            (&stream).read_exact(&mut buf).await?;
            assert_eq!(buf, msg.as_bytes());
        }
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn futures_util_read_line_read_exact_and_copy() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        // The server echoes with `futures_util::io::copy` until end-of-file, then closes.
        let server = evloop::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let copied = futures_util::io::copy(&stream, &mut &stream).await?;
            (&stream).close().await?;
            Ok::<_, io::Error>(copied)
        });
        let mut client = TcpStream::connect(addr).await?;
        client.write_all(b"first line\nsecond").await?;
        let mut reader = BufReader::new(&client);
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        assert_eq!(line, "first line\n");
        let mut rest = [0; 6];
        reader.read_exact(&mut rest).await?;
        assert_eq!(&rest, b"second");
        drop(reader);
        AsyncWriteExt::close(&mut client).await?; // FIN: the server's copy ends
        let mut tail = Vec::new();
        client.read_to_end(&mut tail).await?;
        assert!(tail.is_empty());
        assert_eq!(server.await.unwrap()?, 17);
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn poll_close_sends_fin_and_the_read_side_still_works() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        client.write_all(b"request").await?;
        AsyncWriteExt::close(&mut client).await?;
        let mut request = Vec::new();
        (&server).read_to_end(&mut request).await?; // ends: the FIN arrived
        assert_eq!(request, b"request");
        server.write_all(b"response").await?;
        server.shutdown(Shutdown::Write)?;
        let mut response = Vec::new();
        client.read_to_end(&mut response).await?;
        assert_eq!(response, b"response");
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn into_split_full_duplex_from_two_tasks() {
    const CHUNKS: usize = 256;
    const CHUNK: usize = 4096; // 1 MiB in all: more than the socket buffers hold
    run(async {
        let addr = echo_server().await?;
        let (mut read_half, mut write_half) = TcpStream::connect(addr).await?.into_split();
        let writer = evloop::spawn(async move {
            for i in 0..CHUNKS {
                write_half.write_all(&[i as u8; CHUNK]).await?;
            }
            write_half.close().await?;
            Ok::<_, io::Error>(())
        });
        let reader = evloop::spawn(async move {
            let mut chunk = vec![0; CHUNK];
            for i in 0..CHUNKS {
                read_half.read_exact(&mut chunk).await?;
                assert!(chunk.iter().all(|&b| b == i as u8), "chunk {i} corrupted");
            }
            // The server saw our FIN (write half closed) and closed too.
            assert_eq!(read_half.read(&mut chunk).await?, 0);
            Ok::<_, io::Error>(())
        });
        writer.await.unwrap()?;
        reader.await.unwrap()?;
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn reunite_gives_the_stream_back_and_rejects_strangers() {
    run(async {
        let addr = echo_server().await?;
        let a = TcpStream::connect(addr).await?;
        let b = TcpStream::connect(addr).await?;
        let (a_read, a_write) = a.into_split();
        let (b_read, b_write) = b.into_split();
        let err = a_read.reunite(b_write).unwrap_err();
        let (a_read, b_write) = (err.0, err.1);
        let a = a_read.reunite(a_write).expect("same stream");
        let _b = b_write.reunite(b_read).expect("same stream");
        // Reuniting did not shut down the write side.
        a.write_all(b"still open").await?;
        let mut buf = [0; 10];
        (&a).read_exact(&mut buf).await?;
        assert_eq!(&buf, b"still open");
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn one_byte_reader_gets_every_byte_of_a_burst() {
    const LEN: usize = 1 << 20;
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        evloop::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
            stream.write_all(&data).await?;
            Ok::<_, io::Error>(()) // dropped: FIN
        });
        let stream = TcpStream::connect(addr).await?;
        let mut byte = [0; 1];
        let mut received = 0;
        // Bounded: at most LEN + 1 reads.
        while received <= LEN {
            match stream.read(&mut byte).await? {
                0 => break,
                _ => {
                    assert_eq!(byte[0], (received % 251) as u8, "byte {received}");
                    received += 1;
                }
            }
        }
        assert_eq!(received, LEN);
        Ok(())
    });
}

/// Reads and writes that move fewer bytes than asked clear the readiness at once (no
/// `WouldBlock` call after them); the next edge must still wake the waiting side.
#[test]
#[cfg_attr(miri, ignore)]
fn short_reads_and_writes_lose_no_wakeups() {
    const LEN: usize = 4 << 20;
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let writer = evloop::spawn(async move {
            let (stream, _) = listener.accept().await?;
            // More than the socket buffers hold: the writes come up short and wait.
            let data: Vec<u8> = (0..LEN).map(|i| (i % 253) as u8).collect();
            stream.write_all(&data).await?;
            // A short message later: the reader's last read was short, so it waits for it.
            evloop::sleep(Duration::from_millis(20)).await;
            stream.write_all(b"tail").await?;
            Ok::<_, io::Error>(())
        });
        let stream = TcpStream::connect(addr).await?;
        // Let the registration-time events pass, so that no queued edge can hide a lost one.
        evloop::sleep(Duration::from_millis(20)).await;
        let mut buf = vec![0; 3000];
        let mut received = 0;
        let mut reads = 0;
        while received < LEN + 4 && reads <= LEN {
            reads += 1;
            if reads % 64 == 0 {
                evloop::sleep(Duration::from_millis(1)).await; // let the writer fill up
            }
            let n = stream.read(&mut buf).await?;
            assert_ne!(n, 0, "early end of stream after {received} bytes");
            for (i, &byte) in buf[..n].iter().enumerate() {
                let at = received + i;
                let expected = if at < LEN {
                    (at % 253) as u8
                } else {
                    b"tail"[at - LEN]
                };
                assert_eq!(byte, expected, "byte {at}");
            }
            received += n;
        }
        assert_eq!(received, LEN + 4);
        writer.await.unwrap()?;
        Ok(())
    });
}

/// `writev` takes at most `IOV_MAX` (1024) slices: a vectored write of more returns less
/// than asked while the socket is still writable, and must not be taken for a full buffer.
#[test]
#[cfg_attr(miri, ignore)]
fn vectored_writes_of_more_than_iov_max_slices_complete() {
    const LEN: usize = 2000;
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        // Let the registration-time events pass, so that no queued edge can hide a lost one.
        evloop::sleep(Duration::from_millis(20)).await;
        let bytes: Vec<u8> = (0..LEN).map(|i| i as u8).collect();
        let slices: Vec<IoSlice<'_>> = bytes.chunks(1).map(IoSlice::new).collect();
        let mut written = 0;
        while written < LEN {
            let n = evloop::wait_for(
                Duration::from_secs(5),
                (&client).write_vectored(&slices[written..]),
            )
            .await
            .expect("a vectored write stalled with the socket writable")?;
            written += n; // one byte per slice
        }
        let mut got = vec![0; LEN];
        (&server).read_exact(&mut got).await?;
        assert_eq!(got, bytes);
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn try_read_does_not_steal_the_wakeup_of_a_waiting_reader() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let client = Rc::new(TcpStream::connect(listener.local_addr()?).await?);
        let (server, _) = listener.accept().await?;
        let reader_side = client.clone();
        let reader = evloop::spawn(async move {
            let mut buf = [0; 8];
            let n = reader_side.read(&mut buf).await?;
            Ok::<_, io::Error>(buf[..n].to_vec())
        });
        evloop::yield_now().await; // the reader is now waiting for readability
        let mut buf = [0; 8];
        // Another task peeks with try_read: not ready, and it must not displace the reader.
        assert_eq!(
            client.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        server.write_all(b"ping").await?;
        assert_eq!(reader.await.unwrap()?, b"ping");
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn readable_then_try_read_waits_instead_of_spinning() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        evloop::spawn(async move {
            evloop::sleep(Duration::from_millis(50)).await;
            server.write_all(b"late").await?;
            evloop::sleep(Duration::from_millis(50)).await;
            Ok::<_, io::Error>(())
        });
        let mut buf = [0; 8];
        let mut wakeups = 0;
        let n = loop {
            wakeups += 1;
            assert!(wakeups < 100, "readable() keeps firing without data");
            client.readable().await?;
            match client.try_read(&mut buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                other => break other?,
            }
        };
        assert_eq!(&buf[..n], b"late");
        // One spurious round at most (a new socket starts out "maybe ready").
        assert!(wakeups <= 3, "{wakeups} wake-ups for one message");
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connect_resolves_localhost() {
    run(async {
        let addr = echo_server().await?;
        // "localhost" may resolve to ::1 first, where nothing listens: the next address
        // is tried.
        let stream = TcpStream::connect(format!("localhost:{}", addr.port())).await?;
        assert_eq!(stream.peer_addr()?, addr);
        let stream = TcpStream::connect(("localhost", addr.port())).await?;
        assert_eq!(stream.peer_addr()?, addr);
        let addrs: Vec<_> = evloop::net::lookup_host(("localhost", 80)).await?.collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connect_to_a_closed_port_is_refused() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        drop(listener);
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_peer_reset_fails_that_stream_only() {
    run(async {
        let listener = Rc::new(TcpListener::bind("127.0.0.1:0").await?);
        let addr = listener.local_addr()?;
        let doomed = TcpStream::connect(addr).await?;
        let (doomed_server, _) = listener.accept().await?;
        let healthy = TcpStream::connect(addr).await?;
        let (healthy_server, _) = listener.accept().await?;

        // Closing a socket with unread data makes the kernel send RST.
        doomed.write_all(b"never read").await?;
        doomed_server.readable().await?;
        drop(doomed_server);
        let err = doomed.read(&mut [0; 16]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);

        // The other connection and the listener carry on.
        healthy.write_all(b"ping").await?;
        let mut buf = [0; 4];
        (&healthy_server).read_exact(&mut buf).await?;
        assert_eq!(&buf, b"ping");
        let _third = TcpStream::connect(addr).await?;
        listener.accept().await?;
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_thousand_concurrent_connections_complete() {
    const CLIENTS: usize = 1000;
    run(async {
        let listener =
            TcpListener::bind_with("127.0.0.1:0", ListenOptions::new().backlog(1024)).await?;
        let addr = listener.local_addr()?;
        evloop::spawn(async move {
            for _ in 0..CLIENTS {
                let (stream, _) = listener.accept().await?;
                evloop::spawn(async move {
                    let mut buf = [0; 8];
                    (&stream).read_exact(&mut buf).await?;
                    stream.write_all(&buf).await
                });
            }
            Ok::<_, io::Error>(())
        });
        let clients = (0..CLIENTS).map(|i| async move {
            let stream = TcpStream::connect(addr).await?;
            let msg = (i as u64).to_le_bytes();
            stream.write_all(&msg).await?;
            let mut buf = [0; 8];
            (&stream).read_exact(&mut buf).await?;
            assert_eq!(buf, msg);
            Ok::<_, io::Error>(())
        });
        let results = evloop::gather(clients).await;
        assert_eq!(results.len(), CLIENTS);
        for result in results {
            result?;
        }
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn incoming_consumed_with_poll_fn() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let clients: Vec<_> = (0..3)
            .map(|_| evloop::spawn(async move { TcpStream::connect(addr).await }))
            .collect();
        let mut incoming = listener.incoming();
        let mut accepted = 0;
        while accepted < 3 {
            let stream = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx))
                .await
                .expect("incoming never ends")?;
            assert_eq!(stream.local_addr()?, addr);
            accepted += 1;
        }
        for client in clients {
            client.await.unwrap()?;
        }
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn std_conversions_and_options() {
    run(async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let listener = TcpListener::from_std(std_listener)?;
        let addr = listener.local_addr()?;
        let std_client = std::net::TcpStream::connect(addr)?;
        let client = TcpStream::from_std(std_client)?;
        let (server, peer) = listener.accept().await?;
        assert_eq!(peer, client.local_addr()?);
        client.set_nodelay(true)?;
        assert!(client.nodelay()?);
        assert!(format!("{client:?}").contains("TcpStream"));
        // Back to std: still the same connection.
        let mut std_server = server.into_std();
        std_server.set_nonblocking(false)?;
        client.write_all(b"to std").await?;
        let mut buf = [0; 6];
        std::io::Read::read_exact(&mut std_server, &mut buf)?;
        assert_eq!(&buf, b"to std");
        let _std_listener = listener.into_std();
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn peek_leaves_data_in_place() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        server.write_all(b"peekaboo").await?;
        let mut buf = [0; 8];
        let mut peeked = 0;
        // Bounded: the 8 bytes may arrive in pieces.
        for _ in 0..1000 {
            peeked = client.peek(&mut buf).await?;
            if peeked == 8 {
                break;
            }
            evloop::yield_now().await;
        }
        assert_eq!(peeked, 8);
        (&client).read_exact(&mut buf).await?;
        assert_eq!(&buf, b"peekaboo");
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn reuse_port_lets_two_listeners_share_a_port() {
    run(async {
        let options = ListenOptions::new().reuse_port(true);
        let a = TcpListener::bind_with("127.0.0.1:0", options).await?;
        let b = TcpListener::bind_with(a.local_addr()?, options).await?;
        assert_eq!(a.local_addr()?, b.local_addr()?);
        // Without SO_REUSEPORT the port is taken.
        let err = TcpListener::bind_with(a.local_addr()?, ListenOptions::new())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn sockets_need_a_runtime() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = TcpListener::from_std(listener).unwrap_err();
    assert!(err.to_string().contains("no runtime"), "{err}");
    // A host name needs the runtime's blocking pool: an error too, not a panic.
    let mut connect = std::pin::pin!(TcpStream::connect("localhost:1"));
    let poll = connect
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
    assert!(matches!(poll, Poll::Ready(Err(_))));
}

/// `accept` hands `EMFILE` to the caller and the listener keeps working. The process
/// cannot lower its own `RLIMIT_NOFILE` without libc, so this re-runs the test binary
/// under `sh -c 'ulimit -n 64; ...'` and checks the child passed.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore)]
fn accept_returns_emfile_to_the_caller() {
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" --exact emfile_child --ignored --test-threads=1")
        .arg(exe)
        .env("EVLOOP_EMFILE_CHILD", "1")
        .output()
        .expect("run sh");
    assert!(
        output.status.success(),
        "the EMFILE child failed: {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// Run by `accept_returns_emfile_to_the_caller`, with at most 64 file descriptors.
#[test]
#[ignore = "run by accept_returns_emfile_to_the_caller under a lowered fd limit"]
#[cfg(target_os = "linux")]
fn emfile_child() {
    const EMFILE: i32 = 24;
    assert!(
        std::env::var_os("EVLOOP_EMFILE_CHILD").is_some(),
        "run only by accept_returns_emfile_to_the_caller, which lowers the fd limit"
    );
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        // A blocking connect completes in the kernel's backlog before any accept.
        let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
        let mut hogs = Vec::new();
        loop {
            assert!(hogs.len() < 100_000, "the fd limit was not lowered");
            match std::fs::File::open("/dev/null") {
                Ok(file) => hogs.push(file),
                Err(err) if err.raw_os_error() == Some(EMFILE) => break,
                Err(err) => return Err(err),
            }
        }
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(EMFILE), "{err}");
        // Freeing a descriptor is enough: the connection waited in the queue.
        hogs.pop();
        let (_stream, _peer) = listener.accept().await?;
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn closing_a_stream_whose_peer_is_gone_is_not_an_error() {
    // hyper closes every connection with `poll_close`; a client that already left made it
    // log "error shutting down connection" (NotConnected) for each one.
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let client = std::net::TcpStream::connect(listener.local_addr()?)?;
        let (mut server, _) = listener.accept().await?;
        socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO))?; // reset: gone
        drop(client);
        let mut buf = [0; 8];
        let _ = server.read(&mut buf).await; // sees the reset
        futures_util::io::AsyncWriteExt::close(&mut server).await?;
        let (read, mut write) = {
            let client = TcpStream::connect(listener.local_addr()?).await?;
            let (peer, _) = listener.accept().await?;
            socket2::SockRef::from(&peer).set_linger(Some(Duration::ZERO))?;
            drop(peer);
            let _ = client.read(&mut buf).await;
            client.into_split()
        };
        futures_util::io::AsyncWriteExt::close(&mut write).await?;
        drop(read);
        Ok(())
    });
}
