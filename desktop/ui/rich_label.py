"""A word-wrapped rich-text label that lays its text out only at the width it has.

Qt's layouts ask a label for its height at a width many times, and QLabel lays its whole rich
text out again for every question (~1.3 ms per 1,500-character block of an answer here). So:
- The height at a width is kept until the text, the font or the style changes (while an answer
  streamed, each update re-measured every finished block of it).
- The size hints do not lay the text out: QLabel's lay it out three more times (at its natural
  width, at its widest word, on one line), five times what laying it out at its width costs. In
  the answer's column a block's width comes from the column and its height from heightForWidth.
- It is laid out only at the width it has (or, the first time, at the first width asked while it
  is shown). Qt's layouts also ask at widths the label never gets: while it is being built or
  placed (hidden), and, shown, at the widths each parent works out for its own size hint, a few
  pixels apart (an opened chat's blocks were each laid out at three widths). Those get the height
  at the nearest width measured, or an estimate while hidden; if the label is then given such a
  width (or shown), it is measured there and asks its layout to look again when that changes the
  height. A window being resized may show a block one line too short or long for one frame.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel

from desktop.ui.theme import READING_WIDTH

_KEPT_WIDTHS = 8  # a window being resized asks for many widths; only the last few matter

_LAYOUT_CHANGES = (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.LayoutDirectionChange,
                   QEvent.Type.ContentsRectChange)


class RichLabel(QLabel):
    shown_width = READING_WIDTH  # the width of the last label resized while shown

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self._heights: dict[int, int] = {}  # measured: width -> height
        self._guessed: dict[int, int] = {}  # answered without measuring: width -> height

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._forget()
        super().setText(text)

    def clear(self) -> None:
        self._forget()
        super().clear()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # As wide as the label is, else as the last one shown (a chat's blocks are all as wide as
        # its column): the widths its parents then ask about are near the one it gets.
        width = self.width() if self.width() in self._heights else RichLabel.shown_width
        return QSize(width, self._heights.get(width, self.fontMetrics().height()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(1, self.fontMetrics().height())

    def measure(self, width: int) -> None:
        """Lay the text out at `width` now, with the style it will be shown in: a layout of the
        label at that width then costs nothing (a piece of work measures what it made)."""
        self.ensurePolished()
        if width not in self._heights:
            self._measure(width)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        if width in self._heights:
            return self._heights[width]
        if self.isVisible() and (width == self.width() or not self._heights):
            return self._measure(width)
        if self._heights:  # the nearest width measured
            nearest = min(self._heights, key=lambda measured: abs(measured - width))
            guess = self._heights[nearest]
        else:
            metrics = self.fontMetrics()
            characters_per_line = max(1, width // max(1, metrics.averageCharWidth()))
            guess = metrics.lineSpacing() * (1 + len(self.text()) // 2 // characters_per_line)  # ~half is markup
        self._guessed[width] = guess
        return guess

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.isVisible():
            RichLabel.shown_width = event.size().width()
            self._check_guess(event.size().width())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._check_guess(self.width())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() in _LAYOUT_CHANGES:
            self._forget()
        super().changeEvent(event)

    def _check_guess(self, width: int) -> None:
        """The label has `width` now: if its height there was guessed, measure it and have the
        layout look again when the guess was wrong."""
        guess = self._guessed.pop(width, None)
        if guess is None:
            return
        height = self._heights[width] if width in self._heights else self._measure(width)
        if height != guess:
            self.updateGeometry()

    def _measure(self, width: int) -> int:
        if len(self._heights) >= _KEPT_WIDTHS:
            self._heights.clear()
        height = self._heights[width] = super().heightForWidth(width)
        return height

    def _forget(self) -> None:
        self._heights.clear()
        self._guessed.clear()
