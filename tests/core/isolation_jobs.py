"""Jobs the worker-child tests run in a real child (imported there by name, as the app's are)."""

from __future__ import annotations

import os
import time


def echo(value: object) -> object:
    return value


def child_pid() -> int:
    return os.getpid()


def text_of(size: int) -> str:
    return "x" * size


def refuse(message: str) -> None:
    raise ValueError(message)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def quote_and_raise(path: str) -> None:
    """A reader bug whose message quotes the file, as html.parser's once did."""
    from pathlib import Path

    raise AssertionError(f"expected name token at {Path(path).read_text()[:40]!r}")
