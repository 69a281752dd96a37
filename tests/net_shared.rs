//! Several tasks waiting on one socket direction, and a datagram socket's error that must
//! not stick (issue 9). Loopback only (`127.0.0.1`, port 0); ignored under Miri (sockets).

mod support;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io::{self, ErrorKind};
use std::rc::Rc;
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream, UdpSocket};

/// Runs a test body with a deadline (`support::run`): a task whose waker was displaced
/// waits forever, and must fail the test, not hang it.
#[track_caller]
fn run<F: Future<Output = io::Result<()>>>(body: F) {
    support::run(body).unwrap();
}

/// A connected pair of TCP streams on loopback: (client, server side).
async fn tcp_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = TcpStream::connect(listener.local_addr()?).await?;
    let (server, _) = listener.accept().await?;
    Ok((client, server))
}

#[test]
#[cfg_attr(miri, ignore)]
fn two_readers_on_one_tcp_stream_both_finish() {
    // Regression: each direction kept one waker, so the second reader displaced the first,
    // which then waited forever.
    run(async {
        let (client, server) = tcp_pair().await?;
        let server = Rc::new(server);
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let server = server.clone();
                evloop::spawn(async move {
                    let mut buf = [0; 4];
                    server.read(&mut buf).await
                })
            })
            .collect();
        support::yield_times(3).await; // both are waiting in `read`
        client.write_all(b"abcd").await?;
        // One reader may take all four bytes: send more until both are done.
        for _ in 0..1_000 {
            if readers.iter().all(|r| r.is_finished()) {
                break;
            }
            client.write_all(b"efgh").await?;
            evloop::sleep(Duration::from_millis(1)).await;
        }
        for reader in readers {
            assert!(reader.await.unwrap()? > 0);
        }
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn three_tasks_await_readable_on_one_stream() {
    run(async {
        let (client, server) = tcp_pair().await?;
        // A fresh socket counts as ready until an operation says otherwise.
        let err = server.try_read(&mut [0; 1]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        let server = Rc::new(server);
        let woken = Rc::new(Cell::new(0));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let (server, woken) = (server.clone(), woken.clone());
                evloop::spawn(async move {
                    server.readable().await?;
                    woken.set(woken.get() + 1);
                    io::Result::Ok(())
                })
            })
            .collect();
        support::yield_times(3).await;
        assert_eq!(woken.get(), 0, "nothing to read yet");
        client.write_all(b"x").await?;
        for waiter in waiters {
            waiter.await.unwrap()?;
        }
        assert_eq!(woken.get(), 3);
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn eight_receivers_share_one_udp_socket_and_each_datagram_arrives_once() {
    // The ordinary shape of a UDP server: several tasks `recv` on one socket. Each receiver
    // stops at its first "stop" datagram, so all eight finish only if none was displaced.
    const RECEIVERS: usize = 8;
    const DATAGRAMS: u32 = 2_000;
    const BURST: u32 = 50; // stays far below the socket's receive buffer
    run(async {
        let server = Rc::new(UdpSocket::bind("127.0.0.1:0").await?);
        let client = UdpSocket::bind("127.0.0.1:0").await?;
        client.connect(server.local_addr()?).await?;
        let seen = Rc::new(RefCell::new(Vec::new()));
        let receivers: Vec<_> = (0..RECEIVERS)
            .map(|_| {
                let (server, seen) = (server.clone(), seen.clone());
                evloop::spawn(async move {
                    let mut buf = [0; 8];
                    loop {
                        let n = server.recv(&mut buf).await?;
                        if &buf[..n] == b"stop" {
                            return io::Result::Ok(());
                        }
                        let id = u32::from_be_bytes(buf[..4].try_into().unwrap());
                        seen.borrow_mut().push(id);
                    }
                })
            })
            .collect();
        support::yield_times(3).await; // all eight wait in `recv`
        for burst in 0..DATAGRAMS / BURST {
            for id in burst * BURST..(burst + 1) * BURST {
                client.send(&id.to_be_bytes()).await?;
            }
            let expected = ((burst + 1) * BURST) as usize;
            for _ in 0..5_000 {
                if seen.borrow().len() >= expected {
                    break;
                }
                evloop::sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(
                seen.borrow().len(),
                expected,
                "datagrams lost in burst {burst}"
            );
        }
        for _ in 0..RECEIVERS {
            client.send(b"stop").await?;
        }
        for receiver in receivers {
            receiver.await.unwrap()?;
        }
        let seen = seen.borrow();
        let unique: HashSet<u32> = seen.iter().copied().collect();
        assert_eq!(
            seen.len(),
            DATAGRAMS as usize,
            "a datagram was received twice"
        );
        assert_eq!(unique.len(), DATAGRAMS as usize);
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_udp_error_is_returned_once_then_recv_waits_without_spinning() {
    // Regression: after a connected UDP socket got an ICMP "port unreachable", the error
    // bit stayed set, so an idle `recv` retried `WouldBlock` at full CPU forever.
    run(async {
        let closed_port = {
            let gone = UdpSocket::bind("127.0.0.1:0").await?;
            gone.local_addr()?
        }; // nothing listens there now
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        socket.connect(closed_port).await?;
        let mut buf = [0; 16];
        let mut refused = false;
        for _ in 0..50 {
            socket.send(b"anyone?").await?;
            // Let the loop see the error event before anyone reads it (a read would take
            // the error off the socket before `epoll_wait` could report it).
            evloop::sleep(Duration::from_millis(10)).await;
            match evloop::wait_for(Duration::from_millis(100), socket.recv(&mut buf)).await {
                Ok(Err(err)) if err.kind() == ErrorKind::ConnectionRefused => {
                    refused = true;
                    break;
                }
                Ok(Err(err)) => return Err(err),
                Ok(Ok(n)) => panic!("received {n} bytes from a closed port"),
                Err(_elapsed) => {} // the ICMP error has not arrived yet: try again
            }
        }
        assert!(refused, "the kernel never reported the closed port");
        // Now idle: nothing will arrive. Count the polls of a `recv` over 100 ms.
        let tracker = support::Tracker::new();
        let idle = evloop::wait_for(
            Duration::from_millis(100),
            tracker.track(socket.recv(&mut buf)),
        )
        .await;
        assert!(idle.is_err(), "nothing should arrive");
        assert!(
            tracker.polls() <= 3,
            "an idle recv was polled {} times in 100 ms: the error readiness stuck",
            tracker.polls()
        );
        Ok(())
    });
}
