"""How much of the model's context the conversation fills: "1.2k / 8k" over a thin bar.

The figure after a turn is its prompt plus its answer (the tokens the next question is added to),
from the token counts the turn already reports; the tooltip and the accessible description give the
exact numbers. Near full, the figure turns to the error colour: the oldest messages are about to be
left out.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from desktop.ui.theme import SPACE_S, colours, is_dark, set_style_property

FULL_SHARE = 0.9  # from here on the meter warns


def short_count(tokens: int) -> str:
    """1234 -> "1.2k", 8192 -> "8k", 131072 -> "128k": the size of a context at a glance."""
    if tokens < 1000:
        return str(tokens)
    if tokens % 1024 == 0:  # context lengths are powers of two: 8192 is "8k", as the model card says
        return f"{tokens // 1024}k"
    value = tokens / 1000
    return f"{value:.1f}k".replace(".0k", "k") if value < 100 else f"{value:.0f}k"


class _Bar(QWidget):
    """A 4 px rounded track with the used share in the accent colour (the error colour when full)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.share = 0.0
        self.setFixedSize(QSize(40, 4))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        c = colours(is_dark())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        rect = QRectF(self.rect())
        radius = rect.height() / 2
        painter.setBrush(QColor(c.track))
        painter.drawRoundedRect(rect, radius, radius)
        if self.share > 0:
            filled = QRectF(rect)
            filled.setWidth(max(rect.height(), rect.width() * min(1.0, self.share)))
            if self.layoutDirection() == Qt.LayoutDirection.RightToLeft:
                filled.moveRight(rect.right())
            painter.setBrush(QColor(c.error if self.share >= FULL_SHARE else c.accent))
            painter.drawRoundedRect(filled, radius, radius)


class ContextMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contextMeter")
        self.setAccessibleName(self.tr("Context used"))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        self.label = QLabel()
        self.label.setAccessibleName(self.tr("Context used"))
        self.bar = _Bar()
        layout.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.label)
        self.used = 0
        self.total = 0
        self.clear()

    def set_usage(self, used: int, total: int) -> None:
        """`used` tokens of a `total`-token context (a total of 0: no model, nothing to measure)."""
        self.used, self.total = max(0, used), max(0, total)
        share = self.used / self.total if self.total else 0.0
        self.bar.share = share
        self.bar.update()
        self.label.setText(self.tr("{used} / {total}").format(used=short_count(self.used),
                                                              total=short_count(self.total)) if self.total else "")
        exact = self.tr("Context: {used} of {total} tokens used ({percent} %). When it is full, the oldest "
                        "messages are left out of what the model sees.").format(
            used=f"{self.used:,}", total=f"{self.total:,}", percent=f"{share * 100:.0f}")
        self.setToolTip(exact if self.total else "")
        self.setAccessibleDescription(exact if self.total else "")
        self.label.setAccessibleDescription(exact if self.total else "")
        set_style_property(self, "level", "full" if share >= FULL_SHARE else "", self.label)
        self.setVisible(bool(self.total))

    def clear(self, total: int = 0) -> None:
        """A new chat: nothing used yet of a `total`-token context."""
        self.set_usage(0, total)
