"""DownloadManager: one job per file in a process, against the fake Hub on 127.0.0.1."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from desktop.core import downloads
from desktop.core.download_manager import DownloadJob, DownloadManager
from desktop.core.downloads import resolve
from desktop.core.jobs import Cancelled, Progress
from tests.fixtures.fake_hub import FakeHub, fake_hub  # noqa: F401

REPO, FILE = "org/tiny-GGUF", "tiny.gguf"
SIZE = 1_500_000
WAIT_S = 60  # a safety net only: every wait below ends on an event, long before this


@pytest.fixture
def payload() -> bytes:
    return os.urandom(SIZE)


@pytest.fixture
def hub(fake_hub: FakeHub, payload: bytes) -> FakeHub:  # noqa: F811
    fake_hub.add_file(REPO, FILE, payload)
    fake_hub.stall_after_bytes, fake_hub.stalls = 300_000, 1  # the first body holds still midway
    return fake_hub


def reached(job: DownloadJob, done: int) -> threading.Event:
    event = threading.Event()
    job.subscribe(on_progress=lambda p: event.set() if p.done >= done else None)
    return event


def test_a_second_request_for_the_same_file_shares_the_running_download(hub: FakeHub, payload: bytes,
                                                                         tmp_path: Path) -> None:
    manager = DownloadManager()
    dest = tmp_path / FILE
    first_seen: list[Progress] = []
    first = manager.download(resolve(REPO, FILE), dest)
    first.subscribe(on_progress=first_seen.append)
    assert reached(first, 300_000).wait(WAIT_S)

    started_again: list[bool] = []

    def second_work(cancel: object, progress: object) -> Path:
        started_again.append(True)
        return downloads.download(resolve(REPO, FILE), dest)

    # The Models view asks for the same file while the first-run screen's download runs.
    second = manager.start(tmp_path / "sub" / ".." / FILE, second_work)
    second_seen: list[Progress] = []
    ended = threading.Event()
    second.subscribe(on_progress=second_seen.append, on_done=lambda job: ended.set())
    assert second_seen and second_seen[0].done >= 300_000  # it shows where the download is, at once
    hub.unstall.set()

    assert ended.wait(WAIT_S)
    assert first.result() == second.result() == dest and dest.read_bytes() == payload
    assert not started_again
    assert first_seen[-1].done == second_seen[-1].done == SIZE
    assert len(hub.file_gets()) == 1 and hub.bytes_served() == SIZE
    assert manager.job(dest) is None and manager.jobs() == []


def test_pause_from_one_place_pauses_it_everywhere_and_the_next_request_resumes(
        hub: FakeHub, payload: bytes, tmp_path: Path) -> None:
    manager = DownloadManager()
    dest = tmp_path / FILE
    job = manager.download(resolve(REPO, FILE), dest)
    assert reached(job, 300_000).wait(WAIT_S)
    watcher_done = threading.Event()
    manager.job(dest).subscribe(on_done=lambda j: watcher_done.set())  # a second view of the same job

    job.cancel()
    hub.unstall.set()
    assert watcher_done.wait(WAIT_S)
    with pytest.raises(Cancelled):
        job.result()
    kept = downloads.partial_bytes(dest)
    assert 300_000 <= kept < SIZE and not dest.exists()

    again = manager.download(resolve(REPO, FILE), dest)
    assert again is not job
    assert again.result(WAIT_S).read_bytes() == payload
    assert hub.file_gets()[-1].range == f"bytes={kept}-"


def test_a_subscriber_that_fails_does_not_stop_the_download(hub: FakeHub, payload: bytes, tmp_path: Path) -> None:
    hub.stalls = 0
    manager = DownloadManager()
    job = manager.download(resolve(REPO, FILE), tmp_path / FILE)

    def broken(progress: Progress) -> None:
        raise RuntimeError("a view that was closed")

    job.subscribe(on_progress=broken)
    assert job.result(WAIT_S).read_bytes() == payload
