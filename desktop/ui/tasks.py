"""The one way to run background work from the UI: callbacks always arrive on the UI thread.

`run_in_background(fn, on_done=..., on_failed=...)` runs `fn()` on Qt's thread pool. Its result
(or the message of its exception) comes back through a queued signal, so callers never touch
widgets from a worker. Long tasks take a CancelToken (desktop.core.jobs) and report Progress
through a ProgressRelay, which throttles to changes of >= 1 % or >= 100 ms.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid

from desktop.core.errors import UserError
from desktop.core.jobs import Progress

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the UI thread; a worker emits, the UI thread receives."""

    sig_done = Signal(object)
    sig_failed = Signal(str)
    sig_progress = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except UserError as exc:
            self._relay.sig_failed.emit(str(exc))
        except Exception as exc:  # a worker never dies silently
            log.exception("background task failed")
            self._relay.sig_failed.emit(f"Unexpected error: {exc}")
        else:
            self._relay.sig_done.emit(result)


_live_relays: set[_Relay] = set()


def run_in_background(
    fn: Callable[[], Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_failed: Callable[[str], None] | None = None,
    pool: QThreadPool | None = None,
    context: QObject | None = None,
) -> None:
    """Run `fn()` on the pool; `on_done(result)` or `on_failed(message)` run on the UI thread.

    With `context`, neither runs once that object has been deleted (a window closed while its
    read was still out would otherwise be drawn into after its widgets are gone)."""
    relay = _Relay()
    _live_relays.add(relay)  # keep the relay alive until the job ends

    def finish() -> None:
        _live_relays.discard(relay)
        relay.deleteLater()

    def wanted(callback: Callable[[Any], None] | None) -> bool:
        return callback is not None and (context is None or isValid(context))

    relay.sig_done.connect(lambda result: (on_done(result) if wanted(on_done) else None, finish()))
    relay.sig_failed.connect(lambda message: (on_failed(message) if wanted(on_failed) else None, finish()))
    (pool or QThreadPool.globalInstance()).start(_Job(fn, relay))


class ProgressRelay(QObject):
    """Carries Progress from any thread to the UI thread, throttled to >= 1 % or >= 100 ms.

    Create it on the UI thread, connect `sig_progress`, and pass `relay.report` to the task.
    """

    sig_progress = Signal(object)  # Progress

    def __init__(self, parent: QObject | None = None, min_step: float = 0.01,
                 min_interval_s: float = 0.1) -> None:
        super().__init__(parent)
        self._min_step = min_step
        self._min_interval_s = min_interval_s
        self._last_fraction = -1.0
        self._last_time = 0.0

    def report(self, progress: Progress) -> None:
        now = time.monotonic()
        fraction = progress.fraction
        finished = fraction is not None and fraction >= 1.0
        moved = fraction is not None and fraction - self._last_fraction >= self._min_step
        if finished or moved or now - self._last_time >= self._min_interval_s:
            if fraction is not None:
                self._last_fraction = fraction
            self._last_time = now
            self.sig_progress.emit(progress)
