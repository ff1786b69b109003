"""The reasoning effort as a segmented control: Low | Medium | High on one rounded track.

The chosen segment is filled with the accent colour (theme.py), so it reads at a glance in both
themes. The control is one stop in the Tab order (the chosen segment) and the arrow keys move the
choice, as in a radio group; a screen reader hears "Low reasoning effort, checked".
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.settings import EFFORTS, Settings
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.theme import SPACE_S

_TRACK_PADDING = 2  # px between the track's edge and its segments


class EffortControl(QWidget):
    """Bound to the reasoning-effort setting: a click (or an arrow key) changes it for the next message."""

    def __init__(self, hub: SettingsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self.setObjectName("effortControl")
        self.setAccessibleName(self.tr("Reasoning effort"))
        self.setAccessibleDescription(self.tr("How long the model thinks before it answers; "
                                              "the arrow keys change it"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        self.caption = QLabel(self.tr("Reasoning"))
        self.caption.setObjectName("effortCaption")
        layout.addWidget(self.caption)
        track = QFrame()
        track.setObjectName("effortTrack")
        segments = QHBoxLayout(track)
        segments.setContentsMargins(_TRACK_PADDING, _TRACK_PADDING, _TRACK_PADDING, _TRACK_PADDING)
        segments.setSpacing(_TRACK_PADDING)
        layout.addWidget(track)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        names = {"low": self.tr("Low"), "medium": self.tr("Medium"), "high": self.tr("High")}
        for effort in EFFORTS:
            name = names.get(effort, effort.capitalize())
            button = QPushButton(name)
            button.setCheckable(True)
            button.setObjectName("effortSegment")
            button.setAccessibleName(self.tr("{effort} reasoning effort").format(effort=name))
            button.setToolTip(self.tr("Reasoning effort: {effort} (applies to the next message; "
                                      "the arrow keys change it)").format(effort=name))
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            self.group.addButton(button)
            self.buttons[effort] = button
            segments.addWidget(button)
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
