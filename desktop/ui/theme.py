"""Light and dark themes: follow the OS by default, or force one from Settings.

One accent colour, a type scale of four sizes and spacing on a 4/8 px grid, as named constants that
the widgets use (in their layouts and through the style sheet below), so the whole window keeps one
rhythm. Every text colour is paired with the backgrounds it is drawn on in `text_pairs`, which the
contrast test holds to WCAG's 4.5:1 in both themes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

# The one accent colour. The dark theme uses a lighter tint of the same hue: the light one on a
# dark window reads at under 3:1.
ACCENT = QColor("#2b63d9")
ACCENT_ON_DARK = QColor("#8ab4ff")

# Type scale, in pixels: captions and figures, body text, headings, the welcome's greeting.
FONT_CAPTION = 12
FONT_BODY = 14
FONT_HEADING = 17
FONT_DISPLAY = 26

# Spacing on a 4/8 px grid, and corner radii.
SPACE_XS = 4
SPACE_S = 8
SPACE_M = 12
SPACE_L = 16
SPACE_XL = 24
SPACE_XXL = 32
RADIUS_S = 6
RADIUS_M = 10
RADIUS_L = 16

# The chat's reading column: long lines tire the eye, so the conversation and the input stay this
# wide at most, centred, however wide the window.
READING_WIDTH = 760
# Panes of lists and tables (the Library, the Models): wider than prose, still centred.
LIST_WIDTH = 960


def set_style_property(widget: QWidget, name: str, value: object, *restyled: QWidget) -> bool:
    """Set a dynamic property the style sheet selects on and re-polish `widget` (and `restyled`,
    whose look follows it) only when it changes: a re-polish under the app's style sheet costs
    milliseconds, and some of these are set on every streamed update. A property never set counts
    as an empty or false one. Returns whether the look changed."""
    current = widget.property(name)
    if current == value:
        return False
    widget.setProperty(name, value)
    if current is None and not value:
        return False  # looked like this already: no selector matches an unset or empty property
    for each in (widget, *restyled):
        each.style().unpolish(each)
        each.style().polish(each)
    return True


def centred(outer: QWidget, inner: QWidget, width: int, *, side: int = SPACE_L, vertical: int = 0,
            spacing: int | None = None) -> QHBoxLayout:
    """Lay `inner` out in the middle of `outer`, at most `width` wide, with `side` px of room at
    its sides on a small window (every pane's and message's column is built this way)."""
    inner.setMaximumWidth(width)
    layout = QHBoxLayout(outer)
    layout.setContentsMargins(side, vertical, side, vertical)
    if spacing is not None:
        layout.setSpacing(spacing)
    layout.addStretch(1)
    layout.addWidget(inner, 100)
    layout.addStretch(1)
    return layout


def is_dark(app: QApplication | None = None) -> bool:
    app = app or QApplication.instance()
    return app is not None and app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(theme: str, app: QApplication | None = None) -> None:
    """'system' follows the OS colour scheme where Qt can read it, now and when the OS switches;
    'light'/'dark' force one."""
    app = app or QApplication.instance()
    hints = app.styleHints()
    _Following.theme = theme
    if hasattr(hints, "setColorScheme"):  # Qt >= 6.8: lets the native style switch too
        # Cleared first for 'system': an earlier forced choice would otherwise be read back as the OS's.
        hints.setColorScheme({"dark": Qt.ColorScheme.Dark, "light": Qt.ColorScheme.Light}.get(
            theme, Qt.ColorScheme.Unknown))
    dark = hints.colorScheme() == Qt.ColorScheme.Dark if theme == "system" else theme == "dark"
    if not _Following.listening:
        _Following.listening = True
        hints.colorSchemeChanged.connect(lambda _scheme: _follow_os(app))
    app.setPalette(palette(dark))
    app.setStyleSheet(style_sheet(dark))


class _Following:
    """The theme setting last applied; with 'system', an OS switch re-applies it."""

    theme = "system"
    listening = False
    applying = False


def _follow_os(app: QApplication) -> None:
    if _Following.theme == "system" and not _Following.applying:
        _Following.applying = True  # re-applying clears the scheme, which may signal again
        try:
            apply_theme("system", app)
        finally:
            _Following.applying = False


@dataclass(frozen=True)
class Colours:
    """One theme's colours. `ring` is the keyboard-focus ring; `ring_on_accent` is the ring drawn
    inside an accent-filled control: no colour reads at 4.5:1 against both a mid-blue fill and the
    window around it, so that ring contrasts with the fill it replaces (the change focus makes)."""

    window: str  # the window and the chat column behind the messages
    base: str  # text fields, cards
    text: str
    muted: str  # secondary text: captions, figures, hints
    button: str
    hover: str
    pressed: str
    border: str
    disabled: str
    ring: str
    ring_on_accent: str
    accent: str
    on_accent: str
    badge_bg: str
    badge_text: str
    edit_bg: str
    edit_border: str
    edit_text: str
    card: str  # an answer's card
    card_border: str
    bubble: str  # the user's own messages: a tint of the accent
    bubble_text: str
    link: str
    error: str
    error_bg: str
    track: str  # the empty part of a meter
    selection: str  # the chosen row in a list
    selection_text: str
    placeholder: str


LIGHT = Colours(
    window="#f7f7f8", base="#ffffff", text="#1d1d1f", muted="#5c6068", button="#ffffff", hover="#eceef2",
    pressed="#dfe3ea", border="#c4c8d0", disabled="#8b8e94", ring="#1a5fd0", ring_on_accent="#ffffff",
    accent=ACCENT.name(), on_accent="#ffffff", badge_bg="#e3ebfb", badge_text="#1b4aa8", edit_bg="#fff4d6",
    edit_border="#c99a1e", edit_text="#3d2e00", card="#ffffff", card_border="#e3e5e9", bubble="#e6edfb",
    bubble_text="#14213d", link="#0969da", error="#b3261e", error_bg="#fdeceb", track="#dfe3ea",
    selection="#dde6f8", selection_text="#14213d", placeholder="#6b6f76")
DARK = Colours(
    window="#1b1c1f", base="#2a2c30", text="#e8e8ea", muted="#a6a9ae", button="#33363b", hover="#3d4047",
    pressed="#4a4d55", border="#4d5058", disabled="#8a8d93", ring="#8ab4ff", ring_on_accent="#10131a",
    accent=ACCENT_ON_DARK.name(), on_accent="#10131a", badge_bg="#24365a", badge_text="#c3d6ff",
    edit_bg="#3b3220", edit_border="#c9a44a", edit_text="#f3e2b0", card="#24262a", card_border="#34373d",
    bubble="#263552", bubble_text="#e8eefc", link="#8ab4ff", error="#ff8a80", error_bg="#3a2220",
    track="#3d4047", selection="#2d3f63", selection_text="#eef3ff", placeholder="#9aa0a6")


def colours(dark: bool) -> Colours:
    return DARK if dark else LIGHT


def text_pairs(dark: bool) -> list[tuple[str, str, str]]:
    """(what, foreground, background) for every text colour the theme draws on a background it
    defines, focus rings included: each must read at 4.5:1 or better."""
    c = colours(dark)
    pairs = [("text on window", c.text, c.window), ("text on field", c.text, c.base),
             ("text on card", c.text, c.card), ("text on button", c.text, c.button),
             ("text on hovered button", c.text, c.hover),
             ("secondary text on window", c.muted, c.window), ("secondary text on card", c.muted, c.card),
             ("secondary text on field", c.muted, c.base), ("placeholder on field", c.placeholder, c.base),
             ("text on accent button", c.on_accent, c.accent), ("badge", c.badge_text, c.badge_bg),
             ("your message", c.bubble_text, c.bubble), ("link on card", c.link, c.card),
             ("link on window", c.link, c.window), ("error on window", c.error, c.window),
             ("error on its banner", c.error, c.error_bg), ("error on card", c.error, c.card),
             ("edit notice", c.edit_text, c.edit_bg), ("selected row", c.selection_text, c.selection),
             ("focus ring on window", c.ring, c.window), ("focus ring on field", c.ring, c.base),
             ("focus ring on accent button", c.ring_on_accent, c.accent),
             ("accent on window (chosen marks, meter)", c.accent, c.window)]
    return pairs


def style_sheet(dark: bool) -> str:
    """The app's style sheet. Every focusable control draws a 2 px ring in `ring` when it has the
    keyboard focus (with the padding shrunk by as much, so nothing moves); Fusion's own focus
    frame is a faint highlight that all but vanished on the dark palette. Spin boxes keep the
    native look (as do combo boxes): a styled frame makes Qt drop their arrows, which need images
    to come back."""
    return _SHEET.format(**vars(colours(dark)), caption=FONT_CAPTION, body=FONT_BODY, heading=FONT_HEADING,
                         display=FONT_DISPLAY, xs=SPACE_XS, s=SPACE_S, m=SPACE_M, l=SPACE_L, xl=SPACE_XL,
                         rs=RADIUS_S, rm=RADIUS_M, rl=RADIUS_L)


_SHEET = """
QPushButton {{ background: {button}; color: {text}; border: 1px solid {border}; border-radius: {rs}px;
    padding: 5px 12px; }}
