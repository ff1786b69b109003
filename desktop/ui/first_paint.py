"""Run something once a widget has been painted for the first time, then get out of the way.

An event filter, removed after the first paint, rather than an `event()` override: an override
makes every later event of the widget (each repaint of a streaming answer included) call into
Python and hold the interpreter lock while Qt paints, which starved the engine's thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._widget and event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            # After this paint has finished, from the event loop, with the widget as context.
            QTimer.singleShot(0, self._widget, self._callback)
        return False


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` (on the UI thread) once `widget` has been painted for the first time."""
    _FirstPaint(widget, callback)
