"""`hw` and `models ...` end to end: a tmp app home, the fake Hub on 127.0.0.1, real files."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from desktop.commands import models
from desktop.context import AppContext
from desktop.core.catalog import CATALOG, CATALOG_ENV
from desktop.core.errors import UserError
from desktop.paths import HOME_ENV, AppPaths
from tests.fixtures.fake_hub import FakeHub, fake_hub, offline_hub_endpoint  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
GPT_OSS = next(e for e in CATALOG if e.name == "gpt-oss-20b")
# The models commands on their own parser, as desktop.cli mounts them; errors handled as run_cli does.
RUNNER = """
import argparse, sys
from huggingface_hub import constants
constants.DOWNLOAD_CHUNK_SIZE = 64 * 1024  # small chunks: Ctrl+C lands between them sooner
from desktop.commands import models
from desktop.context import AppContext
from desktop.core.errors import UserError
parser = argparse.ArgumentParser(prog="gpt-oss-desktop")
models.register(parser.add_subparsers(dest="command"))
args = parser.parse_args(sys.argv[1:])
try:
    sys.exit(args.handler(args, AppContext.load()))
except UserError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(1)
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    return tmp_path / "home"


def run(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="gpt-oss-desktop")
    models.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    try:
        return args.handler(args, AppContext.load())
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


@pytest.fixture
def hub(fake_hub: FakeHub) -> FakeHub:  # noqa: F811
    for i, entry in enumerate(CATALOG):
        fake_hub.add_file(entry.repo_id, entry.filename, os.urandom(300_000 + i))
    return fake_hub


def test_hw_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["hw", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"ram_total_bytes", "ram_available_bytes", "gpus", "unified_memory", "backend", "disk_free_bytes",
            "verdicts"} <= data.keys()
    assert data["ram_total_bytes"] > 0 and data["disk_free_bytes"] > 0
    assert all({"name", "vram_total_bytes", "vram_free_bytes"} <= gpu.keys() for gpu in data["gpus"])
    verdicts = {v["name"]: v for v in data["verdicts"]}
    assert set(verdicts) == {e.name for e in CATALOG}
    for verdict in verdicts.values():  # known offline: every entry has a size and a shape
        assert verdict["verdict"] in {"fits on GPU", "partly offloaded", "CPU only", "won't fit"}


def test_hw_text(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["hw"]) == 0
    out = capsys.readouterr().out
    assert "RAM" in out and "Backend" in out and "gpt-oss-20b" in out


def test_list_download_list(home: Path, hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"name", "file", "size_bytes", "installed", "verdict"} <= rows["gpt-oss-20b"].keys()
    before = rows["gpt-oss-20b"]
    assert before["installed"] is False and before["in_use"] is False and before["sha256"] is None
    assert (before["size_bytes"], before["size_basis"]) == (GPT_OSS.size_bytes, "computed")

    assert run(["models", "download", "gpt-oss-20b"]) == 0
    captured = capsys.readouterr()
    assert "100.0 %" in captured.err and "Downloaded and verified" in captured.out
    served = hub.files[(GPT_OSS.repo_id, GPT_OSS.filename)]

    assert run(["models", "list", "--json"]) == 0
    row = {r["name"]: r for r in json.loads(capsys.readouterr().out)}["gpt-oss-20b"]
    assert row["installed"] is True and row["size_bytes"] == len(served.data) and row["size_basis"] == "file"
    assert row["sha256"] == served.sha256  # taken from the Hub, verified, remembered
    assert row["in_use"] is True
    # The first chat model downloaded becomes the app's chat model.
    assert AppContext.load().settings.model.chat_model_path == row["path"]


def test_list_refresh_fetches_sizes(home: Path, hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "list", "--refresh", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(isinstance(r["size_bytes"], int) for r in rows)


def test_download_offline_says_so(home: Path, offline_hub_endpoint: str,  # noqa: F811
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "download", "gpt-oss-20b"]) == 1
    assert "offline" in capsys.readouterr().err


def test_download_unknown_name(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "download", "gpt-5"]) == 1
    assert "Known models" in capsys.readouterr().err


def test_ctrl_c_pauses_and_the_next_run_resumes(home: Path, hub: FakeHub, tmp_path: Path) -> None:
    hub.throttle_s_per_chunk = 0.05
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", RUNNER, "models", "download", "gpt-oss-20b"], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    part = AppPaths.from_environment().models_dir / (GPT_OSS.filename + ".part")
    deadline = time.monotonic() + 60
    while not (part.exists() and part.stat().st_size >= 64 * 1024):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the download never got going"
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "Paused at" in err and "resume" in err
    kept = part.stat().st_size
    assert 0 < kept < 300_000

    hub.throttle_s_per_chunk = 0.0
    assert run(["models", "download", "gpt-oss-20b"]) == 0
    assert hub.file_gets()[-1].range == f"bytes={kept}-"


