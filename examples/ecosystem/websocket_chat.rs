//! A real-time chat room over WebSocket (async-tungstenite on evloop's TCP streams): every
//! message a client sends goes to every client, through one `channel::broadcast`.
//!
//! ```text
//! cargo run -p evloop-ecosystem --example websocket_chat -- 8765   # PORT (0: any port) [HOST] [OPTIONS]
//! python3 -m websockets ws://127.0.0.1:8765/alice    # in two terminals: alice and bob
//! ```
//!
//! The first line of output is `listening on HOST:PORT`. A client joins as the last
//! segment of the URL's path (`ws://host:port/alice` joins as `alice`); what it sends as
//! text goes to everyone as `alice: ...`, and joins and leaves are announced.
//!
//! What it shows:
//! * a broadcast channel as the room: each client has a receiver and a task that forwards
//!   it to its socket, so a slow client *lags* (it is told how many messages it missed)
//!   instead of stalling the room, and the room keeps a bounded backlog (`BACKLOG`);
//! * limits on what faces a peer: the handshake must finish within `--head-timeout`
//!   (10 s), a message may be at most `MAX_MESSAGE` bytes (a larger one, or an invalid
//!   frame, closes that client with an error and nobody else notices), a send must be
//!   taken within `--write-timeout` (10 s), a client silent for `--idle-timeout` (15 s;
//!   clients' pings count) is closed, and at most `--max-connections` are served;
//! * Ctrl-C (or SIGTERM) stops accepting and closes the room gracefully.

#[path = "../support/server.rs"]
mod server;

use std::io;
use std::rc::Rc;
use std::time::Duration;

use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::handshake::server::{Request, Response};
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use async_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use evloop::Either;
use evloop::channel::broadcast::{self, BroadcastRecvError};
use evloop::net::TcpStream;
use futures_lite::StreamExt;
use server::{Connections, Limits, Options};

/// Port when none is given on the command line.
const DEFAULT_PORT: u16 = 8765;
/// Messages the room keeps for clients that are behind; a client further behind skips.
const BACKLOG: usize = 256;
/// The largest message (and frame) a client may send.
const MAX_MESSAGE: usize = 64 * 1024;
/// On shutdown, how long clients have to take the goodbye.
const GRACE: Duration = Duration::from_secs(2);

/// The room: what is said goes to every member.
type Room = broadcast::Sender<Rc<str>>;

/// The last path segment of the handshake's URL, if it is a reasonable name.
fn name_from(request: &Request) -> Option<String> {
    let name = request.uri().path().rsplit('/').next()?;
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    ok.then(|| name.to_string())
}

/// Accepts the WebSocket handshake within the head timeout; the client's name comes from
/// the URL (a client without one is named after its address).
// The callback's `Result<Response, ErrorResponse>` is the library's signature.
#[allow(clippy::result_large_err)]
async fn handshake(
    stream: TcpStream,
    limits: Limits,
    fallback: String,
) -> io::Result<(WebSocketStream<TcpStream>, String)> {
    let mut name = fallback;
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let accept = async_tungstenite::accept_hdr_async_with_config(
        stream,
        |request: &Request, response: Response| {
            if let Some(from_url) = name_from(request) {
                name = from_url;
            }
            Ok(response)
        },
        Some(config),
    );
    let ws = evloop::wait_for(limits.head_timeout, accept)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "handshake too slow"))?
        .map_err(io::Error::other)?;
    Ok((ws, name))
}

/// One client, from handshake to goodbye.
async fn serve(stream: TcpStream, room: Room, limits: Limits, peer: String) -> io::Result<()> {
    let (ws, name) = handshake(stream, limits, peer).await?;
    let (mut outgoing, mut incoming) = ws.split();
    let mut inbox = room.subscribe();
    let _ = room.send(format!("* {name} joined").into());

    // Forwards the room to this client; a client that falls `BACKLOG` behind is told how
    // much it missed and goes on from the oldest message still kept.
    let forward = async {
        loop {
            let text = match inbox.recv().await {
                Ok(text) => text,
                Err(BroadcastRecvError::Lagged(missed)) => {
                    format!("* you missed {missed} messages").into()
                }
                Err(BroadcastRecvError::Closed) => return Ok(()),
            };
            let send = outgoing.send(Message::Text(Utf8Bytes::from(&*text)));
            match evloop::wait_for(limits.write_timeout, send).await {
                Ok(sent) => sent.map_err(io::Error::other)?,
                Err(_) => return Err(io::Error::new(io::ErrorKind::TimedOut, "slow reader")),
            }
        }
    };
    // Takes what this client says and puts it in the room. A bad message ends the
    // client with the close code that says why.
    let listen = async {
        loop {
            let Ok(next) = evloop::wait_for(limits.idle_timeout, incoming.next()).await else {
                return Err((io::Error::new(io::ErrorKind::TimedOut, "idle"), None));
            };
            match next {
                Some(Ok(Message::Text(text))) => {
                    let _ = room.send(format!("{name}: {}", text.as_str()).into());
                }
                Some(Ok(Message::Close(_))) | None => return Ok(()),
                Some(Ok(_)) => {} // pings are answered by the library; binary is ignored
                Some(Err(err)) => {
                    let code = match err {
                        WsError::Capacity(_) => Some(CloseCode::Size),
                        WsError::Protocol(_) | WsError::Utf8(_) => Some(CloseCode::Protocol),
                        _ => None,
                    };
                    return Err((io::Error::other(err), code));
                }
            }
        }
    };
    let outcome = match evloop::select(forward, listen).await {
        Either::Left(result) => result,
        Either::Right(Ok(())) => Ok(()),
        Either::Right(Err((err, code))) => {
            if let Some(code) = code {
                let frame = CloseFrame {
                    code,
                    reason: Utf8Bytes::from(err.to_string().chars().take(100).collect::<String>()),
                };
                let _ = evloop::wait_for(limits.write_timeout, outgoing.close(Some(frame))).await;
            }
            Err(err)
        }
    };
    let _ = room.send(format!("* {name} left").into());
    outcome
}

/// Serves the room until Ctrl-C or SIGTERM.
async fn chat(options: Options) -> io::Result<()> {
    let limits = options.limits;
    let listener = evloop::net::TcpListener::bind((options.host.as_str(), options.port)).await?;
    let mut signals = server::stop_signals()?;
    println!("listening on {}", listener.local_addr()?);
    let (room, _) = broadcast::channel::<Rc<str>>(BACKLOG);
    let connections = Connections::new(limits.max_connections);
    server::accept_until_stopped(&listener, &connections, &mut signals, |stream, peer| {
        let room = room.clone();
        async move {
            if let Err(err) = serve(stream, room, limits, peer.to_string()).await {
                eprintln!("{peer}: {err}");
            }
        }
    })
    .await;
    drop(signals);
    drop(listener);
    let _ = room.send("* the room is closing".into());
    println!("shutting down: {} client(s)", connections.len());
    connections.shutdown(GRACE).await;
    Ok(())
}

fn main() {
    let options = Options::from_args("websocket_chat", DEFAULT_PORT);
    let (host, port) = (options.host.clone(), options.port);
    if let Err(err) = evloop::run(chat(options)) {
        eprintln!("websocket_chat: cannot listen on {host}:{port}: {err}");
        std::process::exit(1);
    }
}