QPushButton:hover {{ background: {hover}; }}
QPushButton:pressed {{ background: {pressed}; }}
QPushButton:checked {{ background: {badge_bg}; color: {badge_text}; }}
QPushButton:disabled {{ color: {disabled}; border-color: {hover}; }}
QPushButton:focus {{ border: 2px solid {ring}; padding: 4px 11px; outline: none; }}

QToolButton {{ background: transparent; color: {text}; border: 2px solid transparent; border-radius: {rs}px;
    padding: 2px 6px; }}
QToolButton:hover {{ background: {hover}; }}
QToolButton:focus {{ border-color: {ring}; outline: none; }}

QLineEdit, QPlainTextEdit, QTextEdit {{ border: 1px solid {border};
    border-radius: {rs}px; padding: 4px 6px; background: {base}; color: {text}; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border: 2px solid {ring}; padding: 3px 5px; }}
QListView, QTableView, QTreeView {{ border: 1px solid {border}; border-radius: {rs}px; background: {base}; }}
QListView:focus, QTableView:focus, QTreeView:focus {{ border: 2px solid {ring}; }}
QCheckBox, QRadioButton {{ border: 2px solid transparent; border-radius: 5px; padding: 2px 4px; }}
QCheckBox:focus, QRadioButton:focus {{ border-color: {ring}; }}
QToolTip {{ background: {base}; color: {text}; border: 1px solid {border}; padding: {xs}px {s}px; }}

