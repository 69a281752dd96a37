//! Feature `tokio-io`: tokio's `AsyncRead`/`AsyncWrite` on evloop streams, with no tokio
//! runtime. Run with `cargo test --features tokio-io --test net_tokio_io`. Sockets do not
//! run under Miri.
#![cfg(feature = "tokio-io")]

mod support;

use std::io;

use evloop::net::{TcpListener, TcpStream, UnixStream};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

#[test]
#[cfg_attr(miri, ignore)]
fn a_mebibyte_through_tokio_traits_over_tcp_and_split_halves() {
    support::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut client = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        // Echo with tokio's copy over the two halves (uninitialised read buffers).
        let echo = evloop::spawn(async move {
            let (mut read, mut write) = server.into_split();
            let copied = tokio::io::copy(&mut read, &mut write).await?;
            AsyncWriteExt::shutdown(&mut write).await?;
            io::Result::Ok(copied)
        });
        let data: Vec<u8> = (0..1 << 20).map(|i| (i % 253) as u8).collect();
        let (mut client_read, mut client_write) = (&client, &client);
        let sent = async {
            AsyncWriteExt::write_all(&mut client_write, &data).await?;
            AsyncWriteExt::shutdown(&mut client_write).await
        };
        let mut back = Vec::new();
        let received = AsyncReadExt::read_to_end(&mut client_read, &mut back);
        let (sent, received) = evloop::join!(sent, received);
        sent?;
        received?;
        assert_eq!(back, data);
        assert_eq!(echo.await.unwrap()?, data.len() as u64);
        // The peer is gone: shutting down again is not an error.
        AsyncWriteExt::shutdown(&mut client).await?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
#[cfg_attr(miri, ignore)]
fn tokio_buffered_lines_over_a_unix_stream() {
    support::run(async {
        let (mut a, b) = UnixStream::pair()?;
        for i in 0..100 {
            AsyncWriteExt::write_all(&mut a, format!("line {i}\n").as_bytes()).await?;
        }
        drop(a);
        let mut lines = BufReader::new(b).lines();
        let mut n = 0;
        while let Some(line) = lines.next_line().await? {
            assert_eq!(line, format!("line {n}"));
            n += 1;
        }
        assert_eq!(n, 100);
        io::Result::Ok(())
    })
    .unwrap();
}
