"""The chat as a person sees it: a centred reading column with messages as cards, a rounded message
box with its controls inside, the effort and the context meter, the live "Thinking… N s" block,
welcome suggestions, announcements for screen readers; screenshots in light and dark at two sizes.

The real window offscreen, with the scripted gpt-oss model (real llama.cpp) writing whole turns.
Screenshots go to $GPT_OSS_DESKTOP_SCREENSHOTS (a tmp folder by default).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop.context import AppContext
from desktop.core.conversations import ConversationStore
from desktop.core.harmony import Delta
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import AssistantMessage, UserMessage
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.theme import READING_WIDTH
from tests.fixtures.scripted_chat_model import PLAIN, scripted_gpt_oss  # noqa: F401  (session fixture)

QUESTION = "How do I make my heat pump more efficient in winter?"
ANSWER = ("A few changes make the biggest difference:\n\n"
          "1. **Lower the flow temperature.** Heat pumps are most efficient at 35–45 °C; "
          "set the weather compensation curve as low as keeps you warm.\n"
          "2. **Leave it running.** Steady low output beats switching it off and on.\n"
          "3. **Defrost sensibly.** Keep the outdoor unit clear of snow and leaves.\n\n"
          "```python\ncop = heat_out_kwh / power_in_kwh  # aim for 3 or more\n```\n"
          "As the installer's manual says [1], check the filters every three months.")
REASONING = ("The user asks about heat pump efficiency in winter. Key levers: flow temperature, "
             "weather compensation, continuous running, defrost, filters. Keep it short and practical.")


def _window(qtbot, model: Path, theme: str, size: tuple[int, int]) -> MainWindow:
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("appearance", theme=theme)
                        .with_section("model", chat_model_path=str(model)))
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    return win


def _saved_conversation() -> int:
    """A short conversation, saved as the app saves one (so the window opens it as a person would)."""
    with ConversationStore(AppContext.load().paths.conversations_db) as store:
        conv = store.create()
        store.add_user_message(conv.id, QUESTION)
        answer = store.start_assistant_message(conv.id, "medium", "gpt-oss-20b")
        store.finish_assistant_message(answer.id, ANSWER, REASONING, stats={
            "tokens": 212, "tokens_per_s": 41.2, "ttft_ms": 310.0, "prompt_tokens": 1024, "reasoning_s": 4.2},
            sources=[{"n": 1, "path": "/home/me/Documents/heat-pump-manual.pdf", "page": 12,
                      "excerpt": "Clean the air filters every three months, more often in dusty rooms."}])
        return conv.id


def _shots() -> Path:
    folder = os.environ.get("GPT_OSS_DESKTOP_SCREENSHOTS")
    return Path(folder) if folder else Path(os.environ.get("TMPDIR", "/tmp")) / "gpt-oss-desktop-screenshots"


def _inside(widget: QWidget, outer: QWidget) -> bool:
    top_left = widget.mapTo(outer, QPoint(0, 0))
    return (top_left.x() >= 0 and top_left.y() >= 0 and top_left.x() + widget.width() <= outer.width()
            and top_left.y() + widget.height() <= outer.height())


@pytest.mark.parametrize("size", [(900, 600), (1600, 1000)], ids=["900x600", "1600x1000"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_chat_fits_and_is_saved_as_screenshots(qtbot, scripted_gpt_oss: Path, theme: str,
                                                    size: tuple[int, int]) -> None:
    conv_id = _saved_conversation()
    win = _window(qtbot, scripted_gpt_oss, theme, size)
    chat = win.chat
    chat.open_conversation(conv_id)  # read on a worker, then shown
    qtbot.waitUntil(lambda: chat.conversation_id == conv_id and bool(chat.findChildren(AssistantMessage)),
                    timeout=5000)
    qtbot.wait(100)
    chat.input.setPlainText("Write a checklist I can print")
    chat.input.clearFocus()
    qtbot.wait(50)
    meter = chat.composer.context_meter
    qtbot.waitUntil(lambda: meter.used > 0, timeout=5000)
    shots = _shots()  # saved first: a picture of a failure helps
    shots.mkdir(parents=True, exist_ok=True)
    path = shots / f"chat-{theme}-{size[0]}x{size[1]}.png"
    assert win.grab().save(str(path))
    assert path.stat().st_size > 10_000

    # Everything fits: no sideways scrolling, the message box and its controls on screen.
    assert not chat.scroll.horizontalScrollBar().isVisible()
    if size[1] >= 1000:  # a short chat on a big screen has nothing to scroll (no phantom space below it)
        assert not chat.scroll.verticalScrollBar().isVisible()
    for control in (chat.input, chat.send_button, chat.attach_button, chat.effort, chat.composer.context_meter):
        assert control.isVisible() and _inside(control, win), control.accessibleName()
    # The reading column: cards no wider than it, centred in the pane.
    card = chat.findChildren(AssistantMessage)[0].card
    assert card.width() <= READING_WIDTH
    left = card.mapTo(chat.scroll.viewport(), QPoint(0, 0)).x()
    right = chat.scroll.viewport().width() - left - card.width()
    assert abs(left - right) <= 2 * 16 + chat.scroll.verticalScrollBar().width()
    # The user's bubble sits on the right of the column, the answer card across it.
    bubble = chat.findChildren(UserMessage)[0].bubble
    assert bubble.mapTo(chat, QPoint(bubble.width(), 0)).x() >= card.mapTo(chat, QPoint(card.width(), 0)).x() - 2
    # The context meter shows the saved turn's figures: 1,024 prompt + 212 answer tokens of 8,192.
    assert meter.used == 1236 and meter.label.text() == "1.2k / 8k" and "1,236 of 8,192" in meter.toolTip()

    win.close()


def test_thinking_counts_then_says_how_long_and_the_answer_is_announced(qtbot, scripted_gpt_oss: Path) -> None:
    win = _window(qtbot, scripted_gpt_oss, "light", (1100, 720))
    chat = win.chat
    chat.input.setPlainText("Hello?")
    qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=30_000)
    answer = chat.findChildren(AssistantMessage)[-1]
    assert answer.answer_text == PLAIN.answer
    header = answer.reasoning.header.text()
    assert header.startswith("Thought for") and not answer.reasoning.live
    assert answer.reasoning.text == PLAIN.reasoning
    # A screen reader hears that the answer is complete, with its first words.
    assert answer.card.accessibleDescription().startswith("Answer finished: ")
    assert PLAIN.answer.split()[0] in answer.card.accessibleDescription()
    # The context meter moved: this turn's prompt and answer, of the model's context.
    result = chat.last_result
    assert chat.composer.context_meter.used == result.stats.prompt_tokens + result.stats.tokens > 0
    assert chat.composer.context_meter.total == win.engine.model.n_ctx
    chat.new_conversation()
    assert chat.composer.context_meter.used == 0 and chat.welcome.isVisible()
    win.close()


def test_a_live_block_counts_seconds_and_stops_when_the_answer_starts(qtbot) -> None:
    message = AssistantMessage()
    qtbot.addWidget(message)
    message.show()
    message.append([Delta("analysis", "Let me think about ")])
    block = message.reasoning
    assert block.live and block.header.text() == "Thinking… 0 s" and block.isVisible()
    assert not block.expanded and block.preview.isVisible() and "Let me think" in block.preview.text()
    block._started -= 3  # three seconds of thinking, without waiting for them
    qtbot.waitUntil(lambda: block.header.text() != "Thinking… 0 s", timeout=2500)  # the header ticks
    assert re.fullmatch(r"Thinking… [34] s", block.header.text())
    message.append([Delta("final", "Here is the answer.")])
    assert not block.live and re.fullmatch(r"Thought for [34] s", block.header.text())
    assert not block.preview.isVisible()
    assert "Show the reasoning" in block.header.accessibleName()


def test_the_open_or_closed_reasoning_is_remembered_for_the_next_answers(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from desktop.ui import thinking_block

    state = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    thinking_block.remember_in(state)
    first = AssistantMessage()
    qtbot.addWidget(first)
    first.set_content("answer", "some reasoning")
    assert not first.reasoning.expanded and not first.reasoning.body.isVisibleTo(first)
    qtbot.mouseClick(first.reasoning.header, Qt.MouseButton.LeftButton)
    assert first.reasoning.body.isVisibleTo(first)
    second = AssistantMessage()
    qtbot.addWidget(second)
    second.set_content("answer", "more reasoning")
    assert second.reasoning.expanded and second.reasoning.body.isVisibleTo(second)
    state.sync()
    thinking_block.remember_in(QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    third = AssistantMessage()  # after a restart, still open
    qtbot.addWidget(third)
    assert third.reasoning.expanded
    third.set_content("answer", "reasoning after a restart")
    third.show()
    header = third.reasoning.header
    assert header.focusPolicy() & Qt.FocusPolicy.TabFocus  # reachable with Tab, toggled with Space
    header.setFocus()
    qtbot.keyClick(header, Qt.Key.Key_Space)  # back to closed (for the tests that follow, too)
    assert not third.reasoning.expanded and "Show the reasoning" in header.accessibleName()


def test_tool_steps_show_in_their_own_block(qtbot) -> None:
    message = AssistantMessage()
    qtbot.addWidget(message)
    message.show()
    message.append([Delta("analysis", "I need the weather."), Delta("commentary", '{"city":"Paris"}')])
    assert message.tool_steps.isVisible() and message.tool_steps.header.text().startswith("Using a tool…")
    assert not message.reasoning.live and message.reasoning.header.text().startswith("Thought")
    message.finish()
    assert message.tool_steps.header.text() == "Tool steps"
    assert '{"city":"Paris"}' in message.reasoning_text


def test_welcome_suggestions_fill_the_message_box(qtbot, scripted_gpt_oss: Path) -> None:
    win = _window(qtbot, scripted_gpt_oss, "dark", (1100, 720))
    chat = win.chat
    assert chat.welcome.isVisible() and 3 <= len(chat.welcome.suggestions) <= 4
    for chip in chat.welcome.suggestions:
        assert chip.accessibleName() and chip.focusPolicy() != Qt.FocusPolicy.NoFocus
    chip = chat.welcome.suggestions[-1]
    chip.setFocus()
    qtbot.keyClick(chip, Qt.Key.Key_Space)
    assert chat.input.toPlainText() == chip.text() and chat.input.hasFocus()
    shots = _shots()
    shots.mkdir(parents=True, exist_ok=True)
    assert win.grab().save(str(shots / "chat-welcome-dark-1100x720.png"))
    win.close()


def test_every_control_of_the_chat_column_has_an_accessible_name(qtbot, scripted_gpt_oss: Path) -> None:
    conv_id = _saved_conversation()
    win = _window(qtbot, scripted_gpt_oss, "light", (1100, 720))
    chat = win.chat
    chat.open_conversation(conv_id)  # read on a worker, then shown
    qtbot.waitUntil(lambda: chat.conversation_id == conv_id and bool(chat.findChildren(AssistantMessage)),
                    timeout=5000)
    qtbot.wait(100)
    parts = [chat.composer, *chat.findChildren(UserMessage), *chat.findChildren(AssistantMessage), chat.sidebar]
    unnamed = []
    for part in parts:
        for widget in [part, *part.findChildren(QWidget)]:
            takes_focus = widget.focusPolicy() & Qt.FocusPolicy.TabFocus or widget.focusPolicy() == Qt.FocusPolicy.ClickFocus
            # A label's own text is its accessible name; every other control needs one given.
            if widget.isVisibleTo(win) and takes_focus and not widget.accessibleName() and not isinstance(widget, QLabel):
                unnamed.append(f"{type(widget).__name__} {widget.objectName()!r} {getattr(widget, 'text', str)()!r}")
    assert not unnamed
    # The effort says what each segment is; the meter gives its exact figures to a screen reader.
    assert [b.accessibleName() for b in chat.effort.buttons.values()] == [
        "Low reasoning effort", "Medium reasoning effort", "High reasoning effort"]
    meter = chat.composer.context_meter
    qtbot.waitUntil(lambda: meter.used == 1236, timeout=5000)
    assert "1,236 of 8,192 tokens" in meter.accessibleDescription()
    # While an answer is written, Send becomes Stop, drawn apart (the dark pill) and named for what it does.
    send_fill = chat.send_button.grab().toImage().pixelColor(8, chat.send_button.height() // 2)
    chat.input.setPlainText("And the filters?")
    qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    assert chat.send_button.text() == "Stop" and chat.send_button.accessibleName() == "Stop generating"
    stop_fill = chat.send_button.grab().toImage().pixelColor(8, chat.send_button.height() // 2)
    assert stop_fill != send_fill
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=30_000)
    win.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshot_while_the_model_thinks(qtbot, scripted_gpt_oss: Path, theme: str) -> None:
    """The live block as it streams (open, as a user who opened it once sees it), saved for review."""
    from PySide6.QtCore import QSettings

    from desktop.ui import thinking_block

    win = _window(qtbot, scripted_gpt_oss, theme, (1100, 720))
    chat = win.chat
    thinking_block.remember_in(QSettings(str(AppContext.load().paths.config_dir / "window.ini"),
                                         QSettings.Format.IniFormat))
    chat._add_widget(chat._user_widget(QUESTION, 0))
    live = chat._answer_widget(1, "high")
    chat._add_widget(live)
    live.append([Delta("analysis", REASONING)])
    live.reasoning.header.click()  # open: the reasoning streams in view
    live.reasoning._started -= 7
    qtbot.waitUntil(lambda: live.reasoning.header.text() != "Thinking… 0 s", timeout=2500)
    assert live.reasoning.live and live.reasoning.body.isVisible()
    shots = _shots()
    shots.mkdir(parents=True, exist_ok=True)
    assert win.grab().save(str(shots / f"chat-thinking-{theme}-1100x720.png"))
    live.reasoning.header.click()  # closed again for the tests that follow
    win.close()