ChatPane QSplitter::handle:horizontal {{ background: {window}; border-left: 1px solid {card_border}; }}
ChatPane QScrollArea {{ border: none; background: {window}; }}
ChatPane QScrollArea > QWidget#qt_scrollarea_viewport > QWidget {{ background: {window}; }}
QLabel#contextNotice {{ color: {muted}; padding: {xs}px {s}px; }}

QFrame#userBubble {{ background: {bubble}; border: 2px solid {bubble}; border-radius: {rl}px; }}
QFrame#userBubble QLabel {{ color: {bubble_text}; font-size: {body}px; }}
QFrame#userBubble[editing="true"] {{ border: 2px solid {edit_border}; }}
QFrame#assistantCard {{ background: {card}; border: 1px solid {card_border}; border-radius: {rm}px; }}
QFrame#assistantCard QLabel {{ font-size: {body}px; }}
QFrame#assistantCard QLabel#assistantName {{ font-size: {caption}px; font-weight: 600; color: {muted}; }}
QFrame#assistantCard QLabel#messageStatus, QLabel#messageStatus {{ color: {muted}; font-size: {caption}px; }}
QFrame#assistantCard QLabel#sourcesStrip {{ font-size: {caption}px; }}
QFrame#assistantCard[failed="true"] {{ background: {error_bg}; border-color: {error}; }}
QFrame#assistantCard[failed="true"] QLabel#messageStatus {{ color: {error}; font-weight: 600; }}
QToolButton#messageAction {{ color: {muted}; font-size: {caption}px; padding: 1px {xs}px; }}
QToolButton#messageAction:hover {{ color: {text}; }}
QLabel#effortBadge, QFrame#assistantCard QLabel#effortBadge {{ background: {badge_bg}; color: {badge_text};
    border-radius: {rs}px; padding: 1px {s}px; font-size: {caption}px; font-weight: 600; }}

QFrame#thinkingBlock {{ background: transparent; }}
QToolButton#thinkingHeader {{ color: {muted}; font-size: {caption}px; font-weight: 600; padding: 2px {xs}px; }}
QToolButton#thinkingHeader:hover {{ color: {text}; }}
QToolButton#thinkingHeader[live="true"] {{ color: {accent}; }}
QPlainTextEdit#thinkingText {{ background: transparent; color: {muted}; border: none;
    border-left: 2px solid {card_border}; border-radius: 0px; padding: 0px 0px 0px {s}px; font-size: {caption}px; }}
