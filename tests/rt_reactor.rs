//! The reactor through `io::IoSource`: readiness, edge-triggered clearing, deregistration.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::time::Duration;

use evloop::io::IoSource;
use mio::unix::pipe::{self, Receiver, Sender};

/// A non-blocking pipe: (read end, write end). Pipes rather than sockets so that the
/// suite also runs under Miri.
fn pair() -> (Receiver, Sender) {
    let (tx, rx) = pipe::new().unwrap();
    (rx, tx)
}

#[test]
fn read_waits_for_data_written_later() {
    support::run(async {
        let (a, b) = pair();
        let (a, b) = (IoSource::new(a).unwrap(), IoSource::new(b).unwrap());
        let writer = evloop::spawn(async move {
            evloop::sleep(Duration::from_millis(5)).await;
            b.write_with(|mut s| s.write(b"hello")).await.unwrap();
            b
        });
        let mut buf = [0u8; 16];
        let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        drop(writer.await.unwrap());
    });
}

#[test]
fn one_byte_reads_drain_a_burst_without_missing_an_edge() {
    let total = if cfg!(miri) { 4 * 1024 } else { 256 * 1024 };
    support::run(async move {
        let (a, b) = pair();
        let (a, b) = (IoSource::new(a).unwrap(), IoSource::new(b).unwrap());
        let writer = evloop::spawn(async move {
            let data = vec![7u8; total];
            let mut sent = 0;
            while sent < total {
                sent += b.write_with(|mut s| s.write(&data[sent..])).await.unwrap();
            }
            b // keep the peer open until the reader is done
        });
        let mut got = 0;
        let mut byte = [0u8; 1];
        while got < total {
            let n = a.read_with(|mut s| s.read(&mut byte)).await.unwrap();
            assert_eq!(n, 1);
            got += 1;
        }
        assert_eq!(got, total);
        drop(writer.await.unwrap());
    });
}

#[test]
fn spurious_readiness_gets_would_block_then_waits() {
    support::run(async {
        let (a, b) = pair();
        let (a, mut b) = (IoSource::new(a).unwrap(), b);
        // A fresh registration is optimistically readable: the first read says WouldBlock
        // and the source waits for a real edge instead of spinning.
        let attempts = std::cell::Cell::new(0);
        let reader = async {
            let mut buf = [0u8; 4];
            a.read_with(|mut s| {
                attempts.set(attempts.get() + 1);
                s.read(&mut buf)
            })
            .await
        };
        let writer = async {
            evloop::sleep(Duration::from_millis(5)).await;
            b.write_all(b"ping").unwrap();
        };
        let (n, ()) = evloop::join!(reader, writer);
        assert_eq!(n.unwrap(), 4);
        assert_eq!(
            attempts.get(),
            2,
            "one WouldBlock, then one successful read"
        );
    });
}

#[test]
fn peer_close_is_eof_not_a_hang() {
    support::run(async {
        let (a, b) = pair();
        let a = IoSource::new(a).unwrap();
        drop(b);
        let mut buf = [0u8; 4];
        assert_eq!(a.read_with(|mut s| s.read(&mut buf)).await.unwrap(), 0);
    });
}

#[test]
#[cfg_attr(miri, ignore)] // writing to a closed pipe: Miri does not model EPIPE
fn errors_come_back_as_io_errors() {
    support::run(async {
        let (b, a) = pair();
        let a = IoSource::new(a).unwrap();
        drop(b);
        let err = loop {
            match a.write_with(|mut s| s.write(&[0u8; 1024])).await {
                Ok(_) => continue,
                Err(err) => break err,
            }
        };
        assert!(
            matches!(
                err.kind(),
                ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
            ),
            "{err:?}"
        );
    });
}

#[test]
fn dropped_sources_do_not_leak_events_into_reused_slots() {
    support::run(async {
        for _ in 0..50 {
            let (a, mut b) = pair();
            let a = IoSource::new(a).unwrap();
            b.write_all(b"x").unwrap(); // an event is pending for `a`...
            drop(a); // ...which is dropped before the reactor sees it
            let (c, _d) = pair();
            let c = IoSource::new(c).unwrap(); // likely reuses the slot
            evloop::yield_now().await;
            // `c` has no data: a stale event must not make it readable for real.
            let mut buf = [0u8; 1];
            let r = evloop::wait_for(
                Duration::from_millis(1),
                c.read_with(|mut s| s.read(&mut buf)),
            )
            .await;
            assert!(r.is_err(), "stale readiness reached a new source");
        }
    });
}

#[test]
fn into_inner_deregisters_and_returns_the_source() {
    support::run(async {
        let (a, mut b) = pair();
        let a = IoSource::new(a).unwrap();
        let mut plain = a.into_inner();
        b.write_all(b"z").unwrap();
        let mut buf = [0u8; 1];
        // Still a working non-blocking socket.
        loop {
            match plain.read(&mut buf) {
                Ok(1) => break,
                Err(e) if e.kind() == ErrorKind::WouldBlock => evloop::yield_now().await,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(&buf, b"z");
    });
}

#[test]
fn io_source_outside_a_runtime_is_an_error() {
    let (a, _b) = pair();
    let err = IoSource::new(a).unwrap_err();
    assert!(err.to_string().contains("no runtime"), "{err}");
}
