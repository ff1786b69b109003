"""Who is using a Library right now, so that closing or re-opening it never frees a part in use.

A question's search runs on the LLM thread while the library thread may close the library (the
app quits) or re-open it on another embedding model (Settings). Freeing a llama.cpp embedder
while a search is inside it crashes the process; closing the catalog under it raises from
SQLite. So every use is counted (`using()`), and `retire(release)`:
- stops new uses from starting (they wait a moment; after `close` they get `LibraryClosed`),
- waits for the uses in flight to end, at most `wait_s`,
- then frees the parts; if some use is still running after `wait_s`, freeing is handed to the
  last use to leave instead, so it happens the moment the part is free and never while it is used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from desktop.core.errors import UserError

log = logging.getLogger(__name__)

CLOSED_MESSAGE = ("The library was closed (the app is closing, or the library was re-opened on another "
                  "embedding model); ask again.")


class LibraryClosed(UserError):
    """A use of a Library after `close()`: a clear message, never a crash."""


class Lifecycle:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._users = 0
        self._retiring = 0  # retire() calls under way: new uses wait for them
        self._closed = False
        self._deferred: list[Callable[[], None]] = []

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def users(self) -> int:
        return self._users

    @contextmanager
    def using(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: self._retiring == 0)
            if self._closed:
                raise LibraryClosed(CLOSED_MESSAGE)
            self._users += 1
        try:
            yield
        finally:
            with self._cond:
                self._users -= 1
                ready = self._deferred if self._users == 0 else []
                if ready:
                    self._deferred = []
                self._cond.notify_all()
            for release in ready:  # the last user out frees what was retired while it worked
                try:
                    release()
                except Exception:  # noqa: BLE001 - the user's own call succeeded; closing is logged
                    log.exception("closing the library's parts failed")

    def retire(self, detach: Callable[[], Callable[[], None]], wait_s: float, *, close: bool = False) -> bool:
        """Swap parts out and free them once no use is in flight; True if they were freed now.

        `detach()` runs while no new use can start (and, unless `wait_s` ran out, none is in
        flight): it takes the parts off the Library and returns the function that frees them.
        With `close`, every later use raises `LibraryClosed`; closing twice does nothing.
        """
        with self._cond:
            if self._closed:
                return True
            self._retiring += 1
            idle = self._cond.wait_for(lambda: self._users == 0, timeout=wait_s)
            # Before detaching: a use still running then starts no new part (its checks raise).
            self._closed = self._closed or close
        try:
            release = detach()
            with self._cond:
                if not idle and self._users == 0:
                    idle = True  # the last one left while the parts were detached
                if not idle:
                    self._deferred.append(release)
            if idle:
                release()
        finally:
            with self._cond:
                self._retiring -= 1
                self._cond.notify_all()
        return idle
