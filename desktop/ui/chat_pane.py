"""The Chat pane: conversations sidebar, messages, the input box, Send/Stop, effort toggle, model banner.

Every message is saved as it happens: the question at once, the answer about once a second while
it streams (status 'partial'), and finally with its stats. A crash loses at most the last second.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core import harmony, rag
from desktop.core.chat import ChatRequest, TurnResult, plan_load, sampling_from_settings
from desktop.core.conversations import ConversationStore, Message
from desktop.core.fsutil import atomic_write_text
from desktop.core.runtime import GenerationStats
from desktop.settings import EFFORTS, Settings
from desktop.ui.chat_bars import EditBar, Welcome
from desktop.ui.conversation_list import ConversationList
from desktop.ui.llm_worker import ChatEngine, LoadedModel
from desktop.ui.message_widgets import AssistantMessage, UserMessage
from desktop.ui.settings_hub import SettingsHub

if TYPE_CHECKING:
    from desktop.ui.download_jobs import DownloadJobs
    from desktop.ui.library_worker import DocumentList, LibraryService

PARTIAL_SAVE_MS = 1000
# Messages shown when a chat opens; older ones come in pages on request, so a 1,000-turn
# conversation opens as fast as a short one.
PAGE_SIZE = 40


class PromptEdit(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line, Esc stops generation or leaves edit mode;
    Tab and Shift+Tab move focus (a chat question has no use for a tab character); dropped files attach."""

    sig_submit = Signal()
    sig_escape = Signal()
    sig_files_dropped = Signal(object)  # list[str] of local file paths

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

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


