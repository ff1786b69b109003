"""An answer that renders as Markdown while it streams, at a cost that does not grow with its length.

The text is cut into blocks at paragraph breaks outside code fences. A finished block is rendered
once into its own label and never touched again; only the open tail is re-rendered as tokens
arrive. A tail that grows long without a break (one huge code block) is re-rendered less often,
in proportion to what its last render cost, so the UI thread stays free for the user.
"""

from __future__ import annotations

import re
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop.ui.markdown import markdown_to_html
from desktop.ui.rich_label import RichLabel

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
LONG_PARAGRAPH = 1500  # characters: split a paragraph this long at its last line or sentence end
RENDER_BUDGET = 0.15  # at most this share of the UI thread goes to re-rendering the tail


def _safe_cut(text: str) -> int:
    """Index just after the last paragraph break outside a code fence (0 if none)."""
    in_fence = False
    cut = 0
    position = 0
    for line in text.splitlines(keepends=True):
        position += len(line)
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and not line.strip() and position < len(text):
            cut = position
    if not cut and not in_fence and len(text) > LONG_PARAGRAPH:
        # A run-on paragraph: cut at its last line break or sentence end, else at its last word
        # break, else anywhere: a tail that only grows would cost more on every render (a 3,000-token
        # answer without a full stop froze the window 130 ms per render).
        end = len(text) - 1
        cut = max(text.rfind("\n", 0, end), text.rfind(". ", 0, end) + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, end)
        cut = cut + 1 if cut > 0 else LONG_PARAGRAPH
    return cut


def split_blocks(text: str) -> list[str]:
    """`text` cut as the view cuts it: its finished blocks, then the open tail (maybe empty).
    Qt-free, so a worker can render a saved answer's blocks ahead (markdown_to_html keeps them)."""
    blocks = []
    cut = _safe_cut(text)
    while cut:
        blocks.append(text[:cut])
        text = text[cut:]
        cut = _safe_cut(text)
    return [*blocks, text]


def _label() -> QLabel:
    label = RichLabel()  # remembers its height: finished blocks are not measured again per update
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.LinksAccessibleByMouse)
    # A block holding a 100 %-wide table (code blocks are one) reports its last laid-out width as its
    # minimum, so the conversation could never get narrower again: a horizontal scroll bar. So the
    # minimum width is set; then QLabel's size hint is the height at that width, which must not
    # become the block's minimum height (Preferred may shrink): the layout asks heightForWidth.
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(1)
    label.setOpenExternalLinks(False)
    return label


class AnswerView(QWidget):
    sig_link = Signal(str, str)  # href, the Markdown source of the block it was clicked in

    def __init__(self, dark: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dark = dark
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._frozen: list[tuple[QLabel, str]] = []
        self._frozen_chars = 0
        self._tail_source = ""
        self._tail = self._add_label()
        self._last_render_cost = 0.0
        self._last_render_at = 0.0
        self._pending = QTimer(self, singleShot=True)
        self._pending.timeout.connect(self._render_tail)

    @property
    def block_count(self) -> int:
        return len(self._frozen) + 1

    def _add_label(self) -> QLabel:
        label = _label()
        label.linkActivated.connect(lambda href, lab=label: self.sig_link.emit(href, self._source_of(lab)))
        self._layout.addWidget(label)
        return label

    def _source_of(self, label: QLabel) -> str:
        for frozen, source in self._frozen:
            if frozen is label:
                return source
        return self._tail_source

    def set_text(self, text: str, final: bool = False) -> None:
        """Show `text` (which extends what was shown before, or replaces it)."""
        if not text.startswith(self._frozen_text()):
            self._reset()
        *finished, self._tail_source = split_blocks(text[self._frozen_chars:])
        for block in finished:
            self._freeze(block)
        wait = self._last_render_cost / RENDER_BUDGET - (time.perf_counter() - self._last_render_at)
        if final or wait <= 0:
            self._pending.stop()
            self._render_tail()
        elif not self._pending.isActive():
            self._pending.start(int(wait * 1000) + 1)

    def _freeze(self, source: str) -> None:
        # The tail label becomes the frozen block; a new tail label goes below it.
        self._tail.setText(markdown_to_html(source, dark=self._dark))
        self._frozen.append((self._tail, source))
        self._frozen_chars += len(source)
        self._tail = self._add_label()

    def _render_tail(self) -> None:
        started = time.perf_counter()
        self._tail.setText(markdown_to_html(self._tail_source, dark=self._dark) if self._tail_source else "")
        self._last_render_at = time.perf_counter()
        self._last_render_cost = self._last_render_at - started

    def _frozen_text(self) -> str:
        return "".join(source for _label, source in self._frozen)

    def _reset(self) -> None:
        for label, _source in self._frozen:
            label.deleteLater()
        self._frozen.clear()
        self._frozen_chars = 0
