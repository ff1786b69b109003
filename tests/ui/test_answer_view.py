"""Streaming Markdown: finished blocks are rendered once, copy buttons copy the right code."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication

from desktop.ui.answer_view import AnswerView, split_blocks
from desktop.ui.markdown import markdown_to_html
from desktop.ui.message_widgets import AssistantMessage
from tests.ui.qt_helpers import answer_dialog


def test_paragraph_breaks_inside_code_fences_are_not_cut_points() -> None:
    code = "```python\n" + "".join(f"x_{i} = {i}\n\n" for i in range(300)) + "```\n\n"
    blocks = split_blocks("Intro.\n\n" + code + "Outro")
    assert code in blocks[0] + blocks[1] and any(block.endswith(code) for block in blocks)  # never inside it
    assert split_blocks("```\nopen fence\n\nstill code") == ["```\nopen fence\n\nstill code"]
    tilde = "~~~\n" + "```\n\nnot a fence of its own\n\n" * 80 + "~~~\n\n"  # (a ~~~ fence holding ```)
    assert any(block.endswith(tilde) for block in split_blocks("Intro.\n\n" + tilde + "Outro"))


def test_a_long_numbered_list_keeps_its_numbers_across_blocks() -> None:
    items = "".join(f"{i}. Step {i}: " + "turn the valve and wait. " * 6 + "\n" for i in range(1, 21))
    blocks = split_blocks(items + "\nDone.")
    assert len(blocks) > 2 and "".join(blocks) == items + "\nDone."
    for block in blocks[1:-1]:
        first = int(block.split(".", 1)[0])
        assert f'<ol start="{first}">' in markdown_to_html(block, dark=False)  # 5. stays 5.


def test_nested_and_indented_lines_never_start_a_block() -> None:
    nested = "- Top\n" + "".join(f"    - detail {i} " + "more words here " * 8 + "\n" for i in range(30))
    run_on = "Start. " + "".join(f"line {i} " + "word " * 30 + "\n    indented {i}\n" for i in range(20))
    for text in (nested, run_on):
        blocks = split_blocks(text)
        assert "".join(blocks) == text
        assert not any(block[:1].isspace() for block in blocks)  # it would render as code


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
    qtbot.waitUntil(lambda: not message.answer.rendering)
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


def _sources(tmp_path: Path) -> list[dict]:
    manual = tmp_path / "router-manual.pdf"
    manual.write_bytes(b"%PDF-1.4 stand-in: only its path is opened\n")
    notes = tmp_path / "router-notes.md"
    filler = "".join(f"Paragraph {i} about something else entirely.\n\n" for i in range(200))
    notes.write_text("# Router notes\n\n" + filler + "## Error codes\n\n| code | meaning |\n|---|---|\n"
                     "| XJ-42 | the **fibre** cable is loose |\n| XJ-43 | no power |\n")
    table = "| XJ-42 | the **fibre** cable is loose |\n| XJ-43 | no power |"
    return [
        {"n": 1, "path": str(notes), "page": None, "heading": "Error codes", "excerpt": table},
        {"n": 2, "path": str(manual), "page": 4, "heading": None, "excerpt": "Reset the router: hold the button."},
        {"n": 3, "path": str(notes), "page": None, "heading": "Router notes", "excerpt": "Paragraph 3 about"},
    ]


def test_sources_strip_has_one_plain_entry_per_document_best_passage_first(qtbot, tmp_path: Path) -> None:
    message = AssistantMessage()
    qtbot.addWidget(message)
    message.set_sources(_sources(tmp_path))
    html = message.sources_label.text()
    entries = html.split("<br>")[1:]
    assert len(entries) == 2  # router-notes.md once, though two of its passages were retrieved
    assert "[1, 3] router-notes.md › Error codes" in entries[0] and "router-manual.pdf p. 4" in entries[1]
    assert "XJ-42 the fibre cable is loose XJ-43 no power" in entries[0]
    assert "|" not in html and "**" not in html  # no raw Markdown in the snippets


def test_a_click_on_a_source_opens_the_document_at_its_place(qtbot, tmp_path: Path) -> None:
    message = AssistantMessage()
    qtbot.addWidget(message)
    message.show()
    message.set_sources(_sources(tmp_path))

    message.sources_label.linkActivated.emit("cite:1")  # the Markdown notes: the built-in viewer
    viewer = message.viewer
    assert viewer is not None and viewer.isVisible() and viewer.found
    assert "XJ-42" in viewer.selected_text()
    assert viewer.text.verticalScrollBar().value() > 0  # scrolled down to the passage
    viewer.close()

    opened: list[QUrl] = []

    class Handler(QObject):
        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            opened.append(url)

    handler = Handler()
    QDesktopServices.setUrlHandler("file", handler, "open")  # stands in for the OS's PDF viewer
    try:
        message.sources_label.linkActivated.emit("cite:2")
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [(url.toLocalFile(), url.fragment()) for url in opened] == [(str(tmp_path / "router-manual.pdf"),
                                                                        "page=4")]


def test_a_source_deleted_since_indexing_says_so(qtbot, tmp_path: Path) -> None:
    message = AssistantMessage()
    qtbot.addWidget(message)
    sources = _sources(tmp_path)
    Path(sources[0]["path"]).unlink()
    message.set_sources(sources)
    said: list[str] = []
    answer_dialog("OK", said)
    message.sources_label.linkActivated.emit("cite:1")
    assert said and "moved or deleted" in said[0] and "router-notes.md" in said[0]
    assert message.viewer is None


def test_a_long_code_line_wraps_inside_a_narrow_answer_instead_of_being_cut_off(qtbot) -> None:
    view = AnswerView(dark=False)
    qtbot.addWidget(view)
    long_line = "result = " + " + ".join(f"value_{i}" for i in range(40))  # ~480 characters, no break
    view.set_text(f"Here:\n\n```python\n{long_line}\n```\n", final=True)
    view.resize(420, 600)
    view.show()
    qtbot.wait(50)
    code = next(label for label in [*(label for label, _ in view._frozen), view._tail] if "value_39" in label.text())
    one_line = code.fontMetrics().height()
    assert code.width() <= 420 and code.sizeHint().width() <= 420  # nothing sticks out of the card
    assert code.heightForWidth(code.width()) > 4 * one_line  # the line wrapped onto several


def test_an_answer_replaced_while_other_work_waits_keeps_updating(qtbot) -> None:
    busy = [AnswerView(dark=False) for _ in range(3)]  # other answers with blocks waiting their turn
    for view in busy:
        qtbot.addWidget(view)
        view.set_text("".join(f"Paragraph {i}. " + "words " * 200 + "\n\n" for i in range(8)), final=True)
    view = AnswerView(dark=False)
    qtbot.addWidget(view)
    view.set_text("Searching 【0†source】 for it\n\nand", final=True)
    view.set_text("The answer [1], renumbered.", final=True)  # not a continuation: starts over
    qtbot.waitUntil(lambda: "renumbered" in view._tail.text(), timeout=5000)
    view.set_text("The answer [1], renumbered. And more.", final=True)
    qtbot.waitUntil(lambda: "And more" in view._tail.text(), timeout=5000)


def test_an_answer_cut_into_blocks_is_spaced_as_if_it_were_one(qtbot) -> None:
    from PySide6.QtWidgets import QLabel

    paragraphs = "\n\n".join(f"Paragraph {i}. " + "word " * 110 for i in range(6))
    numbered = "".join(f"{i}. item " + "word " * 40 + "\n" for i in range(1, 30))
    for text in (paragraphs, numbered, "## Title\n\n" + paragraphs):
        view = AnswerView(dark=False)
        qtbot.addWidget(view)
        view.set_text(text, final=True)
        qtbot.waitUntil(lambda v=view: not v.rendering)
        labels = [label for label, _ in view._frozen] + [view._tail]
        assert len([label for label in labels if label.text()]) > 2
        whole = QLabel()
        whole.setWordWrap(True)
        whole.setText(markdown_to_html(text, dark=False))
        parts = sum(QLabel.heightForWidth(label, 700) for label in labels if label.text())
        assert parts == QLabel.heightForWidth(whole, 700)  # no paragraph gap lost or doubled at a cut


def test_a_run_on_paragraph_is_never_cut_inside_bold_code_or_a_link() -> None:
    pieces = ["plain words here", "**Watch out. The valve is hot**", "`a. b = c`", "[the manual. Part 2](https://example.org)"]
    text = " ".join(pieces[i % 4] + ("." if i % 7 == 0 else "") for i in range(600))  # one ~15,000-char paragraph
    blocks = split_blocks(text)
    assert len(blocks) > 5 and "".join(blocks) == text
    for block in blocks:
        rendered = markdown_to_html(block, dark=False)
        assert "**" not in rendered and "](" not in rendered and "`" not in rendered  # nothing shown raw
