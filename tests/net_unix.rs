//! `net::UnixListener`, `UnixStream` and `UnixDatagram`. Socket files live under
//! `std::env::temp_dir()` with unique names and are removed at the end. Ignored under Miri.

mod support;

use std::future::poll_fn;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use evloop::net::{UnixDatagram, UnixListener, UnixStream};
use futures_core::Stream;
use futures_util::io::{AsyncReadExt, AsyncWriteExt};

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

/// A socket path unique to this process and call, removed on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(tag: &str) -> TempPath {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("evloop-test-{}-{tag}-{n}.sock", std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_file(&path);
        TempPath(path)
    }
}

impl AsRef<Path> for TempPath {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn stream_pair_round_trip_and_eof() {
    run(async {
        let (a, b) = UnixStream::pair()?;
        for i in 0..50u8 {
            a.write_all(&[i; 10]).await?;
            let mut buf = [0; 10];
            (&b).read_exact(&mut buf).await?;
            assert_eq!(buf, [i; 10]);
        }
        let mut a = a;
        a.close().await?; // FIN
        let mut rest = Vec::new();
        (&b).read_to_end(&mut rest).await?;
        assert!(rest.is_empty());
        b.write_all(b"a still reads").await?;
        let mut buf = [0; 13];
        a.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"a still reads");
        Ok(())
    });
}

/// Reads 5 bytes and writes them back.
async fn echo_once(stream: &UnixStream) -> io::Result<()> {
    let mut buf = [0; 5];
    (&*stream).read_exact(&mut buf).await?;
    stream.write_all(&buf).await
}

