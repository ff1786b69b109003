"""The sidebar: New chat, search across every message (Ctrl+K), conversations newest first."""

from __future__ import annotations

import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QInputDialog, QLineEdit, QListWidget, QListWidgetItem, QMenu, QPushButton, QVBoxLayout, QWidget,
)

from desktop.core.conversations import Conversation, ConversationStore

ID_ROLE = Qt.ItemDataRole.UserRole


def _day_label(timestamp: float) -> str:
    day = datetime.date.fromtimestamp(timestamp)
    today = datetime.date.today()
    if day == today:
        return "Today"
    if day == today - datetime.timedelta(days=1):
        return "Yesterday"
    return day.strftime("%d %b %Y")


class ConversationList(QWidget):
    sig_open = Signal(int)  # conversation id chosen by the user
    sig_new = Signal()
    sig_delete = Signal(int)
    sig_export = Signal(int, str)  # id, "md" | "json"

    def __init__(self, store: ConversationStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.current_id: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.new_button = QPushButton("+ New chat")
        self.new_button.setToolTip("New chat (Ctrl+N)")
        self.new_button.setAccessibleName("New chat")
        self.new_button.clicked.connect(self.sig_new)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search chats… (Ctrl+K)")
        self.search.setAccessibleName("Search chats")
        self.search.setClearButtonEnabled(True)
        # Search as the user types, but not on every keystroke of a fast typist.
        self._search_timer = QTimer(self, singleShot=True, interval=150, timeout=self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.list = QListWidget()
        self.list.setAccessibleName("Conversations")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)

    def refresh(self) -> None:
        self.list.clear()
        query = self.search.text().strip()
        if query:
            for hit in self._store.search(query):
                item = QListWidgetItem(f"{hit.title}\n{hit.snippet.replace(chr(10), ' ')[:90]}")
                item.setData(ID_ROLE, hit.conversation_id)
                item.setToolTip(hit.snippet)
                self.list.addItem(item)
            return
        last_label = None
        for conversation in self._store.list():
            label = _day_label(conversation.updated)
            if label != last_label:
                header = QListWidgetItem(label)
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                font = header.font()
                font.setBold(True)
                header.setFont(font)
                self.list.addItem(header)
                last_label = label
            self.list.addItem(self._item(conversation))
        self._select(self.current_id)

    def _item(self, conversation: Conversation) -> QListWidgetItem:
        item = QListWidgetItem(conversation.title or "New chat")
        item.setData(ID_ROLE, conversation.id)
        item.setToolTip(f"{conversation.message_count} messages")
        return item

    def set_current(self, conv_id: int | None) -> None:
        self.current_id = conv_id
        self._select(conv_id)

    def _select(self, conv_id: int | None) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ID_ROLE) == conv_id and conv_id is not None:
                self.list.setCurrentItem(item)
                return
        self.list.clearSelection()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _activated(self, item: QListWidgetItem) -> None:
        conv_id = item.data(ID_ROLE)
        if conv_id is not None:
            self.sig_open.emit(int(conv_id))

    def rename(self, conv_id: int) -> None:
        current = self._store.get(conv_id).title
        title, ok = QInputDialog.getText(self, "Rename chat", "Title:", text=current)
        if ok and title.strip():
            self._store.rename(conv_id, title.strip())
            self.refresh()

    def _menu(self, position) -> None:
        item = self.list.itemAt(position)
        conv_id = item.data(ID_ROLE) if item else None
        if conv_id is None:
            return
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.rename(conv_id))
        menu.addAction("Export as Markdown…", lambda: self.sig_export.emit(conv_id, "md"))
        menu.addAction("Export as JSON…", lambda: self.sig_export.emit(conv_id, "json"))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.sig_delete.emit(conv_id))
        menu.exec(self.list.viewport().mapToGlobal(position))
