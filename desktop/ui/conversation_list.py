"""The sidebar: New chat, search across every message (Ctrl+K), conversations newest first.

The search field drives the list from the keyboard: Up/Down move through the rows, Enter opens
the highlighted chat (or the first hit) and hands the focus to the message box, Esc clears.
Long titles are elided to the sidebar's width; the full title is in the row's tooltip.

The rows live in a small Python list model, not in QListWidgetItems: shiboken's wrappers of
items created from Python and deleted by QListWidget.clear() crashed the process now and then
(a use-after-free in its binding manager, seen here on PySide6 6.11), and a refresh per search
keystroke makes thousands of them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conversations import Conversation, ConversationStore
from desktop.ui.first_paint import after_first_paint
from desktop.ui.markdown import plain_text
from desktop.ui.tasks import run_in_background
from desktop.ui.theme import SPACE_S, SPACE_XS

ID_ROLE = Qt.ItemDataRole.UserRole


def _day_label(timestamp: float) -> str:
    day = datetime.date.fromtimestamp(timestamp)
    today = datetime.date.today()
    if day == today:
        return QCoreApplication.translate("ConversationList", "Today")
    if day == today - datetime.timedelta(days=1):
        return QCoreApplication.translate("ConversationList", "Yesterday")
    return day.strftime("%d %b %Y")


def _read(store: ConversationStore, query: str) -> list[Conversation] | list[tuple[str, int, str]]:
    """The conversations, or (title, id, plain snippet) per search hit; on any thread."""
    if not query:
        return store.list()
    return [(hit.title, hit.conversation_id, plain_text(hit.snippet)) for hit in store.search(query)]


@dataclass(frozen=True)
class Row:
    text: str
    conversation_id: int | None = None  # None: a day heading, not selectable
    tooltip: str = ""


class ConversationRows(QAbstractListModel):
    """Day headings and conversations (or search hits), replaced whole on every refresh."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def replace(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.text
        if role == ID_ROLE:
            return row.conversation_id
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip or None
        if role == Qt.ItemDataRole.FontRole and row.conversation_id is None:
            return self._bold
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid() or self.rows[index.row()].conversation_id is None:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def row_of(self, conv_id: int | None) -> int | None:
        if conv_id is None:  # headers carry no id: None matches nothing
            return None
        for number, row in enumerate(self.rows):
            if row.conversation_id == conv_id:
                return number
        return None


