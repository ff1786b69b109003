"""The worker child: connects back to the app, caps its own memory, runs one job at a time.

Started by `IsolatedWorker` as the app itself with `ARGUMENT PORT MEMORY_MB`; the app's secret
arrives in the environment (not on the command line, where any user can read it) and is the
first thing the child sends, so no other local program can pose as the app's worker. It serves
until the app closes the connection, exits or dies.
"""

from __future__ import annotations

import importlib
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

from desktop.core.isolation import wire

ARGUMENT = "--isolated-worker"
TOKEN_ENV = "GPT_OSS_DESKTOP_WORKER_TOKEN"
PRELOAD_ENV = "GPT_OSS_DESKTOP_WORKER_PRELOAD"
# Exit codes that say why the child ended itself; the app turns them into the file's error.
EXIT_MEMORY = 86
EXIT_TIMEOUT = 87
# The app kills a job at its deadline; the child's own deadline is for an app that is gone.
GRACE_S = 5.0


def serve(port: int, memory_mb: int) -> int:
    # Ctrl+C in a terminal reaches the whole process group: the app decides, the child waits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    token = os.environ.pop(TOKEN_ENV, "")
    capped = cap_memory(memory_mb)
    try:
        sock = wire.no_delay(socket.create_connection(("127.0.0.1", port)))
        # Before the hello, so that a job's time limit is the job's alone.
        _preload(os.environ.pop(PRELOAD_ENV, ""))
        wire.send(sock, {"token": token, "pid": os.getpid(), "capped": capped})
        deadline = _Deadline()
        while True:
            request = wire.receive_blocking(sock)
            if request is None:
                return 0
            deadline.start(float(request["timeout_s"]) + GRACE_S)
            reply = _run(request["job"], request["args"])
            deadline.stop()
            _reply(sock, reply)
    except MemoryError:
        os._exit(EXIT_MEMORY)
    except OSError:  # the app went away
        return 0


def cap_memory(memory_mb: int) -> bool:
    """Linux: RLIMIT_AS, so an allocation past the cap fails (a MemoryError in Python; in C a
    failed malloc, which some libraries turn into an abort). macOS does not enforce RLIMIT_AS
    and Windows has no rlimits: there the app watches the child's memory and kills it at the cap.
    """
    if not sys.platform.startswith("linux"):
        return False
    import resource

    limit = memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        return False
    return True


def _preload(modules: str) -> None:
    # While the app does other work; a module that fails to import fails its first job instead.
    for module in filter(None, modules.split(",")):
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001, S110 - reported by the job that needs it
            pass


def _run(job: str, args: list[Any]) -> dict[str, Any]:
    try:
        module_name, _, name = job.partition(":")
        function = getattr(importlib.import_module(module_name), name)
        return {"ok": function(*args)}
    except MemoryError:
        return {"raised": "MemoryError", "message": "out of memory"}
    except Exception as exc:  # noqa: BLE001 - the app decides what a failure means
        return {"raised": type(exc).__name__, "message": _text(exc)}


def _reply(sock: socket.socket, reply: dict[str, Any]) -> None:
    try:
        body = wire.encode(reply)
    except MemoryError:
        reply = {}  # let the big result go before writing the small answer
        body = wire.encode({"raised": "MemoryError", "message": "out of memory"})
    except (TypeError, ValueError) as exc:  # a result that is not JSON: a bug in the job
        body = wire.encode({"raised": type(exc).__name__, "message": _text(exc)})
    wire.send_bytes(sock, body)


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except Exception:  # noqa: BLE001 - a __str__ that fails still leaves the type name
        return ""


class _Deadline:
    """Ends the child when a job runs past its time plus a grace: the app kills it first, but
    an app that died must not leave a child spinning on a hostile file forever."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._until: float | None = None
        threading.Thread(target=self._watch, name="deadline", daemon=True).start()

    def start(self, seconds: float) -> None:
        with self._condition:
            self._until = time.monotonic() + seconds
            self._condition.notify()

    def stop(self) -> None:
        with self._condition:
            self._until = None
            self._condition.notify()

    def _watch(self) -> None:
        with self._condition:
            while True:
                if self._until is None:
                    self._condition.wait()
                    continue
                left = self._until - time.monotonic()
                if left <= 0:
                    os._exit(EXIT_TIMEOUT)
                self._condition.wait(left)
