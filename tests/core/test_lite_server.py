"""Milvus Lite runs in a child process of the app: it never outlives the app and never loses
what was stored, whether the app closes the store, exits or is killed; and it answers that app
alone, not another program or user of the machine."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import numpy as np
import psutil
import pytest
import tomllib
from pymilvus import MilvusClient, MilvusException
from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc

from desktop.core.errors import UserError
from desktop.core.library import lite_private, lite_server
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


def _refused_calls(port: int, token: str | None) -> list[grpc.StatusCode]:
    """What a program speaking the Milvus protocol straight to the port gets: list, then drop."""
    metadata = [("authorization", lite_private.authorization(token))] if token else None
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = milvus_pb2_grpc.MilvusServiceStub(channel)
        codes = []
        for call, request in ((stub.ShowCollections, milvus_pb2.ShowCollectionsRequest()),
                              (stub.DropCollection, milvus_pb2.DropCollectionRequest(collection_name=NAME))):
            try:
                call(request, metadata=metadata)
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as exc:
                codes.append(exc.code())
    return codes


def _port(store: VectorStore) -> int:
    return int(store._server.uri.rsplit(":", 1)[1])


def test_the_store_answers_the_app_alone(tmp_path: Path) -> None:
    store = VectorStore(str(tmp_path / "library.db"))
    try:
        store.ensure(NAME, 4)
        store.insert(NAME, [ChunkRow("a", 1, "/d.md", 0, "", 0, 0, 10, "kept")], np.eye(4, dtype=np.float32)[:1])
        refused = [grpc.StatusCode.UNAUTHENTICATED] * 2
        assert _refused_calls(_port(store), None) == refused
        assert _refused_calls(_port(store), "a guess") == refused
        for token in ("", "a guess"):  # pymilvus as any local program would use it
            with pytest.raises(MilvusException, match="Fail connecting to server"):
                MilvusClient(store._server.uri, token=token)
        assert store.search(NAME, None, "kept", 1)[0].id == "a"  # nothing was dropped
        # The secret is in no place another user can read: not the command line, not a file.
        child = psutil.Process(store._server._process.pid)
        secret = store._server.token
        assert len(secret) >= 32
        assert secret not in " ".join(child.cmdline())
        assert secret not in " ".join(f"{k}={v}" for k, v in child.environ().items())
        assert [p for p in tmp_path.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()] == []
    finally:
        store.close()


def test_a_restarted_store_answers_the_app_and_not_the_old_secret(tmp_path: Path) -> None:
    store = VectorStore(str(tmp_path / "library.db"))
    try:
        store.ensure(NAME, 4)
        store.insert(NAME, [ChunkRow("a", 1, "/d.md", 0, "", 0, 0, 10, "kept")], np.eye(4, dtype=np.float32)[:1])
        old_secret = store._server.token
        os.kill(store._server._process.pid, signal.SIGKILL)
        store._server._process.wait(timeout=10)
        assert store.count(NAME) == 1  # started again, with a secret of its own
        assert store._server.token != old_secret
        assert _refused_calls(_port(store), old_secret) == [grpc.StatusCode.UNAUTHENTICATED] * 2
        assert _refused_calls(_port(store), None) == [grpc.StatusCode.UNAUTHENTICATED] * 2
        store.insert(NAME, [ChunkRow("b", 2, "/e.md", 0, "", 0, 0, 10, "added later")],
                     np.eye(4, dtype=np.float32)[1:2])
        assert store.search(NAME, None, "later", 1)[0].id == "b"
        store.delete_document(NAME, 1)
        assert [h.id for h in store.search(NAME, None, "kept later", 5)] == ["b"]
    finally:
        store.close()


def test_a_program_that_answers_in_the_stores_place_is_not_believed(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program may connect to the app's loopback socket before the store's process does
    and claim to be it; the app waits for the one that knows the secret it was given."""
    impostors: list[socket.socket] = []
    popen = subprocess.Popen

    def impostor_first(command: list[str], **kwargs):
        impostor = socket.create_connection(("127.0.0.1", int(command[-1])))
        impostor.sendall(b'{"port": 9, "fast_search": true}\n')
        impostors.append(impostor)
        return popen(command, **kwargs)

    monkeypatch.setattr(lite_server.subprocess, "Popen", impostor_first)
    try:
        store = VectorStore(str(tmp_path / "library.db"))
    finally:
        monkeypatch.undo()
    try:
        assert impostors and impostors[0].recv(4096) == b""  # closed on it, having told it nothing
        store.ensure(NAME, 4)
        store.insert(NAME, [ChunkRow("a", 1, "/d.md", 0, "", 0, 0, 10, "kept")], np.eye(4, dtype=np.float32)[:1])
        assert store.search(NAME, None, "kept", 1)[0].id == "a"
    finally:
        impostors[0].close()
        store.close()


def test_milvus_lite_is_the_version_its_private_parts_were_written_for() -> None:
    """The store's server and fast search use Lite internals of one version: an upgrade of
    Milvus Lite fails here first, before it silently changes what the library does."""
    import milvus_lite

    assert milvus_lite.__version__ == lite_private.PINNED_VERSION
    assert lite_private.installed_version() == lite_private.PINNED_VERSION


def test_the_project_pins_that_exact_milvus_lite() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [d for d in project["dependencies"] if re.match(r"milvus-lite\b", d)]
    assert pins == [f"milvus-lite=={lite_private.PINNED_VERSION}"]
