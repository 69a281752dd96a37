//! `examples/websocket_chat.rs` against clients this project did not write: Python's
//! `websockets` (python3-websockets), several at once, a slow one, and bad ones.

mod support;

use std::process::Command;

use support::child::Running;

#[test]
#[cfg_attr(miri, ignore)] // processes and sockets
fn websocket_chat_with_python_websockets_clients() {
    let Some(python) = support::python_with("websockets", "python3-websockets") else {
        return;
    };
    let (_server, addr) = Running::example(
        "websocket_chat",
        &[
            "0",
            "--head-timeout",
            "1",
            "--idle-timeout",
            "30",
            "--write-timeout",
            "20",
        ],
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/chat_clients.py");
    let mut command = Command::new(python);
    command.arg(script).arg(addr.to_string());
    let output = support::child::output_within(&mut command, support::TEST_LIMIT);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}");
    assert!(
        output.status.success(),
        "clients failed:\n{stdout}\n{stderr}"
    );
    for check in [
        "ok: a message reaches every client",
        "ok: 2000 large messages reach bob while slow does not read",
        "ok: the slow client lagged",
        "ok: an oversized message closes that client",
        "ok: an invalid frame closes that client",
        "ok: a client that closes mid-frame is dropped",
        "ok: a stuck handshake is closed",
        "ok: the room still works after the bad clients",
    ] {
        assert!(stdout.contains(check), "missing {check:?} in:\n{stdout}");
    }
}
