"""`gpt-oss-desktop serve` started as a user starts it: a subprocess on 127.0.0.1, a free port."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

READY_TIMEOUT_S = 120  # a guard against a hang, not a speed target


@dataclass
class Served:
    base_url: str  # http://127.0.0.1:PORT/v1
    process: subprocess.Popen[str]
    home: Path
    stderr: Path


def start_serve(*args: str, home: Path) -> tuple[subprocess.Popen[str], str, Path]:
    """Start `serve ARGS`; returns the process, its first stdout line ('' if it exited) and its stderr file."""
    home.mkdir(parents=True, exist_ok=True)
    stderr = home / "serve-stderr.txt"
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home)}
    with stderr.open("w") as err:
        process = subprocess.Popen([sys.executable, "-m", "desktop", "serve", *args], stdout=subprocess.PIPE,
                                   stderr=err, text=True, env=env)
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not selector.select(timeout=0.5):
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"serve printed nothing in {READY_TIMEOUT_S} s: {stderr.read_text()}")
    return process, process.stdout.readline(), stderr


@contextmanager
def serving(*args: str, home: Path, stop_with: int = signal.SIGTERM) -> Iterator[Served]:
    process, line, stderr = start_serve("--port", "0", *args, home=home)
    try:
        assert line.startswith("Serving on http://127.0.0.1:"), (line, stderr.read_text())
        yield Served(line.removeprefix("Serving on ").strip(), process, home, stderr)
    finally:
        if process.poll() is None:
            process.send_signal(stop_with)
        code = process.wait(timeout=60)
    assert code == 0, stderr.read_text()
    assert process.stdout is not None and process.stdout.read() == ""  # exactly one line on stdout
