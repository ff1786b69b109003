"""Which process owns a data folder: an OS file lock held by the open window.

The window holds `window.lock` in its data folder for as long as it runs. The lock is an OS
lock (flock on POSIX, a byte-range lock through msvcrt on Windows), not a file whose existence
means "taken": the kernel drops it when the process ends however it ends, so the lock of a killed
window never blocks the next launch, and no stale-lock guessing (PIDs, ages) is needed. The
standard library does it directly: a lock library cost the window's start-up ~30 ms of imports.

Other programs of the app (the CLI) only probe it: `held_by_window(path)` says whether a window
other than this process holds it, so a library command can say "in use by the open window" at
once instead of waiting for the store to refuse it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
import time
from pathlib import Path

LOCK_NAME = "window.lock"
POLL_S = 0.05

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
        self._fd: int | None = None
        self._guard = threading.Lock()  # any thread may release what another took

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, timeout_s: float = 0.0) -> bool:
        with self._guard:
            if self._fd is not None:
                return True
            self.path.parent.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + timeout_s
            while (fd := _try_lock(self.path, create=True)) is None:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(POLL_S)
            self._fd = fd
        with _held_guard:
            _held.add(self.path)
        return True

    def release(self) -> None:
        with self._guard:
            if self._fd is None:
                return
            with _held_guard:
                _held.discard(self.path)
            # The file stays: deleting it would let two processes lock two different files of one
            # name (one still holding the unlinked file, one a fresh file). Closing drops the lock.
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None


def held_by_window(data_dir: Path) -> bool:
    """Whether another process's window holds this data folder (False when unsure)."""
    path = lock_path(data_dir.expanduser().resolve())
    with _held_guard:
        if path in _held:
            return False
    if not path.exists():
        return False
    try:
        fd = _try_lock(path, create=False)
    except OSError as exc:  # a read-only folder: the store itself will say what is wrong
        log.debug("cannot probe %s: %s", path, exc)
        return False
    if fd is None:
        return True
    _unlock(fd)
    os.close(fd)
    return False


def _try_lock(path: Path, create: bool) -> int | None:
    """An open descriptor holding the lock, or None while another process holds it.

    Descriptors are not inherited by child processes (Python's default), so the library's server
    and the document reader the window starts never keep the lock alive after the window dies."""
    fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o644)
    try:
        if _lock(fd):
            return fd
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return None


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # byte 0, whether or not the file has one
        except OSError:  # held elsewhere (EACCES / EDEADLOCK)
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
