"""Starting shows one window: no part of it flashes up as a window of its own first.

A widget shown before it has a parent becomes a top-level window (mapped on the display, then
taken back when it is put in place): the context meter did, and it cost the first frame ~50 ms.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from desktop.context import AppContext
from desktop.core.conversations import ConversationStore
from desktop.ui.conversation_list import ConversationList
from desktop.ui.launch import WINDOW_ICON_MAX_PX, window_icon
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub


class _WindowsShown(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show and watched.isWindowType():
            self.names.append(watched.objectName())
        return False


@pytest.mark.parametrize("returning", [False, True], ids=["first run", "returning user"])
def test_only_the_main_window_is_shown_at_start_up(qtbot, tiny_gpt_oss: Path, returning: bool) -> None:
    ctx = AppContext.load()
    if returning:
        ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss)))
    shown = _WindowsShown()
    QApplication.instance().installEventFilter(shown)
    try:
        win = MainWindow(SettingsHub(ctx))
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
    finally:
        QApplication.instance().removeEventFilter(shown)
    assert shown.names == [win.windowHandle().objectName()]
    assert win.chat.composer.context_meter.isVisibleTo(win.chat.composer)  # in place, in the message box
    win.close()


def test_the_window_icon_has_the_sizes_title_bars_and_taskbars_draw(qtbot) -> None:
    # The 512 and 1024 px images stay for the installers; handed to the window system too, they
    # cost the first frame ~30 ms.
    sizes = sorted(size.width() for size in window_icon().availableSizes())
    assert sizes[0] == 16 and sizes[-1] == WINDOW_ICON_MAX_PX == 256
    assert {32, 48, 128} <= set(sizes)


def test_the_chat_search_gets_its_clear_button_once_it_is_painted(qtbot, tmp_path: Path) -> None:
    with ConversationStore(tmp_path / "chats.sqlite3") as store:
        sidebar = ConversationList(store)
        qtbot.addWidget(sidebar)
        sidebar.show()
        qtbot.waitUntil(sidebar.search.isClearButtonEnabled, timeout=5000)  # Qt shows it once text is typed
        sidebar.stop()
