"""The real window, offscreen: load a generated gpt-oss model, chat, stop, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub
from tests.ui.qt_helpers import window_with_model


@pytest.fixture
def window(qtbot, tiny_gpt_oss: Path):
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss), context_length=32768)
                        .with_section("sampling", max_tokens=20000))
    win = window_with_model(qtbot, ctx)
    yield win
    win.close()


def _answer_widgets(win: MainWindow):
    from desktop.ui.message_widgets import AssistantMessage
    return win.chat.messages.findChildren(AssistantMessage)


def test_send_streams_text_and_stop_ends_generation(qtbot, window: MainWindow) -> None:
    chat = window.chat
    qtbot.keyClicks(chat.input, "Tell me a long story")
    qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    assert chat.send_button.text() == "Stop"
    qtbot.waitUntil(lambda: bool(_answer_widgets(window)) and bool(_answer_widgets(window)[-1].answer_text),
                    timeout=10_000)
    message = _answer_widgets(window)[-1]
    assert "<|" not in message.answer_text
    qtbot.mouseClick(chat.send_button, Qt.MouseButton.LeftButton)  # Stop
    qtbot.waitUntil(lambda: not window.engine.busy, timeout=10_000)
    assert chat.send_button.text() == "Send"
    assert message.status.text().startswith("stopped")
    streamed = len(message.answer_text)
    qtbot.wait(200)
    assert len(message.answer_text) == streamed  # nothing arrives after Stop
    assert "tok/s" in chat.live_stats.text()


def test_follow_up_and_effort_toggle_change_the_next_prompt(qtbot, window: MainWindow) -> None:
    chat = window.chat
    chat.effort.buttons["high"].click()
    assert window.hub.settings.reasoning.effort == "high"
    window.hub.update("sampling", max_tokens=8)
    chat.input.setPlainText("first")
    chat.send()
    qtbot.waitUntil(lambda: not window.engine.busy, timeout=10_000)
    assert "Reasoning: high" in chat.last_prompt
    first_answer = _answer_widgets(window)[-1].answer_text
    chat.effort.buttons["low"].click()
    chat.input.setPlainText("second")
    chat.send()
    qtbot.waitUntil(lambda: not window.engine.busy, timeout=10_000)
    assert "Reasoning: low" in chat.last_prompt
    # The earlier turn is in the prompt with its final text only.
    assert "<|start|>user<|message|>first<|end|>" in chat.last_prompt
    assert f"<|channel|>final<|message|>{first_answer}<|end|>" in chat.last_prompt.replace("<\u200b|", "<|")
    # The settings pane shows the same effort.
    combo = window.settings_pane.editors[("reasoning", "effort")].editor
    assert (combo.currentData() or combo.currentText()) == "low"  # the value, whatever name it is shown by


@pytest.mark.parametrize(("kind", "expected"), [
    ("not_gguf", "is not a GGUF model file"),
    ("truncated", "is truncated"),
    ("other_arch", "this app chats with gpt-oss"),
])
def test_bad_model_shows_message_and_window_keeps_working(qtbot, window: MainWindow, bad_models: dict[str, Path],
                                                          tiny_gpt_oss: Path, kind: str, expected: str) -> None:
    chat = window.chat
    chat.open_model(str(bad_models[kind]))
    qtbot.waitUntil(lambda: expected in chat.banner.text(), timeout=10_000)
    assert window.hub.settings.model.chat_model_path == str(tiny_gpt_oss)  # a bad file is not remembered
    chat.open_model(str(tiny_gpt_oss))
    qtbot.waitUntil(lambda: window.engine.model is not None, timeout=10_000)
    window.hub.update("sampling", max_tokens=5)
    chat.input.setPlainText("still works?")
    chat.send()
    qtbot.waitUntil(lambda: not window.engine.busy, timeout=10_000)
    assert _answer_widgets(window)[-1].status.text()


def test_settings_pane_keeps_values_in_range_and_saves_them(qtbot, window: MainWindow) -> None:
    box = window.settings_pane.editors[("sampling", "temperature")].editor
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "9")  # out of range: the box does not take it
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert window.hub.settings.sampling.temperature <= 2
    box.setValue(0.7)
    assert window.hub.settings.sampling.temperature == 0.7
    assert AppContext.load().settings.sampling.temperature == 0.7  # saved to disk


def test_no_model_says_how_to_choose_one(qtbot, app_home: Path) -> None:
    win = MainWindow(SettingsHub(AppContext.load()))
    qtbot.addWidget(win)
    assert "Open model" in win.chat.banner.text()
    assert not win.chat.send_button.isEnabled()
    assert [win.panes.tabText(i) for i in range(win.panes.count())] == ["Chat", "Library", "Settings", "Models"]
    win.close()
