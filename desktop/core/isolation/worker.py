"""The app's side of a worker child: start it lazily, send jobs, enforce the caps, restart it.

One child serves many jobs (starting Python and importing the parsers costs far more than
reading a typical file), one job at a time. Whatever a job does to the child (crash, run out of
memory, hang, answer with too much) ends that child and is raised as `ChildFailure` for that job
alone; the next `run` starts a new one.
"""

from __future__ import annotations

import collections
import hmac
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from desktop.core.isolation import wire
from desktop.core.isolation.child import ARGUMENT, EXIT_MEMORY, EXIT_TIMEOUT, PRELOAD_ENV, TOKEN_ENV

log = logging.getLogger(__name__)

START_WAIT_S = 60.0  # from start to the child's hello: the interpreter and its imports only
POLL_S = 0.1  # how often the app looks at the child's memory while it works
STOP_WAIT_S = 2.0
MIB = 1024 * 1024


class ChildFailure(Exception):
    """The child could not finish the job; it has been ended.

    kind: "crash" (died: signal or exit code), "memory" (over its cap), "timeout",
    "oversize" (a reply over the limit), "start" (no child could be started).
    """

    def __init__(self, kind: str, detail: str = "", stderr_tail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail
        self.stderr_tail = stderr_tail  # the child's last lines of error output, for diagnostics


class JobRaised(Exception):
    """The job raised in the child (which lives on); `type_name` is the exception's class name."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name = type_name
        self.message = message


@dataclass
class _Child:
    process: subprocess.Popen
    pid: int  # the worker's own: a one-file bundle's bootloader runs Python in a process of its own
    sock: socket.socket
    capped: bool  # the child capped its own memory (Linux)
    stderr_tail: collections.deque[str]


class IsolatedWorker:
    def __init__(self, *, memory_mb: int, timeout_s: float, max_reply_bytes: int = 64 * MIB,
                 preload: str | None = None) -> None:
        """`preload`: modules ("a.b,c") the child imports as soon as it has started, before any job."""
        self.memory_mb = memory_mb
        self.preload = preload
        self.timeout_s = timeout_s
        self.max_reply_bytes = max_reply_bytes
        self.children_started = 0
        self._child: _Child | None = None
        self._lock = threading.Lock()  # one job at a time
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first job and after a failure)."""
        child = self._child
        return child.pid if child is not None else None

    def prestart(self) -> None:
        """Start the child in the background now, so that the first job does not wait for it
        (the interpreter and the imports take most of a second)."""
        threading.Thread(target=self._prestart, name="worker-start", daemon=True).start()

    def _prestart(self) -> None:
        with self._lock:
            if self._closed or self._child is not None:
                return
            try:
                self._child = self._start()
            except ChildFailure:
                return  # the first job tries again and reports it
            if self._closed:  # closed while it was starting
                self._discard()

    def run(self, job: str, *args: Any) -> Any:
        """`job` ("package.module:function") called with `args` in the child; its JSON result."""
        with self._lock:
            if self._closed:
                raise ChildFailure("start", "the worker was closed")
            child = self._child
            if child is None or child.process.poll() is not None:
                # A child that died between jobs is no file's fault: start another.
                self._discard()
                child = self._child = self._start()
            try:
                wire.send(child.sock, {"job": job, "args": list(args), "timeout_s": self.timeout_s})
                reply = self._receive(child)
            except ChildFailure:
                self._discard()
                raise
            except OSError:  # it died as the job was sent
                failure = self._death(child)
                self._discard()
                raise failure from None
            if not isinstance(reply, dict) or not ("ok" in reply or "raised" in reply):
                self._discard()
                raise ChildFailure("crash", "a malformed reply")
            if "raised" in reply:
                raise JobRaised(str(reply["raised"]), str(reply.get("message", "")))
            return reply["ok"]

    def close(self) -> None:
        """End the child (it exits when its connection closes); safe to call more than once."""
        self._closed = True
        child, self._child = self._child, None
        if child is not None:
            child.sock.close()
            try:
                child.process.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:  # busy on a job: it is ours to end
                child.process.kill()
                child.process.wait()

    def __enter__(self) -> IsolatedWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ── start ────────────────────────────────────────────────────────────────────────────

    def _start(self) -> _Child:
        token = secrets.token_hex(32)
        # One malloc arena: under RLIMIT_AS each extra arena's 64 MB reservation counts against
        # the cap; one job at a time gains nothing from more.
        env = {**os.environ, TOKEN_ENV: token, "GGML_NO_BACKTRACE": "1", "MALLOC_ARENA_MAX": "1"}
        if self.preload:
            env[PRELOAD_ENV] = self.preload
        flags = subprocess.CREATE_NO_WINDOW if sys.platform == "win32" else 0
        with socket.create_server(("127.0.0.1", 0)) as listener:
            listener.settimeout(0.2)
            port = listener.getsockname()[1]
            process = subprocess.Popen(_command(port, self.memory_mb), stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                       creationflags=flags)
            self.children_started += 1
            tail: collections.deque[str] = collections.deque(maxlen=20)
            threading.Thread(target=_drain, args=(process.stderr, tail), daemon=True).start()
            deadline = time.monotonic() + START_WAIT_S
            while process.poll() is None and time.monotonic() < deadline:
                try:
                    sock, _ = listener.accept()
                except TimeoutError:
                    continue
                hello = _hello(sock, deadline)
                if (isinstance(hello, dict) and isinstance(hello.get("pid"), int)
                        and hmac.compare_digest(str(hello.get("token", "")), token)):
                    sock.settimeout(None)
                    wire.no_delay(sock)
                    return _Child(process, hello["pid"], sock, bool(hello.get("capped")), tail)
                sock.close()  # not our child: someone else found the port
        if process.poll() is None:
            process.kill()
        code = process.wait()
        log.warning("the worker child did not start (exit code %s): %s", code, " | ".join(tail))
        raise ChildFailure("start", f"exit code {code}" if code else f"no answer in {START_WAIT_S:.0f} s")

    # ── one reply ────────────────────────────────────────────────────────────────────────

    def _receive(self, child: _Child) -> Any:
        deadline = time.monotonic() + self.timeout_s
        watch = MemoryWatch(child.pid, self.memory_mb, enforce=not child.capped)
        header = self._read(child, wire.HEADER.size, deadline, watch)
        size = wire.HEADER.unpack(header)[0]
        if size > self.max_reply_bytes:
            raise ChildFailure("oversize", f"{size / MIB:.0f} MB, the limit is {self.max_reply_bytes / MIB:.0f} MB")
        body = self._read(child, size, deadline, watch)
        try:
            return wire.decode(body)
        except (UnicodeDecodeError, ValueError):
            raise ChildFailure("crash", "a malformed reply") from None

    def _read(self, child: _Child, size: int, deadline: float, watch: MemoryWatch) -> bytearray:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill(child)
                raise ChildFailure("timeout", f"{self.timeout_s:g} s")
            if watch.over():
                self._kill(child)
                raise ChildFailure("memory", f"{self.memory_mb} MB")
            child.sock.settimeout(min(POLL_S, left))
            try:
                count = child.sock.recv_into(view[got:], min(size - got, 1 << 20))
            except TimeoutError:
                continue
            except OSError:
                count = 0
            if count == 0:  # the child closed its end: it died
                raise self._death(child, watch)
            got += count
        return buffer

    def _death(self, child: _Child, watch: MemoryWatch | None = None) -> ChildFailure:
        try:
            code = child.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # closed its socket but lives on: not ours to guess
            self._kill(child)
            code = child.process.returncode
        tail = " | ".join(child.stderr_tail)[-300:]
        log.warning("the worker child ended during a job (code %s)", code)
        log.debug("its last error output: %s", tail)
        if code == EXIT_MEMORY or (watch is not None and watch.near_cap()):
            return ChildFailure("memory", f"{self.memory_mb} MB", tail)
        if code == EXIT_TIMEOUT:
            return ChildFailure("timeout", f"{self.timeout_s:g} s", tail)
        if code is not None and code < 0:
            try:
                return ChildFailure("crash", signal.Signals(-code).name, tail)
            except ValueError:
                return ChildFailure("crash", f"signal {-code}", tail)
        return ChildFailure("crash", f"exit code {code}", tail)

    def _kill(self, child: _Child) -> None:
        if child.pid != child.process.pid:
            _kill_pid(child.pid)
        child.process.kill()
        child.process.wait()

    def _discard(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.sock.close()
            if child.process.poll() is None:
                self._kill(child)


class MemoryWatch:
    """The app's view of the child's memory while a job runs.

    Linux: the child's RLIMIT_AS makes allocations fail at the cap, so this only helps tell an
    abort from running out of memory. macOS and Windows have no such cap (`enforce`): there the
    child is killed once its memory passes it (resident memory on macOS, committed memory on
    Windows), looked at every `POLL_S`, so a very fast allocation can overshoot for a moment.
    """

    def __init__(self, pid: int, memory_mb: int, *, enforce: bool) -> None:
        self._cap = memory_mb * MIB
        self._enforce = enforce
        self._peak = 0
        try:
            import psutil

            self._process: Any = psutil.Process(pid)
        except Exception:  # noqa: BLE001 - no watch is better than no job
            self._process = None

    def over(self) -> bool:
        if self._process is None:
            return False
        try:
            info = self._process.memory_info()
        except Exception:  # noqa: BLE001 - it just ended; the socket will say so
            return False
        used = info.rss if sys.platform == "darwin" else info.vms
        self._peak = max(self._peak, used)
        return self._enforce and used > self._cap

    def near_cap(self) -> bool:
        """Whether the child was close to its cap when last looked at (Linux: a C library that
        aborts on a failed allocation looks like a crash otherwise)."""
        return self._peak > 0.9 * self._cap


def _hello(sock: socket.socket, deadline: float) -> Any:
    """The first message of a connection, if it is a small one that arrives in time."""
    sock.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        header = wire.read_exactly(sock, wire.HEADER.size)
        if header is None or wire.HEADER.unpack(header)[0] > 4096:
            return None
        body = wire.read_exactly(sock, wire.HEADER.unpack(header)[0])
        return None if body is None else wire.decode(body)
    except (OSError, ValueError):
        return None


def _kill_pid(pid: int) -> None:
    try:
        import psutil

        psutil.Process(pid).kill()
    except Exception:  # noqa: BLE001, S110 - already gone
        pass


def _command(port: int, memory_mb: int) -> list[str]:
    if getattr(sys, "frozen", False):  # the bundle: the executable is the app
        return [sys.executable, ARGUMENT, str(port), str(memory_mb)]
    return [sys.executable, "-m", "desktop", ARGUMENT, str(port), str(memory_mb)]


def _drain(stream: Any, tail: collections.deque[str]) -> None:
    # Kept for the log when a child dies; read continuously so a chatty child never blocks.
    for raw in stream:
        tail.append(raw.decode("utf-8", "replace").rstrip())
