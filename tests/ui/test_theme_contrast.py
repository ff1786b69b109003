"""Every text colour of both themes reads at WCAG's 4.5:1 against what it is drawn on.

The colours come from the palette and style sheet the app really applies (and from pixels of real
widgets drawn with them), so choosing a faint colour in theme.py fails here."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui import theme
from desktop.ui.markdown import markdown_to_html

AA = 4.5


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture(params=["light", "dark"])
def applied(request, qapp: QApplication):
    theme.apply_theme(request.param, qapp)
    yield request.param == "dark"
    theme.apply_theme("light", qapp)


def test_the_formula_is_wcags() -> None:
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)  # WCAG's own example


def test_every_palette_text_role_reads_on_its_background(applied: bool, qapp: QApplication) -> None:
    palette = qapp.palette()
    assert theme.is_dark(qapp) == applied
    role = QPalette.ColorRole
    for text, background in ((role.WindowText, role.Window), (role.Text, role.Base), (role.ButtonText, role.Button),
                             (role.PlaceholderText, role.Base), (role.Link, role.Base), (role.Link, role.Window),
                             (role.HighlightedText, role.Highlight), (role.ToolTipText, role.ToolTipBase),
                             (role.Text, role.AlternateBase)):
        ratio = contrast(palette.color(text), palette.color(background))
        assert ratio >= AA, f"{text.name} on {background.name}: {ratio:.2f}:1"


def test_every_text_pair_of_the_style_sheet_reads(applied: bool, qapp: QApplication) -> None:
    sheet = qapp.styleSheet()
    pairs = theme.text_pairs(applied)
    names = {name for name, _fg, _bg in pairs}
    # What the issue asks for by name: text, secondary text, accent buttons, links, errors, the ring.
    assert {"text on window", "secondary text on window", "text on accent button", "link on card",
            "error on window", "focus ring on window", "focus ring on accent button", "your message"} <= names
    for name, foreground, background in pairs:
        ratio = contrast(QColor(foreground), QColor(background))
        assert ratio >= AA, f"{name} in the {'dark' if applied else 'light'} theme: {ratio:.2f}:1"
    # The pairs are the colours the applied style sheet and palette really draw with, not a list beside them.
    used = {colour.lower() for colour in re.findall(r"#[0-9a-fA-F]{6}", sheet)}
    used |= {qapp.palette().color(role).name() for role in QPalette.ColorRole if role != QPalette.ColorRole.NColorRoles}
    for name, foreground, background in pairs:
        assert foreground.lower() in used and background.lower() in used, name


def test_links_in_answers_read_on_the_answer_card(applied: bool) -> None:
    """Markdown links get an explicit colour (a dark theme on a light palette keeps a dark blue)."""
    card = QColor(theme.colours(applied).card)
    for found in re.findall(r"color: ?(#[0-9a-fA-F]{6})", markdown_to_html("See [the docs](https://x.org).",
                                                                           dark=applied)):
        assert contrast(QColor(found), card) >= AA, found


def _ink(widget: QWidget) -> tuple[QColor, QColor]:
    """A drawn widget's background (its commonest pixel) and its text (the pixel most unlike it)."""
    image = widget.grab().toImage()
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    counts: dict[int, int] = {}
    for colour in pixels:
        counts[colour.rgb()] = counts.get(colour.rgb(), 0) + 1
    background = QColor.fromRgb(max(counts, key=counts.__getitem__))
    return background, max(pixels, key=lambda c: contrast(c, background))


def test_drawn_widgets_show_those_colours(applied: bool, qtbot) -> None:
    """Real widgets styled by the sheet: the accent button, a caption and an error read as promised."""
    c = theme.colours(applied)
    page = QWidget()
    qtbot.addWidget(page)
    page.setAutoFillBackground(True)
    layout = QVBoxLayout(page)
    send = QPushButton("Send message now")
    send.setObjectName("sendButton")
    caption = QLabel("12.4 tok/s · 0.8 s to first token")
    caption.setObjectName("liveStats")
    for widget in (send, caption):
        layout.addWidget(widget)
    page.show()
    qtbot.waitExposed(page)
    background, ink = _ink(send)
    assert background.name() == c.accent and contrast(ink, background) >= AA
    background, ink = _ink(caption)
    assert background.name() == c.window and contrast(ink, background) >= AA


def test_system_follows_the_os_after_a_forced_theme(qapp: QApplication) -> None:
    """Back on 'system' after 'dark', the OS's scheme counts again, not the forced one."""
    from PySide6.QtCore import Qt

    theme.apply_theme("dark", qapp)
    assert theme.is_dark(qapp)
    theme.apply_theme("system", qapp)
    os_dark = qapp.styleHints().colorScheme() == Qt.ColorScheme.Dark
    assert theme.is_dark(qapp) == os_dark
    qapp.styleHints().colorSchemeChanged.emit(qapp.styleHints().colorScheme())  # the OS said something
    assert theme.is_dark(qapp) == os_dark
    theme.apply_theme("light", qapp)
