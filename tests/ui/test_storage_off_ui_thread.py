"""The window's turn and its sidebar do not write SQLite or search it on the UI thread: the
question, the placeholder, the partial and final saves, the search across every message, rename,
delete and undo run on workers (a slow disk or a long history cannot freeze the window)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub

WATCHED = ("add_user_message", "start_assistant_message", "update_partial", "finish_assistant_message", "search",
           "create", "truncate_after", "rename", "delete", "restore")


def _record_threads(store: Any) -> dict[str, set[str]]:
    """Which threads call each watched method of this (real) store from now on."""
    seen: dict[str, set[str]] = {name: set() for name in WATCHED}
    for name in WATCHED:
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