def test_import_and_remove(home: Path, tiny_gpt_oss: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "import", str(tiny_gpt_oss)]) == 0
    assert "Imported" in capsys.readouterr().out
    assert run(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    imported = rows[tiny_gpt_oss.name]
    assert imported["installed"] and imported["kind"] == "chat" and imported["verdict"]

    assert run(["models", "remove", tiny_gpt_oss.name, "--yes"]) == 0
    assert "Removed" in capsys.readouterr().out
    assert not (AppPaths.from_environment().models_dir / tiny_gpt_oss.name).exists()


def test_import_refuses_a_non_gguf(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.gguf"
    notes.write_text("just some text")
    assert run(["models", "import", str(notes)]) == 1
    assert "not a GGUF" in capsys.readouterr().err


def test_import_link(home: Path, tiny_gpt_oss: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["models", "import", str(tiny_gpt_oss), "--link"]) == 0
    assert (AppPaths.from_environment().models_dir / tiny_gpt_oss.name).is_symlink()


def run_cli(args: Sequence[str], **env: str) -> subprocess.CompletedProcess[str]:
    """The models commands in a process of their own, as a user runs them."""
    return subprocess.run([sys.executable, "-c", RUNNER, *args], check=False, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_list_offline_gives_a_size_and_a_verdict_for_every_entry(home: Path,
                                                                  offline_hub_endpoint: str) -> None:  # noqa: F811
    listed = run_cli(["models", "list", "--json"])
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {e.name for e in CATALOG}
    for entry in CATALOG:
        row = rows[entry.name]
        assert isinstance(row["size_bytes"], int) and row["size_bytes"] > 0
        assert row["size_basis"] in ("approximate", "computed") and row["size_source"].startswith("https://")
        assert row["verdict"] in {"fits on GPU", "CPU only", "won't fit"} or row["verdict"].startswith("partly")
        assert row["sha256"] == entry.sha256  # only where a public source states it: none does yet
        assert row["usable"] is True
    chat = rows["gpt-oss-20b"]
    assert chat["verdict"] == "won't fit" or chat["tokens_per_s_estimate"] > 0
    assert rows["bge-small-en-v1.5"]["tokens_per_s_estimate"] is None  # an embedding model does not generate

    text = run_cli(["models", "list"])
    assert "about 12.1 GB (computed)" in text.stdout and "about 36.8 MB" in text.stdout


def test_a_catalog_file_from_a_listing_replaces_the_catalog(home: Path, hub: FakeHub, tmp_path: Path) -> None:
    listed = json.loads(run_cli(["models", "list", "--json"]).stdout)
    served = hub.add_file("our-org/gpt-oss-mirror", GPT_OSS.filename, os.urandom(50_000))
    ours = {**listed[0], "name": "ours", "repo_id": "our-org/gpt-oss-mirror", "sha256": served.sha256}
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps([ours, listed[-1]]), encoding="utf-8")

    rows = json.loads(run_cli(["models", "list", "--json"], **{CATALOG_ENV: str(catalog)}).stdout)
    assert [r["name"] for r in rows] == ["ours", listed[-1]["name"]]
    assert rows[0]["sha256"] == served.sha256 and rows[1]["sha256"] is None
    done = run_cli(["models", "download", "ours"], **{CATALOG_ENV: str(catalog)})
    assert done.returncode == 0 and "Downloaded and verified" in done.stdout, done.stderr

    # The same name with a hash the mirror does not serve: refused, nothing kept.
    catalog.write_text(json.dumps([{**ours, "name": "other", "file": "other.gguf", "sha256": "0" * 64}]),
                       encoding="utf-8")
    hub.add_file("our-org/gpt-oss-mirror", "other.gguf", b"not what the catalog lists")
    refused = run_cli(["models", "download", "other"], **{CATALOG_ENV: str(catalog)})
    assert refused.returncode == 1 and "different other.gguf" in refused.stderr
    assert not (AppPaths.from_environment().models_dir / "other.gguf").exists()


def test_a_malformed_catalog_file_is_one_error_line(home: Path, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text('[{"name": "x", "kind": "chat"', encoding="utf-8")
    result = run_cli(["models", "list"], **{CATALOG_ENV: str(catalog)})
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: The catalog file") and "not JSON" in line
