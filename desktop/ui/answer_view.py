"""An answer that renders as Markdown while it streams, at a cost that does not grow with its length.

The text is cut into blocks of about LONG_PARAGRAPH characters between its Markdown blocks. A
finished block is rendered once into its own label and never touched again; only the open tail is
re-rendered as tokens arrive. A tail that grows long without a break (one huge code block) is
re-rendered less often, in proportion to what its last render cost, so the UI thread stays free
for the user. A saved answer shown at once (a chat opened) gets its blocks a few per
event-loop turn: Qt lays a label's text out in one go, ~3 ms per 1,000 characters here, and a
long answer laid out in one turn froze the window for a tenth of a second and more.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop.ui.idle_work import cancel, has_job, run_in_pieces
from desktop.ui.markdown import NEWLINE, block_starts, markdown_to_html
from desktop.ui.rich_label import RichLabel

_SENTENCE_END = re.compile(r"[.!?] +")
_WORD_BREAK = re.compile(r" +")
LONG_PARAGRAPH = 1500  # characters: a block is about this long where the Markdown allows it
PARAGRAPH_GAP = 12  # px: the margin Qt's rich text keeps between two paragraphs of one label
_ENDS_WITH_BREAK = re.compile(r"\n[ \t]*\r?\n\s*$")
RENDER_BUDGET = 0.15  # at most this share of the UI thread goes to re-rendering the tail


def split_blocks(text: str) -> list[str]:
    """`text` cut as the view cuts it: its finished blocks, then the open tail (maybe empty).

    Cuts fall only between Markdown's top-level blocks or the items of a top-level list, as
    markdown-it parses them (so a fence, a table, a quote, a nested list or an item's indented
    lines are never cut, and a numbered list cut between items keeps its numbers), at the last such
    place within LONG_PARAGRAPH characters, else the first after. The last block (or list item) is
    the open tail: more may come. A paragraph longer than that on its own is cut inside, see
    `_inside_paragraph`. Qt-free, so a worker can render a saved answer's blocks ahead."""
    starts = block_starts(text)
    kinds = dict(starts)
    cuts = sorted(offset for offset in kinds if offset > 0)
    tail = cuts[-1] if cuts else 0
    blocks: list[str] = []
    begin = 0
    while begin < tail:
        within = [cut for cut in cuts if begin < cut <= min(begin + LONG_PARAGRAPH, tail)]
        end = within[-1] if within else next(cut for cut in cuts if cut > begin)
        blocks += _inside_paragraph(text[begin:end]) if kinds.get(begin) == "paragraph_open" else [text[begin:end]]
        begin = end
    *finished, rest = _inside_paragraph(text[tail:]) if kinds.get(tail) == "paragraph_open" else [text[tail:]]
    return [*blocks, *finished, rest]


def _inside_paragraph(paragraph: str) -> list[str]:
    """A paragraph cut into parts of at most LONG_PARAGRAPH characters: at a line end where the
    next line does not start with a space (an indented line could turn into code), else at a
    sentence end, else at a word break, else anywhere; never inside bold, code or a link's text
    when another place will do (each part renders alone: "**" would show). A part that only grows
    (an answer streamed without a paragraph break) would cost more on every render: 130 ms per
    render, once."""
    parts = []
    while len(paragraph) > LONG_PARAGRAPH:
        window = paragraph[:LONG_PARAGRAPH]
        ends = [found.end() for found in NEWLINE.finditer(window)
                if found.end() < len(paragraph) and not paragraph[found.end()].isspace()]
        ends = ends or [found.end() for found in _SENTENCE_END.finditer(window)]
        ends = ends or [found.end() for found in _WORD_BREAK.finditer(window)]
        cut = next((end for end in reversed(ends) if _balanced(window[:end])), ends[-1] if ends else len(window))
        parts.append(paragraph[:cut])
        paragraph = paragraph[cut:]
    return [*parts, paragraph]


def _balanced(text: str) -> bool:
    """No bold, italics-by-underscore, inline code or link text left open at the end of `text`."""
    return (text.count("**") % 2 == 0 and text.count("__") % 2 == 0 and text.count("`") % 2 == 0
            and text.count("[") == text.count("]"))


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

    @property
    def block_count(self) -> int:
        return len(self._frozen) + 1

    @property
    def rendering(self) -> bool:
        """Blocks (or the tail after them) are still waiting for their turn to be shown."""
        return has_job(self)

    def _add_label(self) -> RichLabel:
        label = _label()
        # A label drops its text's first and last margins: the paragraph break the text had at
        # this cut (if it was one: not inside a list or a paragraph) goes above the label instead.
        if self._frozen and _ENDS_WITH_BREAK.search(self._frozen[-1][1]):
            label.setContentsMargins(0, PARAGRAPH_GAP, 0, 0)
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
        if not has_job(self):
            run_in_pieces(self, self._place_blocks())

    def _place_blocks(self) -> Iterator[None]:
        """The finished blocks, one piece each (in this turn while it has time, else later ones),
        each laid out in its piece at the width the chat's blocks have; then the tail, at once or
        when the throttle allows."""
        while self._queued:
            self._freeze(self._queued.pop(0))
            yield
        wait = self._last_render_cost / RENDER_BUDGET - (time.perf_counter() - self._last_render_at)
        if self._tail_due or wait <= 0:
            self._pending.stop()
            self._render_tail()
        elif not self._pending.isActive():
            self._pending.start(int(wait * 1000) + 1)

    def _freeze(self, source: str) -> None:
        # The tail label becomes the frozen block, laid out now at the width the chat's blocks
        # have (so this piece of work pays for it); a new tail label goes below it.
        self._tail.setText(markdown_to_html(source, dark=self._dark))
        self._tail.measure(RichLabel.shown_width)
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
        self._tail.setContentsMargins(0, 0, 0, 0)  # the first label again
