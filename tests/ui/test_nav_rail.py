"""The navigation rail: one icon button per pane, by mouse and by keyboard, drawn in the theme."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtWidgets import QApplication, QToolButton

from desktop.context import AppContext
from desktop.ui.icons import UnknownIconError, themed_icon
from desktop.ui.library_pane import LibraryPane
from desktop.ui.main_window import MainWindow
from desktop.ui.models_view import ModelsView
from desktop.ui.nav_rail import ICON_SIZE
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.settings_pane import SettingsPane
from desktop.ui.theme import DARK, LIGHT, apply_theme

PANES = ["Chat", "Library", "Settings", "Models"]


@pytest.fixture
def window(qtbot) -> MainWindow:
    apply_theme("light")
    win = MainWindow(SettingsHub(AppContext.load()))
    qtbot.addWidget(win)
    win.resize(1100, 720)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    apply_theme("light")


def _buttons(win: MainWindow) -> list[QToolButton]:
    return win.panes.rail.buttons()


def _checked(win: MainWindow) -> list[str]:
    return [button.text() for button in _buttons(win) if button.isChecked()]


def _stroke_colours(icon: QIcon, state: QIcon.State, scale: float) -> tuple[QSize, set[tuple[int, int, int]]]:
    """The pixel size of the icon drawn at `scale` and the opaque colours of its strokes."""
    pixmap = icon.pixmap(QSize(ICON_SIZE, ICON_SIZE), scale, QIcon.Mode.Normal, state)
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    colours = {image.pixelColor(x, y).getRgb()[:3] for x in range(image.width()) for y in range(image.height())
               if image.pixelColor(x, y).alpha() == 255}
    return pixmap.size(), colours


def _all_near(colours: set[tuple[int, int, int]], expected: str) -> bool:
    """Every stroke pixel is `expected` (give or take the rounding of premultiplied alpha)."""
    want = QColor(expected).getRgb()[:3]
    return bool(colours) and all(max(abs(a - b) for a, b in zip(rgb, want)) <= 2 for rgb in colours)


def test_the_rail_offers_each_pane_with_a_label_a_tooltip_and_an_accessible_name(window: MainWindow) -> None:
    buttons = _buttons(window)
    assert [button.text() for button in buttons] == PANES
    assert [button.accessibleName() for button in buttons] == PANES
    for button, keys in zip(buttons, ("Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4")):
        assert button.toolTip() == f"{button.text()} ({keys})"
        assert button.isVisible() and button.width() >= 56  # a target worth clicking
    assert _checked(window) == ["Chat"]  # the window opens on the chat


def test_clicking_the_rail_switches_panes_and_marks_the_current_one(qtbot, window: MainWindow) -> None:
    expected = {"Library": LibraryPane, "Settings": SettingsPane, "Models": ModelsView}
    for button in _buttons(window)[1:]:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert isinstance(window.panes.currentWidget(), expected[button.text()])
        assert _checked(window) == [button.text()]
    qtbot.mouseClick(_buttons(window)[0], Qt.MouseButton.LeftButton)
    assert window.panes.currentWidget() is window.chat and _checked(window) == ["Chat"]
    # The Models pane lives in the window: no Close button there that would quit the app.
    assert not window.models_view.close_button.isVisible()


def test_the_panes_are_reachable_from_the_keyboard(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    for keys, pane in ((Qt.Key.Key_4, "Models"), (Qt.Key.Key_2, "Library"), (Qt.Key.Key_3, "Settings"),
                       (Qt.Key.Key_1, "Chat")):
        qtbot.keyClick(window, keys, Qt.KeyboardModifier.ControlModifier)
        assert _checked(window) == [pane]
        assert window.panes.tabText(window.panes.currentIndex()) == pane
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # the usual Settings keys
    assert _checked(window) == ["Settings"]
    # The keyboard follows into the pane shown, and back on the chat it is in the message box.
    assert window.settings_pane.isAncestorOf(QApplication.focusWidget())
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.library.isAncestorOf(QApplication.focusWidget())
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.chat.input
    # In the rail itself the arrow keys move from pane to pane.
    library = _buttons(window)[1]
    qtbot.mouseClick(library, Qt.MouseButton.LeftButton)
    library.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(library, Qt.Key.Key_Down)
    assert _checked(window) == ["Settings"] and isinstance(window.panes.currentWidget(), SettingsPane)
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Up)
    assert _checked(window) == ["Library"] and isinstance(window.panes.currentWidget(), LibraryPane)


def test_the_icons_are_crisp_at_200_percent_and_the_current_one_is_in_the_accent(window: MainWindow) -> None:
    for button in _buttons(window):
        icon = button.icon()
        assert not icon.isNull()
        size, plain = _stroke_colours(icon, QIcon.State.Off, 2.0)
        assert size == QSize(2 * ICON_SIZE, 2 * ICON_SIZE)  # drawn for the screen, not scaled up
        assert _all_near(plain, LIGHT.muted)
        _, current = _stroke_colours(icon, QIcon.State.On, 2.0)
        assert _all_near(current, LIGHT.accent)


def test_the_rail_follows_the_theme(qtbot, window: MainWindow) -> None:
    window.hub.update("appearance", theme="dark")
    qtbot.waitUntil(lambda: _all_near(_stroke_colours(_buttons(window)[1].icon(), QIcon.State.Off, 1.0)[1],
                                      DARK.muted))
    _, current = _stroke_colours(_buttons(window)[0].icon(), QIcon.State.On, 1.0)
    assert _all_near(current, DARK.accent)


def test_an_unknown_icon_is_named_and_an_unwritable_cache_still_gives_an_icon(qtbot, tmp_path: Path) -> None:
    with pytest.raises(UnknownIconError, match="no bundled icon named 'no-such-icon'"):
        themed_icon("no-such-icon", "#000000", "#ffffff", tmp_path)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    icon = themed_icon("settings", "#112233", "#445566", blocked / "icons")
    assert not icon.isNull() and not icon.pixmap(QSize(ICON_SIZE, ICON_SIZE), 2.0).isNull()


def test_right_to_left_puts_the_rail_on_the_right_with_its_accent_edge_outside(qtbot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QWidget

    from desktop.ui.nav_rail import RailPanes

    panes = RailPanes(tmp_path / "icons")
    qtbot.addWidget(panes)
    for icon, title in (("message-square", "Chat"), ("library-big", "Library")):
        panes.add_pane(QWidget(), icon, title, "Ctrl+1")
    panes.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    panes.resize(600, 400)
    panes.show()
    qtbot.waitExposed(panes)
    assert panes.rail.x() > panes.stack.x()  # the rail stands at the right edge
    assert "border-right: 3px solid" in panes.rail.styleSheet()  # the current pane's accent, on the outside
    panes.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    qtbot.waitUntil(lambda: panes.rail.x() < panes.stack.x())  # laid out again, from the left
    assert "border-left: 3px solid" in panes.rail.styleSheet()
