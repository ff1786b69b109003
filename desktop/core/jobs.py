"""Cancellation and progress reporting shared by every long-running task."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol


class Cancelled(Exception):
    """Raised by a task that noticed its CancelToken was set."""


class CancelToken:
    """A thread-safe flag a task checks between steps (one token, one batch, one chunk)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once on cancel; True when cancelled."""
        return self._event.wait(seconds)


@dataclass(frozen=True)
class Progress:
    """A snapshot of a task's progress; `total` is None when unknown."""

    done: float
    total: float | None = None
    message: str = ""

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


class ProgressCallback(Protocol):
    def __call__(self, progress: Progress) -> None: ...
