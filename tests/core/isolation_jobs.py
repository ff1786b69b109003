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
