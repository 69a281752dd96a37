"""Clients of examples/websocket_chat.rs, with Python's `websockets` (python3-websockets).

Usage: python3 chat_clients.py HOST:PORT

Prints one `ok ...` line per check and exits 0, or raises (exit 1) on the first failure.
Every wait is bounded (asyncio.wait_for), so a hung server fails the run, never hangs it.
"""
import asyncio
import sys

import websockets

ADDR = sys.argv[1]
LIMIT = 10.0


async def recv_until(ws, wanted):
    """Reads messages until one equals `wanted`; returns those read before it."""
    seen = []
    while True:
        msg = await asyncio.wait_for(ws.recv(), LIMIT)
        if msg == wanted:
            return seen
        seen.append(msg)


async def join(name):
    ws = await asyncio.wait_for(websockets.connect(f"ws://{ADDR}/{name}"), LIMIT)
    await recv_until(ws, f"* {name} joined")
    return ws


async def raw_handshake():
    """A raw socket after a valid handshake: to send broken frames by hand."""
    reader, writer = await asyncio.open_connection(*ADDR.rsplit(":", 1))
    writer.write(
        b"GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), LIMIT)
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def closed_by_server(reader):
    """What the server sent on the raw connection until it closed it (EOF)."""
    data = b""
    while chunk := await asyncio.wait_for(reader.read(4096), LIMIT):
        data += chunk
    return data


async def main():
    alice, bob = await join("alice"), await join("bob")
    await alice.send("hello")
    for ws in (alice, bob):
        await recv_until(ws, "alice: hello")
    print("ok: a message reaches every client")

    # A client that never reads: the room goes on, and it lags instead of stalling it.
    slow = await websockets.connect(f"ws://{ADDR}/slow", max_queue=1)
    await recv_until(bob, "* slow joined")
    # 32 MB: more than the socket buffers between the room and `slow` hold, even where
    # the kernel's tcp_wmem/tcp_rmem maxima are raised to 16 MB, so its forwarder blocks and
    # the room's backlog (256 messages) runs past it.
    big = "x" * 16000
    for i in range(2000):
        await alice.send(f"{i} {big}")
    await recv_until(bob, f"alice: 1999 {big}")
    print("ok: 2000 large messages reach bob while slow does not read")
    missed = [m for m in await recv_until(slow, f"alice: 1999 {big}") if "you missed" in m]
    assert missed, "the slow client was never told it lagged"
    print(f"ok: the slow client lagged: {missed[0]}")
    await slow.close()

    # An oversized message: that client is closed (1009), the others go on.
    greedy = await join("greedy")
    await greedy.send("y" * 100_000)
    try:
        await asyncio.wait_for(greedy.recv(), LIMIT)
        while True:
            await asyncio.wait_for(greedy.recv(), LIMIT)
    except websockets.ConnectionClosed as closed:
        # The server sends close code 1009 and closes; with our 100 KB still unread on its
        # side, its kernel may answer with a reset that overtakes the close frame (1006).
        assert closed.code in (1009, 1006), closed
        print(f"ok: an oversized message closes that client ({closed.code})")

    # An invalid frame (a reserved opcode), and a frame cut off by a close.
    reader, writer = await raw_handshake()
    writer.write(bytes([0x83, 0x80, 1, 2, 3, 4]))  # FIN + opcode 3 (reserved), masked, empty
    sent = await closed_by_server(reader)
    # A close frame (0x88, unmasked, short length) whose code is 1002 (protocol error).
    close = sent.find(b"\x88")
    assert close >= 0 and sent[close + 2 : close + 4] == b"\x03\xea", sent
    print("ok: an invalid frame closes that client (1002)")
    reader, writer = await raw_handshake()
    writer.write(bytes([0x81, 0xFE, 0x10]))  # text frame, 16-bit length, cut short
    writer.write_eof()  # then our end of file, mid-frame
    await closed_by_server(reader)  # EOF within LIMIT, or the wait_for raises
    writer.close()
    print("ok: a client that closes mid-frame is dropped")

    # A client that never finishes the handshake is closed after the head timeout.
    reader, writer = await asyncio.open_connection(*ADDR.rsplit(":", 1))
    writer.write(b"GET /stuck HTTP/1.1\r\n")
    await closed_by_server(reader)  # EOF within LIMIT, or the wait_for raises
    writer.close()
    print("ok: a stuck handshake is closed")

    await bob.send("still here")
    for ws in (alice, bob):
        await recv_until(ws, "bob: still here")
    print("ok: the room still works after the bad clients")
    await alice.close()
    await bob.close()


asyncio.run(main())
