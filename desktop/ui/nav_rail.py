"""The window's navigation: a rail of icon buttons down the left edge, one per pane.

`RailPanes` puts the rail beside a stack of panes and speaks the small part of QTabWidget's
interface the window and its scripts use (count, widget, current index or widget, tabText,
currentChanged), so a pane is switched the same way whether a person clicks or a test drives it.
The current pane's button is filled and edged in the theme's accent; the rest are muted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.icons import themed_icon
from desktop.ui.theme import DARK, LIGHT, is_dark

RAIL_WIDTH = 76
ICON_SIZE = 22

_SHEET = """
QFrame#navRail {{ background: {base}; border: none; border-{inner}: 1px solid {border}; }}
QToolButton#navButton {{ color: {muted}; background: transparent; border: 2px solid transparent;
    border-radius: 8px; padding: 6px 0px 5px 0px; }}
QToolButton#navButton:hover {{ background: {hover}; color: {text}; }}
QToolButton#navButton:checked {{ background: {badge_bg}; color: {badge_text}; font-weight: 600;
    border-{outer}: 3px solid {accent}; }}
QToolButton#navButton:focus {{ border: 2px solid {ring}; }}
QToolButton#navButton:checked:focus {{ border: 2px solid {ring}; border-{outer}: 3px solid {accent}; }}
"""


class NavRail(QFrame):
    """The column of buttons. Up/Down move between them (and switch), Tab leaves the rail.

    Signals:
        sig_current_changed(int): the user picked the pane at this index.
    """

    sig_current_changed = Signal(int)

    def __init__(self, icon_cache: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navRail")
        self.setAccessibleName(self.tr("Navigation"))
        self.setFixedWidth(RAIL_WIDTH)
        self._icon_cache = icon_cache
        self._icons: list[str] = []
        self._dark: bool | None = None
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.idClicked.connect(self.sig_current_changed)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 10, 6, 10)
        self._layout.setSpacing(6)
        self._layout.addStretch(1)
        self._restyle()

    def add_button(self, icon: str, title: str, shortcut: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName("navButton")
        button.setText(title)
        button.setAccessibleName(title)
        keys = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
        button.setToolTip(self.tr("{pane} ({keys})").format(pane=title, keys=keys))
        button.setAccessibleDescription(self.tr("Shows the {pane} pane ({keys})").format(pane=title, keys=keys))
        button.setCheckable(True)
        button.setAutoExclusive(True)  # arrow keys move between the rail's buttons
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        button.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._group.addButton(button, len(self._icons))
        self._icons.append(icon)
        self._layout.insertWidget(self._layout.count() - 1, button)
        self._set_icon(button, icon)
        return button

    def buttons(self) -> list[QToolButton]:
        return [self._group.button(index) for index in range(len(self._icons))]

    def set_current(self, index: int) -> None:
        button = self._group.button(index)
        if button is not None:
            button.setChecked(True)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        # The theme changed (a new application palette): the rail follows with its colours. In a
        # right-to-left language the rail stands on the right: its edges swap sides.
        if (event.type() == QEvent.Type.PaletteChange and is_dark() != self._dark
                or event.type() == QEvent.Type.LayoutDirectionChange):
            self._restyle()
        super().changeEvent(event)

    def _restyle(self) -> None:
        self._dark = is_dark()
        outer, inner = ("right", "left") if self.isRightToLeft() else ("left", "right")
        self.setStyleSheet(_SHEET.format(outer=outer, inner=inner, **vars(self._colours())))
        for button, icon in zip(self.buttons(), self._icons):
            self._set_icon(button, icon)

    def _colours(self):
        return DARK if self._dark else LIGHT

    def _set_icon(self, button: QToolButton, icon: str) -> None:
        colours = self._colours()
        button.setIcon(themed_icon(icon, colours.muted, colours.accent, self._icon_cache))


class RailPanes(QWidget):
    """The rail and the stack of panes it switches. The keyboard focus follows into the pane shown
    (to its `focus` widget, else its first control), unless it is on the rail, where the arrow
    keys are moving through the panes.

    Signals:
        currentChanged(int): the pane shown changed (QTabWidget's name, as scripts expect).
    """

    currentChanged = Signal(int)  # noqa: N815 - QTabWidget's name

    def __init__(self, icon_cache: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rail = NavRail(icon_cache, self)
        self.stack = QStackedWidget(self)
        self.stack.setAccessibleName(self.tr("Panes"))
        self._titles: list[str] = []
        self._focus: dict[int, QWidget] = {}  # by pane index: where the focus goes when it is shown
        self._on_rail = False  # the focus was on the rail when the pane changed
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.rail)
        layout.addWidget(self.stack, 1)
        self.rail.sig_current_changed.connect(self.setCurrentIndex)
        self.stack.currentChanged.connect(self._shown)

    def add_pane(self, pane: QWidget, icon: str, title: str, shortcut: str,
                 focus: QWidget | None = None) -> QToolButton:
        self.stack.addWidget(pane)
        self._titles.append(title)
        if focus is not None:
            self._focus[self.stack.count() - 1] = focus
        button = self.rail.add_button(icon, title, shortcut)
        if self.stack.count() == 1:
            self.rail.set_current(0)
        return button

    def replace_pane(self, index: int, pane: QWidget) -> QWidget:
        """Put `pane` where the pane at `index` was (a placeholder), keeping the current one."""
        current = self.stack.currentIndex()
        old = self.stack.widget(index)
        self.stack.blockSignals(True)
        self.stack.insertWidget(index, pane)
        self.stack.removeWidget(old)
        self.stack.setCurrentIndex(current)
        self.stack.blockSignals(False)
        return old

    # QTabWidget's vocabulary -------------------------------------------------------------
    def count(self) -> int:
        return self.stack.count()

    def widget(self, index: int) -> QWidget | None:
        return self.stack.widget(index)

    def indexOf(self, pane: QWidget) -> int:  # noqa: N802
        return self.stack.indexOf(pane)

    def tabText(self, index: int) -> str:  # noqa: N802
        return self._titles[index] if 0 <= index < len(self._titles) else ""

    def currentIndex(self) -> int:  # noqa: N802
        return self.stack.currentIndex()

    def currentWidget(self) -> QWidget | None:  # noqa: N802
        return self.stack.currentWidget()

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802
        if 0 <= index < self.stack.count():
            # Asked before the switch: hiding the old pane moves the focus on, often onto the rail.
            self._on_rail = self.rail.isAncestorOf(QApplication.focusWidget())
            self.stack.setCurrentIndex(index)
            self.rail.set_current(index)

    def setCurrentWidget(self, pane: QWidget) -> None:  # noqa: N802
        self.setCurrentIndex(self.stack.indexOf(pane))

    def _shown(self, index: int) -> None:
        self.rail.set_current(index)
        self.currentChanged.emit(index)  # a pane built on first sight is in place after this
        self._focus_into(index)

    def _focus_into(self, index: int) -> None:
        pane = self.stack.widget(index)
        if pane is None or self._on_rail or pane.isAncestorOf(QApplication.focusWidget()):
            return
        target = self._focus.get(index)
        if target is None or not target.isVisibleTo(pane):
            target = _first_control(pane)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)


def _first_control(pane: QWidget) -> QWidget | None:
    """The first widget of `pane` that Tab would reach."""
    widget = pane.nextInFocusChain()
    while widget is not None and widget is not pane:
        if (pane.isAncestorOf(widget) and widget.isVisibleTo(pane) and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
            return widget
        widget = widget.nextInFocusChain()
    return None