class EffortToggle(QWidget):
    """A segmented control, Low | Medium | High, bound to the reasoning-effort setting.

    The chosen segment is filled with the accent colour (theme.py), so it reads at a glance in both
    themes; the arrow keys move the choice, as in any exclusive button group.
    """

    def __init__(self, hub: SettingsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self.setObjectName("effortControl")
        self.setAccessibleName(self.tr("Reasoning effort"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        caption = QLabel(self.tr("Reasoning effort"))
        caption.setObjectName("effortCaption")
        layout.addWidget(caption)
        layout.addSpacing(6)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        names = {"low": self.tr("Low"), "medium": self.tr("Medium"), "high": self.tr("High")}
        for number, effort in enumerate(EFFORTS):
            button = QPushButton(names.get(effort, effort.capitalize()))
            button.setCheckable(True)
            button.setObjectName("effortSegment")
            # first / middle / last: only the outer corners of the control are rounded
            button.setProperty("segment", "first" if number == 0 else "last" if number == len(EFFORTS) - 1
                               else "middle")
            button.setAccessibleName(self.tr("{effort} reasoning effort").format(effort=effort))
            button.setToolTip(self.tr("Reasoning effort: {effort} (applies to the next message)").format(
                effort=effort))
            self.group.addButton(button)
            self.buttons[effort] = button
            layout.addWidget(button)
            button.clicked.connect(lambda _checked=False, e=effort: self._hub.update("reasoning", effort=e))
            button.installEventFilter(self)
        hub.sig_changed.connect(self._sync)
        self._sync(hub.settings)

    def _sync(self, settings: Settings) -> None:
        # One stop in the Tab order, on the chosen segment; the arrow keys choose (as in a radio group).
        for effort, button in self.buttons.items():
            button.setChecked(effort == settings.reasoning.effort)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus if effort == settings.reasoning.effort
                                  else Qt.FocusPolicy.ClickFocus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and watched in self.buttons.values():
            key = event.key()
            step = (1 if key in (Qt.Key.Key_Right, Qt.Key.Key_Down)
                    else -1 if key in (Qt.Key.Key_Left, Qt.Key.Key_Up) else None)
            if step is not None:
                if self.layoutDirection() == Qt.LayoutDirection.RightToLeft and key in (
                        Qt.Key.Key_Left, Qt.Key.Key_Right):
                    step = -step
                efforts = list(self.buttons)
                here = next(e for e, b in self.buttons.items() if b is watched)
                target = self.buttons[efforts[max(0, min(len(efforts) - 1, efforts.index(here) + step))]]
                target.click()
                target.setFocus(Qt.FocusReason.TabFocusReason)
                return True
        return super().eventFilter(watched, event)


class ChatPane(QWidget):
    sig_status = Signal(str)  # a short line for the window's status bar
    sig_deleted = Signal(object)  # DeletedConversation, so the window can offer Undo
    sig_models_requested = Signal()  # the user wants the Models view

    def __init__(self, hub: SettingsHub, engine: ChatEngine, store: ConversationStore,
                 library: LibraryService | None = None, parent: QWidget | None = None, *,
                 downloads: DownloadJobs | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._downloads = downloads  # the window's downloads, shared with the Models view
        self._library = library
        self._indexed_documents = 0  # from the library thread's last document list
        # This conversation's own settings (files attached to it, its library switch), saved with it.
        self._conversation_settings: dict = {}
        self._engine = engine
        self.store = store
        self.conversation_id: int | None = None
        self._today = datetime.date.today()
        self._streaming: AssistantMessage | None = None
        self._streaming_id: int | None = None
        self._editing_position: int | None = None
        self._draft_before_edit = ""  # what the input held when Edit was clicked; back on Cancel
        self._pending_model: str | None = None
        self.last_prompt = ""
        self.last_result: TurnResult | None = None
        self._partial_timer = QTimer(self, interval=PARTIAL_SAVE_MS, timeout=self._save_partial)

        self.sidebar = ConversationList(store)
        self.sidebar.sig_open.connect(self.open_conversation)
        self.sidebar.sig_new.connect(self.new_conversation)
        self.sidebar.sig_delete.connect(self.delete_conversation)
        self.sidebar.sig_export.connect(self.export_conversation)

        column = QWidget()
        layout = QVBoxLayout(column)
        self.banner = QLabel()
        self.banner.setObjectName("modelBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setMargin(6)  # room inside the red or amber background of a problem
        self.model_picker = QComboBox()
        self.model_picker.setAccessibleName("Chat model")
        self.model_picker.setToolTip("Installed chat models")
        self.model_picker.activated.connect(self._picked_model)
        self.open_model_button = QPushButton("Open model…")
        self.open_model_button.setAccessibleName("Open a GGUF model file")
        self.open_model_button.clicked.connect(self.choose_model_file)
        self.models_button = QPushButton("Models…")
        self.models_button.setAccessibleName("Manage models")
        self.models_button.clicked.connect(self.sig_models_requested)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.model_picker)
        banner_row.addWidget(self.open_model_button)
        banner_row.addWidget(self.models_button)
        layout.addLayout(banner_row)
        self.first_run: QWidget | None = None
        self._first_run_slot = QVBoxLayout()
        layout.addLayout(self._first_run_slot)

        self.notice = QLabel()
        self.notice.setObjectName("contextNotice")
        self.notice.setAccessibleName("Notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.messages = QWidget()
        self.messages_layout = QVBoxLayout(self.messages)
        self.messages_layout.addStretch(1)
        self.earlier_button = QPushButton()
        self.earlier_button.setAccessibleName("Show earlier messages")
        self.earlier_button.clicked.connect(self.show_earlier)
        self.earlier_button.hide()
        self._hidden_messages: list[Message] = []
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.messages)
        self.scroll.setAccessibleName("Conversation")
        self.welcome = Welcome()
        self.welcome.sig_suggestion.connect(self._use_suggestion)
        layout.addWidget(self.notice)
        layout.addWidget(self.earlier_button)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.welcome, 1)

        self.input = PromptEdit()
        self.input.setPlaceholderText("Ask anything… (Enter to send, Shift+Enter for a new line)")
        self.input.setAccessibleName("Message")
        self.input.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.input.setFixedHeight(80)
        self.input.sig_submit.connect(self.send)
        self.input.sig_escape.connect(self._escape)
        self.edit_bar = EditBar()
        self.edit_bar.sig_cancel.connect(self.cancel_edit)
        self.input.sig_files_dropped.connect(self.attach_files)
        # Text, not a paperclip emoji: many Linux desktops have no emoji font and show a box.
        self.attach_button = QPushButton("Attach…")
        self.attach_button.setToolTip("Attach files to this chat (or drop them on the message box)")
        self.attach_button.setAccessibleName("Attach files to this chat")
        self.attach_button.clicked.connect(self._choose_attachments)
        self.attachments_label = QLabel()
        self.attachments_label.setAccessibleName("Attached files")
        self.attachments_label.setWordWrap(True)
        self.clear_attachments_button = QPushButton("Remove attachments")
        self.clear_attachments_button.clicked.connect(lambda: self._set_attachments([]))
        attachments_row = QHBoxLayout()
        attachments_row.addWidget(self.attachments_label, 1)
        attachments_row.addWidget(self.clear_attachments_button)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.clicked.connect(self._send_or_stop)
        self.effort = EffortToggle(hub)
        self.live_stats = QLabel()
        self.live_stats.setAccessibleName("Generation speed")
        input_row = QHBoxLayout()
        input_row.addWidget(self.attach_button)
        input_row.addWidget(self.input, 1)
        input_row.addWidget(self.send_button)
        self.use_library = QCheckBox("Use library")
        self.use_library.setAccessibleName("Use the document library for this chat")
        self.use_library.setToolTip("Answer from your indexed documents, with cited sources")
        self.use_library.toggled.connect(self._library_toggled)
        self.use_library.setVisible(library is not None)
        if library is not None:
            library.sig_documents.connect(self._documents_changed)
        controls = QHBoxLayout()
        controls.addWidget(self.effort)
        controls.addWidget(self.use_library)
        controls.addStretch(1)
        controls.addWidget(self.live_stats)
        layout.addWidget(self.edit_bar)
        layout.addLayout(attachments_row)
        layout.addLayout(input_row)
        layout.addLayout(controls)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(column)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 860])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.splitter)

        engine.sig_loaded.connect(self._on_loaded)
        engine.sig_load_failed.connect(self._on_load_failed)
        engine.sig_deltas.connect(self._on_deltas)
        engine.sig_finished.connect(self._on_finished)
        engine.sig_failed.connect(self._on_failed)
        self._set_busy(False)
        self._show_banner()
        self.sidebar.refresh()
        self.sidebar.sig_focus_chat.connect(self.input.setFocus)
        self.refresh_models()
        self._show_attachments()
        self._tab_order()
        if not hub.settings.model.chat_model_path:
            self._show_first_run()
        self._update_empty_state()

    def _tab_order(self) -> None:
        """Tab goes where the eye goes: sidebar, the message box, Send, then the controls below it."""
        chain = [self.sidebar.new_button, self.sidebar.search, self.sidebar.list, self.input, self.send_button,
                 self.attach_button, *self.effort.buttons.values(), self.use_library]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    # -- first run and the model picker -----------------------------------------------------
    def _show_first_run(self) -> None:
        from desktop.ui.models_view import FirstRunView

        self.first_run = FirstRunView(self._hub.ctx, jobs=self._downloads)
        self.first_run.sig_model_chosen.connect(self.open_model)
        self.first_run.sig_open_file_requested.connect(self.choose_model_file)
        self.first_run.sig_show_models_requested.connect(self.sig_models_requested)
        self._first_run_slot.addWidget(self.first_run)
        self.scroll.hide()
        self.earlier_button.hide()
        self._update_empty_state()

    def _hide_first_run(self) -> None:
        if self.first_run is not None:
            self.first_run.deleteLater()
            self.first_run = None
            self._update_empty_state()

    def refresh_models(self) -> None:
        """List the installed chat models (and the current one, wherever it lives)."""
        from desktop.core.catalog import Catalog

        paths = self._hub.ctx.paths
        current = self._hub.settings.model.chat_model_path
        # One entry per file: a model linked into the models folder is the file it points to.
        choices, selected = Catalog.for_window(paths.models_dir, paths.cache_dir).chat_choices(current)
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        for path, name in choices.items():
            self.model_picker.addItem(name, path)
        if selected:
            self.model_picker.setCurrentIndex(self.model_picker.findData(selected))
        self.model_picker.setVisible(bool(choices))
        self.model_picker.blockSignals(False)

    def _picked_model(self, index: int) -> None:
        path = self.model_picker.itemData(index)
        if path and path != self._hub.settings.model.chat_model_path and not self._engine.busy:
            self.open_model(path)

    # -- model ------------------------------------------------------------------------------
    def load_configured_model(self) -> None:
        path = self._hub.settings.model.chat_model_path
        if path:
            self.load_model(path)
        self._show_banner()

    def load_model(self, path: str) -> None:
        self._set_banner(f"Loading {Path(path).name}…", error=False)
        self.send_button.setEnabled(False)
        settings, paths = self._hub.settings, self._hub.ctx.paths
        self._engine.load(path, lambda: plan_load(path, settings, paths))

    def choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a gpt-oss model", str(self._hub.ctx.paths.models_dir),
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.open_model(path)

    def open_model(self, path: str) -> None:
        """Load `path` and remember it as the chat model once it has loaded."""
        self._pending_model = path
        self.load_model(path)

    def _on_loaded(self, model: LoadedModel) -> None:
        if self._pending_model == model.path:
            self._hub.update("model", chat_model_path=model.path)
            self._pending_model = None
            self.refresh_models()
        self._hide_first_run()
        self._set_banner(f"Model: {model.name} · {model.placement} · context {model.n_ctx:,} tokens · "
                         f"loaded in {model.load_s:.1f} s", error=False)
        self.sig_status.emit(f"{model.name} ready")
        self._set_busy(False)

    def _on_load_failed(self, message: str) -> None:
        self._pending_model = None
        kept = self._engine.model
        if kept is not None:
            # The file was refused and the working model stayed loaded: say both.
            self._set_banner(self.tr("{reason}\nStill using {name}: you can keep chatting.").format(
                reason=message, name=kept.name), error=True, recoverable=True)
            self.refresh_models()
            self.model_picker.setCurrentIndex(max(0, self.model_picker.findData(kept.path)))
            self.sig_status.emit(self.tr("Could not open that model; still using {name}.").format(name=kept.name))
        else:
            self._set_banner(message, error=True)
        self._set_busy(False)

    def _show_banner(self) -> None:
        if self._engine.model is None and not self._hub.settings.model.chat_model_path:
            self._set_banner("No model yet. Choose a gpt-oss .gguf file with “Open model…” "
                             "(for example gpt-oss-20b-mxfp4.gguf); the app remembers it.", error=False)

    def _set_banner(self, text: str, error: bool, recoverable: bool = False) -> None:
        """Red when the chat cannot go on; amber (theme.py) when it can, as after a refused model."""
        self.banner.setText(text)
        self.banner.setProperty("state", "warning" if error and recoverable else "error" if error else "")
        self.banner.setStyleSheet("color: white; background: #b3261e;" if error and not recoverable else "")
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)

    # -- conversations ----------------------------------------------------------------------
    def new_conversation(self) -> None:
        if self._engine.busy:
            return
        self.conversation_id = None
        self._conversation_settings = {}
        self._show_attachments()
        self._sync_library_box()
        self._today = datetime.date.today()
        self._end_edit(restore_draft=True)
        self._clear_messages()
        self.notice.hide()
        self.live_stats.clear()  # the figures belong to the chat they were measured in
        self.sidebar.set_current(None)
        self.input.setFocus()

    def open_conversation(self, conv_id: int) -> None:
        if self._engine.busy and conv_id != self.conversation_id:
            self.sig_status.emit("Stop the answer being written before switching chats.")
            self.sidebar.set_current(self.conversation_id)
            return
        self.conversation_id = conv_id
        self._conversation_settings = dict(self.store.get(conv_id).settings or {})
        self._show_attachments()
        self._today = datetime.date.today()
        self._end_edit(restore_draft=True)
        self._sync_library_box()
        self.notice.hide()
        self.live_stats.clear()
        self._clear_messages()
        messages = self.store.messages(conv_id)
        self._hidden_messages = messages[:-PAGE_SIZE]
        for message in messages[-PAGE_SIZE:]:
            self._add_widget(self._widget_for(message))
        self._update_earlier_button()
        self._update_empty_state()
        self.sidebar.set_current(conv_id)

    def show_earlier(self) -> None:
        page, self._hidden_messages = self._hidden_messages[-PAGE_SIZE:], self._hidden_messages[:-PAGE_SIZE]
        for offset, message in enumerate(page):
            self.messages_layout.insertWidget(offset, self._widget_for(message))
        self._update_earlier_button()

    def _update_earlier_button(self) -> None:
        count = len(self._hidden_messages)
        self.earlier_button.setText(f"Show earlier messages ({count} more)")
        self.earlier_button.setVisible(count > 0)

    def delete_conversation(self, conv_id: int) -> None:
        if self._engine.busy and conv_id == self.conversation_id:
            self.sig_status.emit("Stop the answer being written before deleting this chat.")
            return
        snapshot = self.store.delete(conv_id)
        if conv_id == self.conversation_id:
            self.new_conversation()
        self.sidebar.refresh()
        self.sig_deleted.emit(snapshot)

    def restore_conversation(self, snapshot) -> None:
        restored = self.store.restore(snapshot)
        self.sidebar.refresh()
        self.open_conversation(restored.id)

    def export_conversation(self, conv_id: int, fmt: str) -> None:
        title = self.store.get(conv_id).title or "chat"
        safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in title).strip() or "chat"
        path, _ = QFileDialog.getSaveFileName(self, "Export chat", str(Path.home() / f"{safe}.{fmt}"),
                                              "Markdown (*.md)" if fmt == "md" else "JSON (*.json)")
        if path:
            text = self.store.export_markdown(conv_id) if fmt == "md" else self.store.export_json(conv_id)
            atomic_write_text(Path(path), text)
            self.sig_status.emit(f"Exported to {path}")

    def _widget_for(self, message: Message) -> QWidget:
        if message.role == "user":
            widget = UserMessage(message.text, message.position)
            widget.sig_edit.connect(self.edit_message)
            return widget
        widget = AssistantMessage(message.position)
        widget.sig_regenerate.connect(self.regenerate)
        widget.set_effort(message.effort)
        widget.set_content(message.text, message.reasoning)
        widget.set_sources(message.sources)
        widget.set_reasoning_done(float(message.stats.get("reasoning_s", 0) or 0))
        widget.set_status(_status_line(message))
        return widget

    # -- sending ----------------------------------------------------------------------------
    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self._engine.busy:
            return
        if self._engine.model is None:
            self._set_banner("Load a model first: “Open model…” picks a gpt-oss .gguf file.", error=True)
            return
        draft = ""
        if self._editing_position is not None and self.conversation_id is not None:
            # Edit-and-resend: the edited question replaces it and everything after it, once the
            # user has said yes to losing the later turns.
            position = self._editing_position
            later = self._messages_after(position - 1)  # the question, its answer, and what follows
            if later > 2 and not self._confirm_replace(later):
                return
            draft = self._draft_before_edit
            self._end_edit(restore_draft=False)
            self.store.truncate_after(self.conversation_id, position - 1)
            self.open_conversation(self.conversation_id)
        self._end_edit(restore_draft=False)
        if self.conversation_id is None:
            self.conversation_id = self.store.create(settings=self._conversation_settings or None).id
        self.input.setPlainText(draft)  # a draft typed before Edit was clicked comes back
        self._add_widget(self._widget_for(self.store.add_user_message(self.conversation_id, text)))
        self._generate()

    def edit_message(self, position: int, text: str) -> None:
        if self._engine.busy:
            return
        if self._editing_position is None:
            self._draft_before_edit = self.input.toPlainText()
        self._editing_position = position
        self.input.setPlainText(text)
        self.input.moveCursor(self.input.textCursor().MoveOperation.End)
        self.input.setFocus()
        self.edit_bar.show_editing(self._messages_after(position))
        self._mark_edited(position)
        self.sig_status.emit(self.tr("Editing an earlier question: Send replaces it; Esc cancels."))

    def cancel_edit(self) -> None:
        """Leave edit mode and say so; the chat is untouched and the earlier draft comes back."""
        if self._editing_position is None:
            return
        self._end_edit(restore_draft=True)
        self.input.setFocus()
        self.sig_status.emit(self.tr("Edit cancelled: the chat is unchanged."))

    @property
    def editing(self) -> bool:
        return self._editing_position is not None

    def _end_edit(self, restore_draft: bool) -> None:
        if self._editing_position is not None and restore_draft:
            self.input.setPlainText(self._draft_before_edit)
        self._editing_position = None
        self._draft_before_edit = ""
        self.edit_bar.hide()
        self._mark_edited(None)

    def _mark_edited(self, position: int | None) -> None:
        for widget in self._message_widgets():
            if isinstance(widget, UserMessage):
                widget.set_editing(widget.position == position)

    def _escape(self) -> None:
        if self._editing_position is not None:
            self.cancel_edit()
        else:
            self.stop()

    def _messages_after(self, position: int) -> int:
        if self.conversation_id is None:
            return 0
        return sum(1 for m in self.store.messages(self.conversation_id) if m.position > position)

    def _confirm_replace(self, count: int) -> bool:
        """Ask before `count` stored messages are replaced; anything but a clear yes keeps them."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Replace earlier messages?"),
                          self.tr("This replaces {n} messages of this chat, from the question you edited "
                                  "to the end. They cannot be brought back.").format(n=count),
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("confirmReplace")
        replace = box.addButton(self.tr("Replace"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("Keep them"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is replace

    def regenerate(self, position: int) -> None:
        if self._engine.busy or self.conversation_id is None:
            return
        later = self._messages_after(position)  # answers and questions after this answer
        if later and not self._confirm_replace(later + 1):
            return
        self.store.truncate_after(self.conversation_id, position - 1)
        self.open_conversation(self.conversation_id)
        self._generate()

    def _generate(self) -> None:
        assert self.conversation_id is not None
        settings = self._hub.settings
        history = self.store.messages(self.conversation_id)
        turns = tuple(harmony.Turn(m.role, m.text) for m in history)
        model = self._engine.model.name if self._engine.model else None
        placeholder = self.store.start_assistant_message(self.conversation_id, settings.reasoning.effort, model)
        self._streaming_id = placeholder.id
        self._streaming = AssistantMessage(placeholder.position)
        self._streaming.sig_regenerate.connect(self.regenerate)
        self._streaming.set_effort(settings.reasoning.effort)
        self._streaming.set_busy(True)
        self._add_widget(self._streaming)
        answers = [m for m in history if m.role == "assistant"]
        keep_from = int(answers[-1].stats.get("dropped_turns", 0) or 0) if answers else 0
        request = ChatRequest(turns, effort=settings.reasoning.effort, instructions=settings.reasoning.system_prompt,
                              today=self._today, keep_from=keep_from, retrieve=self._retriever(),
                              attachments=tuple(self._conversation_settings.get("attachments", ())))
        self._engine.generate(request, sampling_from_settings(settings))
        self._partial_timer.start()
        self._set_busy(True)
        self.sidebar.set_current(self.conversation_id)
        self.sidebar.refresh()

    def stop(self) -> None:
        self._engine.stop()

    # -- library ----------------------------------------------------------------------------
    def _retriever(self):
        """A search the LLM thread runs for the question, or None when this chat does not use the library."""
        library = self._library.library if self._library is not None else None
        if library is None or not self.use_library.isChecked():
            return None
        top_k = self._hub.settings.library.top_k
        return lambda question: rag.sources_from_hits(library.search(question, top_k=top_k))

    def _library_toggled(self, on: bool) -> None:
        self._save_conversation_settings(use_library=on)

    # -- attachments ------------------------------------------------------------------------
    def attach_files(self, paths: list[str]) -> None:
        current = list(self._conversation_settings.get("attachments", ()))
        files = [p for p in paths if Path(p).is_file()]
        skipped = len(paths) - len(files)
        self._set_attachments(current + [p for p in files if p not in current])
        if skipped:
            self.sig_status.emit(f"{skipped} dropped item(s) are not files and were not attached "
                                 "(folders belong in the Library).")

    def _choose_attachments(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Attach files to this chat")
        if paths:
            self.attach_files(paths)

    def _set_attachments(self, paths: list[str]) -> None:
        self._save_conversation_settings(attachments=list(paths))
        self._show_attachments()

    def _show_attachments(self) -> None:
        paths = self._conversation_settings.get("attachments", [])
        self.attachments_label.setText("Attached to this chat: " + ", ".join(Path(p).name for p in paths)
                                       if paths else "")
        self.attachments_label.setVisible(bool(paths))
        self.clear_attachments_button.setVisible(bool(paths))

    def _save_conversation_settings(self, **changes) -> None:
        self._conversation_settings = {**self._conversation_settings, **changes}
        if self.conversation_id is not None:
            self.store.set_settings(self.conversation_id, self._conversation_settings)

    def _documents_changed(self, documents: DocumentList) -> None:
        was_on = self.use_library.isChecked()
        self._indexed_documents = documents.indexed
        self.welcome.set_library_documents(documents.indexed)
        self._sync_library_box()
        if self.use_library.isChecked() and not was_on:
            # The library became usable and this chat had not said no to it: it is on from the next
            # question, and the user is told so where they are looking.
            self.notice.setText(self.tr("Your library is ready: the next answers in this chat use its {n} "
                                        "documents and cite them. Untick “Use library” to answer without them.")
                                .format(n=documents.indexed))
            self.notice.show()
            self.sig_status.emit(self.tr("“Use library” is now on for this chat."))

    def _sync_library_box(self) -> None:
        indexed = self._indexed_documents
        self.use_library.setEnabled(indexed > 0)
        self.use_library.setText(f"Use library ({indexed} documents)" if indexed else "Use library (empty)")
        self.use_library.blockSignals(True)
        self.use_library.setChecked(indexed > 0 and self._conversation_settings.get("use_library", True))
        self.use_library.blockSignals(False)

    def _send_or_stop(self) -> None:
        if self._engine.busy:
            self.stop()
        else:
            self.send()

    def _on_deltas(self, deltas: list[harmony.Delta], stats: GenerationStats) -> None:
        if self._streaming is None:
            return
        self._streaming.append(deltas)
        if stats.tokens > 1:
            self.live_stats.setText(f"{stats.tokens} tokens · {stats.tokens_per_s:.1f} tok/s")
        self._scroll_to_end()

    def _save_partial(self) -> None:
        if self._streaming is not None and self._streaming_id is not None:
            self.store.update_partial(self._streaming_id, self._streaming.answer_text,
                                      self._streaming.reasoning_text)

    def _on_finished(self, result: TurnResult) -> None:
        message, message_id = self._streaming, self._streaming_id
        self._end_stream()
        self.last_prompt = result.prompt
        self.last_result = result
        if message is None or message_id is None:
            return
        stats = {**result.stats.as_dict(), "reasoning_s": round(result.reasoning_s, 2),
                 "dropped_turns": result.dropped_turns}
        status = "cancelled" if result.cancelled else "complete"
        sources = [asdict(source) for source in result.sources]
        saved = self.store.finish_assistant_message(message_id, result.answer, result.reasoning,
                                                    stats=stats, sources=sources, status=status)
        message.set_sources(sources)
        if result.source_warnings:
            self.sig_status.emit("; ".join(result.source_warnings).capitalize())
        message.finish()
        message.set_reasoning_done(result.reasoning_s)
        message.set_status(_status_line(saved))
        self.live_stats.setText(f"{result.stats.tokens} tokens · {result.stats.tokens_per_s:.1f} tok/s")
        if result.dropped_turns:
            self.notice.setText(f"The {result.dropped_turns} oldest messages no longer fit in the model's context "
                                "and were left out of this answer.")
            self.notice.show()
        self.sidebar.refresh()

    def _on_failed(self, error: str) -> None:
        message, message_id = self._streaming, self._streaming_id
        self._end_stream()
        if message is not None and message_id is not None:
            self.store.finish_assistant_message(message_id, message.answer_text, message.reasoning_text,
                                                status="error", error=error)
            message.finish()
            message.set_status(f"error: {error}")
        self.sig_status.emit(error)

    def _end_stream(self) -> None:
        self._partial_timer.stop()
        if self._streaming is not None:
            self._streaming.set_busy(False)
        self._streaming = None
        self._streaming_id = None
        self._set_busy(False)

    # -- helpers ----------------------------------------------------------------------------
    def _set_busy(self, busy: bool) -> None:
        self.send_button.setText("Stop" if busy else "Send")
        self.send_button.setAccessibleName("Stop generating" if busy else "Send message")
        self.send_button.setEnabled(busy or self._engine.model is not None)

    def _message_widgets(self) -> list[QWidget]:
        return [self.messages_layout.itemAt(i).widget() for i in range(self.messages_layout.count() - 1)]

    def _clear_messages(self) -> None:
        for widget in self._message_widgets():
            widget.setParent(None)
            widget.deleteLater()
        self._hidden_messages = []
        self.earlier_button.hide()
        self._update_empty_state()

    def _add_widget(self, widget: QWidget) -> None:
        self.messages_layout.insertWidget(self.messages_layout.count() - 1, widget)
        self._update_empty_state()
        self._scroll_to_end()

    def _update_empty_state(self) -> None:
        """A chat with no messages shows the welcome (what to try) instead of an empty page."""
        empty = self.messages_layout.count() <= 1 and not self._hidden_messages
        self.welcome.setVisible(empty and self.first_run is None)
        self.scroll.setVisible(not empty and self.first_run is None)

    def _use_suggestion(self, text: str) -> None:
        self.input.setPlainText(text)
        self.input.moveCursor(self.input.textCursor().MoveOperation.End)
        self.input.setFocus()

    def _scroll_to_end(self) -> None:
        bar = self.scroll.verticalScrollBar()
        QTimer.singleShot(0, lambda: bar.setValue(bar.maximum()))


def _status_line(message: Message) -> str:
    stats = message.stats or {}
    parts = []
    if message.status == "partial":
        parts.append("interrupted: partial answer")
    elif message.status == "cancelled":
        parts.append("stopped")
    elif message.status == "error":
        parts.append(f"error: {message.error}")
    if stats.get("tokens_per_s"):
        parts.append(f"{stats['tokens_per_s']:.1f} tok/s")
    if stats.get("ttft_ms"):
        parts.append(f"{stats['ttft_ms'] / 1000:.2f} s to first token")
    return " · ".join(parts)  # the effort has its own badge in the footer
