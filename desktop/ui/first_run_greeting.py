"""The first-run screen's greeting (title and one line), shared by the screen itself and the
placeholder the chat shows in the window's first frame: the screen's card needs the catalog, the
download machinery and the machine survey (~30 ms of imports), which wait until that frame is
painted, and the greeting stays in place when the card arrives under it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.ui.theme import READING_WIDTH, SPACE_M, SPACE_S, SPACE_XL, centred

_CONTEXT = "FirstRunView"  # the screen's own strings, translated once for both


def greeting_column(screen: QWidget) -> QVBoxLayout:
    """Lay `screen` out as a centred reading column holding the greeting; returns the column's
    layout for what comes under it."""
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, SPACE_XL + SPACE_S, 0, SPACE_XL)
    layout.setSpacing(SPACE_M)
    centred(screen, column, READING_WIDTH, side=SPACE_XL)
    title = QLabel(QCoreApplication.translate(_CONTEXT, "Choose a model to chat with"))
    title.setObjectName("welcomeTitle")
    title.setWordWrap(True)
    layout.addWidget(title)
    intro = QLabel(QCoreApplication.translate(
        _CONTEXT, "Everything runs on this computer. The model is downloaded once; after that no network is needed."))
    intro.setObjectName("welcomeHint")
    intro.setWordWrap(True)
    layout.addWidget(intro)
    return layout


class FirstRunPlaceholder(QWidget):
    """The greeting alone, for the window's first frame."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(QCoreApplication.translate(_CONTEXT, "Choose a model"))
        greeting_column(self).addStretch(1)
