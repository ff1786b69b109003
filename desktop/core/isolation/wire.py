"""Messages between the app and its worker child: a length, then that many bytes of JSON.

JSON, never pickle: a child that a hostile file took over must not be able to run code in the
app by what it sends back. Text goes as UTF-8 with lone surrogates passed through, so a string
arrives exactly as the reader produced it (PDF text can hold them).
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

HEADER = struct.Struct(">Q")
ENCODING_ERRORS = "surrogatepass"


def encode(message: Any) -> bytes:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    return body.encode("utf-8", ENCODING_ERRORS)


def decode(body: bytes | bytearray) -> Any:
    return json.loads(body.decode("utf-8", ENCODING_ERRORS))


def send(sock: socket.socket, message: Any) -> None:
    send_bytes(sock, encode(message))


def send_bytes(sock: socket.socket, body: bytes) -> None:
    # One write where it is cheap: a header sent alone waits for the peer's delayed ACK (40 ms).
    if len(body) < 1 << 20:
        sock.sendall(HEADER.pack(len(body)) + body)
    else:
        sock.sendall(HEADER.pack(len(body)))
        sock.sendall(body)


def no_delay(sock: socket.socket) -> socket.socket:
    """Small messages leave at once (no Nagle): each job is a request and a reply."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def receive_blocking(sock: socket.socket) -> Any | None:
    """The next message, or None when the other side closed the connection (child side)."""
    header = read_exactly(sock, HEADER.size)
    if header is None:
        return None
    body = read_exactly(sock, HEADER.unpack(header)[0])
    return None if body is None else decode(body)


def read_exactly(sock: socket.socket, size: int) -> bytearray | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        count = sock.recv_into(view[got:], min(size - got, 1 << 20))
        if count == 0:
            return None
        got += count
    return buffer
