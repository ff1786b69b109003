"""Which process owns a data folder: an OS file lock held by the open window.

The window holds `window.lock` in its data folder for as long as it runs. The lock is an OS
lock (`filelock`: flock on Unix, LockFileEx on Windows), not a file whose existence means
"taken": the kernel drops it when the process ends however it ends, so the lock of a killed
window never blocks the next launch, and no stale-lock guessing (PIDs, ages) is needed.

Other programs of the app (the CLI) only probe it: `held_by_window(path)` says whether a window
other than this process holds it, so a library command can say "in use by the open window" at
once instead of waiting for the store to refuse it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = "window.lock"

log = logging.getLogger(__name__)
_held: set[Path] = set()  # lock files this process holds: its own window never counts as "another"
_held_guard = threading.Lock()


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


def instance_key(data_dir: Path) -> str:
    """A short name for the data folder, the same for every spelling of its path."""
    return hashlib.sha256(str(data_dir.expanduser().resolve()).encode("utf-8")).hexdigest()[:20]


class InstanceLock:
    """The window's claim on a data folder; `acquire()` is False while another process has it."""

    def __init__(self, data_dir: Path) -> None:
        self.path = lock_path(data_dir.expanduser().resolve())
        self._lock = _os_lock(self.path)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self, timeout_s: float = 0.0) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=timeout_s, poll_interval=0.05)
        except Timeout:
            return False
        with _held_guard:
            _held.add(self.path)
        return True

    def release(self) -> None:
        if self._lock.is_locked:
            with _held_guard:
                _held.discard(self.path)
            self._lock.release(force=True)


def held_by_window(data_dir: Path) -> bool:
    """Whether another process's window holds this data folder (False when unsure)."""
    path = lock_path(data_dir.expanduser().resolve())
    with _held_guard:
        if path in _held:
            return False
    if not path.exists():
        return False
    probe = _os_lock(path)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError as exc:  # a read-only folder: the store itself will say what is wrong
        log.debug("cannot probe %s: %s", path, exc)
        return False
    probe.release(force=True)
    return False


def _os_lock(path: Path) -> FileLock:
    # The file stays on release: deleting it would let two processes lock two different files
    # of one name. That also rules out filelock's fallback to a marker file, which outlives a
    # killed process: an OS lock or none. Any thread may release what another took.
    return FileLock(str(path), thread_local=False, preserve_lock_file=True)
