"""Small helpers for driving the real window in UI tests."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub


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


def window_with_model(qtbot, ctx: AppContext) -> MainWindow:
    """The real window on `ctx` (its settings name a model), shown, once the model is loaded."""
    window = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.engine.model is not None, timeout=15_000)
    return window
