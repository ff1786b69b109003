"""A library remembers the embedding model that indexed it: `library`, `ask` and `serve` use it
when none is given or set, a moved model is named in one line, and a renamed copy still works."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import desktop.commands
from desktop.cli import run_cli
from desktop.commands import library as library_command
from desktop.commands import serve
from desktop.context import AppContext
from desktop.paths import AppPaths
from tests.fixtures.embedding_models import tiny_bert_gguf, write_tiny_bert  # noqa: F401  (session fixture)

MANUAL = "# Heat pump\n\nThe defrost cycle runs every 40 minutes below 3 degrees.\n"


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    if library_command not in desktop.commands.COMMAND_MODULES:
        monkeypatch.setattr(desktop.commands, "COMMAND_MODULES",
                            [*desktop.commands.COMMAND_MODULES, library_command])


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> list[dict]:
    capsys.readouterr()
    assert run_cli(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _ask(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "desktop", "ask", *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=Path(__file__).resolve().parents[2])


def test_commands_use_the_model_the_library_was_indexed_with(
        tmp_path: Path, app_home: Path, tiny_bert_gguf: Path, tiny_gpt_oss: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "models" / "embed.gguf"
    model.parent.mkdir()
    shutil.copy(tiny_bert_gguf, model)
    doc = tmp_path / "docs" / "manual.md"
    doc.parent.mkdir()
    doc.write_text(MANUAL)
    assert run_cli(["library", "add", str(doc), "--embedding-model", str(model)]) == 0

    # No setting and no option: the library's own model.
    hits = _json(capsys, ["library", "search", "defrost cycle", "--json"])
    assert [h["path"] for h in hits] == [str(doc)]
    assert serve._library_model(AppContext.load(AppPaths.under(app_home))) == str(model)
    asked = _ask("How often does the defrost cycle run?", "--model", str(tiny_gpt_oss), "--max-tokens", "4",
                 "--json", home=app_home)
    assert asked.returncode == 0, asked.stderr
    grounded = json.loads(asked.stdout)
    assert [s["path"] for s in grounded["sources"]] == [str(doc)]
    assert "defrost cycle runs every 40 minutes" in grounded["prompt"]

    # The model was moved away: said in one line that names the file.
    moved = tmp_path / "elsewhere" / "renamed.gguf"
    moved.parent.mkdir()
    model.rename(moved)
    capsys.readouterr()
    assert run_cli(["library", "search", "defrost", "--json"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"The library's embedding model is missing: {model}" in err
    asked = _ask("How often does the defrost cycle run?", "--model", str(tiny_gpt_oss), "--max-tokens", "4",
                 "--json", home=app_home)
    assert asked.returncode == 0, asked.stderr
    assert f"warning: answering without the library: The library's embedding model is missing: {model}" in asked.stderr
    assert json.loads(asked.stdout)["sources"] == []

    # A renamed copy is recognised as the same model: its chunks are found, nothing is re-embedded,
    # and it is remembered from then on.
    hits = _json(capsys, ["library", "search", "defrost cycle", "--json", "--embedding-model", str(moved)])
    assert [h["path"] for h in hits] == [str(doc)]
    assert run_cli(["library", "add", str(doc), "--embedding-model", str(moved)]) == 0
    assert "0 indexed (0 chunks), 1 unchanged" in capsys.readouterr().err
    assert [h["path"] for h in _json(capsys, ["library", "search", "defrost cycle", "--json"])] == [str(doc)]
    asked = _ask("How often does the defrost cycle run?", "--model", str(tiny_gpt_oss), "--max-tokens", "4",
                 "--json", "--embedding-model", str(moved), home=app_home)
    assert asked.returncode == 0 and json.loads(asked.stdout)["sources"], asked.stderr


def test_another_model_is_not_taken_for_the_remembered_one(
        tmp_path: Path, app_home: Path, tiny_bert_gguf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = write_tiny_bert(tmp_path / "embed-other.gguf", seed=1)  # same size, other weights
    assert other.stat().st_size == tiny_bert_gguf.stat().st_size
    doc = tmp_path / "manual.md"
    doc.write_text(MANUAL)
    assert run_cli(["library", "add", str(doc), "--embedding-model", str(tiny_bert_gguf)]) == 0
    listed = _json(capsys, ["library", "list", "--json", "--embedding-model", str(other)])
    assert listed[0]["status"] == "error" and "another embedding model" in listed[0]["error"]
    assert _json(capsys, ["library", "list", "--json"])[0]["status"] == "indexed"


def test_bad_embedding_model_options(tmp_path: Path, app_home: Path, tiny_gpt_oss: Path) -> None:
    asked = _ask("Hi?", "--model", str(tiny_gpt_oss), "--embedding-model", str(tmp_path / "nope.gguf"),
                 "--max-tokens", "2", home=app_home)
    assert asked.returncode == 1
    assert asked.stderr.strip() == f"error: Embedding model not found: {tmp_path / 'nope.gguf'}"
