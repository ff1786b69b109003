"""What a person sees of a streaming answer: the view keeps the newest text in sight until they
scroll up to read, and a long answer's finished blocks keep the right height as they are kept."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from desktop.context import AppContext
from desktop.core.harmony import Delta
from desktop.core.runtime import GenerationStats
from desktop.ui.main_window import MainWindow
from desktop.ui.rich_label import RichLabel
from desktop.ui.settings_hub import SettingsHub

PARAGRAPH = "The heat pump's filter sits behind the front panel; clean it every three months. "


def _stream(qtbot, chat, paragraphs: int, start: int) -> int:
    """Paragraphs arrive in updates as the engine's relay sends them (a few a frame)."""
    tokens = start
    for n in range(paragraphs):
        tokens += 20
        chat._on_deltas([Delta("final", f"{n}. {PARAGRAPH * 3}\n\n")], GenerationStats(tokens=tokens))
        qtbot.wait(5)
    qtbot.wait(100)  # the last update is laid out and drawn
    return tokens


def test_the_view_follows_the_answer_until_the_person_scrolls_up(qtbot, tiny_gpt_oss: Path) -> None:
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss)))
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.resize(1000, 700)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    chat = win.chat
    chat._add_widget(chat._user_widget("How do I keep the heat pump running well?", 0))
    chat._streaming = chat._answer_widget(1, "medium")
    chat._add_widget(chat._streaming)
    bar = chat.scroll.verticalScrollBar()

    tokens = _stream(qtbot, chat, 30, 0)
    assert bar.maximum() > 0 and bar.value() == bar.maximum()  # the newest words are in sight

    bar.setValue(bar.maximum() // 3)  # the person scrolls up to read
    reading_at, end_before = bar.value(), bar.maximum()
    tokens = _stream(qtbot, chat, 10, tokens)
    assert bar.maximum() > end_before and bar.value() == reading_at  # left where they were reading

    bar.setValue(bar.maximum())  # back at the end: the view follows again
    _stream(qtbot, chat, 10, tokens)
    assert bar.value() == bar.maximum()
    assert chat._streaming.answer_text.count(PARAGRAPH) == 150
    win.close()


def test_a_kept_height_follows_the_text_the_width_and_the_font(qtbot) -> None:
    label = RichLabel()
    qtbot.addWidget(label)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setText("<p>" + PARAGRAPH * 4 + "</p>")
    short = label.heightForWidth(300)
    assert label.heightForWidth(300) == short  # asked again: the same answer
    assert label.heightForWidth(900) < short  # wider: fewer lines
    label.setText("<p>" + PARAGRAPH * 12 + "</p>")
    longer = label.heightForWidth(300)
    assert longer > short  # new text: measured again, not the old height
    bigger = QFont(label.font())
    bigger.setPointSizeF(bigger.pointSizeF() * 2)
    label.setFont(bigger)
    assert label.heightForWidth(300) > longer  # a larger font: measured again
    assert label.sizeHint().height() > 0


def test_clicking_the_chat_being_answered_keeps_the_answer_streaming(qtbot, tiny_gpt_oss: Path) -> None:
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss))
                        .with_section("sampling", max_tokens=3000, seed=3))
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    chat = win.chat
    chat.input.setPlainText("Write a long answer")
    chat.send()
    qtbot.waitUntil(lambda: chat.conversation_id is not None and chat._streaming is not None
                    and bool(chat._streaming.answer_text), timeout=15_000)
    answer = chat._streaming
    chat.open_conversation(chat.conversation_id)  # the person clicks the chat in the sidebar
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=60_000)
    saved = [m for m in win.store.messages(chat.conversation_id) if m.role == "assistant"]
    assert answer in chat._message_widgets() and answer.answer_text == saved[-1].text != ""
    win.close()
