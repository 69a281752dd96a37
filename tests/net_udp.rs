//! `net::UdpSocket` over loopback (`127.0.0.1`, port 0 only). Ignored under Miri (sockets).

use std::io::{self, ErrorKind};
use std::rc::Rc;
use std::time::Duration;

use evloop::net::UdpSocket;

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

#[test]
#[cfg_attr(miri, ignore)]
fn send_to_and_recv_from() {
    run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await?;
        let b = UdpSocket::bind("127.0.0.1:0").await?;
        for i in 0..50u8 {
            assert_eq!(a.send_to(&[i; 3], b.local_addr()?).await?, 3);
            let mut buf = [0; 16];
            let (n, from) = b.recv_from(&mut buf).await?;
            assert_eq!((&buf[..n], from), (&[i; 3][..], a.local_addr()?));
            // And back, to the sender's address.
            b.send_to(&buf[..n], from).await?;
            let (n, from) = a.recv_from(&mut buf).await?;
            assert_eq!((n, from), (3, b.local_addr()?));
        }
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connected_send_and_recv() {
    run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await?;
        let b = UdpSocket::bind("127.0.0.1:0").await?;
        a.connect(b.local_addr()?).await?;
        b.connect(format!("127.0.0.1:{}", a.local_addr()?.port()))
            .await?;
        assert_eq!(a.peer_addr()?, b.local_addr()?);
        a.send(b"hello").await?;
        let mut buf = [0; 16];
        let n = b.recv(&mut buf).await?;
        assert_eq!(&buf[..n], b"hello");
        b.send(b"world").await?;
        let n = a.recv(&mut buf).await?;
        assert_eq!(&buf[..n], b"world");
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn recv_waits_for_a_late_datagram_and_peek_keeps_it() {
    run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await?;
        let b = Rc::new(UdpSocket::bind("127.0.0.1:0").await?);
        let target = b.local_addr()?;
        evloop::spawn(async move {
            evloop::sleep(Duration::from_millis(20)).await;
            a.send_to(b"late", target).await
        });
        let mut buf = [0; 8];
        let (n, from) = b.peek_from(&mut buf).await?;
        assert_eq!(&buf[..n], b"late");
        let (m, again) = b.recv_from(&mut buf).await?;
        assert_eq!((m, again), (n, from));
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn options_conversions_and_errors() {
    run(async {
        let socket = UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
        assert_eq!(
            socket.peer_addr().unwrap_err().kind(),
            ErrorKind::NotConnected
        );
        // EDESTADDRREQ: no default peer.
        assert!(socket.send(b"nowhere").await.is_err());
        socket.set_broadcast(true)?;
        assert!(socket.broadcast()?);
        assert!(format!("{socket:?}").contains("UdpSocket"));
        let addr = socket.local_addr()?;
        assert_eq!(socket.into_std().local_addr()?, addr);
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn udp_sockets_need_a_runtime() {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    assert!(UdpSocket::from_std(socket).is_err());
}
