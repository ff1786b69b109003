"""The message box at any window width: its text line is whole, and the controls in its bar never
overlap (a narrow window drew "Low Medium High" over itself)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from desktop.context import AppContext
from desktop.ui.main_window import MainWindow
from tests.ui.qt_helpers import window_with_model


@pytest.fixture
def window(qtbot, tiny_gpt_oss: Path):
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss)))
    win = window_with_model(qtbot, ctx)
    yield win
    win.close()


def _bar_controls(win: MainWindow) -> list[QWidget]:
    composer = win.chat.composer
    return [w for w in (composer.attach_button, *composer.effort.buttons.values(), composer.context_meter,
                        composer.send_button) if w.isVisible()]


@pytest.mark.parametrize("width", [0, 800, 1000, 1400])  # 0: as narrow as the window goes
def test_the_bar_keeps_its_controls_whole_and_apart(qtbot, window: MainWindow, width: int) -> None:
    window.resize(max(width, window.minimumSizeHint().width()), 760)
    qtbot.wait(150)
    composer = window.chat.composer
    for segment in composer.effort.buttons.values():
        assert segment.width() >= segment.sizeHint().width(), segment.text()  # its word is not cut
    bar = composer.input.bar
    boxes = [control.mapTo(bar, control.rect().topLeft()) for control in _bar_controls(window)]
    rects = [control.rect().translated(corner) for control, corner in zip(_bar_controls(window), boxes)]
    for i, first in enumerate(rects):
        assert bar.rect().contains(first), i  # inside the box
        for second in rects[i + 1:]:
            assert not first.intersects(second)  # and apart
    assert composer.attach_button.accessibleName() and composer.effort.accessibleName()
    if width >= 1400:  # room for every word
        assert composer.attach_button.text() != "+" and composer.context_meter.label.isVisible()


@pytest.mark.parametrize("width", [0, 1000])
def test_the_message_box_shows_a_whole_line_above_its_bar(qtbot, window: MainWindow, width: int) -> None:
    window.resize(max(width, window.minimumSizeHint().width()), 760)
    qtbot.wait(150)
    box = window.chat.input
    assert box.viewport().height() >= box.fontMetrics().lineSpacing()  # the text line was cut off
    assert box.viewport().geometry().bottom() < box.bar.geometry().top()