#[test]
#[cfg_attr(miri, ignore)]
fn listener_at_a_temp_path() {
    let path = TempPath::new("listener");
    run(async {
        let listener = UnixListener::bind(&path)?;
        assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_ref()));
        let server = evloop::spawn(async move {
            // Two clients, the second through `incoming`.
            let (first, _) = listener.accept().await?;
            echo_once(&first).await?;
            let mut incoming = listener.incoming();
            let second = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx))
                .await
                .expect("incoming never ends")?;
            echo_once(&second).await?;
            Ok::<_, io::Error>(())
        });
        for _ in 0..2 {
            let client = UnixStream::connect(&path).await?;
            assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_ref()));
            client.write_all(b"hello").await?;
            let mut buf = [0; 5];
            (&client).read_exact(&mut buf).await?;
            assert_eq!(&buf, b"hello");
        }
        server.await.unwrap()?;
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn connect_to_a_missing_path_fails() {
    let path = TempPath::new("missing");
    run(async {
        let err = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn stream_into_split_from_two_tasks() {
    const CHUNKS: usize = 64;
    const CHUNK: usize = 8192;
    run(async {
        let (a, b) = UnixStream::pair()?;
        // b echoes everything back until end-of-file.
        evloop::spawn(async move { futures_util::io::copy(&b, &mut &b).await });
        let (mut read_half, write_half) = a.into_split();
        let writer = evloop::spawn(async move {
            for i in 0..CHUNKS {
                write_half.write_all(&[i as u8; CHUNK]).await?;
            }
            Ok::<_, io::Error>(write_half) // keep it open until the reader is done
        });
        let mut chunk = vec![0; CHUNK];
        for i in 0..CHUNKS {
            read_half.read_exact(&mut chunk).await?;
            assert!(chunk.iter().all(|&x| x == i as u8), "chunk {i}");
        }
        let write_half = writer.await.unwrap()?;
        let a = read_half.reunite(write_half).expect("same stream");
        a.write_all(b"!").await?;
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn datagram_pair_and_bound_sockets() {
    let server_path = TempPath::new("dgram-server");
    let client_path = TempPath::new("dgram-client");
    run(async {
        let (a, b) = UnixDatagram::pair()?;
        a.send(b"one").await?;
        a.send(b"two").await?;
        let mut buf = [0; 8];
        let n = b.recv(&mut buf).await?;
        assert_eq!(&buf[..n], b"one");
        let n = b.recv(&mut buf).await?;
        assert_eq!(&buf[..n], b"two");

        let server = UnixDatagram::bind(&server_path)?;
        let client = UnixDatagram::bind(&client_path)?;
        client.send_to(b"ping", &server_path).await?;
        let (n, from) = server.recv_from(&mut buf).await?;
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(from.as_pathname(), Some(client_path.as_ref()));
        server.send_to(b"pong", from.as_pathname().unwrap()).await?;
        let (n, _) = client.recv_from(&mut buf).await?;
        assert_eq!(&buf[..n], b"pong");

        let unbound = UnixDatagram::unbound()?;
        unbound.connect(&server_path)?;
        unbound.send(b"anon").await?;
        let (n, from) = server.recv_from(&mut buf).await?;
        assert_eq!(&buf[..n], b"anon");
        assert!(from.is_unnamed());
        Ok(())
    });
}

#[test]
#[cfg_attr(miri, ignore)]
fn unix_sockets_need_a_runtime() {
    assert!(UnixStream::pair().is_err());
    assert!(UnixDatagram::unbound().is_err());
}

/// A peer (Python's `socket.send_fds`) sends "abc" with a file descriptor attached, then
/// "def". Linux ends a read after the message that carries descriptors, with "def" already
/// queued and no new readiness edge to come: the reader must not take that short read for
/// "drained" (it would wait for more data that is already there).
#[test]
#[cfg_attr(miri, ignore)]
fn a_read_cut_short_by_passed_descriptors_still_gets_the_rest() {
    if !support::peers_available(&["python3"]) {
        return;
    }
    const PEER: &str = r#"
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
time.sleep(0.2)  # the evloop side is waiting by now
r, w = os.pipe()
socket.send_fds(s, [b"abc"], [r])
s.sendall(b"def")
time.sleep(3)  # no FIN yet: it would wake the reader and hide a lost wakeup
"#;
    let path = TempPath::new("fds");
    run(async {
        let listener = UnixListener::bind(&path)?;
        let peer = std::process::Command::new("python3")
            .args(["-c", PEER])
            .arg(path.as_ref())
            .spawn();
        let _peer = KillOnDrop(peer.expect("`python3` is needed: apt-get install -y python3"));
        let (stream, _) = listener.accept().await?;
        let mut got = Vec::new();
        let mut buf = [0; 64];
        while got.len() < 6 {
            let n = evloop::wait_for(Duration::from_secs(2), stream.read(&mut buf))
                .await
                .unwrap_or_else(|_| panic!("read stalled after {got:?} with bytes queued"))?;
            assert_ne!(n, 0, "early end of stream after {got:?}");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"abcdef");
        Ok(())
    });
}

/// A child process killed and reaped when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_listener_removes_the_socket_file_it_created_and_only_that() {
    let path = TempPath::new("unlink");
    run(async {
        // Bound, dropped: the file is gone and the path can be bound again.
        let listener = UnixListener::bind(&path)?;
        assert!(path.0.exists());
        drop(listener);
        assert!(!path.0.exists(), "the socket file was left behind");
        // A file that replaced ours is not ours to remove.
        let listener = UnixListener::bind(&path)?;
        std::fs::remove_file(&path)?;
        std::fs::write(&path, b"someone else's")?;
        drop(listener);
        assert_eq!(std::fs::read(&path)?, b"someone else's");
        std::fs::remove_file(&path)?;
        // Made from a standard listener, or turned back into one: nothing is removed.
        let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
        drop(UnixListener::from_std(std_listener)?);
        assert!(path.0.exists());
        std::fs::remove_file(&path)?;
        let std_listener = UnixListener::bind(&path)?.into_std();
        assert!(
            path.0.exists(),
            "into_std keeps the file for the standard listener"
        );
        drop(std_listener);
        Ok(())
    });
}
