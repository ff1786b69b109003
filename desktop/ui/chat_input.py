"""The message box: Enter sends, files drop on it, and its own row of controls sits inside it.

The box is the rounded frame people know from chat apps: the text on top, and along its bottom
edge a bar (attach, the effort, the context meter, Send/Stop) drawn inside the same border, so
the focus ring goes round all of it. It grows with what is typed, up to a few lines.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_LINES = 8  # the box grows with the text up to this many lines, then scrolls


class PromptEdit(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line, Esc stops generation or leaves edit mode;
    Tab and Shift+Tab move focus (a chat question has no use for a tab character); dropped files attach."""

    sig_submit = Signal()
    sig_escape = Signal()
    sig_files_dropped = Signal(object)  # list[str] of local file paths

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        # Lines wrap; the box grows to MAX_LINES before a scroll bar appears (see _fit_height).
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.bar: QWidget | None = None
        self.document().documentLayout().documentSizeChanged.connect(lambda _size: self._fit_height())

    def set_bar(self, bar: QWidget) -> None:
        """Put `bar` along the bottom edge, inside the border; the text area ends above it."""
        self.bar = bar
        bar.setParent(self)
        bar.installEventFilter(self)
        bar.show()
        self._place_bar()
        self._fit_height()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # The bar's height settles once its controls have their style (made inside the window
        # first, they get it after this box fitted itself: the text line was cut off): refit then.
        if watched is self.bar and event.type() == QEvent.Type.LayoutRequest:
            self._place_bar()
            self._fit_height()
        return False

    def _place_bar(self) -> None:
        if self.bar is None:
            return
        height = self.bar.sizeHint().height()
        self.setViewportMargins(0, 0, 0, height)
        inner = self.contentsRect()  # inside the border (and the style sheet's padding)
        self.bar.setGeometry(inner.left(), inner.bottom() + 1 - height, inner.width(), height)

    def _fit_height(self) -> None:
        """As tall as the text (one line at least, MAX_LINES at most) plus the bar."""
        lines = max(1, min(MAX_LINES, int(self.document().documentLayout().documentSize().height())))
        chrome = self.height() - self.contentsRect().height()  # the border and the style sheet's padding
        text = 2 * self.document().documentMargin() + lines * self.fontMetrics().lineSpacing()
        bar = self.bar.sizeHint().height() if self.bar is not None else 0
        self.setFixedHeight(int(chrome + text + bar))
        more = self.document().documentLayout().documentSize().height() > MAX_LINES
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if more
                                        else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._place_bar()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        # The style sheet's focus ring changes the border width, its font the line height: follow them.
        if event.type() in (event.Type.StyleChange, event.Type.FontChange):
            self._place_bar()
            self._fit_height()

    def _local_files(self, event) -> list[str]:
        mime = event.mimeData()
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._local_files(event):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._local_files(event):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        files = self._local_files(event)
        if files:
            event.acceptProposedAction()
            self.sig_files_dropped.emit(files)
        else:
            super().dropEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.sig_submit.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.sig_escape.emit()
            return
        super().keyPressEvent(event)
