"""What a newcomer hit in the chat window, each checked in the real window with the tiny gpt-oss model:
edit mode that lost a chat, a failed model switch that unloaded the working model, keyboard use,
the effort that could not be seen, and a new chat that kept the old one's figures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

from desktop.context import AppContext
from desktop.core.conversations import ConversationStore
from desktop.core.errors import UserError
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import AssistantMessage, UserMessage
from desktop.ui.settings_hub import SettingsHub
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.ui.qt_helpers import answer_dialog

SCREENSHOTS = Path(os.environ.get("GPT_OSS_DESKTOP_SCREENSHOTS", "build/screenshots"))


def _open_window(qtbot, model: Path | None, theme: str = "light", max_tokens: int = 8) -> MainWindow:
    ctx = AppContext.load()
    settings = ctx.settings.with_section("appearance", theme=theme)
    if model:
        settings = (settings.with_section("model", chat_model_path=str(model))
                    .with_section("sampling", max_tokens=max_tokens, seed=5))
    ctx.update_settings(settings)
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.resize(1100, 720)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    if model:
        qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    return win


@pytest.fixture
def window(qtbot, tiny_gpt_oss: Path):
    win = _open_window(qtbot, tiny_gpt_oss)
    yield win
    win.close()


def _ask(qtbot, win: MainWindow, text: str) -> None:
    win.chat.input.setPlainText(text)
    qtbot.keyClick(win.chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=15_000)


def _widgets(win: MainWindow, kind):
    return [w for w in win.chat._message_widgets() if isinstance(w, kind)]


def _stored(win: MainWindow) -> list[tuple[str, str]]:
    return [(m.role, m.text) for m in win.store.messages(win.chat.conversation_id) if m.role == "user"]


# -- 1. edit mode -----------------------------------------------------------------------------

def test_esc_leaves_edit_mode_visibly_and_the_next_question_replaces_nothing(qtbot, window: MainWindow) -> None:
    chat = window.chat
    _ask(qtbot, window, "first question")
    _ask(qtbot, window, "second question")
    chat.input.setPlainText("a draft I was writing")
    _widgets(window, UserMessage)[0].edit_button.click()
    assert chat.edit_bar.isVisible() and "replaces it" in chat.edit_bar.label.text()
    assert chat.input.toPlainText() == "first question"
    assert [w.property("editing") for w in _widgets(window, UserMessage)] == [True, False]  # outlined
    qtbot.keyClicks(chat.input, " (typo fixed)")
    assert chat.edit_bar.isVisible()  # stays while editing, whatever is typed

    qtbot.keyClick(chat.input, Qt.Key.Key_Escape)
    assert not chat.edit_bar.isVisible() and not chat.editing
    assert not any(w.property("editing") for w in _widgets(window, UserMessage))
    assert chat.input.toPlainText() == "a draft I was writing"  # the draft comes back
    assert "cancelled" in window.statusBar().currentMessage()

    _ask(qtbot, window, "a new third question")
    assert _stored(window) == [("user", "first question"), ("user", "second question"),
                               ("user", "a new third question")]


def test_replacing_earlier_turns_asks_first_and_keeping_them_loses_nothing(qtbot, window: MainWindow) -> None:
    chat = window.chat
    _ask(qtbot, window, "first question")
    _ask(qtbot, window, "second question")
    _widgets(window, UserMessage)[0].edit_button.click()
    chat.input.setPlainText("edited first question")
    asked: list[str] = []
    answer_dialog("Keep them", asked)
    qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    assert asked and "4 messages" in asked[0]
    assert _stored(window) == [("user", "first question"), ("user", "second question")]
    assert chat.editing and chat.edit_bar.isVisible()  # still editing; the text is still there
    assert chat.input.toPlainText() == "edited first question"

    answer_dialog("Replace", asked)
    qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.engine.busy, timeout=15_000)
    assert len(asked) == 2
    assert _stored(window) == [("user", "edited first question")]
    assert not chat.edit_bar.isVisible()

    # Regenerating an answer that is not the last one also replaces later turns: it asks too.
    _ask(qtbot, window, "another question")
    answer_dialog("Keep them", asked)
    _widgets(window, AssistantMessage)[0].regenerate_button.click()
    assert len(asked) == 3 and not window.engine.busy
    assert _stored(window) == [("user", "edited first question"), ("user", "another question")]


# -- 2. a model that cannot be opened -----------------------------------------------------------

def test_a_model_that_cannot_be_opened_leaves_the_loaded_one_in_use(qtbot, window: MainWindow, tiny_gpt_oss: Path,
                                                                     tiny_bert_gguf: Path,  # noqa: F811
                                                                     bad_models: dict[str, Path]) -> None:
    chat = window.chat
    for bad, reason in ((tiny_bert_gguf, "this app chats with gpt-oss"), (bad_models["truncated"], "truncated")):
        chat.open_model(str(bad))
        qtbot.waitUntil(lambda: "Still using" in chat.banner.text(), timeout=10_000)  # noqa: B023
        assert reason in chat.banner.text() and "tiny-gpt-oss" in chat.banner.text()
        assert window.engine.model is not None and window.engine.model.path == str(tiny_gpt_oss)
        assert chat.send_button.isEnabled()
        assert chat.model_picker.currentData() == ("local", str(tiny_gpt_oss))  # (where it runs, path)
        assert window.hub.settings.model.chat_model_path == str(tiny_gpt_oss)
    _ask(qtbot, window, "still there?")
    assert _widgets(window, AssistantMessage)[-1].status.text().count("tok/s") == 1


def test_a_load_that_fails_after_letting_go_brings_the_previous_model_back(qtbot, window: MainWindow,
                                                                          tiny_gpt_oss: Path, tmp_path: Path) -> None:
    # A second, valid gpt-oss file that the fit planner refuses (as it does when memory is short).
    other = tmp_path / "other-gpt-oss.gguf"
    other.write_bytes(tiny_gpt_oss.read_bytes())

    def refuse():
        raise UserError("Not enough memory for other-gpt-oss.gguf: RAM 30 GiB of 14 GiB.")

    failures: list[str] = []
    window.engine.sig_load_failed.connect(failures.append)
    window.engine.load(str(other), refuse)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    assert window.engine.model is not None and window.engine.model.path == str(tiny_gpt_oss)
    assert "Still using tiny-gpt-oss" in window.chat.banner.text() and "Not enough memory" in window.chat.banner.text()
    _ask(qtbot, window, "answer me")  # really loaded again, not only named
    assert _widgets(window, AssistantMessage)[-1].answer_text


# -- 4. keyboard ------------------------------------------------------------------------------------

def test_tab_in_the_message_box_moves_focus_and_types_no_tab(qtbot, window: MainWindow) -> None:
    chat = window.chat
    assert chat.input.hasFocus()  # the window opens ready to type
    qtbot.keyClicks(chat.input, "hello")
    qtbot.keyClick(chat.input, Qt.Key.Key_Tab)
    assert chat.input.toPlainText() == "hello"
    assert chat.send_button.hasFocus()
    qtbot.keyClick(chat.send_button, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert chat.input.hasFocus()


def test_the_effort_is_one_tab_stop_and_the_arrow_keys_choose_it(qtbot, window: MainWindow) -> None:
    chat = window.chat
    assert window.hub.settings.reasoning.effort == "medium"
    chat.attach_button.setFocus()
    qtbot.keyClick(chat.attach_button, Qt.Key.Key_Tab)
    assert chat.effort.buttons["medium"].hasFocus()  # lands on the chosen segment
    qtbot.keyClick(chat.effort.buttons["medium"], Qt.Key.Key_Right)
    assert window.hub.settings.reasoning.effort == "high" and chat.effort.buttons["high"].isChecked()
    qtbot.keyClick(chat.effort.buttons["high"], Qt.Key.Key_Left)
    qtbot.keyClick(chat.effort.buttons["medium"], Qt.Key.Key_Left)
    assert window.hub.settings.reasoning.effort == "low" and chat.effort.buttons["low"].hasFocus()
    qtbot.keyClick(chat.effort.buttons["low"], Qt.Key.Key_Tab)
    assert not any(b.hasFocus() for b in chat.effort.buttons.values())  # one Tab leaves the control


def test_search_results_take_up_down_and_enter_from_the_search_field(qtbot, window: MainWindow) -> None:
    _ask(qtbot, window, "router error XJ-42 at home")
    first = window.chat.conversation_id
    window.chat.new_conversation()
    _ask(qtbot, window, "router error XJ-42 at the office")
    second = window.chat.conversation_id
    window.chat.new_conversation()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    search = window.chat.sidebar.search
    qtbot.keyClicks(search, "XJ-42")
    qtbot.keyClick(search, Qt.Key.Key_Down)
    qtbot.keyClick(search, Qt.Key.Key_Down)
    qtbot.keyClick(search, Qt.Key.Key_Up)
    qtbot.keyClick(search, Qt.Key.Key_Down)
    assert search.hasFocus()  # the focus stays in the field while the highlight moves
    qtbot.keyClick(search, Qt.Key.Key_Return)
    hits = [row.conversation_id for row in window.chat.sidebar.rows.rows]
    assert sorted(hits) == sorted([first, second])
    qtbot.waitUntil(lambda: window.chat.conversation_id == hits[1], timeout=5000)  # down, down, up, down: the second hit (read on a worker)
    assert window.chat.input.hasFocus()  # ready to type in the chat just opened


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _edge(image: QImage, depth: int = 3) -> list[QColor]:
    """The outermost pixels of a widget's picture, across the middle of each side."""
    w, h = image.width(), image.height()
    points = [(x, h // 2) for x in range(depth)] + [(w - 1 - x, h // 2) for x in range(depth)]
    points += [(w // 2, y) for y in range(depth)] + [(w // 2, h - 1 - y) for y in range(depth)]
    return [image.pixelColor(x, y) for x, y in points]


def _ring_contrast(widget: QWidget, background: QColor) -> float:
    return max(_contrast(colour, background) for colour in _edge(widget.grab().toImage()))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_keyboard_focus_is_ringed_visibly_in_both_themes(qtbot, tiny_gpt_oss: Path, theme: str) -> None:
    win = _open_window(qtbot, tiny_gpt_oss, theme=theme)
    chat = win.chat
    background = win.palette().color(win.backgroundRole())
    controls = {"message box": chat.input, "Send": chat.send_button, "Attach": chat.attach_button,
                "effort": chat.effort.buttons["low"], "chat search": chat.sidebar.search,
                "New chat": chat.sidebar.new_button}
    chat.input.setPlainText("x")
    for name, control in controls.items():
        (chat.attach_button if control is chat.input else chat.input).setFocus()
        assert not control.hasFocus()
        unfocused = control.grab().toImage()
        control.setFocus()
        qtbot.waitUntil(control.hasFocus, timeout=2000)
        focused = control.grab().toImage()
        assert _edge(focused) != _edge(unfocused), f"{name}: focus changes nothing at its edge"
        assert _ring_contrast(control, background) >= 3.0, f"{name}: focus ring below 3:1 in {theme}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chat.effort.buttons["low"].setFocus()
    assert chat.grab().save(str(SCREENSHOTS / f"chat-focus-effort-{theme}.png"))
    win.close()


# -- 5. the chosen effort -------------------------------------------------------------------------

def _fill(widget: QWidget) -> QColor:
    """The button's background: a pixel inside its border, left of any text."""
    image = widget.grab().toImage()
    return image.pixelColor(5, image.height() // 2)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_chosen_effort_is_a_filled_segment_and_a_badge_on_the_answer(qtbot, tiny_gpt_oss: Path,
                                                                         theme: str) -> None:
    win = _open_window(qtbot, tiny_gpt_oss, theme=theme)
    buttons = win.chat.effort.buttons
    buttons["high"].click()
    win.chat.input.setFocus()  # judged without the focus ring
    chosen = _fill(buttons["high"])
    for other in ("low", "medium"):
        assert _contrast(chosen, _fill(buttons[other])) >= 3.0, f"high vs {other} in {theme}"
    _ask(qtbot, win, "think hard")
    answer = _widgets(win, AssistantMessage)[-1]
    badge = answer.effort_badge
    assert badge.isVisible() and badge.text() == "High effort"
    image = badge.grab().toImage()
    colours = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    background = max(set(c.rgb() for c in colours), key=[c.rgb() for c in colours].count)
    ink = max(colours, key=lambda c: _contrast(c, QColor.fromRgb(background)))
    assert _contrast(ink, QColor.fromRgb(background)) >= 4.5  # readable, not faint
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert win.grab().save(str(SCREENSHOTS / f"chat-effort-{theme}.png"))
    win.close()


# -- 10. new chat, empty states, long titles ------------------------------------------------------

def test_new_chat_clears_the_previous_chats_token_figures(qtbot, window: MainWindow) -> None:
    _ask(qtbot, window, "count my tokens")
    assert "tok/s" in window.chat.live_stats.text()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.chat.live_stats.text() == ""


def test_empty_sidebar_and_new_chat_say_what_to_try(qtbot, window: MainWindow) -> None:
    chat = window.chat
    sidebar = chat.sidebar
    assert sidebar.empty_label.isVisible() and "No chats yet" in sidebar.empty_label.text()
    assert chat.welcome.isVisible() and not chat.scroll.isVisible()
    suggestion = chat.welcome.suggestions[0]
    suggestion.click()
    assert chat.input.toPlainText() == suggestion.text() and chat.input.hasFocus()
    _ask(qtbot, window, chat.input.toPlainText())
    assert not chat.welcome.isVisible() and chat.scroll.isVisible()
    qtbot.waitUntil(sidebar.list.isVisible, timeout=5000)  # the list is read on a worker
    assert not sidebar.empty_label.isVisible()
    sidebar.search.setText("zebra crossing")
    qtbot.waitUntil(lambda: sidebar.empty_label.isVisible(), timeout=3000)
    assert "zebra crossing" in sidebar.empty_label.text()
    chat.new_conversation()
    assert chat.welcome.isVisible()


def test_long_titles_are_elided_without_a_horizontal_scrollbar(qtbot, tiny_gpt_oss: Path) -> None:
    title = "A very long question about " + "heat pumps and boilers and radiators " * 8
    with ConversationStore(AppContext.load().paths.conversations_db) as store:
        conv = store.create()
        store.add_user_message(conv.id, title)
    win = _open_window(qtbot, tiny_gpt_oss)
    sidebar = win.chat.sidebar.list
    qtbot.wait(50)
    row = win.chat.sidebar.rows.row_of(conv.id)
    assert row is not None
    assert not sidebar.horizontalScrollBar().isVisible()
    rect = sidebar.visualRect(sidebar.model().index(row, 0))
    assert rect.right() <= sidebar.viewport().width()  # cut at the edge, not scrolled to
    stored_title = win.store.get(conv.id).title
    assert len(stored_title) > 40 and stored_title in sidebar.model().index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    win.close()
