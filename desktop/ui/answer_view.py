"""An answer that renders as Markdown while it streams, at a cost that does not grow with its length.

The text is cut into blocks of about LONG_PARAGRAPH characters at paragraph breaks outside code
fences. A finished block is rendered once into its own label and never touched again; only the
open tail is re-rendered as tokens arrive. A tail that grows long without a break (one huge code
block) is re-rendered less often, in proportion to what its last render cost, so the UI thread
stays free for the user. A saved answer shown at once (a chat opened) gets its blocks a few per
event-loop turn: Qt lays a label's text out in one go, ~3 ms per 1,000 characters here, and a
long answer laid out in one turn froze the window for a tenth of a second and more.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop.ui.idle_work import cancel, run_in_pieces
from desktop.ui.markdown import markdown_to_html
from desktop.ui.rich_label import RichLabel

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
LONG_PARAGRAPH = 1500  # characters: split a paragraph this long at its last line or sentence end
RENDER_BUDGET = 0.15  # at most this share of the UI thread goes to re-rendering the tail


def _safe_cut(text: str) -> int:
    """Where the first block of `text` ends (0: all of it is the open tail). At a paragraph break
    outside a code fence: the last one within LONG_PARAGRAPH characters, else the first one after.
    A first paragraph longer than that on its own (not code) is cut inside, see `_run_on_cut`."""
    in_fence = False
    cut = 0
    position = 0
    for line in text.splitlines(keepends=True):
        position += len(line)
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and not line.strip() and position < len(text):
            if cut and position > LONG_PARAGRAPH:
                break  # the block ends at the last break within the limit
            cut = position
            if cut > LONG_PARAGRAPH:
                break
    while cut and text.startswith("\n", cut) and cut + 1 < len(text):
        cut += 1  # more blank lines after the break belong to this block, not a block of their own
    first = text[:cut] if cut else text
    if len(first) > LONG_PARAGRAPH and not in_fence and not any(map(_FENCE.match, first.splitlines())):
        return _run_on_cut(first) or cut
    return cut


def _run_on_cut(paragraph: str) -> int:
    """A run-on paragraph is cut within its first LONG_PARAGRAPH characters: at its last line or
    sentence end, else its last word break, else anywhere. A tail that only grows would cost more
    on every render (a 3,000-token answer without a full stop froze the window 130 ms per render).
    Never between two table rows, nor inside one: the second part would lose the table's header.
    0: nowhere (a table longer than the limit stays one block)."""
    window = paragraph[:LONG_PARAGRAPH]
    lines = paragraph.splitlines(keepends=True)
    position = cut = 0
    for line, after in zip(lines, lines[1:]):
        position += len(line)
        if position > len(window):
            break
        if not (_is_table_row(line) and _is_table_row(after)):
            cut = position
    start = window.rfind("\n") + 1  # the line in which the limit falls
    if _is_table_row(paragraph[start:].split("\n", 1)[0]):
        return cut
    sentence = window.rfind(". ", start)
    if sentence >= 0:
        return max(cut, sentence + 2)
    if cut:
        return cut
    word = window.rfind(" ", start)
    return word + 1 if word > 0 else len(window)


def _is_table_row(line: str) -> bool:
    return line.lstrip().startswith("|")


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


def _label() -> RichLabel:
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
        self._frozen: list[tuple[RichLabel, str]] = []
        self._queued: list[str] = []  # finished blocks waiting for their label (a later event-loop turn)
        self._tail_source = ""
        self._tail_due = False  # render the tail as soon as the blocks before it are placed
        self._tail = self._add_label()
        self._last_render_cost = 0.0
        self._last_render_at = 0.0
        self._pending = QTimer(self, singleShot=True)
        self._pending.timeout.connect(self._render_tail)
        self._placing = False  # a job of idle_work is placing the queued blocks

    @property
    def block_count(self) -> int:
        return len(self._frozen) + 1

    @property
    def rendering(self) -> bool:
        """Blocks (or the tail after them) are still waiting for their turn to be shown."""
        return self._placing

    def _add_label(self) -> RichLabel:
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
        placed = self._frozen_text() + "".join(self._queued)
        if not text.startswith(placed):
            self._reset()
            placed = ""
        *finished, self._tail_source = split_blocks(text[len(placed):])
        self._queued += finished
        self._tail_due = self._tail_due or final
        if not self._placing:
            self._placing = True
            run_in_pieces(self, self._place_blocks())

    def _place_blocks(self) -> Iterator[None]:
        """The finished blocks, one piece each (in this turn while it has time, else later ones),
        each laid out in its piece at the width the chat's blocks have; then the tail, at once or
        when the throttle allows."""
        try:
            while self._queued:
                self._freeze(self._queued.pop(0))
                self._frozen[-1][0].measure(RichLabel.shown_width)
                yield
        finally:
            self._placing = False
        wait = self._last_render_cost / RENDER_BUDGET - (time.perf_counter() - self._last_render_at)
        if self._tail_due or wait <= 0:
            self._pending.stop()
            self._render_tail()
        elif not self._pending.isActive():
            self._pending.start(int(wait * 1000) + 1)

    def _freeze(self, source: str) -> None:
        # The tail label becomes the frozen block; a new tail label goes below it.
        self._tail.setText(markdown_to_html(source, dark=self._dark))
        self._frozen.append((self._tail, source))
        self._tail = self._add_label()

    def _render_tail(self) -> None:
        started = time.perf_counter()
        self._tail_due = False
        self._tail.setText(markdown_to_html(self._tail_source, dark=self._dark) if self._tail_source else "")
        self._last_render_at = time.perf_counter()
        self._last_render_cost = self._last_render_at - started

    def _frozen_text(self) -> str:
        return "".join(source for _label, source in self._frozen)

    def _reset(self) -> None:
        for label, _source in self._frozen:
            label.deleteLater()
        self._frozen.clear()
        self._queued.clear()
        cancel(self)
