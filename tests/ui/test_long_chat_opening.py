"""Opening a long chat: the newest message shows at once, the others follow over the next event-loop
turns, in order, with the view at the end; nothing that reads the messages sees half a chat."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from desktop.bench.ui_stall import long_answer
from desktop.context import AppContext
from desktop.core.conversations import ConversationStore
from desktop.ui.answer_view import LONG_PARAGRAPH, split_blocks
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import AssistantMessage, UserMessage
from desktop.ui.rich_label import RichLabel
from desktop.ui.settings_hub import SettingsHub

TURNS = 20  # 40 messages: one page


@pytest.fixture
def long_chat(qtbot, tiny_gpt_oss: Path):
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss)))
    with ConversationStore(ctx.paths.conversations_db) as store:
        conv = store.create("Defrost").id
        for turn in range(TURNS):
            store.add_user_message(conv, f"question {turn}")
            answer = store.start_assistant_message(conv, "low", "tiny")
            store.finish_assistant_message(answer.id, long_answer(turn), "")
        settings, messages = {}, store.messages(conv)
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.resize(1100, 760)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    yield win, conv, settings, messages
    win.close()


def _shown(win: MainWindow) -> list[QWidget]:
    layout = win.chat.messages_layout  # (not _message_widgets(): that places the rest first)
    return [layout.itemAt(i).widget() for i in range(layout.count() - 1)
            if layout.itemAt(i).widget().isVisible()]


def test_the_newest_message_shows_first_and_the_rest_follow_in_order(qtbot, long_chat) -> None:
    win, conv, settings, messages = long_chat
    chat = win.chat
    chat._opening = conv
    chat._show_conversation(conv, settings, messages)  # as the worker's read hands it over

    shown = _shown(win)
    assert len(shown) == 1 and isinstance(shown[0], AssistantMessage)  # the end of the chat, now
    assert shown[0].answer_text == long_answer(TURNS - 1)
    assert chat.placing

    qtbot.waitUntil(lambda: not chat.placing, timeout=10_000)
    shown = _shown(win)
    assert [w.position for w in shown] == [m.position for m in messages]  # all of them, in order
    assert [type(w) for w in shown[:2]] == [UserMessage, AssistantMessage]
    qtbot.wait(50)
    bar = chat.scroll.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()  # still looking at the newest answer


def test_what_reads_the_messages_while_they_are_placed_sees_them_all(qtbot, long_chat) -> None:
    win, conv, settings, messages = long_chat
    chat = win.chat
    chat._opening = conv
    chat._show_conversation(conv, settings, messages)
    # Edit, regenerate and Send look at the messages shown: the rest are placed first.
    assert [w.position for w in chat._message_widgets()] == [m.position for m in messages]
    qtbot.waitUntil(lambda: len(_shown(win)) == len(messages), timeout=1000)  # (Qt shows them next turn)


def test_new_chat_while_a_chat_is_being_placed_stops_it(qtbot, long_chat) -> None:
    win, conv, settings, messages = long_chat
    chat = win.chat
    chat._opening = conv
    chat._show_conversation(conv, settings, messages)
    chat.new_conversation()
    assert not chat.placing
    qtbot.wait(300)
    assert _shown(win) == [] and chat.welcome.isVisible()  # nothing of the old chat comes back


def test_blocks_keep_their_heights_through_resizes(qtbot, long_chat) -> None:
    win, conv, _settings, _messages = long_chat
    win.chat.open_conversation(conv)
    qtbot.waitUntil(lambda: win.chat.conversation_id == conv and not win.chat.placing, timeout=10_000)

    def clipped_or_loose() -> list[RichLabel]:
        # A block shorter than its text is cut off; a taller one leaves a gap. Measured afresh.
        return [label for label in win.chat.messages.findChildren(RichLabel)
                if label.isVisible() and label.text()
                and abs(label.height() - QLabel.heightForWidth(label, label.width())) > 1]  # Qt's own answer

    for width in (1100, 760, 1300, 900):
        win.resize(width, 760)
        qtbot.wait(150)
        assert clipped_or_loose() == [], width


def test_a_saved_answer_is_cut_like_a_streamed_one() -> None:
    run_on = " ".join(f"word{i % 50}" + ("." if i % 17 == 0 else "") for i in range(4000))  # ~28,000 chars
    blocks = split_blocks(run_on)
    assert "".join(blocks) == run_on
    assert len(blocks) > 10 and max(map(len, blocks)) <= LONG_PARAGRAPH

    paragraphs = "\n\n".join(f"Paragraph {i}. " + "text " * 60 for i in range(40))
    blocks = split_blocks(paragraphs)
    assert "".join(blocks) == paragraphs and max(map(len, blocks)) <= LONG_PARAGRAPH
    assert all(block.endswith("\n\n") for block in blocks[:-1])  # cut at paragraph breaks only


def test_a_long_table_is_never_cut_between_its_rows() -> None:
    table = "| step | time |\n|---|---|\n" + "".join(f"| step {i} | {i} min |\n" for i in range(150))
    text = "Intro.\n\n" + table + "\nAfter the table.\n\nThe end " + "word " * 400
    blocks = split_blocks(text)
    assert "".join(blocks) == text
    holding = [block for block in blocks if "| step 0 |" in block]
    assert len(holding) == 1 and "| step 149 |" in holding[0]  # the whole table in one block
