"""`ask --tools browser --json` and `library.mode = browse`, end to end: the CLI in a subprocess on
its own home folder, a library added with the CLI (real Milvus Lite, a real embedding model), and
the scripted model browsing it (search, open, an answer citing what it read)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.fixtures.scripted_chat_model import BROWSE_TRIGGER, scripted_gpt_oss  # noqa: F401

QUESTION = f"What does the heat pump{BROWSE_TRIGGER} say about defrost?"
DEFROST = "In winter the defrost cycle runs every 90 minutes and the fan stops while it runs."


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True, env=env,
                          timeout=180)


@pytest.fixture
def document(app_home: Path, tmp_path: Path, tiny_bert_gguf: Path) -> Path:
    doc = tmp_path / "heat-pump.md"
    doc.write_text(f"# Heat pump\n\n{DEFROST}\n\nSteam from the outdoor unit is normal.\n", encoding="utf-8")
    added = _run("library", "add", str(doc), "--embedding-model", str(tiny_bert_gguf), home=app_home)
    assert added.returncode == 0, added.stderr
    return doc


def _check_browsed(out: subprocess.CompletedProcess[str], document: Path) -> dict:
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["answer"] == "Defrost runs every 90 minutes [1]"
    assert data["sources"] == [{"n": 1, "path": str(document), "page": None, "excerpt": DEFROST,
                                "heading": "Heat pump"}]
    assert [(c["name"], c["arguments"], c["status"]) for c in data["tool_calls"]] == [
        ("browser.search", {"query": "defrost"}, "ok"), ("browser.open", {"id": 0}, "ok")]
    assert data["tool_calls"][1]["result"].startswith(f"[1] heat-pump.md ({document})\n**viewing lines")
    assert "# Tools\n\n## browser\n\n// Tool for browsing." in data["prompt"]
    assert "<source" not in data["prompt"]  # the model read the library itself; nothing was pasted in
    return data


def test_ask_tools_browser_json(scripted_gpt_oss: Path, app_home: Path, document: Path) -> None:
    out = _run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--tools", "browser", "--json", home=app_home)
    data = _check_browsed(out, document)
    assert data["finish_reason"] == "stop" and len(data["steps"]) == 3
    # On a terminal the answer streams with the same [1], and the source is named after it.
    shown = _run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--tools", "browser", home=app_home)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "Defrost runs every 90 minutes [1]\n"
    assert "[tool] browser.search {\"query\": \"defrost\"} -> ok: [0] defrost" in shown.stderr
    assert shown.stderr.rstrip().endswith("Sources: [1] heat-pump.md > Heat pump")


def test_library_mode_browse_makes_ask_browse(scripted_gpt_oss: Path, app_home: Path, document: Path) -> None:
    settings = app_home / "config" / "settings.json"
    data = json.loads(settings.read_text()) if settings.exists() else {}
    data.setdefault("library", {})["mode"] = "browse"
    settings.write_text(json.dumps(data))
    _check_browsed(_run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--json", home=app_home), document)
    # With --chat too: it browses, and the chat keeps the steps with the answer.
    out = _run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--chat", "new", "--json", home=app_home)
    conversation = _check_browsed(out, document)["conversation_id"]
    shown = json.loads(_run("chats", "show", str(conversation), "--json", home=app_home).stdout)
    answer = shown["messages"][-1]
    assert answer["text"] == "Defrost runs every 90 minutes [1]" and answer["sources"][0]["path"] == str(document)
    assert [s["name"] for s in answer["tool_steps"]] == ["browser.search", "browser.open"]


def test_browser_needs_the_library(scripted_gpt_oss: Path, app_home: Path, document: Path) -> None:
    out = _run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--tools", "browser", "--no-library",
               home=app_home)
    assert out.returncode == 1
    assert out.stderr.strip().endswith("--tools browser reads the document library; it cannot be combined with "
                                       "--no-library.")
