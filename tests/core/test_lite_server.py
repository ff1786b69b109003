"""Milvus Lite runs in a child process of the app: it never outlives the app and never loses
what was stored, whether the app closes the store, exits or is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from desktop.core.errors import UserError
from desktop.core.library.store import ChunkRow, VectorStore

ROOT = Path(__file__).resolve().parents[2]
NAME = "chunks_test"

_APP_THAT_DIES = """
import sys, numpy as np
from desktop.core.library.store import ChunkRow, VectorStore
store = VectorStore(sys.argv[1])
store.ensure("chunks_test", 4)
rows = [ChunkRow(f"c{i}", 1, "/d.md", 0, "", i, 0, 10, f"stored text {i}") for i in range(300)]
store.insert("chunks_test", rows, np.eye(4, dtype=np.float32)[np.arange(300) % 4])
store.insert("chunks_test", [ChunkRow("late", 2, "/e.md", 0, "", 0, 0, 10, "unflushed row")],
             np.eye(4, dtype=np.float32)[:1])
print(store._server._process.pid, flush=True)
import time; time.sleep(600)
"""


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def test_the_store_process_exits_when_the_app_is_killed_and_nothing_is_lost(tmp_path: Path) -> None:
    uri = str(tmp_path / "library.db")
    app = subprocess.Popen([sys.executable, "-c", _APP_THAT_DIES, uri], cwd=ROOT,
                           stdout=subprocess.PIPE, text=True)
    server_pid = int(app.stdout.readline())
    assert psutil.pid_exists(server_pid)
    os.kill(app.pid, signal.SIGKILL)
    app.wait()
    assert _wait_gone(server_pid, 30), "the store's process outlived the app"

    store = VectorStore(uri)  # the folder is free again
    try:
        assert store.count(NAME) == 301
        assert store.search(NAME, None, "unflushed", 1)[0].id == "late"
    finally:
        store.close()


def test_closing_the_store_stops_its_process(tmp_path: Path) -> None:
    store = VectorStore(str(tmp_path / "library.db"))
    store.ensure(NAME, 4)
    store.insert(NAME, [ChunkRow("a", 1, "/d.md", 0, "", 0, 0, 10, "kept")], np.eye(4, dtype=np.float32)[:1])
    pid = store._server._process.pid
    store.close()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    again = VectorStore(str(tmp_path / "library.db"))
    try:
        assert again.search(NAME, None, "kept", 1)[0].id == "a"
    finally:
        again.close()


def test_a_folder_that_is_not_a_library_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "library.db"
    bad.write_text("not a folder")
    with pytest.raises(UserError, match="Cannot open the library at"):
        VectorStore(str(bad))


def test_a_killed_store_process_is_started_again_and_nothing_is_lost(tmp_path: Path) -> None:
    store = VectorStore(str(tmp_path / "library.db"))
    try:
        store.ensure(NAME, 4)
        rows = [ChunkRow(f"c{i}", 1, "/d.md", 0, "", i, 0, 10, f"stored text {i}") for i in range(300)]
        store.insert(NAME, rows, np.eye(4, dtype=np.float32)[np.arange(300) % 4])  # 256 flushed
        store.insert(NAME, [ChunkRow("late", 2, "/e.md", 0, "", 0, 0, 10, "unflushed row")],
                     np.eye(4, dtype=np.float32)[:1])
        first = store._server._process.pid
        os.kill(first, signal.SIGKILL)  # as the OS's out-of-memory killer would
        store._server._process.wait(timeout=10)  # (reaped once all its threads are gone)
        assert store.search(NAME, None, "unflushed", 1)[0].id == "late"
        assert store.count(NAME) == 301
        assert store._server._process.pid != first
    finally:
        store.close()
