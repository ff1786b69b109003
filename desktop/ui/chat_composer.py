"""Below the conversation, in the same centred column: files attached to this chat, the rounded
message box (with attach, the effort, the context meter and Send/Stop inside it), then "Use
library" and the live speed. Attachments and the library switch belong to one conversation and
are saved with it (its settings)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conversations import ConversationStore
from desktop.ui.chat_input import PromptEdit
from desktop.ui.chat_tools import ToolsToggle
from desktop.ui.context_meter import ContextMeter
from desktop.ui.effort_control import EffortControl
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.tasks import run_in_background
from desktop.ui.theme import READING_WIDTH, SPACE_S, SPACE_XS, centred, set_style_property
from desktop.ui.thinking_block import remember_in

if TYPE_CHECKING:
    from desktop.core.library import Library
    from desktop.core.rag import Source
    from desktop.ui.chat_bars import Welcome
    from desktop.ui.library_worker import DocumentList, LibraryService


class Composer(QWidget):
    sig_status = Signal(str)
    sig_notice = Signal(str)  # something the user should see in the chat column

    def __init__(self, hub: SettingsHub, store: ConversationStore, library: LibraryService | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._store = store
        self._library = library
        self._conversation_id: int | None = None
        self.conversation_settings: dict[str, Any] = {}  # this conversation's own (attachments, library)
        self._indexed_documents = 0  # from the library thread's last document list
        self.welcome: Welcome | None = None  # told how many documents the library holds
        self._context_total = hub.settings.model.context_length  # until a turn reports the model's own
        self._measured_conversation: int | None = None  # the chat the context meter shows
        self._context_reads = 0  # each change of the meter; a slower, older read is dropped
        # Reasoning blocks open as the user last left them, in the window's state file.
        # (No Qt parent: the blocks keep it, and may outlive this pane.)
        remember_in(QSettings(str(hub.ctx.paths.config_dir / "window.ini"), QSettings.Format.IniFormat))

        # The column, the message box and the bar inside it are made first and the parts with many
        # children (effort, context meter) inside them: a part built apart and then moved into
        # place has the style of its whole tree resolved again under the app's style sheet.
        self.column = column = QFrame(self)
        self.input = PromptEdit(column)
        bar = QWidget(self.input)  # inside the box, along its bottom edge (set_bar)
        self.input.setPlaceholderText(self.tr("Ask anything… (Enter to send, Shift+Enter for a new line)"))
        self.input.setAccessibleName(self.tr("Message"))
        self.input.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.input.sig_files_dropped.connect(self.attach_files)
        # Text, not a paperclip emoji: many Linux desktops have no emoji font and show a box.
        self.attach_button = QPushButton(self.tr("+ Attach"))
        self.attach_button.setObjectName("attachButton")
        self.attach_button.setToolTip(self.tr("Attach files to this chat (or drop them on the message box)"))
        self.attach_button.setAccessibleName(self.tr("Attach files to this chat"))
        self.attach_button.clicked.connect(self._choose_attachments)
        self.attachments_label = QLabel()
        self.attachments_label.setObjectName("attachmentsLabel")
        self.attachments_label.setAccessibleName(self.tr("Attached files"))
        self.attachments_label.setWordWrap(True)
        self.clear_attachments_button = QPushButton(self.tr("Remove attachments"))
        self.clear_attachments_button.setAccessibleName(self.tr("Remove the files attached to this chat"))
        self.clear_attachments_button.clicked.connect(lambda: self._set_attachments([]))
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setObjectName("sendButton")
        self.send_button.setAccessibleName(self.tr("Send message"))
        self.send_button.setToolTip(self.tr("Send (Enter); while an answer is written, Stop (Esc)"))
        self.effort = EffortControl(hub, bar)
        self.context_meter = ContextMeter(bar)
        self.live_stats = QLabel()
        self.live_stats.setObjectName("liveStats")
        self.live_stats.setAccessibleName(self.tr("Generation speed"))
        self.use_library = QCheckBox(self.tr("Use library"))
        self.use_library.setAccessibleName(self.tr("Use the document library for this chat"))
        self.use_library.setToolTip(self.tr("Answer from your indexed documents, with cited sources"))
        self.use_library.toggled.connect(lambda on: self._save_settings(use_library=on))
        self.use_library.setVisible(False)
        # How the library is used (library.mode, also in Settings → Library): one search per
        # question, or gpt-oss searches and reads the documents itself with its browser tool.
        self.library_mode = QComboBox()
        self.library_mode.addItem(self.tr("Search once"), "search")
        self.library_mode.addItem(self.tr("Let the model browse"), "browse")
        self.library_mode.setAccessibleName(self.tr("How the library is used"))
        self.library_mode.setToolTip(self.tr("Search once sends the best passages with each question; browsing "
                                             "lets the model search and read your documents itself (slower)"))
        self.library_mode.setVisible(False)
        self._show_library_mode(hub.settings)
        self.library_mode.activated.connect(lambda i: hub.update("library", mode=self.library_mode.itemData(i)))
        hub.sig_changed.connect(self._show_library_mode)
        self.use_library.toggled.connect(self.library_mode.setEnabled)
        self.use_tools = ToolsToggle()  # ChatTools says whether tools are set up, and how many
        self.use_tools.toggled.connect(lambda on: self._save_settings(use_tools=on))
        if library is not None:
            self.set_library(library)

        # Inside the box, along its bottom edge: attach, effort and context, then Send at the end.
        bar.setObjectName("composerBar")
        bar_row = QHBoxLayout(bar)
        bar_row.setContentsMargins(SPACE_XS, 0, SPACE_XS, SPACE_XS)
        bar_row.setSpacing(SPACE_S)
        bar_row.addWidget(self.attach_button)
        bar_row.addWidget(self.effort)
        bar_row.addWidget(self.context_meter)
        # Given its figure (which shows it) only once it is inside the bar: shown while it had no
        # parent, it became a window of its own, mapped on the display and taken back (~50 ms).
        self.context_meter.clear(hub.settings.model.context_length)
        bar_row.addStretch(1)
        bar_row.addWidget(self.send_button)
        self.input.set_bar(bar)

        attachments_row = QHBoxLayout()
        attachments_row.addWidget(self.attachments_label, 1)
        attachments_row.addWidget(self.clear_attachments_button)
        below = QHBoxLayout()
        below.setContentsMargins(SPACE_S, 0, SPACE_S, 0)
        below.addWidget(self.use_library)
        below.addWidget(self.library_mode)
        below.addWidget(self.use_tools)
        below.addStretch(1)
        below.addWidget(self.live_stats)
        column.setObjectName("composerColumn")
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, SPACE_S, 0, SPACE_S)
        column_layout.setSpacing(SPACE_XS)
        column_layout.addLayout(attachments_row)
        column_layout.addWidget(self.input)
        column_layout.addLayout(below)
        centred(self, column, READING_WIDTH)  # as the messages above it, however wide the pane
        self._show_attachments()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_bar()

    def _fit_bar(self) -> None:
        """A narrow window keeps every control of the box's bar whole (squeezed, "Low Medium High"
        was drawn over itself). What goes, in order: the effort's caption (its segments still say
        Low / Medium / High), Attach's word (the + stays; its name and tip say what it does), the
        context meter's figure (its bar stays; its tip gives the figure). The box is never
        narrower than the bar without all three."""
        words = ((self.effort.caption.setVisible, True, False),
                 (self.attach_button.setText, self.tr("+ Attach"), "+"),
                 (self.context_meter.label.setVisible, True, False))
        for show, _whole, compact in words:
            show(compact)
        bar, chrome = self.input.bar, self.input.width() - self.input.contentsRect().width()
        self.input.setMinimumWidth(bar.sizeHint().width() + chrome)
        room = self.input.contentsRect().width()
        for show, whole, compact in reversed(words):  # back in the reverse order, while they fit
            show(whole)
            if bar.sizeHint().width() > room:
                show(compact)
                break

    def show_busy(self, busy: bool) -> None:
        """While this chat's answer is written, Send is Stop: drawn apart, so it is not sent twice."""
        set_style_property(self.send_button, "busy", busy)

    def set_library(self, library: LibraryService) -> None:
        self._library = library
        self.use_library.setVisible(True)
        self.library_mode.setVisible(True)
        library.sig_documents.connect(self._documents_changed)

    def show_conversation(self, conv_id: int | None, settings: dict[str, Any]) -> None:
        self._conversation_id = conv_id
        self.conversation_settings = dict(settings)
        self._show_attachments()
        self._sync_library_box()
        self.use_tools.show_for(self.conversation_settings)
        if conv_id != self._measured_conversation:
            self._show_saved_context(conv_id)

    # -- the context meter ----------------------------------------------------------------------
    def show_context(self, used: int, total: int) -> None:
        """After a turn: its prompt and answer fill `used` tokens of the model's `total`."""
        self._context_total = total or self._context_total
        self._measured_conversation = self._conversation_id
        self._context_reads += 1  # a saved figure still being read is older than this one
        self.context_meter.set_usage(used, self._context_total)

    def _show_saved_context(self, conv_id: int | None) -> None:
        """A chat opened: the meter shows what its last answer filled (read on a worker)."""
        self._measured_conversation = conv_id
        self._context_reads += 1
        self.context_meter.clear(self._context_total)
        if conv_id is None:
            return
        store, read = self._store, self._context_reads

        def last_figures() -> int:
            answers = [m for m in store.messages(conv_id) if m.role == "assistant" and m.stats]
            stats = answers[-1].stats if answers else {}
            return int(stats.get("prompt_tokens", 0) or 0) + int(stats.get("tokens", 0) or 0)

        def show(used: int) -> None:
            if read == self._context_reads:  # nothing newer was shown meanwhile
                self.context_meter.set_usage(used, self._context_total)
        run_in_background(last_figures, on_done=show, on_failed=self.sig_status.emit)

    # -- what a turn takes from here ------------------------------------------------------------
    def attachments(self) -> tuple[str, ...]:
        return tuple(self.conversation_settings.get("attachments", ()))

    def library(self) -> Library | None:
        """The open document library (None while it opens, or when there is none)."""
        return self._library.library if self._library is not None else None

    def retriever(self) -> Callable[[str], list[Source]] | None:
        """A search the engine thread runs for the question, or None when this chat does not use
        the library."""
        library = self._library.library if self._library is not None else None
        if library is None or not self.use_library.isChecked():
            return None
        top_k = self._hub.settings.library.top_k

        def retrieve(question: str) -> list[Source]:
            from desktop.core import rag

            return rag.sources_from_hits(library.search(question, top_k=top_k))
        return retrieve

    # -- attachments ------------------------------------------------------------------------
    def attach_files(self, paths: list[str]) -> None:
        current = list(self.conversation_settings.get("attachments", ()))
        files = [p for p in paths if Path(p).is_file()]
        skipped = len(paths) - len(files)
        self._set_attachments(current + [p for p in files if p not in current])
        if skipped:
            self.sig_status.emit(self.tr("{n} dropped item(s) are not files and were not attached "
                                         "(folders belong in the Library).").format(n=skipped))

    def _choose_attachments(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Attach files to this chat"))
        if paths:
            self.attach_files(paths)

    def _set_attachments(self, paths: list[str]) -> None:
        self._save_settings(attachments=list(paths))
        self._show_attachments()

    def _show_attachments(self) -> None:
        paths = self.conversation_settings.get("attachments", [])
        self.attachments_label.setText(self.tr("Attached to this chat: {files}").format(
            files=", ".join(Path(p).name for p in paths)) if paths else "")
        self.attachments_label.setVisible(bool(paths))
        self.clear_attachments_button.setVisible(bool(paths))

    def _save_settings(self, **changes: Any) -> None:
        self.conversation_settings = {**self.conversation_settings, **changes}
        if self._conversation_id is not None:  # one small write; a new chat saves them when it is made
            self._store.set_settings(self._conversation_id, self.conversation_settings)

    # -- the library ----------------------------------------------------------------------------
    def _documents_changed(self, documents: DocumentList) -> None:
        was_on = self.use_library.isChecked()
        self._indexed_documents = documents.indexed
        if self.welcome is not None:
            self.welcome.set_library_documents(documents.indexed)
        self._sync_library_box()
        if self.use_library.isChecked() and not was_on:
            # The library became usable and this chat had not said no to it: it is on from the next
            # question, and the user is told so where they are looking.
            self.sig_notice.emit(self.tr("Your library is ready: the next answers in this chat use its {n} "
                                         "documents and cite them. Untick “Use library” to answer without them.")
                                 .format(n=documents.indexed))
            self.sig_status.emit(self.tr("“Use library” is now on for this chat."))

    def _show_library_mode(self, settings: Any) -> None:
        self.library_mode.setCurrentIndex(max(0, self.library_mode.findData(settings.library.mode)))

    def _sync_library_box(self) -> None:
        indexed = self._indexed_documents
        self.use_library.setEnabled(indexed > 0)
        self.use_library.setText(self.tr("Use library ({n} documents)").format(n=indexed) if indexed
                                 else self.tr("Use library (empty)"))
        self.use_library.blockSignals(True)
        self.use_library.setChecked(indexed > 0 and self.conversation_settings.get("use_library", True))
        self.use_library.blockSignals(False)
        self.library_mode.setEnabled(self.use_library.isChecked())
