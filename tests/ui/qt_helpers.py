"""Small helpers for driving the real window in UI tests."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def answer_dialog(button_text: str, seen: list[str]) -> None:
    """Answer the next modal message box by clicking its button labelled `button_text`;
    the box's text is appended to `seen`, so a test can check what the user was asked."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == button_text).click()
    QTimer.singleShot(0, click)
