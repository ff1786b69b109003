"""`chats ...` subcommands over the same store file the window uses, in a tmp app home."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from desktop.commands import chats
from desktop.context import AppContext
from desktop.core.conversations import ConversationStore
from desktop.core.errors import UserError
from desktop.paths import HOME_ENV, AppPaths


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    return tmp_path / "home"


def run(argv: Sequence[str]) -> int:
    # The chats module on its own parser, as desktop.cli mounts it, so this test does not
    # depend on which other commands are registered.
    parser = argparse.ArgumentParser(prog="gpt-oss-desktop")
    chats.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.handler(args, AppContext.load())


@pytest.fixture
def seeded(home: Path) -> dict[str, int]:
    paths = AppPaths.from_environment().ensure()
    with ConversationStore(paths.conversations_db) as store:
        heat = store.create()
        store.add_user_message(heat.id, "How do I set the heat pump defrost interval?")
        msg = store.start_assistant_message(heat.id, "medium", "gpt-oss-20b")
        store.finish_assistant_message(msg.id, "Set it to **60 minutes** [1].", "The manual covers it.",
                                       {"ttft_ms": 800, "tokens_per_s": 12.5, "tokens": 40},
                                       [{"n": 1, "path": "heat-pump.pdf", "page": 3, "excerpt": "..."}])
        router = store.create("Router errors")
        store.add_user_message(router.id, "What do DHCP timeouts mean?")
        partial = store.start_assistant_message(router.id, "low", "gpt-oss-20b")
        store.update_partial(partial.id, "They mean the lease", "")
    return {"heat": heat.id, "router": router.id}


def test_list_json_newest_first(seeded: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["chats", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["id"], c["title"], c["messages"]) for c in listed] == [
        (seeded["router"], "Router errors", 2),
        (seeded["heat"], "How do I set the heat pump defrost interval?", 2)]
    assert all(c["updated"].endswith("+00:00") for c in listed)


def test_list_text_and_empty(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["chats", "list"]) == 0
    assert capsys.readouterr().out == "no conversations yet\n"


def test_show_prints_the_conversation(seeded: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["chats", "show", str(seeded["heat"]), "--reasoning"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("How do I set the heat pump defrost interval?  (id ")
    assert "You:\n  How do I set the heat pump defrost interval?" in out
    assert "Assistant (medium effort, gpt-oss-20b):" in out
    assert "  | The manual covers it." in out
    assert "  Set it to **60 minutes** [1]." in out
    assert "Sources: [1] heat-pump.pdf p.3" in out

    assert run(["chats", "show", str(seeded["router"])]) == 0
    out = capsys.readouterr().out
    assert "Assistant (low effort, gpt-oss-20b) [interrupted]:\n  They mean the lease" in out


def test_show_json(seeded: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["chats", "show", str(seeded["router"]), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["conversation"]["title"] == "Router errors"
    assert [m["status"] for m in doc["messages"]] == ["complete", "partial"]


def test_search_json_and_text(seeded: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["chats", "search", "defrost", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert [(h["id"], h["title"]) for h in hits] == [
        (seeded["heat"], "How do I set the heat pump defrost interval?")]
    assert "«defrost»" in hits[0]["snippet"]
    assert run(["chats", "search", "lease"]) == 0
    assert "Router errors\n       They mean the «lease»" in capsys.readouterr().out
    assert run(["chats", "search", "nothing-like-this"]) == 0
    assert "no messages match" in capsys.readouterr().out


def test_export_to_files(seeded: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md_file, json_file = tmp_path / "out" / "heat.md", tmp_path / "out" / "heat.json"
    assert run(["chats", "export", str(seeded["heat"]), "--format", "md", "-o", str(md_file)]) == 0
    assert run(["chats", "export", str(seeded["heat"]), "--format", "json", "-o", str(json_file)]) == 0
    assert md_file.read_text(encoding="utf-8").startswith("# How do I set the heat pump defrost interval?\n")
    assert "1. heat-pump.pdf, page 3" in md_file.read_text(encoding="utf-8")
    doc = json.loads(json_file.read_text(encoding="utf-8"))
    assert doc["messages"][1]["text"] == "Set it to **60 minutes** [1]."
    assert sorted(p.name for p in md_file.parent.iterdir()) == ["heat.json", "heat.md"]  # no temp files left
    capsys.readouterr()
    assert run(["chats", "export", str(seeded["heat"])]) == 0  # Markdown to stdout by default
    assert capsys.readouterr().out == md_file.read_text(encoding="utf-8")


def test_delete(seeded: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["chats", "delete", str(seeded["router"])]) == 0
    assert f"deleted conversation {seeded['router']}: Router errors (2 messages)" in capsys.readouterr().out
    assert run(["chats", "list", "--json"]) == 0
    assert [c["id"] for c in json.loads(capsys.readouterr().out)] == [seeded["heat"]]


@pytest.mark.parametrize("argv", [["chats", "show", "999"], ["chats", "export", "999"],
                                  ["chats", "delete", "999"], ["chats", "show", "999", "--json"]])
def test_unknown_id_is_a_user_error(seeded: dict[str, int], argv: list[str]) -> None:
    with pytest.raises(UserError, match="^no conversation with id 999$"):
        run(argv)


def test_non_numeric_id_is_the_same_user_error(seeded: dict[str, int]) -> None:
    with pytest.raises(UserError, match="^no conversation with id abc$"):
        run(["chats", "show", "abc"])


def test_bare_chats_prints_usage(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["chats"]) == 2
    assert "list" in capsys.readouterr().out