QPlainTextEdit#thinkingText:focus {{ border: 2px solid {ring}; border-radius: {rs}px; padding: 0px 0px 0px 8px; }}

QFrame#composerColumn {{ background: transparent; }}
PromptEdit {{ border: 1px solid {border}; border-radius: {rl}px; padding: {s}px {m}px; background: {base};
    color: {text}; font-size: {body}px; }}
PromptEdit:focus {{ border: 2px solid {ring}; padding: 7px 11px; }}
QPushButton#sendButton {{ background: {accent}; color: {on_accent}; border-color: {accent}; font-weight: 600;
    border-radius: {rm}px; padding: 4px {l}px; }}
QPushButton#sendButton:hover {{ background: {accent}; }}
QPushButton#sendButton[busy="true"] {{ background: {text}; color: {window}; border-color: {text}; }}
QPushButton#sendButton:disabled {{ background: {hover}; color: {disabled}; border-color: {hover}; }}
QPushButton#sendButton:focus {{ border: 2px solid {ring_on_accent}; padding: 3px 15px; }}
QPushButton#sendButton[busy="true"]:focus {{ border: 2px solid {ring}; }}
QPushButton#attachButton {{ background: transparent; color: {muted}; border: 1px solid transparent;
    border-radius: {rm}px; padding: 4px {m}px; }}
QPushButton#attachButton:hover {{ background: {hover}; color: {text}; }}
QPushButton#attachButton:focus {{ border: 2px solid {ring}; padding: 3px 11px; }}
QLabel#attachmentsLabel {{ color: {muted}; font-size: {caption}px; }}
QLabel#liveStats {{ color: {muted}; font-size: {caption}px; }}

QWidget#effortControl QLabel#effortCaption {{ color: {muted}; font-size: {caption}px; }}
QFrame#effortTrack {{ background: {hover}; border-radius: {rm}px; }}
QPushButton#effortSegment {{ background: transparent; color: {text}; border: 2px solid transparent;
    border-radius: 8px; padding: 3px 10px; min-width: 40px; font-size: {caption}px; font-weight: 600; }}
QPushButton#effortSegment:hover {{ background: {pressed}; }}
QPushButton#effortSegment:checked {{ background: {accent}; color: {on_accent}; }}
QPushButton#effortSegment:focus {{ border: 2px solid {ring}; }}
QPushButton#effortSegment:checked:focus {{ border: 2px solid {ring_on_accent}; }}
QLabel#effortCaption {{ color: {muted}; }}

QWidget#contextMeter QLabel {{ color: {muted}; font-size: {caption}px; }}
QWidget#contextMeter[level="full"] QLabel {{ color: {error}; }}

QFrame#editBar {{ background: {edit_bg}; border: 1px solid {edit_border}; border-radius: {rm}px; }}
QFrame#editBar QLabel {{ color: {edit_text}; }}
QLabel#modelBanner[state="warning"] {{ background: {edit_bg}; color: {edit_text}; border: 1px solid {edit_border};
    border-radius: {rs}px; }}
QLabel#welcomeTitle {{ font-size: {display}px; font-weight: 600; color: {text}; }}
QLabel#welcomeHint, QLabel#emptyState {{ color: {muted}; }}
QLabel#welcomeHint {{ font-size: {body}px; }}
QLabel#welcomeTips {{ color: {muted}; font-size: {caption}px; }}
QPushButton#suggestion {{ background: {card}; border: 1px solid {card_border}; border-radius: {rm}px;
    padding: {m}px {l}px; text-align: left; font-size: {body}px; }}
QPushButton#suggestion:hover {{ background: {hover}; border-color: {border}; }}
QPushButton#suggestion:focus {{ border: 2px solid {ring}; padding: 11px 15px; }}

ConversationList QPushButton#newChat {{ background: {accent}; color: {on_accent}; border-color: {accent};
    font-weight: 600; border-radius: {rm}px; padding: {s}px {m}px; }}
