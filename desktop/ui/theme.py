"""Light and dark themes: follow the OS by default, or force one from Settings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor("#2f6fde")


def is_dark(app: QApplication | None = None) -> bool:
    app = app or QApplication.instance()
    return app is not None and app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(theme: str, app: QApplication | None = None) -> None:
    """'system' follows the OS colour scheme where Qt can read it; 'light'/'dark' force one."""
    app = app or QApplication.instance()
    hints = app.styleHints()
    if theme == "system":
        scheme = hints.colorScheme()
        dark = scheme == Qt.ColorScheme.Dark
    else:
        dark = theme == "dark"
    if hasattr(hints, "setColorScheme"):  # Qt >= 6.8: lets the native style switch too
        hints.setColorScheme(Qt.ColorScheme.Dark if dark else
                             Qt.ColorScheme.Light if theme == "light" else Qt.ColorScheme.Unknown)
    app.setPalette(_dark_palette() if dark else _light_palette())
    app.setStyleSheet(STYLE_SHEET)


# Palette-relative, so one sheet serves both themes.
STYLE_SHEET = """
QFrame#userMessage { background: palette(alternate-base); border-radius: 10px; }
QLabel#messageStatus { color: palette(placeholder-text); }
"""


def _light_palette() -> QPalette:
    palette = QPalette(QColor("#f5f5f5"), QColor("#fafafa"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#1d1d1f"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1d1d1f"))
    palette.setColor(QPalette.ColorRole.Highlight, ACCENT)
    palette.setColor(QPalette.ColorRole.Link, ACCENT)
    return palette


def _dark_palette() -> QPalette:
    window, base, text = QColor("#1e1f22"), QColor("#2b2d31"), QColor("#e6e6e6")
    palette = QPalette(window, window)
    for role, color in (
        (QPalette.ColorRole.Window, window), (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor("#313338")), (QPalette.ColorRole.Button, QColor("#3a3c42")),
        (QPalette.ColorRole.Text, text), (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.ToolTipBase, base),
        (QPalette.ColorRole.ToolTipText, text), (QPalette.ColorRole.PlaceholderText, QColor("#8e9297")),
        (QPalette.ColorRole.Highlight, ACCENT), (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Link, QColor("#7aa7ff")),
    ):
        palette.setColor(role, color)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6d6f75"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6d6f75"))
    return palette
