"""Shows an opened chat's messages newest first, a piece of work per message (see idle_work).

The newest message is placed and shown at once: the view shows the end of the chat. Older ones
are built and laid out above it, hidden, one per piece, then shown a few per piece (~1.5 ms each
here): shown as each was built, each pushed the visible ones down and the view back up, a
repaint of the whole view every turn; all at once, 40 took ~60 ms.
Whatever reads the shown messages calls `finish()` first, which places and shows the rest at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from desktop.core.conversations import Message
from desktop.ui.idle_work import cancel, run_in_pieces


class NewestFirstFill(QObject):
    def __init__(self, build: Callable[[Message], QWidget], place_above: Callable[[QWidget], None],
                 parent: QObject) -> None:
        super().__init__(parent)
        self._build, self._place_above = build, place_above
        self._waiting: list[Message] = []  # oldest first; the last one is placed next
        self._hidden: list[QWidget] = []  # placed, shown when the last one is

    @property
    def active(self) -> bool:
        return bool(self._waiting or self._hidden)

    def start(self, messages: list[Message]) -> None:
        """Show `messages` (oldest first) above any already shown: the newest now, the rest later."""
        self.finish()  # (a page still being placed goes in first, whole)
        self._waiting = list(messages)
        run_in_pieces(self, self._place())

    def cancel(self) -> None:
        """Stop placing (the chat is being cleared: what was placed goes with it)."""
        self._waiting, self._hidden = [], []
        cancel(self)

    def finish(self) -> None:
        cancel(self)
        while self._waiting:
            self._place_above(self._build(self._waiting.pop()))
        self._show_hidden()

    def _place(self) -> Iterator[None]:
        if self._waiting:
            self._place_above(self._build(self._waiting.pop()))
            yield
        while self._waiting:
            widget = self._build(self._waiting.pop())
            widget.hide()  # (before it is placed: placing a widget shows it)
            self._place_above(widget)
            widget.ensurePolished()  # its answer's blocks are laid out in the style they show in
            self._hidden.append(widget)
            yield
        while self._hidden:
            self._hidden.pop(0).show()  # newest first, as they were placed: the nearest to the view
            yield

    def _show_hidden(self) -> None:
        hidden, self._hidden = self._hidden, []
        for widget in hidden:
            widget.show()
