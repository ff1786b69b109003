"""Two `models download` processes of one model, and a killed one, against the fake Hub on 127.0.0.1.

Each child is the real command line (`python -m desktop models download NAME`) with its own app
home and HF_ENDPOINT pointing at the fake Hub; nothing in the child is patched.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.core.catalog import CATALOG
from desktop.paths import HOME_ENV, AppPaths
from tests.fixtures.fake_hub import FakeHub, fake_hub  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
GPT_OSS = next(e for e in CATALOG if e.name == "gpt-oss-20b")
SIZE = 1_500_000


@pytest.fixture
def hub(fake_hub: FakeHub) -> FakeHub:  # noqa: F811
    fake_hub.add_file(GPT_OSS.repo_id, GPT_OSS.filename, os.urandom(SIZE))
    return fake_hub


@pytest.fixture
def home(tmp_path: Path, hub: FakeHub) -> Path:
    return tmp_path / "home"


def models_dir(home: Path) -> Path:
    return AppPaths.under(home).models_dir


def start_download(home: Path, hub: FakeHub) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "GPT_OSS_DESKTOP"))}
    # No HF_HUB_DISABLE_TELEMETRY here: the app itself must keep huggingface-hub from phoning home.
    env.update({"PYTHONPATH": str(ROOT), HOME_ENV: str(home), "HF_ENDPOINT": hub.url,
                "HF_HOME": str(home.parent / "hf-home")})
    return subprocess.Popen([sys.executable, "-m", "desktop", "models", "download", GPT_OSS.name], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, what: str, children: list[subprocess.Popen[str]], limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} never happened"
        assert all(c.poll() is None for c in children), [c.communicate() for c in children]
        time.sleep(0.02)


def test_two_download_commands_end_with_one_verified_file(home: Path, hub: FakeHub) -> None:
    # The first body stalls midway until the test lets it go, so the two commands surely overlap.
    hub.stall_after_bytes, hub.stalls = 300_000, 1
    children = [start_download(home, hub), start_download(home, hub)]
    try:
        deadline = time.monotonic() + 60
        while all(c.poll() is None for c in children) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        hub.unstall.set()  # let the one that is downloading finish
    results = [(c.returncode if c.returncode is not None else c.wait(timeout=120), *c.communicate(timeout=120))
               for c in children]

    for _code, _out, err in results:
        assert "Traceback" not in err, err
    winners = [r for r in results if r[0] == 0]
    losers = [r for r in results if r[0] != 0]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "Downloaded and verified" in winners[0][1]
    code, out, err = losers[0]
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        f"error: {GPT_OSS.filename} is already being downloaded by another window or command; "
        "wait for it to finish, or pause it there first."]

    installed = models_dir(home) / GPT_OSS.filename
    assert hashlib.sha256(installed.read_bytes()).hexdigest() == hub.files[(GPT_OSS.repo_id, GPT_OSS.filename)].sha256
    assert sorted(p.name for p in models_dir(home).iterdir()) == [GPT_OSS.filename]  # no partial, no lock left
    assert len(hub.file_gets()) == 1  # the loser never fetched a byte
    assert not [r for r in hub.requests if "agent-harnesses" in r.path]  # no telemetry look-up


def test_a_killed_download_leaves_no_lock_that_blocks_the_next_one(home: Path, hub: FakeHub) -> None:
    hub.stall_after_bytes, hub.stalls = 300_000, 1
    child = start_download(home, hub)
    part = models_dir(home) / f"{GPT_OSS.filename}.part"
    try:
        wait_for(lambda: part.exists() and part.stat().st_size >= 300_000, "the first 300 kB", [child])
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        hub.unstall.set()
    kept = part.stat().st_size
    assert 300_000 <= kept < SIZE

    again = start_download(home, hub)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "Traceback" not in err and "Downloaded and verified" in out
    installed = models_dir(home) / GPT_OSS.filename
    assert hashlib.sha256(installed.read_bytes()).hexdigest() == hub.files[(GPT_OSS.repo_id, GPT_OSS.filename)].sha256
    last = hub.file_gets()[-1]
    assert last.range == f"bytes={kept}-" and last.served == SIZE - kept
