"""Light and dark themes: follow the OS by default, or force one from Settings."""

from __future__ import annotations

from dataclasses import dataclass

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
    app.setStyleSheet(style_sheet(dark))


@dataclass(frozen=True)
class Colours:
    """One theme's colours. `ring` is the keyboard-focus ring: at least 3:1 against the window and
    the controls it surrounds (WCAG 2.2 non-text contrast), in both themes."""

    window: str
    base: str
    text: str
    muted: str
    button: str
    hover: str
    pressed: str
    border: str
    disabled: str
    ring: str
    ring_on_accent: str  # a ring drawn on an accent-filled control must differ from the fill
    accent: str
    on_accent: str
    badge_bg: str
    badge_text: str
    edit_bg: str
    edit_border: str
    edit_text: str


LIGHT = Colours(window="#f5f5f5", base="#ffffff", text="#1d1d1f", muted="#5f6368", button="#ffffff",
                hover="#eef0f4", pressed="#e1e4ea", border="#b9bcc4", disabled="#9a9ca1", ring="#1a5fd0",
                ring_on_accent="#1d1d1f", accent=ACCENT.name(), on_accent="#ffffff", badge_bg="#dde8fb",
                badge_text="#17448f", edit_bg="#fff4d6", edit_border="#c99a1e", edit_text="#3d2e00")
DARK = Colours(window="#1e1f22", base="#2b2d31", text="#e6e6e6", muted="#a6a9ae", button="#3a3c42",
               hover="#44474e", pressed="#50535b", border="#5a5d66", disabled="#6d6f75", ring="#8ab4ff",
               ring_on_accent="#ffffff", accent="#8ab4ff", on_accent="#10131a", badge_bg="#24365a",
               badge_text="#b9d0ff", edit_bg="#3b3220", edit_border="#c9a44a", edit_text="#f3e2b0")


def style_sheet(dark: bool) -> str:
    """The app's style sheet. Every focusable control draws a 2 px ring in `ring` when it has the
    keyboard focus (with the padding shrunk by as much, so nothing moves); Fusion's own focus
    frame is a faint highlight that all but vanished on the dark palette. Spin boxes keep the
    native look (as do combo boxes): a styled frame makes Qt drop their arrows, which need images
    to come back."""
    return _SHEET.format(**vars(DARK if dark else LIGHT))


_SHEET = """
QFrame#userMessage {{ background: palette(alternate-base); border-radius: 10px; }}
QFrame#userMessage[editing="true"] {{ border: 2px solid {edit_border}; }}
QLabel#messageStatus {{ color: palette(placeholder-text); }}

QPushButton {{ background: {button}; color: {text}; border: 1px solid {border}; border-radius: 6px;
    padding: 5px 12px; }}
QPushButton:hover {{ background: {hover}; }}
QPushButton:pressed {{ background: {pressed}; }}
QPushButton:checked {{ background: {badge_bg}; color: {badge_text}; }}
QPushButton:disabled {{ color: {disabled}; border-color: {hover}; }}
QPushButton:focus {{ border: 2px solid {ring}; padding: 4px 11px; outline: none; }}
QPushButton#sendButton {{ background: {accent}; color: {on_accent}; border-color: {accent}; font-weight: 600; }}
QPushButton#sendButton:disabled {{ background: {hover}; color: {disabled}; border-color: {hover}; }}
QPushButton#sendButton:focus {{ border: 2px solid {ring_on_accent}; }}

QPushButton#effortSegment {{ border-radius: 0px; padding: 4px 14px; min-width: 52px; }}
QPushButton#effortSegment[segment="first"] {{ border-top-left-radius: 7px; border-bottom-left-radius: 7px; }}
QPushButton#effortSegment[segment="last"] {{ border-top-right-radius: 7px; border-bottom-right-radius: 7px; }}
QPushButton#effortSegment:checked {{ background: {accent}; color: {on_accent}; border-color: {accent};
    font-weight: 700; }}
QPushButton#effortSegment:focus {{ border: 2px solid {ring}; padding: 3px 13px; }}
QPushButton#effortSegment:checked:focus {{ border: 2px solid {ring_on_accent}; }}
QLabel#effortCaption {{ color: {muted}; }}
QLabel#effortBadge {{ background: {badge_bg}; color: {badge_text}; border-radius: 8px; padding: 1px 8px;
    font-weight: 600; }}

QToolButton {{ background: transparent; color: {text}; border: 2px solid transparent; border-radius: 6px;
    padding: 2px 6px; }}
QToolButton:hover {{ background: {hover}; }}
QToolButton:focus {{ border-color: {ring}; outline: none; }}

QLineEdit, QPlainTextEdit, QTextEdit {{ border: 1px solid {border};
    border-radius: 6px; padding: 4px 6px; background: {base}; color: {text}; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border: 2px solid {ring}; padding: 3px 5px; }}
QListView, QTableView, QTreeView {{ border: 1px solid {border}; border-radius: 6px; background: {base}; }}
QListView:focus, QTableView:focus, QTreeView:focus {{ border: 2px solid {ring}; }}
QCheckBox, QRadioButton {{ border: 2px solid transparent; border-radius: 5px; padding: 2px 4px; }}
QCheckBox:focus, QRadioButton:focus {{ border-color: {ring}; }}

QFrame#editBar {{ background: {edit_bg}; border: 1px solid {edit_border}; border-radius: 8px; }}
QFrame#editBar QLabel {{ color: {edit_text}; }}
QLabel#modelBanner[state="warning"] {{ background: {edit_bg}; color: {edit_text}; border: 1px solid {edit_border};
    border-radius: 6px; }}
QLabel#welcomeTitle {{ font-size: 22px; font-weight: 600; color: {text}; }}
QLabel#welcomeHint, QLabel#emptyState, QLabel#contextNotice {{ color: {muted}; }}
QPushButton#suggestion {{ border-radius: 14px; padding: 6px 14px; }}
QPushButton#suggestion:focus {{ padding: 5px 13px; }}
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