class _FitWidthDelegate(QStyledItemDelegate):
    """Rows ask for no width of their own, so the list lays them out as wide as its viewport and
    Qt elides the text to fit, instead of widening the list for a long title."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        return QSize(0, super().sizeHint(option, index).height())


class ConversationList(QWidget):
    sig_open = Signal(int)  # conversation id chosen by the user
    sig_new = Signal()
    sig_delete = Signal(int)
    sig_export = Signal(int, str)  # id, "md" | "json"
    sig_status = Signal(str)  # a rename that could not be saved, in one line
    sig_focus_chat = Signal()  # the user is done here (Enter or Esc in search): focus the message box

    def __init__(self, store: ConversationStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.current_id: int | None = None
        self._generation = 0  # of the last read asked for: an older answer is dropped
        self._stopped = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_S, SPACE_S, SPACE_XS, 0)
        layout.setSpacing(SPACE_S)
        self.new_button = QPushButton(self.tr("+ New chat"))
        self.new_button.setObjectName("newChat")
        self.new_button.setToolTip(self.tr("New chat (Ctrl+N)"))
        self.new_button.setAccessibleName(self.tr("New chat"))
        self.new_button.clicked.connect(self.sig_new)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search chats… (Ctrl+K)"))
        self.search.setAccessibleName(self.tr("Search chats"))
        # Its clear button shows only once something is typed: it is added after the first paint
        # (the style's clear icon, loaded for it, cost the first frame 4-8 ms; the empty field is
        # drawn the same, pixel for pixel).
        after_first_paint(self.search, lambda: self.search.setClearButtonEnabled(True))
        # Search as the user types, but not on every keystroke of a fast typist.
        self._search_timer = QTimer(self, singleShot=True, interval=150, timeout=self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.rows = ConversationRows(self)
        self.list = QListView()
        self.list.setModel(self.rows)
        self.list.setAccessibleName(self.tr("Conversations"))
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.activated.connect(self._activated)
        self.list.clicked.connect(self._activated)
        # Titles are cut with "…" at the sidebar's edge instead of widening the list.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setItemDelegate(_FitWidthDelegate(self.list))
        self.search.installEventFilter(self)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label.setAccessibleName(self.tr("No chats"))
        layout.addWidget(self.new_button)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label, 1)
        self.empty_label.hide()

    def refresh(self) -> None:
        """Re-read the list (or the search hits) on a worker; the rows change when it answers.

        Search reads every message: on a large history that is no work for the UI thread."""
        query = self.search.text().strip()
        self._generation += 1
        generation, store = self._generation, self._store
        run_in_background(lambda: _read(store, query),
                          on_done=lambda found: self._show(generation, query, found),
                          on_failed=lambda message: self._read_failed(generation, message))

    def refresh_now(self) -> None:
        """Re-read on this thread (the window's first frame, and Enter or an arrow key in the
        search field, which act on the rows at once)."""
        query = self.search.text().strip()
        self._generation += 1
        self._show(self._generation, query, _read(self._store, query))

    def _read_failed(self, generation: int, message: str) -> None:
        if generation == self._generation and not self._stopped:
            self.empty_label.setText(self.tr("The chats could not be read: {reason}").format(reason=message))
            self.empty_label.show()
            self.list.hide()

    def _show(self, generation: int, query: str, found: list) -> None:
        if generation != self._generation or self._stopped:
            return  # a newer read is on its way (or the window is closing)
        rows: list[Row] = []
        if query:
            for title, conv_id, snippet in found:
                rows.append(Row(f"{title}\n{snippet[:90]}", conv_id, snippet))
        else:
            last_label = None
            for conversation in found:
                label = _day_label(conversation.updated)
                if label != last_label:
                    rows.append(Row(label))
                    last_label = label
                title = conversation.title or self.tr("New chat")
                rows.append(Row(title, conversation.id,
                                self.tr("{title}\n{n} messages").format(title=title, n=conversation.message_count)))
        self.rows.replace(rows)
        self._select(self.current_id)
        self._show_empty_state(query, bool(rows))

    def _show_empty_state(self, query: str, has_rows: bool) -> None:
        if query:
            text = self.tr("No chat contains “{query}”. Search looks through every message; "
                           "try fewer or other words. Esc clears the search.").format(query=query)
        else:
            text = self.tr("No chats yet.\n\nAsk a question on the right: every chat is kept here, on this "
                           "computer, to search (Ctrl+K), rename, export or delete.")
        self.empty_label.setText(text)
        self.empty_label.setVisible(not has_rows)
        self.list.setVisible(has_rows)

    def stop(self) -> None:
        """No search refresh after this (the window is closing and its store with it)."""
        self._stopped = True
        self._search_timer.stop()
        self.search.blockSignals(True)

    def titles(self) -> list[str]:
        """The rows as shown, headings included (for tests and accessibility checks)."""
        return [row.text for row in self.rows.rows]

    def set_current(self, conv_id: int | None) -> None:
        self.current_id = conv_id
        self._select(conv_id)

    def _select(self, conv_id: int | None) -> None:
        row = self.rows.row_of(conv_id)
        if row is None:
            self.list.clearSelection()
        else:
            self.list.setCurrentIndex(self.rows.index(row))

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self._move(1 if key == Qt.Key.Key_Down else -1)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._refresh_now()  # what was typed in the last 150 ms counts
                self._open_highlighted()
                return True
            if key == Qt.Key.Key_Escape:
                if self.search.text():
                    self.search.clear()
                else:
                    self.sig_focus_chat.emit()
                return True
        return super().eventFilter(watched, event)

    def _refresh_now(self) -> None:
        if self._search_timer.isActive():
            self._search_timer.stop()
            self.refresh_now()

    def _conversation_rows(self) -> list[int]:
        return [n for n, row in enumerate(self.rows.rows) if row.conversation_id is not None]

    def _move(self, step: int) -> None:
        """Highlight the next (or previous) chat, skipping the day headings."""
        self._refresh_now()
        rows = self._conversation_rows()
        if not rows:
            return
        current = self.list.currentIndex().row() if self.list.selectionModel().hasSelection() else -1
        if current in rows:
            target = rows[max(0, min(len(rows) - 1, rows.index(current) + step))]
        else:
            target = rows[0] if step > 0 else rows[-1]
        index = self.rows.index(target)
        self.list.setCurrentIndex(index)
        self.list.scrollTo(index)

    def _open_highlighted(self) -> None:
        rows = self._conversation_rows()
        if not rows:
            return
        current = self.list.currentIndex().row() if self.list.selectionModel().hasSelection() else -1
        index = self.rows.index(current if current in rows else rows[0])
        self._activated(index)
        self.sig_focus_chat.emit()

    def _activated(self, index: QModelIndex) -> None:
        conv_id = index.data(ID_ROLE) if index.isValid() else None
        if conv_id is not None:
            self.sig_open.emit(int(conv_id))

    def rename(self, conv_id: int) -> None:
        current = self._store.get(conv_id).title
        title, ok = QInputDialog.getText(self, self.tr("Rename chat"), self.tr("Title:"), text=current)
        if ok and title.strip():
            store, title = self._store, title.strip()
            run_in_background(lambda: store.rename(conv_id, title), on_done=lambda _c: self.refresh(),
                              on_failed=self.sig_status.emit)

    def _menu(self, position) -> None:
        index = self.list.indexAt(position)
        conv_id = index.data(ID_ROLE) if index.isValid() else None
        if conv_id is None:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Rename…"), lambda: self.rename(conv_id))
        menu.addAction(self.tr("Export as Markdown…"), lambda: self.sig_export.emit(conv_id, "md"))
        menu.addAction(self.tr("Export as JSON…"), lambda: self.sig_export.emit(conv_id, "json"))
        menu.addSeparator()
        menu.addAction(self.tr("Delete"), lambda: self.sig_delete.emit(conv_id))
        menu.exec(self.list.viewport().mapToGlobal(position))
