"""Guards against a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 on Python 3.11 dropped a reference to None on every call of a method returning
nothing; after some thousands of UI updates the app aborted with "deallocating None". The
dependency range excludes it; this test catches a regression on any future upgrade.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel


def test_void_qt_calls_keep_none_alive(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("streaming…")
        QApplication.processEvents()
    # Other threads may hold or drop a few references meanwhile; a leak would show as -4000.
    assert sys.getrefcount(None) - before > -100
