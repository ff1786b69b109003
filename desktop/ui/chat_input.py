"""The chat's input controls: the message box (Enter sends, files drop on it) and the effort toggle."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QWidget

from desktop.settings import EFFORTS, Settings
from desktop.ui.settings_hub import SettingsHub


class PromptEdit(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line, Esc stops generation or leaves edit mode;
    Tab and Shift+Tab move focus (a chat question has no use for a tab character); dropped files attach."""

    sig_submit = Signal()
    sig_escape = Signal()
    sig_files_dropped = Signal(object)  # list[str] of local file paths

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def _local_files(self, event) -> list[str]:
        mime = event.mimeData()
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._local_files(event):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._local_files(event):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        files = self._local_files(event)
        if files:
            event.acceptProposedAction()
            self.sig_files_dropped.emit(files)
        else:
            super().dropEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.sig_submit.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.sig_escape.emit()
            return
        super().keyPressEvent(event)


class EffortToggle(QWidget):
    """A segmented control, Low | Medium | High, bound to the reasoning-effort setting.

    The chosen segment is filled with the accent colour (theme.py), so it reads at a glance in both
    themes; the arrow keys move the choice, as in any exclusive button group.
    """

    def __init__(self, hub: SettingsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self.setObjectName("effortControl")
        self.setAccessibleName(self.tr("Reasoning effort"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        caption = QLabel(self.tr("Reasoning effort"))
        caption.setObjectName("effortCaption")
        layout.addWidget(caption)
        layout.addSpacing(6)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        names = {"low": self.tr("Low"), "medium": self.tr("Medium"), "high": self.tr("High")}
        for number, effort in enumerate(EFFORTS):
            button = QPushButton(names.get(effort, effort.capitalize()))
            button.setCheckable(True)
            button.setObjectName("effortSegment")
            # first / middle / last: only the outer corners of the control are rounded
            button.setProperty("segment", "first" if number == 0 else "last" if number == len(EFFORTS) - 1
                               else "middle")
            button.setAccessibleName(self.tr("{effort} reasoning effort").format(effort=effort))
            button.setToolTip(self.tr("Reasoning effort: {effort} (applies to the next message)").format(
                effort=effort))
            self.group.addButton(button)
            self.buttons[effort] = button
            layout.addWidget(button)
            button.clicked.connect(lambda _checked=False, e=effort: self._hub.update("reasoning", effort=e))
            button.installEventFilter(self)
        hub.sig_changed.connect(self._sync)
        self._sync(hub.settings)

    def _sync(self, settings: Settings) -> None:
        # One stop in the Tab order, on the chosen segment; the arrow keys choose (as in a radio group).
        for effort, button in self.buttons.items():
            button.setChecked(effort == settings.reasoning.effort)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus if effort == settings.reasoning.effort
                                  else Qt.FocusPolicy.ClickFocus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and watched in self.buttons.values():
            key = event.key()
            step = (1 if key in (Qt.Key.Key_Right, Qt.Key.Key_Down)
                    else -1 if key in (Qt.Key.Key_Left, Qt.Key.Key_Up) else None)
            if step is not None:
                if self.layoutDirection() == Qt.LayoutDirection.RightToLeft and key in (
                        Qt.Key.Key_Left, Qt.Key.Key_Right):
                    step = -step
                efforts = list(self.buttons)
                here = next(e for e, b in self.buttons.items() if b is watched)
                target = self.buttons[efforts[max(0, min(len(efforts) - 1, efforts.index(here) + step))]]
                target.click()
                target.setFocus(Qt.FocusReason.TabFocusReason)
                return True
        return super().eventFilter(watched, event)
