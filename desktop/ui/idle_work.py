"""Work the window does a piece at a time: an opened chat's messages, a long answer's blocks.

Qt lays a label's text out in one go (~2 ms per 1,000 characters here, more for tables), and an
opened chat's page of 40 messages built in one go froze the window for a tenth of a second and
more. So such work is a job, a generator that yields after each piece, and all jobs share one
queue: each event-loop turn works on them for one SLICE (at least one piece), then Qt lays out and
paints what was made and handles the user's input before the next turn's slice. A piece lays out
the text it made itself (setting a label's text is quick, laying it out is not), so the slice
counts what it costs. One queue, so two jobs never add up to a stall.

A job added from inside another job's piece (a message whose answer has blocks to place) goes
first: the message is finished before the next one is started. A job added while others wait goes
after them, worked from the next turn: started at once, each of the 20 answers that "place the
rest now" builds ran the whole queue for a slice (a 0.25 s stall).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

SLICE = 0.008  # seconds of pieces per turn; Qt then lays out and paints what changed

log = logging.getLogger(__name__)


class _Queue:
    def __init__(self) -> None:
        self.jobs: deque[tuple[QObject, Iterator[None]]] = deque()
        self.working = False
        self.timer: QTimer | None = None  # made with the first job (a QApplication exists by then)

    def add(self, owner: QObject, job: Iterator[None]) -> None:
        if self.working:
            self.jobs.appendleft((owner, job))  # from inside a piece: its own job goes first
            return
        self.jobs.append((owner, job))
        if len(self.jobs) == 1:
            self.work()  # (a streamed answer's few new words show in the same turn)
        else:
            self._work_next_turn()

    def work(self) -> None:
        started = time.perf_counter()
        self.working = True
        try:
            while self.jobs:
                owner, job = self.jobs[0]
                if not isValid(owner):  # deleted with its widget: the rest of its work is moot
                    self.jobs.popleft()
                    continue
                if time.perf_counter() - started > SLICE:
                    break
                try:
                    next(job)
                except StopIteration:
                    self._remove(job)
                except Exception:  # noqa: BLE001 - one job's failure must not stop the others
                    log.exception("a piece of work for %s failed; the rest of that job is dropped", owner)
                    self._remove(job)
        finally:
            self.working = False
            if self.jobs:
                self._work_next_turn()

    def _work_next_turn(self) -> None:
        if self.timer is None:
            self.timer = QTimer(singleShot=True, interval=0)
            self.timer.timeout.connect(self.work)
        if not self.timer.isActive():
            self.timer.start()

    def cancel(self, owner: QObject) -> None:
        def inside(other: QObject) -> bool:
            return other is owner or (isinstance(owner, QWidget) and isinstance(other, QWidget)
                                      and isValid(other) and owner.isAncestorOf(other))

        for entry in [entry for entry in self.jobs if inside(entry[0])]:
            self._remove(entry[1])
            try:
                entry[1].close()
            except ValueError:  # cancelled from inside its own piece: it stops when that returns
                pass

    def _remove(self, job: Iterator[None]) -> None:
        for entry in self.jobs:
            if entry[1] is job:
                self.jobs.remove(entry)
                return


_queue = _Queue()


def run_in_pieces(owner: QObject, job: Iterator[None]) -> None:
    """Work on `job` now for what is left of this turn's slice, the rest in later turns. It stops
    early if `owner` is deleted or `cancel(owner)` is called."""
    _queue.add(owner, job)


def cancel(owner: QObject) -> None:
    """Drop the unfinished jobs of `owner` (and, a widget, of the widgets inside it)."""
    _queue.cancel(owner)


def has_job(owner: QObject) -> bool:
    """`owner` has a job with pieces still to do."""
    return any(entry[0] is owner for entry in _queue.jobs)


def pending() -> bool:
    """Some job still has pieces to do."""
    return bool(_queue.jobs)
