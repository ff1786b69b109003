"""One source per document, plain-text snippets, and the notice when the library has nothing
relevant: through the real CLI, real Milvus Lite and a real embedding model (all-MiniLM-L6-v2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import desktop.commands
from desktop.cli import run_cli
from desktop.commands import library as library_command
from desktop.core import rag
from desktop.paths import AppPaths
from desktop.settings import Settings, save_settings
from tests.fixtures.embedding_models import minilm_gguf  # noqa: F401  (session fixture)

MANUAL = """# Heat pump manual

## Defrost

The **defrost cycle** runs when ice builds up on the outdoor coil; it lasts *up to ten minutes*.
During defrost the fan stops and steam may rise from the unit.

## Defrost settings

| Setting | Value |
|---|---|
| **Defrost interval** | 40 minutes |
| Defrost end temperature | 12 °C |

## Filters

Clean the water filter every autumn. See [the service page](http://example.invalid/service).
"""
ROUTER = "To reset the router, hold the reset button for ten seconds until the lights blink.\n"


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    if library_command not in desktop.commands.COMMAND_MODULES:
        monkeypatch.setattr(desktop.commands, "COMMAND_MODULES",
                            [*desktop.commands.COMMAND_MODULES, library_command])


@pytest.fixture
def library(tmp_path: Path, app_home: Path, minilm_gguf: Path) -> Path:
    """Small passages, so that one document has several chunks about the same thing."""
    settings = Settings()
    save_settings(AppPaths.under(app_home).ensure().settings_file,
                  settings.with_section("library", chunk_tokens=64, chunk_overlap=0))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "heat-pump.md").write_text(MANUAL)
    (docs / "router.txt").write_text(ROUTER)
    assert run_cli(["library", "add", str(docs), "--embedding-model", str(minilm_gguf)]) == 0
    return docs


def test_search_gives_one_result_per_document_in_plain_text(library: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run_cli(["library", "search", "how long does defrost last and how often", "--json", "--top-k", "3"]) == 0
    hits = json.loads(capsys.readouterr().out)
    paths = [h["path"] for h in hits]
    assert len(paths) == len(set(paths)) and paths[0] == str(library / "heat-pump.md")
    best = hits[0]
    assert best["locations"], "the manual's other defrost passages come with it"
    assert all({"page", "heading", "score", "char_start", "char_end"} <= place.keys() for place in best["locations"])
    starts = {best["char_start"], *(place["char_start"] for place in best["locations"])}
    assert len(starts) == 1 + len(best["locations"])  # each a different passage
    chunk = MANUAL[best["char_start"]:best["char_end"]]
    assert best["text"] == chunk  # the best chunk's full text, Markdown and all

    assert run_cli(["library", "search", "defrost interval table", "--top-k", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count(str(library / "heat-pump.md")) == 1
    assert "more passage" in out
    for syntax in ("**", "|", "](", "# "):
        assert syntax not in out.replace(str(library), ""), out
    assert "Defrost interval · 40 minutes" in out or "defrost cycle runs" in out


def _ask(question: str, home: Path, model: Path) -> dict:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home)}
    out = subprocess.run([sys.executable, "-m", "desktop", "ask", question, "--model", str(model),
                          "--max-tokens", "4", "--json"], capture_output=True, text=True, env=env, timeout=180,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    return {**json.loads(out.stdout), "stderr": out.stderr}


def test_ask_says_when_the_documents_do_not_cover_the_question(library: Path, app_home: Path,
                                                               tiny_gpt_oss: Path) -> None:
    covered = _ask("How long does the defrost cycle last?", app_home, tiny_gpt_oss)
    assert covered["library_notice"] is None
    assert covered["sources"][0]["path"] == str(library / "heat-pump.md")
    assert len({s["path"] for s in covered["sources"]}) == len(covered["sources"])
    assert "nothing relevant was found" not in covered["prompt"]

    uncovered = _ask("Who won the football world cup in 1998?", app_home, tiny_gpt_oss)
    assert uncovered["library_notice"] == rag.NOT_COVERED
    assert uncovered["sources"] == [] and "<source n=" not in uncovered["prompt"]
    assert "My documents were searched for this question and nothing relevant was found" in uncovered["prompt"]
    assert f"warning: {rag.NOT_COVERED}" in uncovered["stderr"]
