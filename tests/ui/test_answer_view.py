"""Streaming Markdown: finished blocks are rendered once, copy buttons copy the right code."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from desktop.ui.answer_view import AnswerView, _safe_cut
from desktop.ui.message_widgets import AssistantMessage


def test_paragraph_breaks_inside_code_fences_are_not_cut_points() -> None:
    text = "Intro.\n\n```python\nx = 1\n\ny = 2\n```\n\nOutro"
    cut = _safe_cut(text)
    assert text[:cut].endswith("```\n\n")  # after the fence closes, never inside it
    assert _safe_cut("```\nopen fence\n\nstill code") == 0


def test_streaming_freezes_finished_blocks(qtbot) -> None:
    view = AnswerView(dark=False)
    qtbot.addWidget(view)
    text = ""
    for piece in ["# Title\n\n", "First para", "graph.\n\n", "| a | b |\n|---|---|\n| 1 | 2 |\n\n", "Tail"]:
        text += piece
        view.set_text(text)
    view.set_text(text, final=True)
    assert view.block_count == 4  # title, paragraph, table frozen; "Tail" still open
    frozen_labels = [label for label, _ in view._frozen]
    before = [label.text() for label in frozen_labels]
    view.set_text(text + " grows", final=True)
    assert [label.text() for label in frozen_labels] == before  # untouched by new tokens
    assert "grows" in view._tail.text()


def test_copy_link_copies_the_code_of_its_own_block(qtbot) -> None:
    message = AssistantMessage()
    qtbot.addWidget(message)
    message.set_content("```\nfirst()\n```\n\nbetween\n\n```\nsecond()\n```\n")
    labels = [label for label, _ in message.answer._frozen] + [message.answer._tail]
    with_second = next(label for label in labels if "second()" in label.text())
    with_second.linkActivated.emit("copy:0")
    assert QGuiApplication.clipboard().text().strip() == "second()"


def test_replacing_the_text_starts_over(qtbot) -> None:
    view = AnswerView(dark=True)
    qtbot.addWidget(view)
    view.set_text("one\n\ntwo\n\nthree", final=True)
    view.set_text("different", final=True)
    assert view.block_count == 1 and "different" in view._tail.text()
