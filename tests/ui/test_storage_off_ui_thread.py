"""The window's turn and its sidebar do not write SQLite or search it on the UI thread: the
question, the placeholder, the partial and final saves, the search across every message, rename,
delete and undo run on workers, and so do opening and exporting a chat (a slow disk or a long
history cannot freeze the window)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt

from desktop.context import AppContext
from desktop.core.conversations import ConversationStore
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import UserMessage
from desktop.ui.settings_hub import SettingsHub

WATCHED = ("add_user_message", "start_assistant_message", "update_partial", "finish_assistant_message", "search",
           "create", "truncate_after", "rename", "delete", "restore")


def _record_threads(store: Any, watched: tuple[str, ...] = WATCHED) -> dict[str, set[str]]:
    """Which threads call each watched method of this (real) store from now on."""
    seen: dict[str, set[str]] = {name: set() for name in watched}
    for name in watched:
        call = getattr(store, name)

        def recorded(*args: Any, _name: str = name, _call: Callable[..., Any] = call, **kwargs: Any) -> Any:
            seen[_name].add("ui" if threading.current_thread() is threading.main_thread() else "worker")
            return _call(*args, **kwargs)
        setattr(store, name, recorded)
    return seen


def test_a_turn_search_rename_delete_and_undo_touch_the_store_only_from_workers(
        qtbot, tiny_gpt_oss: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss))
                        .with_section("sampling", max_tokens=400, seed=5))
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    seen = _record_threads(win.store)
    chat = win.chat
    for question in ("boiler code F28", "and code F75?"):  # a new chat, then a follow-up in it
        chat.input.setPlainText(question)
        qtbot.keyClick(chat.input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not win.engine.busy, timeout=15_000)
    chat.regenerate(3)  # the last answer again: the chat is cut on a worker too
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=15_000)
    qtbot.keyClicks(chat.sidebar.search, "F75")
    qtbot.waitUntil(lambda: len(chat.sidebar.titles()) == 1, timeout=5000)
    conversation = chat.conversation_id
    monkeypatch.setattr("desktop.ui.conversation_list.QInputDialog.getText", lambda *a, **k: ("Boiler codes", True))
    chat.sidebar.rename(conversation)
    qtbot.waitUntil(lambda: win.store.get(conversation).title == "Boiler codes", timeout=5000)
    chat.delete_conversation(conversation)
    qtbot.waitUntil(win.undo_button.isVisible, timeout=5000)
    win.undo_delete()
    qtbot.waitUntil(lambda: chat.conversation_id == conversation, timeout=5000)

    assert [m.text for m in win.store.messages(chat.conversation_id) if m.role == "user"] == [
        "boiler code F28", "and code F75?"]
    for name in WATCHED:
        assert seen[name] == {"worker"}, name
    win.close()


READS = ("get", "messages", "export_markdown", "export_json")


def _chat(store: ConversationStore, question: str, answer: str, turns: int = 1) -> int:
    conv = store.create()
    for turn in range(turns):
        store.add_user_message(conv.id, f"{question} ({turn})" if turns > 1 else question)
        message = store.start_assistant_message(conv.id, "medium", "tiny")
        store.finish_assistant_message(message.id, answer, "")
    return conv.id


def _questions(chat: Any) -> list[str]:
    return [w.text for w in chat._message_widgets() if isinstance(w, UserMessage)]


def test_opening_and_exporting_chats_read_the_store_only_from_workers_and_the_last_click_wins(
        qtbot, tiny_gpt_oss: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss)))
    with ConversationStore(ctx.paths.conversations_db) as store:
        long_chat = _chat(store, "a long chat", "many words " * 200, turns=300)
        boiler = _chat(store, "boiler code F28", "F28 means no ignition.")
        router = _chat(store, "router light blinks", "Restart the router.")
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    seen = _record_threads(win.store, READS)
    chat = win.chat
    status: list[str] = []
    chat.sig_status.connect(status.append)

    # Quick clicks: the long chat, then the boiler one, then the router one. Only the last shows,
    # whatever order the reads come back in.
    for conv_id in (long_chat, boiler, router):
        chat.open_conversation(conv_id)
    qtbot.waitUntil(lambda: not chat.opening, timeout=5000)
    qtbot.wait(200)  # any read still on its way would have landed by now
    assert chat.conversation_id == router and _questions(chat) == ["router light blinks"]
    assert chat.sidebar.current_id == router

    # A chat clicked, then New chat at once: the new chat stays empty.
    chat.open_conversation(long_chat)
    chat.new_conversation()
    qtbot.wait(300)
    assert chat.conversation_id is None and _questions(chat) == []

    chat.open_conversation(long_chat)  # a long chat shows its newest page
    qtbot.waitUntil(lambda: chat.conversation_id == long_chat, timeout=5000)
    assert _questions(chat)[-1] == "a long chat (299)" and chat.earlier_button.isVisible()

    target = tmp_path / "boiler.md"
    monkeypatch.setattr("desktop.ui.chat_pane.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    chat.export_conversation(boiler, "md")
    qtbot.waitUntil(lambda: any("Exported to" in line for line in status), timeout=5000)
    assert "F28 means no ignition." in target.read_text()
    as_json = tmp_path / "boiler.json"
    monkeypatch.setattr("desktop.ui.chat_pane.QFileDialog.getSaveFileName", lambda *a, **k: (str(as_json), ""))
    chat.export_conversation(boiler, "json")
    # (Its "Exported to" line comes after the file is written: wait for it, so it is not read as the next one's.)
    qtbot.waitUntil(lambda: any("boiler.json" in line for line in status), timeout=5000)
    assert "boiler code F28" in as_json.read_text()

    # Bad input: a "folder" that is a file, a chat deleted meanwhile. One line each, no crash.
    missing = target / "chat.md"
    monkeypatch.setattr("desktop.ui.chat_pane.QFileDialog.getSaveFileName", lambda *a, **k: (str(missing), ""))
    status.clear()
    chat.export_conversation(boiler, "md")
    qtbot.waitUntil(lambda: bool(status), timeout=5000)
    assert status[0].startswith("Could not export the chat:") and "boiler.md" in status[0]
    with ConversationStore(ctx.paths.conversations_db) as other_window:
        other_window.delete(router)
    status.clear()
    chat.open_conversation(router)
    qtbot.waitUntil(lambda: bool(status), timeout=5000)
    assert status[0].startswith("Could not open the chat:")
    assert chat.conversation_id == long_chat and _questions(chat)[-1] == "a long chat (299)"

    for name in READS:
        assert seen[name] == {"worker"}, name
    win.close()


def test_a_chat_read_that_comes_back_after_its_window_is_gone_is_left_alone(qtbot) -> None:
    ctx = AppContext.load()
    with ConversationStore(ctx.paths.conversations_db) as store:
        conv_id = _chat(store, "a long chat", "many words " * 200, turns=200)
    win = MainWindow(SettingsHub(ctx))
    qtbot.wait(300)  # what the window reads as it starts is back
    win.chat.open_conversation(conv_id)
    win.chat.export_conversation(conv_id, "md")
    store = win.store
    shiboken6.delete(win)  # the window is gone while both reads are still out
    qtbot.wait(500)  # they come back: nothing is drawn into deleted widgets, nothing raises
    store.close()
