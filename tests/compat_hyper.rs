//! Feature `hyper`: hyper 1.x servers and clients on evloop, HTTP/1.1 and HTTP/2, against
//! curl as a real peer and against hyper's own client. Run with
//! `cargo test --features hyper --test compat_hyper`. Sockets do not run under Miri.
#![cfg(feature = "hyper")]

mod support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::Command;

use evloop::compat::hyper::{Executor, Io, Timer};
use evloop::net::{TcpListener, TcpStream};
use hyper::body::{Body, Incoming};
use hyper::{Request, Response};

/// The hello app: `GET /{name}` → `Hello, {name}`.
async fn hello(req: Request<Incoming>) -> Result<Response<String>, Infallible> {
    let name = req.uri().path().trim_start_matches('/').to_owned();
    Ok(Response::new(format!("Hello, {name}")))
}

/// Serves connections on `listener` until the runtime ends, one task each: HTTP/2 (with
/// prior knowledge) if `http2`, else HTTP/1.1.
fn serve(listener: TcpListener, http2: bool) {
    evloop::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            evloop::spawn(async move {
                let service = hyper::service::service_fn(hello);
                let served = if http2 {
                    hyper::server::conn::http2::Builder::new(Executor)
                        .timer(Timer)
                        .serve_connection(Io::new(stream), service)
                        .await
                } else {
                    hyper::server::conn::http1::Builder::new()
                        .timer(Timer)
                        .serve_connection(Io::new(stream), service)
                        .await
                };
                served.unwrap();
            });
        }
    });
}

/// Reads a body to its end.
async fn text(mut body: Incoming) -> String {
    let mut out = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        if let Ok(data) = frame.unwrap().into_data() {
            out.extend_from_slice(&data);
        }
    }
    String::from_utf8(out).unwrap()
}

/// curl's output for `args`, run on the blocking pool (the loop keeps serving).
async fn curl(args: Vec<String>) -> String {
    let output = evloop::spawn_blocking(move || {
        Command::new("curl")
            .args(["-s", "--max-time", "10"])
            .args(&args)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(output.status.success(), "curl {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
#[cfg_attr(miri, ignore)]
fn curl_against_hyper_on_evloop_over_http1_and_http2() {
    if !support::peers_available(&["curl"]) {
        return;
    }
    support::run(async {
        let h1 = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let h2 = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (h1_addr, h2_addr) = (h1.local_addr().unwrap(), h2.local_addr().unwrap());
        serve(h1, false);
        serve(h2, true);
        assert_eq!(
            curl(vec![format!("http://{h1_addr}/Alice")]).await,
            "Hello, Alice"
        );
        let version = curl(vec![
            "--http2-prior-knowledge".into(),
            "-w".into(),
            " %{http_version}".into(),
            format!("http://{h2_addr}/Bob"),
        ])
        .await;
        assert_eq!(version, "Hello, Bob 2");
    });
}

/// A hyper HTTP/2 client on evloop sending `n` requests concurrently on one connection.
async fn http2_requests(addr: SocketAddr, n: usize) -> Vec<String> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, connection) = hyper::client::conn::http2::Builder::new(Executor)
        .timer(Timer)
        .handshake(Io::new(stream))
        .await
        .unwrap();
    evloop::spawn(connection);
    evloop::gather((0..n).map(|i| {
        let mut sender = sender.clone();
        async move {
            let request = Request::get(format!("http://{addr}/n{i}"))
                .body(String::new())
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), 200);
            text(response.into_body()).await
        }
    }))
    .await
}

#[test]
#[cfg_attr(miri, ignore)]
fn hyper_http2_client_and_server_on_one_loop() {
    support::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        serve(listener, true);
        let bodies = http2_requests(addr, 50).await;
        let expected: Vec<String> = (0..50).map(|i| format!("Hello, n{i}")).collect();
        assert_eq!(bodies, expected);
    });
}
