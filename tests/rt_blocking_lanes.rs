//! The blocking pool's lanes: user jobs, file calls and host name lookups do not wait for
//! each other's threads.

mod support;

use std::sync::{Arc, Barrier};
use std::time::Duration;

#[test]
#[cfg_attr(miri, ignore)] // mkfifo, sockets and getaddrinfo
fn a_lookup_resolves_while_user_and_file_lanes_are_full() {
    let dir = std::env::temp_dir().join(format!("evloop-lanes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // 64 FIFOs: opening one for reading blocks until a writer comes, so 64 opens fill the
    // file lane (16 threads) and queue 48 more behind them.
    let fifos: Vec<_> = (0..64).map(|i| dir.join(format!("fifo-{i}"))).collect();
    for fifo in &fifos {
        let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    }
    let runtime = evloop::Runtime::builder()
        .max_blocking_threads(64)
        .max_file_threads(16)
        .build()
        .unwrap();
    support::block_on(&runtime, async {
        // 64 user jobs that hold every thread of the user lane until released.
        let release = Arc::new(Barrier::new(65));
        let jobs: Vec<_> = (0..64)
            .map(|_| {
                let release = release.clone();
                evloop::spawn_blocking(move || {
                    release.wait();
                })
            })
            .collect();
        let opens: Vec<_> = fifos
            .iter()
            .cloned()
            .map(|fifo| evloop::spawn(async move { evloop::fs::File::open(fifo).await }))
            .collect();
        evloop::sleep(Duration::from_millis(20)).await;

        // A connect to a host name needs a lookup: it resolves and connects anyway.
        let listener = evloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connect = evloop::net::TcpStream::connect(("localhost", port));
        let connected = evloop::wait_for(Duration::from_secs(20), connect).await;
        let stream = connected
            .expect("the lookup waited for the user or file lane")
            .expect("connect to localhost");
        assert_eq!(stream.peer_addr().unwrap().port(), port);
        assert!(opens.iter().all(|open| !open.is_finished()));

        // Release everyone: the FIFOs get writers (O_RDWR: a FIFO opened so never blocks),
        // the user jobs pass the barrier.
        let writers: Vec<_> = fifos
            .iter()
            .map(|fifo| {
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(fifo)
            })
            .collect::<Result<_, _>>()
            .unwrap();
        let release_thread = std::thread::spawn(move || release.wait());
        for open in opens {
            open.await.unwrap().unwrap();
        }
        for job in jobs {
            job.await.unwrap();
        }
        release_thread.join().unwrap();
        drop(writers);
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
