"""The model's working above its answer: a header that counts ("Thinking… 4 s") while the reasoning
streams, then says "Thought for 4 s" once the answer starts; a click (or Space) opens the full text.

Collapsed, a live block still shows the line being thought, so the wait never looks frozen.
Whether blocks open expanded is the user's last choice, kept in the window's state file.
Tool steps (what the model says on the commentary channel, such as a call's arguments) use the
same block under their own title.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from desktop.ui.theme import SPACE_XS, set_style_property

_KEY = "chat/reasoning_expanded"
BODY_LINES = 12  # the open block grows with the working up to this many lines, then scrolls
PREVIEW_MS = 250  # how often a closed live block's one-line preview follows the text


class _Remembered:
    """Open or closed, as the user last left a block: shared by every block of the window."""

    expanded = False
    settings: QSettings | None = None


def remember_in(settings: QSettings) -> None:
    """Keep the open/closed choice in `settings` (read now, written on each change)."""
    _Remembered.settings = settings
    _Remembered.expanded = str(settings.value(_KEY, "false")).lower() == "true"


def _remember(expanded: bool) -> None:
    _Remembered.expanded = expanded
    if _Remembered.settings is not None:
        _Remembered.settings.setValue(_KEY, "true" if expanded else "false")


class ThinkingBlock(QFrame):
    """One collapsible block. `kind` is "reasoning" or "tools": the titles differ, nothing else."""

    def __init__(self, kind: str = "reasoning", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thinkingBlock")
        self.kind = kind
        self.text = ""
        self._started: float | None = None  # while live: when the first token of this block came
        self._seconds: float | None = None  # once done
        self.step_count = 0  # a tools block: how many calls it lists (0: not counted)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_XS)
        self.header = QToolButton()
        self.header.setObjectName("thinkingHeader")
        self.header.setCheckable(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setAutoRaise(True)
        self.header.setCursor(Qt.CursorShape.PointingHandCursor)
        self.header.toggled.connect(self._toggled)
        self.preview = QLabel()  # the line being thought, while live and closed
        self.preview.setObjectName("messageStatus")
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.preview.hide()
        self.body = QPlainTextEdit()
        self.body.setObjectName("thinkingText")
        self.body.setReadOnly(True)
        self.body.setAccessibleName(self.tr("Reasoning") if kind == "reasoning" else self.tr("Tool steps"))
        self.body.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.body.document().documentLayout().documentSizeChanged.connect(lambda _size: self._fit_body())
        self.body.hide()
        layout.addWidget(self.header, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.preview)
        layout.addWidget(self.body)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._show_title)
        self._preview_due = QTimer(self, interval=PREVIEW_MS, singleShot=True)
        self._preview_due.timeout.connect(self._show_preview)
        self.header.setChecked(_Remembered.expanded)
        self._toggled(_Remembered.expanded, remember=False)
        self.hide()

    @property
    def live(self) -> bool:
        return self._started is not None and self._seconds is None

    @property
    def seconds(self) -> float | None:
        """How long the working took, once it is done."""
        return self._seconds

    @property
    def expanded(self) -> bool:
        return self.header.isChecked()

    # -- streaming --------------------------------------------------------------------------
    def append(self, text: str) -> None:
        """More of the working, as it streams; the first piece starts the clock."""
        if self._started is None and self._seconds is None:
            self._started = time.monotonic()
            self._tick.start()
        self.text += text
        # Appending at the end keeps this O(delta), not O(whole text); a reader at the end stays there.
        bar = self.body.verticalScrollBar()
        following = bar.value() >= bar.maximum() - 2
        cursor = self.body.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.insertText(text)
        if following:
            bar.setValue(bar.maximum())
        if not self.preview.text():
            self._show_preview()  # the first words at once
        elif self.live and not self.expanded and not self._preview_due.isActive():
            self._preview_due.start()  # then a few times a second: each new line lays the card out again
        self._show_title()
        self.show()

    def _show_preview(self) -> None:
        if self.live and not self.expanded:
            self.preview.setText(self.text[-400:].rstrip().rsplit("\n", 1)[-1][-160:])  # O(1) in the length
            self.preview.setVisible(bool(self.preview.text()))

    def stop_clock(self) -> None:
        """The answer started (or the turn ended): the block says how long it took."""
        if self.live:
            self.finish(time.monotonic() - (self._started or time.monotonic()))

    def finish(self, seconds: float) -> None:
        """Done, after `seconds` of work (the turn's own figure replaces the live one)."""
        self._tick.stop()
        self._seconds = max(0.0, seconds)
        self.preview.hide()
        self._show_title()

    def set_text(self, text: str, seconds: float | None = None) -> None:
        """A saved turn: all of its working at once (no clock)."""
        self.text = text
        self.body.setPlainText(text)
        self._tick.stop()
        self._started = None
        self._seconds = seconds
        self.preview.hide()
        self._show_title()
        self.setVisible(bool(text))

    # -- what it shows ----------------------------------------------------------------------
    def _show_title(self) -> None:
        if self.live:
            elapsed = int(time.monotonic() - (self._started or time.monotonic()))
            title = (self.tr("Thinking… {n} s") if self.kind == "reasoning"
                     else self.tr("Using a tool… {n} s")).format(n=elapsed)
        elif self.kind == "reasoning":
            seconds = self._seconds
            title = (self.tr("Thought") if seconds is None else self.tr("Thought for <1 s") if seconds < 1
                     else self.tr("Thought for {n} s").format(n=f"{seconds:.0f}"))
        else:
            title = (self.tr("Tool steps ({n})").format(n=self.step_count) if self.step_count
                     else self.tr("Tool steps"))
        if title != self.header.text():
            self.header.setText(title)
        set_style_property(self.header, "live", self.live)
        what = self.tr("reasoning") if self.kind == "reasoning" else self.tr("tool steps")
        name = (self.tr("Hide the {what}") if self.expanded else self.tr("Show the {what}")).format(what=what)
        accessible = self.tr("{action}: {title}").format(action=name, title=title)
        if self.header.accessibleName() != accessible:
            self.header.setAccessibleName(accessible)
        self.preview.setVisible(self.live and not self.expanded and bool(self.preview.text()))

    def _fit_body(self) -> None:
        """As tall as the text, up to BODY_LINES lines; longer working scrolls inside."""
        if not self.body.isVisible():
            return  # measured when opened: a closed block costs nothing while the text streams
        count = int(self.body.document().documentLayout().documentSize().height())
        lines = max(1, min(BODY_LINES, count))
        chrome = max(0, self.body.height() - self.body.contentsRect().height())  # border and padding
        margin = 2 * self.body.document().documentMargin()
        self.body.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if count > BODY_LINES
                                             else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.setFixedHeight(int(chrome + margin + lines * self.body.fontMetrics().lineSpacing()) + 2)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_body()  # a new width wraps the lines anew

    def _toggled(self, expanded: bool, remember: bool = True) -> None:
        self.body.setVisible(expanded)
        self._fit_body()
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        if remember:
            _remember(expanded)
        self._show_title()
