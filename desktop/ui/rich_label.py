"""A word-wrapped rich-text label that remembers its height for each width it was asked about.

Qt's layouts ask a label for its height at a width several times in one layout pass, and QLabel
lays its whole rich text out again for every one of those questions (about 0.4 ms per 1,500
characters here). While an answer streams, each update re-measured every finished block of it,
so the UI thread's cost per update grew with the answer (18 -> 9 ms per update on a
5,000-character answer once the heights were kept). The height only changes with the text, the
width, the font or the style, so it is kept until one of them changes; so is its size hint.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QLabel

_KEPT_WIDTHS = 8  # a window being resized asks for many widths; only the last few matter

_LAYOUT_CHANGES = (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.LayoutDirectionChange,
                   QEvent.Type.ContentsRectChange)


class RichLabel(QLabel):
    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self._heights: dict[int, int] = {}
        self._size_hint: QSize | None = None  # QLabel lays a long answer out again for each ask (~50 ms)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._forget()
        super().setText(text)

    def clear(self) -> None:
        self._forget()
        super().clear()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        if self._size_hint is None:
            self._size_hint = super().sizeHint()
        return QSize(self._size_hint)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        height = self._heights.get(width)
        if height is None:
            if len(self._heights) >= _KEPT_WIDTHS:
                self._heights.clear()
            height = self._heights[width] = super().heightForWidth(width)
        return height

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() in _LAYOUT_CHANGES:
            self._forget()
        super().changeEvent(event)

    def _forget(self) -> None:
        self._heights.clear()
        self._size_hint = None