ConversationList QPushButton#newChat:focus {{ border: 2px solid {ring_on_accent}; padding: 7px 11px; }}
ConversationList QLineEdit {{ border-radius: {rm}px; padding: 6px {s}px; }}
ConversationList QLineEdit:focus {{ padding: 5px 7px; }}
ConversationList QListView {{ border: none; background: transparent; padding: 0px; }}
ConversationList QListView:focus {{ border: 2px solid {ring}; border-radius: {rm}px; }}
ConversationList QListView::item {{ padding: 6px {s}px; border-radius: 8px; color: {text}; }}
ConversationList QListView::item:hover {{ background: {hover}; }}
ConversationList QListView::item:selected {{ background: {selection}; color: {selection_text}; }}

QLabel#paneTitle {{ font-size: {heading}px; font-weight: 600; color: {text}; }}
QLabel#paneSubtitle, QLabel#paneCaption {{ color: {muted}; font-size: {caption}px; }}
QFrame#paneCard {{ background: {card}; border: 1px solid {card_border}; border-radius: {rm}px; }}
QFrame#paneCard QLabel {{ background: transparent; }}

QLabel#dropTitle {{ font-size: {heading}px; font-weight: 600; color: {text}; }}
QFrame#dropZone[compact="true"] QLabel#dropTitle {{ font-size: {body}px; }}
QLabel#dropFormats {{ color: {muted}; font-size: {caption}px; }}
QTableView#documentTable {{ background: {card}; border: none; border-top: 1px solid {card_border};
    border-radius: 0px; selection-background-color: {selection}; selection-color: {selection_text}; }}
QTableView#documentTable:focus {{ border: 2px solid {ring}; border-radius: {rs}px; }}
QTableView#documentTable::item {{ border-bottom: 1px solid {card_border}; padding: 0px {s}px; }}
QTableView#documentTable::item:selected {{ background: {selection}; color: {selection_text}; }}
QTableView#documentTable QHeaderView::section {{ background: {card}; color: {muted}; font-size: {caption}px;
    font-weight: 600; border: none; border-bottom: 1px solid {card_border}; padding: {s}px {m}px; }}

QFrame#modelCard {{ background: {card}; border: 1px solid {card_border}; border-radius: {rm}px; }}
QFrame#modelCard[inUse="true"] {{ border: 2px solid {accent}; }}
QFrame#modelCard QLabel, QFrame#machineCard QLabel {{ background: transparent; }}
QLabel#modelTitle {{ font-size: {body}px; font-weight: 600; color: {text}; }}
QFrame#modelCard QLabel#modelTag {{ background: {badge_bg}; color: {badge_text}; border-radius: {rs}px; padding: 1px {s}px;
    font-size: {caption}px; font-weight: 600; }}
QLabel#modelAbout, QLabel#modelFacts, QLabel#machineKey {{ color: {muted}; font-size: {caption}px; }}
QFrame#machineCard {{ background: {card}; border: 1px solid {card_border}; border-radius: {rm}px; }}
QFrame#gpuBuildNotice {{ background: {badge_bg}; border: 1px solid {accent}; border-radius: {rm}px; }}
QFrame#gpuBuildNotice QLabel {{ background: transparent; color: {badge_text}; }}
QFrame#gpuBuildNotice QLabel#gpuBuildCommand {{ background: {base}; color: {text}; border: 1px solid {card_border};
    border-radius: {rs}px; padding: {s}px; font-family: monospace; }}
"""


def palette(dark: bool) -> QPalette:
    """The Qt palette of a theme, from the same colours as the style sheet."""
    c = colours(dark)
    window, base, text = QColor(c.window), QColor(c.base), QColor(c.text)
    result = QPalette(window, window)
    for role, colour in (
        (QPalette.ColorRole.Window, window), (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor(c.hover)), (QPalette.ColorRole.Button, QColor(c.button)),
        (QPalette.ColorRole.Text, text), (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.BrightText, QColor(c.error)),
        (QPalette.ColorRole.ToolTipBase, base), (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, QColor(c.placeholder)),
        (QPalette.ColorRole.Highlight, QColor(c.accent)), (QPalette.ColorRole.HighlightedText, QColor(c.on_accent)),
        (QPalette.ColorRole.Link, QColor(c.link)), (QPalette.ColorRole.LinkVisited, QColor(c.link)),
        (QPalette.ColorRole.Accent, QColor(c.accent)),
    ):
        result.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.disabled))
    return result
