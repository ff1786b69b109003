"""Downloads against a real HTTP server on 127.0.0.1 speaking the Hub's protocol (no internet)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desktop.core import downloads
from desktop.core.downloads import DISK_MARGIN, DownloadProgress, download, resolve
from desktop.core.errors import UserError
from desktop.core.hardware import format_bytes
from desktop.core.jobs import Cancelled, CancelToken
from tests.fixtures.fake_hub import FakeHub, fake_hub, offline_hub_endpoint  # noqa: F401

REPO, FILE = "org/tiny-GGUF", "tiny.gguf"
SIZE = 1_500_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def payload() -> bytes:
    return os.urandom(SIZE)


@pytest.fixture
def hub(fake_hub: FakeHub, payload: bytes, monkeypatch: pytest.MonkeyPatch) -> FakeHub:  # noqa: F811
    fake_hub.add_file(REPO, FILE, payload)
    # A dropped connection is resumed after a pause; tests need not wait for it.
    monkeypatch.setattr(downloads, "RETRY_DELAY_S", 0.0)
    return fake_hub


def test_download_reports_progress_verifies_and_lands_atomically(hub: FakeHub, payload: bytes, tmp_path: Path) -> None:
    seen: list[DownloadProgress] = []
    remote = resolve(REPO, FILE)
    dest = download(remote, tmp_path / FILE, on_progress=seen.append)

    assert dest.read_bytes() == payload
    assert remote.size == SIZE and remote.sha256 == hub.files[(REPO, FILE)].sha256
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE]  # no .part, no sidecar left
    byte_counts = [p.done for p in seen]
    assert byte_counts == sorted(byte_counts) and byte_counts[-1] == SIZE
    assert all(p.total == SIZE for p in seen) and len(seen) > 10
    gets = hub.file_gets()
    assert len(gets) == 1 and gets[0].range is None


def test_cancel_keeps_the_partial_and_the_next_run_fetches_only_the_rest(hub: FakeHub, payload: bytes,
                                                                       tmp_path: Path) -> None:
    cancel = CancelToken()

    def stop_midway(progress: DownloadProgress) -> None:
        if progress.done >= 500_000:
            cancel.cancel()

    with pytest.raises(Cancelled):
        download(resolve(REPO, FILE), tmp_path / FILE, cancel=cancel, on_progress=stop_midway)
    part, sidecar = downloads.part_paths(tmp_path / FILE)
    kept = part.stat().st_size
    assert 500_000 <= kept < SIZE
    assert json.loads(sidecar.read_text())["sha256"] == hub.files[(REPO, FILE)].sha256
    assert not (tmp_path / FILE).exists()

    dest = download(resolve(REPO, FILE), tmp_path / FILE)
    assert dest.read_bytes() == payload
    second = hub.file_gets()[-1]
    assert second.range == f"bytes={kept}-"
    assert second.served == SIZE - kept


def test_a_dropped_connection_resumes_with_a_range_request(hub: FakeHub, payload: bytes, tmp_path: Path) -> None:
    hub.drop_after_bytes, hub.drops = 700_000, 1
    dest = download(resolve(REPO, FILE), tmp_path / FILE)

    assert dest.read_bytes() == payload
    first, second = hub.file_gets()
    assert first.served == 700_000
    resumed_at = int(second.range.removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= 700_000
    assert second.served == SIZE - resumed_at


def test_a_connection_that_keeps_dropping_gives_up_with_a_message(hub: FakeHub, tmp_path: Path) -> None:
    hub.drop_after_bytes, hub.drops = 0, 100
    with pytest.raises(UserError, match="connection to the model hub was lost.*resume"):
        download(resolve(REPO, FILE), tmp_path / FILE)
    assert len(hub.file_gets()) == downloads.RETRIES + 1  # retried in place, then stopped: no endless loop


def test_resume_after_the_process_is_killed(hub: FakeHub, payload: bytes, tmp_path: Path) -> None:
    hub.throttle_s_per_chunk = 0.05  # slow enough to kill it halfway
    script = (
        "import sys; from pathlib import Path; from desktop.core import downloads\n"
        f"downloads.download(downloads.resolve({REPO!r}, {FILE!r}), Path(sys.argv[1]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / FILE)], env=env, cwd=ROOT)
    part, sidecar = downloads.part_paths(tmp_path / FILE)
    try:
        deadline = time.monotonic() + 60
        while not (part.exists() and part.stat().st_size >= 300_000):
            assert child.poll() is None, "the download ended before it could be killed"
            assert time.monotonic() < deadline, "the download never got going"
            time.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    kept = part.stat().st_size
    assert sidecar.exists() and kept < SIZE
    assert downloads.lock_path(tmp_path / FILE).exists()  # the killed process left its lock file behind...

    hub.throttle_s_per_chunk = 0.0  # ...and it does not block this download
    dest = download(resolve(REPO, FILE), tmp_path / FILE)
    assert dest.read_bytes() == payload
    last = hub.file_gets()[-1]
    assert last.range == f"bytes={kept}-" and last.served == SIZE - kept


def test_a_second_download_of_the_same_file_is_refused_and_leaves_the_first_alone(
        hub: FakeHub, payload: bytes, tmp_path: Path) -> None:
    hub.stall_after_bytes, hub.stalls = 300_000, 1  # the first download holds still midway
    dest = tmp_path / FILE
    first: dict[str, Path] = {}
    worker = threading.Thread(target=lambda: first.update(path=download(resolve(REPO, FILE), dest)))
    worker.start()
    part, sidecar = downloads.part_paths(dest)
    try:
        deadline = time.monotonic() + 60
        while not (part.exists() and part.stat().st_size >= 300_000):
            assert worker.is_alive() and time.monotonic() < deadline, "the first download never got going"
            time.sleep(0.02)
        kept = part.stat().st_size
        assert downloads.busy(dest)
        message = "tiny.gguf is already being downloaded by another window or command"
        with pytest.raises(UserError, match=message):
            download(resolve(REPO, FILE), dest)
        with pytest.raises(UserError, match=message):
            downloads.discard_partial(dest)  # "discard" from elsewhere must not pull the file away either
        assert part.stat().st_size == kept and sidecar.exists()
    finally:
        hub.unstall.set()
        worker.join()
    assert first["path"].read_bytes() == payload
    assert len(hub.file_gets()) == 1 and not downloads.busy(dest)


def test_checksum_mismatch_refuses_and_removes_the_file(hub: FakeHub, tmp_path: Path) -> None:
    hub.corrupt = True
    with pytest.raises(UserError, match="checksum.*deleted"):
        download(resolve(REPO, FILE), tmp_path / FILE)
    assert list(tmp_path.iterdir()) == []


def test_full_disk_gives_a_message_and_keeps_the_partial(hub: FakeHub, payload: bytes, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    written = 0

    def fill_up(handle: object, chunk: bytes) -> int:
        nonlocal written
        if written + len(chunk) > 400_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written += len(chunk)
        return handle.write(chunk)  # type: ignore[attr-defined]

    monkeypatch.setattr(downloads, "write_chunk", fill_up)
    with pytest.raises(UserError, match="disk is full.*resume"):
        download(resolve(REPO, FILE), tmp_path / FILE)
    part, sidecar = downloads.part_paths(tmp_path / FILE)
    assert part.stat().st_size == written and sidecar.exists()

    monkeypatch.setattr(downloads, "write_chunk", lambda handle, chunk: handle.write(chunk))
    assert download(resolve(REPO, FILE), tmp_path / FILE).read_bytes() == payload
    assert hub.file_gets()[-1].range == f"bytes={written}-"


def test_offline_gives_a_clear_message(offline_hub_endpoint: str) -> None:  # noqa: F811
    with pytest.raises(UserError, match="offline") as caught:
        resolve(REPO, FILE)
    assert offline_hub_endpoint in str(caught.value)


def test_free_disk_check_refuses_before_downloading(hub: FakeHub, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="Not enough disk space") as caught:
        download(resolve(REPO, FILE), tmp_path / FILE, disk_free=lambda path: 10_000)
    assert format_bytes(SIZE + DISK_MARGIN) in str(caught.value)
    assert hub.file_gets() == []


def test_a_partial_of_another_version_is_discarded(hub: FakeHub, payload: bytes, tmp_path: Path) -> None:
    part, sidecar = downloads.part_paths(tmp_path / FILE)
    part.write_bytes(b"x" * 1000)
    sidecar.write_text(json.dumps({"sha256": "0" * 64, "size": SIZE}))
    assert download(resolve(REPO, FILE), tmp_path / FILE).read_bytes() == payload
    assert hub.file_gets()[0].range is None


def test_a_server_that_ignores_range_still_gives_a_verified_file(hub: FakeHub, payload: bytes, tmp_path: Path) -> None:
    part, sidecar = downloads.part_paths(tmp_path / FILE)
    part.write_bytes(payload[:200_000])
    sidecar.write_text(json.dumps({"sha256": hub.files[(REPO, FILE)].sha256, "size": SIZE}))
    hub.ignore_range = True
    assert download(resolve(REPO, FILE), tmp_path / FILE).read_bytes() == payload
    assert hub.file_gets()[0].served == SIZE


def test_missing_files_and_repos_say_so(hub: FakeHub) -> None:
    with pytest.raises(UserError, match="no file"):
        resolve(REPO, "nope.gguf")
    with pytest.raises(UserError, match="no repository"):
        resolve("org/missing", FILE)


def test_speed_and_time_left_come_from_recent_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(downloads.time, "monotonic", lambda: clock[0])
    seen: list[DownloadProgress] = []
    meter = downloads._Meter(total=10_000_000, done=1_000_000, callback=seen.append)
    for _ in range(4):
        clock[0] += 1.0
        meter.add(1_000_000)  # 1 MB/s
    assert seen[-1].speed_bps == pytest.approx(1_000_000)
    assert seen[-1].eta_s == pytest.approx(5.0)  # 5 MB left
    assert "1.0 MB/s" in seen[-1].message and "5 s left" in seen[-1].message
