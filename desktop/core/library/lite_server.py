"""Milvus Lite in a child process of its own, reached over loopback gRPC.

Milvus Lite is pure Python. In the app's process its server threads share the GIL with the
window: a flush turns the in-memory table into Arrow holding it, and the window froze for tens
of milliseconds at a time while a library was indexed. In a child process the window never
waits for it, and a crash inside it cannot take the app down.

The child is the app itself with a hidden first argument (so it also works in the frozen
bundle, which has no `python -m`). It reads one line from its stdin, a pipe the app makes for
it: a random secret, new at each start. It connects back to a loopback socket the app listens on
(its output streams are not used: a windowed app on Windows may have none), sends a line that
proves it holds the secret, then one JSON line, `{"port": N}` or `{"error": "..."}`, and serves
until that connection closes: when the app closes the store, exits or is killed, the child
closes the database cleanly and exits, so no server outlives the app.

The secret makes the store answer this app alone (`lite_private`): its gRPC server refuses any
call without it, and a program that reaches the app's socket first cannot pose as the store.
It travels on stdin because that is the one channel no other user can read: a command line
shows in `ps`, and the loopback socket accepts anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time

from desktop.core.errors import UserError

ARGUMENT = "--milvus-lite-server"
# "0" turns the fast search path off (`lite_search`): a way out should it ever misbehave, and
# what the tests compare it against.
FAST_SEARCH_ENV = "GPT_OSS_DESKTOP_LITE_FAST_SEARCH"
LOCK_WAIT_S = 5.0  # a server whose app just died may still be closing the database
STOP_WAIT_S = 30.0  # closing waits for Lite's background compaction
CONNECT_WAIT_S = 60.0  # from start to the first connection: interpreter and imports only
HELLO_WAIT_S = 10.0  # the child's first line follows its connection at once
HELLO_BYTES = 4096  # a stranger's first line is read this far at most
SECRET_BYTES = 32

log = logging.getLogger(__name__)


class LiteServer:
    """One child process serving one Milvus Lite folder on 127.0.0.1."""

    def __init__(self, path: str) -> None:
        self.path = path
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            self.token = secrets.token_urlsafe(SECRET_BYTES)  # what the store asks every call for
            self._process, self._lifeline, answer = _spawn(path, self.token)
            if "port" in answer:
                self.uri = f"http://127.0.0.1:{answer['port']}"
                self.fast_search = bool(answer.get("fast_search"))
                return
            if not answer.get("locked") or time.monotonic() > deadline:
                raise UserError(_message(path, answer))
            time.sleep(0.5)

    def stop(self) -> None:
        self._lifeline.close()  # the child's cue to close the database and exit
        try:
            self._process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            log.warning("the Milvus Lite server did not stop in %.0f s; killing it", STOP_WAIT_S)
            self._process.kill()
            self._process.wait()

    def alive(self) -> bool:
        return self._process.poll() is None

    def exit_code(self) -> int | None:
        return self._process.poll()


def _command(path: str, port: int) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, ARGUMENT, path, str(port)]
    return [sys.executable, "-m", "desktop", ARGUMENT, path, str(port)]


def _spawn(path: str, secret: str) -> tuple[subprocess.Popen, socket.socket | None, dict]:
    """Start the child: the process, its connection (kept open; None if it failed) and its answer."""
    flags = subprocess.CREATE_NO_WINDOW if sys.platform == "win32" else 0
    lifeline, answer = None, {}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.2)
        process = subprocess.Popen(_command(path, listener.getsockname()[1]),
                                   stdin=subprocess.PIPE, creationflags=flags)
        try:
            process.stdin.write(secret.encode("ascii") + b"\n")
            process.stdin.close()
        except OSError:  # it died at once; its exit code says so below
            pass
        deadline = time.monotonic() + CONNECT_WAIT_S
        while lifeline is None and process.poll() is None and time.monotonic() < deadline:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            lifeline, answer = _hear_child(connection, secret)
    if "port" in answer:
        return process, lifeline, answer
    if lifeline is not None:
        lifeline.close()
    if process.poll() is None:  # never connected: hung at start
        process.kill()
    process.wait()
    return process, None, answer or {"error": f"its process exited with code {process.returncode}"}


def _hear_child(connection: socket.socket, secret: str) -> tuple[socket.socket | None, dict]:
    """(the connection, the child's answer) when it proves it holds the secret; else (None, {})."""
    try:
        with connection.makefile("rb") as reader:  # (closing it leaves the socket open)
            connection.settimeout(HELLO_WAIT_S)
            hello = json.loads(reader.readline(HELLO_BYTES) or b"{}")
            if not (isinstance(hello, dict) and isinstance(hello.get("proof"), str)
                    and hmac.compare_digest(hello["proof"], _proof(secret))):
                log.warning("a program that is not the library's store connected to the app; ignored")
                connection.close()
                return None, {}
            connection.settimeout(None)  # opening a large library (log replay) may take a while
            answer = json.loads(reader.readline() or b"{}")
    except (OSError, ValueError):
        connection.close()
        return None, {}
    return connection, answer if isinstance(answer, dict) else {}


def _proof(secret: str) -> str:
    """What the child sends to show it holds the secret, without sending the secret itself."""
    return hmac.new(secret.encode("ascii"), b"milvus-lite-child", hashlib.sha256).hexdigest()


def _message(path: str, answer: dict) -> str:
    if answer.get("locked"):
        return (f"Cannot open the library at {path}: another copy of the app (or a library "
                f"command) is using it; close it and try again.")
    return f"Cannot open the library at {path}: {answer.get('error')}"


# ── the child ──────────────────────────────────────────────────────────────────────────────

def serve(path: str, app_port: int) -> int:
    """Run in the child: serve `path` until the app's connection closes."""
    logging.basicConfig(level=logging.WARNING, format="milvus-lite: %(levelname)s %(message)s")
    # pymilvus asks for AllocTimestamp, which Lite does not implement; grpc logs each call as an
    # ERROR with a traceback although nothing is wrong.
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    secret = _read_secret()
    lifeline = socket.create_connection(("127.0.0.1", app_port))
    lifeline.sendall((json.dumps({"proof": _proof(secret)}) + "\n").encode("utf-8"))
    from milvus_lite.exceptions import DataDirLockedError

    from desktop.core.library import lite_private, lite_search

    fast_search = os.environ.get(FAST_SEARCH_ENV) != "0" and lite_search.install()
    try:
        server, db, port = lite_private.start(path, secret)
    except DataDirLockedError as exc:
        return _answer(lifeline, {"error": str(exc), "locked": True}, 1)
    except Exception as exc:  # noqa: BLE001 - the app shows it; the child has no one else to tell
        return _answer(lifeline, {"error": f"{type(exc).__name__}: {exc}"}, 1)
    _answer(lifeline, {"port": port, "fast_search": fast_search}, 0)
    try:
        while lifeline.recv(4096):  # returns b"" when the app closes it, exits or dies
            pass
    except OSError:
        pass
    finally:
        server.stop(grace=2).wait()
        db.close()
    return 0


def _read_secret() -> str:
    """The app's secret, one line on stdin (read from the descriptor itself: in a windowed
    bundle `sys.stdin` may be None)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(0, 256)
        if not chunk:
            break
        data += chunk
    secret = data.decode("ascii").strip()
    if len(secret) < SECRET_BYTES:
        raise SystemExit("the library's store expects the app's secret on stdin")
    return secret


def _answer(lifeline: socket.socket, message: dict, code: int) -> int:
    lifeline.sendall((json.dumps(message) + "\n").encode("utf-8"))
    return code
