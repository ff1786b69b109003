"""Conversations in the real window: persist, search, rename, delete + undo, export, regenerate, edit."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import AssistantMessage, UserMessage
from desktop.ui.settings_hub import SettingsHub
from tests.ui.qt_helpers import answer_dialog

SCREENSHOTS = Path(os.environ.get("GPT_OSS_DESKTOP_SCREENSHOTS", "build/screenshots"))


def _open_window(qtbot, model: Path | None = None, **sampling) -> MainWindow:
    ctx = AppContext.load()
    if model:
        ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(model))
                            .with_section("sampling", **{"max_tokens": 12, "seed": 5, **sampling}))
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.show()
    if model:
        qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    return win


def _ask(qtbot, win: MainWindow, text: str) -> None:
    win.chat.input.setPlainText(text)
    qtbot.keyClick(win.chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=15_000)


def _widgets(win: MainWindow, kind):
    return [w for w in win.chat._message_widgets() if isinstance(w, kind)]


@pytest.fixture
def window(qtbot, tiny_gpt_oss: Path):
    win = _open_window(qtbot, tiny_gpt_oss)
    yield win
    win.close()


def test_chat_is_saved_titled_and_reopened_after_restart(qtbot, tiny_gpt_oss: Path) -> None:
    win = _open_window(qtbot, tiny_gpt_oss)
    _ask(qtbot, win, "How do heat pumps work in winter?")
    _ask(qtbot, win, "And in summer?")
    conv_id = win.chat.conversation_id
    answers = [w.answer_text for w in _widgets(win, AssistantMessage)]
    win.close()

    again = _open_window(qtbot, tiny_gpt_oss)
    assert again.chat.conversation_id == conv_id  # the window reopens the open conversation
    assert [w.text for w in _widgets(again, UserMessage)] == ["How do heat pumps work in winter?", "And in summer?"]
    assert [w.answer_text for w in _widgets(again, AssistantMessage)] == answers
    assert again.store.get(conv_id).title == "How do heat pumps work in winter?"
    statuses = [w.status.text() for w in _widgets(again, AssistantMessage)]
    assert all("tok/s" in s for s in statuses)
    badges = [w.effort_badge for w in _widgets(again, AssistantMessage)]
    assert all(b.isVisible() and b.text() == "Medium effort" for b in badges)  # the effort, as a badge
    again.close()


def test_new_search_rename_delete_undo_and_export(qtbot, window: MainWindow, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _ask(qtbot, window, "router errors with code XJ-42")
    first = window.chat.conversation_id
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # Ctrl+N
    assert window.chat.conversation_id is None and not _widgets(window, UserMessage)
    _ask(qtbot, window, "a recipe for bread")
    second = window.chat.conversation_id
    assert second != first
    qtbot.waitUntil(lambda: "a recipe for bread" in window.chat.sidebar.titles(), timeout=5000)  # read on a worker
    titles = window.chat.sidebar.titles()
    assert titles.index("a recipe for bread") < titles.index("router errors with code XJ-42")  # newest first

    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)  # Ctrl+K
    assert window.chat.sidebar.search.hasFocus()
    qtbot.keyClicks(window.chat.sidebar.search, "XJ-42")
    qtbot.waitUntil(lambda: len(window.chat.sidebar.titles()) == 1, timeout=3000)
    assert "XJ" in window.chat.sidebar.titles()[0]
    sidebar = window.chat.sidebar.list
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton,
                     pos=sidebar.visualRect(sidebar.model().index(0, 0)).center())
    qtbot.waitUntil(lambda: window.chat.conversation_id == first, timeout=5000)  # read on a worker
    window.chat.sidebar.search.clear()

    monkeypatch.setattr("desktop.ui.conversation_list.QInputDialog.getText",
                        lambda *a, **k: ("Router trouble", True))
    window.chat.sidebar.rename(first)
    qtbot.waitUntil(lambda: "Router trouble" in window.chat.sidebar.titles(), timeout=5000)  # saved on a worker
    assert window.store.get(first).title == "Router trouble"

    export = tmp_path / "router.md"
    monkeypatch.setattr("desktop.ui.chat_pane.QFileDialog.getSaveFileName", lambda *a, **k: (str(export), ""))
    window.chat.export_conversation(first, "md")
    qtbot.waitUntil(export.exists, timeout=5000)  # written on a worker
    assert "router errors with code XJ-42" in export.read_text()
    export_json = tmp_path / "router.json"
    monkeypatch.setattr("desktop.ui.chat_pane.QFileDialog.getSaveFileName", lambda *a, **k: (str(export_json), ""))
    window.chat.export_conversation(first, "json")
    qtbot.waitUntil(export_json.exists, timeout=5000)
    assert json.loads(export_json.read_text())["conversation"]["title"] == "Router trouble"

    window.chat.delete_conversation(first)
    qtbot.waitUntil(window.undo_button.isVisible, timeout=5000)  # deleted on a worker, then Undo is offered
    assert all(c.id != first for c in window.store.list())
    qtbot.mouseClick(window.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.chat.conversation_id == first, timeout=5000)
    assert any(c.id == first for c in window.store.list())


def test_regenerate_and_edit_and_resend(qtbot, tiny_gpt_oss: Path) -> None:
    win = _open_window(qtbot, tiny_gpt_oss, seed=-1)  # random seed: a regenerated answer differs
    _ask(qtbot, win, "first question")
    _ask(qtbot, win, "second question")
    conv = win.chat.conversation_id
    last = _widgets(win, AssistantMessage)[-1]
    before = last.answer_text
    last.regenerate_button.click()
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=15_000)
    messages = win.store.messages(conv)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[-1].text != before

    first_user = _widgets(win, UserMessage)[0]
    first_user.edit_button.click()
    assert win.chat.input.toPlainText() == "first question"
    win.chat.input.setPlainText("edited question")
    asked: list[str] = []
    answer_dialog("Replace", asked)  # later turns are replaced only after a yes
    qtbot.keyClick(win.chat.input, Qt.Key.Key_Return)
    assert asked and "4 messages" in asked[0]
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=15_000)
    messages = win.store.messages(conv)
    assert [(m.role, m.text) for m in messages][0] == ("user", "edited question")
    assert len(messages) == 2  # everything after the edited message was replaced
    assert "second question" not in win.chat.last_prompt
    win.close()


def test_effort_toggle_and_settings_apply_to_next_prompt(qtbot, window: MainWindow) -> None:
    window.chat.effort.buttons["high"].click()
    window.hub.update("reasoning", system_prompt="Answer like a pirate.")
    _ask(qtbot, window, "hello")
    assert "Reasoning: high" in window.chat.last_prompt
    assert "# Instructions\n\nAnswer like a pirate." in window.chat.last_prompt
    saved = window.store.messages(window.chat.conversation_id)[-1]
    assert saved.effort == "high"


def test_long_conversation_drops_oldest_turns_with_a_notice(qtbot, tiny_gpt_oss: Path) -> None:
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss), context_length=1024)
                        .with_section("sampling", max_tokens=16))
    store_path = ctx.paths.conversations_db
    from desktop.core.conversations import ConversationStore

    with ConversationStore(store_path) as store:
        conv = store.create()
        for i in range(1000):  # a 1,000-turn conversation
            store.add_user_message(conv.id, f"question number {i} " + "word " * 5)
            msg = store.start_assistant_message(conv.id, "low", "tiny")
            store.finish_assistant_message(msg.id, f"answer {i}", "")
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    win.chat.open_conversation(conv.id)
    qtbot.waitUntil(lambda: win.chat.conversation_id == conv.id, timeout=5000)  # read on a worker
    # Only the newest page of messages is built as widgets; older ones on request.
    assert len(win.chat._message_widgets()) == 40 and win.chat.earlier_button.isVisible()
    win.chat.earlier_button.click()
    assert len(win.chat._message_widgets()) == 80
    _ask(qtbot, win, "the newest question")
    result = win.chat.last_result
    assert result is not None and result.dropped_turns > 0
    assert result.stats.prompt_tokens + 16 <= 1024
    assert "the newest question" in win.chat.last_prompt
    assert "question number 0 " not in win.chat.last_prompt
    assert "question number 999 " in win.chat.last_prompt
    assert win.chat.notice.isVisible() and "no longer fit" in win.chat.notice.text()
    # The next question keeps the same first turn: the prompt prefix (and KV cache) is reused.
    dropped = result.dropped_turns
    _ask(qtbot, win, "one more")
    assert win.chat.last_result.dropped_turns == dropped
    assert win.chat.last_result.stats.reused_tokens > 0.5 * win.chat.last_result.stats.prompt_tokens
    win.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_chat_in_both_themes(qtbot, tiny_gpt_oss: Path, theme: str) -> None:
    win = _open_window(qtbot, tiny_gpt_oss, max_tokens=60)
    win.hub.update("appearance", theme=theme)
    win.resize(1100, 700)
    _ask(qtbot, win, "Show me a table and some code")
    # A rich answer (what gpt-oss writes) shown next to the streamed one, to judge rendering.
    sample = AssistantMessage()
    sample.set_content("### Result\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\ndef hello():\n"
                       "    return 'world'\n```\nSee [1].", "Reasoning text")
    sample.set_reasoning_done(3.2)
    sample.set_status("41.2 tok/s · 0.31 s to first token · medium effort")
    win.chat._add_widget(sample)
    qtbot.wait(50)
    window_color = win.palette().color(win.backgroundRole()).lightness()
    assert (window_color < 128) == (theme == "dark")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"chat-{theme}.png"
    assert win.grab().save(str(path))
    assert path.stat().st_size > 10_000
    win.close()
