"""The window is one client of the engine: another client (a background request on the same
EngineService, as the API server will submit) neither cancels nor receives the window's turn, and
the window's Stop touches only its own request. Real window (offscreen), real llama.cpp."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.context import AppContext
from desktop.core import harmony
from desktop.core.chat import ChatRequest
from desktop.core.runtime import Sampling
from desktop.engine.events import Cancelled, DeltaEvent, Event, Finished
from desktop.engine.service import Priority
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import AssistantMessage
from tests.ui.qt_helpers import window_with_model


@pytest.fixture
def window(qtbot, tiny_gpt_oss: Path):
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss), context_length=32768)
                        .with_section("sampling", max_tokens=20000))
    win = window_with_model(qtbot, ctx)
    yield win
    win.close()


def _other_client(win: MainWindow, max_tokens: int, priority: Priority):
    events: list[Event] = []
    request = ChatRequest((harmony.Turn("user", "Summarise the weather report."),))
    handle = win.engine.service.submit(request, Sampling(max_tokens=max_tokens, seed=3), priority=priority,
                                       on_event=events.append)
    return handle, events


def _answer(win: MainWindow) -> AssistantMessage:
    return win.chat.messages.findChildren(AssistantMessage)[-1]


def test_the_window_and_another_client_each_get_and_stop_only_their_own_request(qtbot, window: MainWindow) -> None:
    chat = window.chat
    # Another client is generating when the user asks: the window's answer says it waits.
    first, first_events = _other_client(window, 20000, Priority.BACKGROUND)
    qtbot.waitUntil(lambda: first.state == "running", timeout=10_000)
    chat.input.setPlainText("Tell me a long story")
    qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(chat.findChildren(AssistantMessage)) and "queued" in _answer(window).status.text(),
                    timeout=10_000)
    assert chat.send_button.text() == "Stop" and not _answer(window).answer_text

    # That client stops its own request: the window's turn runs (it was not cancelled with it).
    first.cancel()
    qtbot.waitUntil(lambda: bool(_answer(window).answer_text), timeout=10_000)
    assert isinstance(first.wait(10), Cancelled)
    assert "queued" not in _answer(window).status.text()

    # A second client queues behind the window's turn; Stop in the window ends the window's only.
    second, second_events = _other_client(window, 12, Priority.API)
    assert second.state == "queued"
    qtbot.mouseClick(chat.send_button, Qt.MouseButton.LeftButton)  # Stop
    qtbot.waitUntil(lambda: not window.engine.busy, timeout=10_000)
    assert _answer(window).status.text().startswith("stopped")
    assert isinstance(second.wait(30), Finished)
    assert any(isinstance(e, DeltaEvent) for e in second_events)

    # Each client heard only its own request, and the window shows (and saved) only its own text.
    assert {e.request_id for e in first_events} == {first.id}
    assert {e.request_id for e in second_events} == {second.id}
    saved = window.store.messages(chat.conversation_id)[-1]
    assert saved.status == "cancelled" and saved.text == _answer(window).answer_text
    assert second.outcome.result.answer not in ("", saved.text)
