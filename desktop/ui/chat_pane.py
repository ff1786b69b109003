"""The Chat pane: a view of the conversation store and of the turn the engine runs for it.

Send starts a TurnSession through the EngineBridge (from a worker: it saves the question and a
placeholder answer); the session saves the answer as it streams and when it ends. This pane only
draws what the session's relay tells it, and Stop cancels this pane's own request, no other.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conversations import ConversationStore, DeletedConversation, Message
from desktop.core.errors import UserError
from desktop.core.fsutil import atomic_write_text
from desktop.ui.answer_view import split_blocks
from desktop.ui.chat_bars import EditBar, Welcome
from desktop.ui.chat_composer import Composer
from desktop.ui.chat_tools import ChatTools, show_steps
from desktop.ui.chat_turns import ChatTurns
from desktop.ui.conversation_list import ConversationList
from desktop.ui.engine_bridge import EngineBridge, TurnRelay
from desktop.ui.first_paint import after_first_paint
from desktop.ui.idle_work import cancel as cancel_work
from desktop.ui.idle_work import pending
from desktop.ui.markdown import markdown_to_html
from desktop.ui.message_fill import NewestFirstFill
from desktop.ui.message_widgets import AssistantMessage, UserMessage, status_line
from desktop.ui.model_bar import ModelBar
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.tasks import run_in_background
from desktop.ui.theme import is_dark

if TYPE_CHECKING:
    from desktop.core.chat import TurnResult
    from desktop.ui.download_jobs import DownloadJobs
    from desktop.ui.library_worker import LibraryService

# Messages shown when a chat opens; older ones come in pages on request, so a 1,000-turn
# conversation opens as fast as a short one.
PAGE_SIZE = 40


class ChatPane(ChatTurns, QWidget):
    sig_status = Signal(str)  # a short line for the window's status bar
    sig_deleted = Signal(object)  # DeletedConversation, so the window can offer Undo
    sig_models_requested = Signal()  # the user wants the Models view

    def __init__(self, hub: SettingsHub, engine: EngineBridge, store: ConversationStore,
                 library: LibraryService | None = None, parent: QWidget | None = None, *,
                 downloads: DownloadJobs | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._downloads = downloads  # the window's downloads, shared with the Models view
        self._engine = engine
        self.store = store
        self.conversation_id: int | None = None
        self._opening: int | None = None  # the chat asked for last, while it is read
        self._today = datetime.date.today()
        self._turn: TurnRelay | None = None  # this pane's request, while it runs
        self._streaming: AssistantMessage | None = None
        self._asked: UserMessage | None = None
        self._editing_position: int | None = None
        self._draft_before_edit = ""  # what the input held when Edit was clicked; back on Cancel
        self.last_prompt = ""
        self.last_result: TurnResult | None = None

        # The splitter goes in first and each part is made inside its place: a part built apart and
        # moved in re-resolved its whole tree's style (~12 ms of the first frame).
        self.splitter = QSplitter(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.splitter)
        self.sidebar = ConversationList(store, self.splitter)
        self.sidebar.sig_open.connect(self.open_conversation)
        self.sidebar.sig_new.connect(self.new_conversation)
        self.sidebar.sig_delete.connect(self.delete_conversation)
        self.sidebar.sig_export.connect(self.export_conversation)
        self.sidebar.sig_status.connect(self.sig_status)

        column = QWidget(self.splitter)
        layout = QVBoxLayout(column)
        self.model_bar = ModelBar(hub, engine, column)
        self.model_bar.sig_status.connect(self.sig_status)
        self.model_bar.sig_models_requested.connect(self.sig_models_requested)
        self.banner, self.model_picker = self.model_bar.banner, self.model_bar.model_picker
        self.refresh_models, self.choose_model_file = self.model_bar.refresh_models, self.model_bar.choose_model_file
        layout.addWidget(self.model_bar)
        self.first_run: QWidget | None = None
        self._first_run_slot = QVBoxLayout()
        layout.addLayout(self._first_run_slot)

        self.notice = QLabel()
        self.notice.setObjectName("contextNotice")
        self.notice.setAccessibleName(self.tr("Notice"))
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.messages = QWidget()
        self.messages_layout = QVBoxLayout(self.messages)
        self.messages_layout.addStretch(1)
        self.earlier_button = QPushButton()
        self.earlier_button.setAccessibleName(self.tr("Show earlier messages"))
        self.earlier_button.clicked.connect(self.show_earlier)
        self.earlier_button.hide()
        self._hidden_messages: list[Message] = []
        # An opened chat's page of messages is built newest first over a few event-loop turns.
        self._fill = NewestFirstFill(self._widget_for, lambda widget: self.messages_layout.insertWidget(0, widget),
                                     self)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.messages)
        self.scroll.setAccessibleName(self.tr("Conversation"))
        # The view follows the end of the chat while it is at the end: it moves in the same layout
        # pass that grew the answer (one repaint per streamed update, where a scroll posted after
        # each update cost a second one), and a person who scrolls up to read is left there.
        self._follow_end = True
        bar = self.scroll.verticalScrollBar()
        bar.rangeChanged.connect(self._keep_end_in_view)
        bar.valueChanged.connect(self._note_scrolled)
        self.welcome = Welcome(column)
        self.welcome.sig_suggestion.connect(self._use_suggestion)
        layout.addWidget(self.notice)
        layout.addWidget(self.earlier_button)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.welcome, 1)

        self.edit_bar = EditBar(column)
        self.edit_bar.sig_cancel.connect(self.cancel_edit)
        layout.addWidget(self.edit_bar)
        self.composer = Composer(hub, store, library, self)
        for name in ("input", "send_button", "attach_button", "attachments_label", "effort", "use_library",
                     "live_stats"):
            setattr(self, name, getattr(self.composer, name))
        self.composer.sig_status.connect(self.sig_status)
        self.composer.sig_notice.connect(self._show_notice)
        self.composer.welcome = self.welcome
        self.tools = ChatTools(hub, self.composer, self)  # MCP servers, approvals, the steps in answers
        self.tools.sig_status.connect(self.sig_status)
        self.input.sig_submit.connect(self.send)
        self.input.sig_escape.connect(self._escape)
        self.send_button.clicked.connect(self._send_or_stop)
        layout.addWidget(self.composer)

        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(column)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 860])

        engine.sig_loaded.connect(lambda _model: (self._hide_first_run(), self._set_busy(False)))
        engine.sig_load_failed.connect(lambda _message: self._set_busy(False))
        self._set_busy(False)
        self.sidebar.refresh_now()  # the first frame shows the chats
        self.sidebar.sig_focus_chat.connect(self.input.setFocus)
        self._tab_order()
        if not hub.settings.model.chat_model_path and hub.settings.model.engine != "remote":
            self._show_first_run()
        self._update_empty_state()

    def set_library(self, library: LibraryService) -> None:
        """The document library, once the window has made it (after its first frame)."""
        self.composer.set_library(library)
        # Settings > Library may move the library to a Milvus server and back: it re-opens there
        # (the service ignores changes that keep the same store). A server that cannot be reached
        # leaves the chat answering without the library, and the chat says so.
        self._hub.sig_changed.connect(lambda _settings: library.open())
        library.sig_failed.connect(lambda message: self._library_failed(library, message))

    def _library_failed(self, library: LibraryService, message: str) -> None:
        settings = self._hub.settings.library
        if library.library is None and settings.location == "server" and settings.embedding_model_path:
            self._show_notice(self.tr("The library server cannot be used ({reason}): answers are written "
                                      "without your documents until it can.").format(reason=message.rstrip(".")))

    def _tab_order(self) -> None:
        """Tab goes where the eye goes: sidebar, the message box, Send, then the controls below it."""
        chain = [self.sidebar.new_button, self.sidebar.search, self.sidebar.list, self.input, self.send_button,
                 self.attach_button, *self.effort.buttons.values(), self.use_library]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    # -- first run and the model ------------------------------------------------------------
    def _show_first_run(self) -> None:
        # The greeting first; the screen's card (catalog, downloads, the machine survey: ~30 ms of
        # imports) once it is painted, so the window's first frame does not wait for them.
        from desktop.ui.first_run_greeting import FirstRunPlaceholder

        self.first_run = FirstRunPlaceholder()
        self._first_run_slot.addWidget(self.first_run)
        after_first_paint(self.first_run, self._build_first_run)
        self.scroll.hide()
        self.earlier_button.hide()
        self._update_empty_state()

    def _build_first_run(self) -> None:
        from desktop.ui.first_run_greeting import FirstRunPlaceholder
        from desktop.ui.models_view import FirstRunView

        if not isinstance(self.first_run, FirstRunPlaceholder):  # a model came first
            return
        placeholder = self.first_run
        self.first_run = FirstRunView(self._hub.ctx, jobs=self._downloads)
        self.first_run.sig_model_chosen.connect(self.open_model)
        self.first_run.sig_open_file_requested.connect(self.choose_model_file)
        self.first_run.sig_show_models_requested.connect(self.sig_models_requested)
        self._first_run_slot.replaceWidget(placeholder, self.first_run)
        placeholder.deleteLater()

    def _hide_first_run(self) -> None:
        if self.first_run is not None:
            self.first_run.deleteLater()
            self.first_run = None
            self._update_empty_state()

    def load_configured_model(self) -> None:
        self.model_bar.load_configured_model()
        self._set_busy(False)

    def load_model(self, path: str) -> None:
        """Load (or reload) the chat model; while a remote engine is chosen, reconnect to it instead."""
        if self._hub.settings.model.engine == "remote":
            self.model_bar.connect_remote()
        else:
            self.model_bar.load_model(path)
        self._set_busy(False)

    def open_model(self, path: str) -> None:
        self.model_bar.open_model(path)
        self._set_busy(False)

    # -- conversations ----------------------------------------------------------------------
    def new_conversation(self) -> None:
        if self._engine.busy:
            return
        self._opening = None  # a chat clicked just before is not shown over the new one
        self.conversation_id = None
        self.composer.show_conversation(None, {})
        self._today = datetime.date.today()
        self._clear_messages()
        self._end_edit(restore_draft=True)
        self.notice.hide()
        self.live_stats.clear()  # the figures belong to the chat they were measured in
        self.sidebar.set_current(None)
        self.input.setFocus()

    def open_conversation(self, conv_id: int) -> None:
        """Open a chat: it is read on a worker, then shown. The last chat asked for wins: a read
        that comes back for a chat no longer asked for is dropped."""
        if self._engine.busy:
            if conv_id != self.conversation_id:
                self.sig_status.emit(self.tr("Stop the answer being written before switching chats."))
            self.sidebar.set_current(self.conversation_id)
            return  # the chat being answered is already shown: reading it again would drop the answer's view
        self._opening = conv_id
        self.sidebar.set_current(conv_id)
        store, dark = self.store, is_dark()

        def read() -> tuple[dict, list[Message]]:
            # Two indexed reads, paged: a 1,000-turn chat is read in milliseconds, off the UI thread.
            settings, messages = dict(store.get(conv_id).settings or {}), store.messages(conv_id)
            for message in messages[-PAGE_SIZE:]:  # the answers shown, rendered here ahead of the UI thread
                if message.role == "assistant":
                    for block in split_blocks(message.text):
                        if block:
                            markdown_to_html(block, dark=dark)
            return settings, messages

        run_in_background(read, on_done=lambda found: self._show_conversation(conv_id, *found),
                          on_failed=lambda message: self._open_failed(conv_id, message), context=self)

    @property
    def opening(self) -> bool:
        """A chat was asked for and is being read."""
        return self._opening is not None

    @property
    def placing(self) -> bool:
        """The opened chat's messages (or a long answer's blocks) are still being placed."""
        return pending()

    def _show_conversation(self, conv_id: int, settings: dict, messages: list[Message]) -> None:
        if conv_id != self._opening:
            return  # another chat was clicked since (or New chat)
        self._opening = None
        if self._engine.busy:  # Send won the race: the chat being answered stays on screen
            self.sidebar.set_current(self.conversation_id)
            return
        self.conversation_id = conv_id
        self.composer.show_conversation(conv_id, settings)
        self._today = datetime.date.today()
        self._clear_messages()  # (first: the edit's end would finish placing the chat shown before)
        self._end_edit(restore_draft=True)
        self.notice.hide()
        self.live_stats.clear()
        self._hidden_messages = messages[:-PAGE_SIZE]
        self._scroll_to_end()
        self._fill.start(messages[-PAGE_SIZE:])
        self._update_earlier_button()
        self._update_empty_state()
        self.sidebar.set_current(conv_id)

    def _open_failed(self, conv_id: int, message: str) -> None:
        if conv_id != self._opening:
            return
        self._opening = None
        self.sidebar.set_current(self.conversation_id)
        self.sig_status.emit(self.tr("Could not open the chat: {reason}").format(reason=message))

    def show_earlier(self) -> None:
        self._fill.finish()  # the page being placed goes in below the earlier one
        page, self._hidden_messages = self._hidden_messages[-PAGE_SIZE:], self._hidden_messages[:-PAGE_SIZE]
        self._fill.start(page)  # above the shown ones, newest first
        self._update_earlier_button()

    def _update_earlier_button(self) -> None:
        count = len(self._hidden_messages)
        self.earlier_button.setText(self.tr("Show earlier messages ({n} more)").format(n=count))
        self.earlier_button.setVisible(count > 0)

    def delete_conversation(self, conv_id: int) -> None:
        if self._engine.busy and conv_id == self.conversation_id:
            self.sig_status.emit(self.tr("Stop the answer being written before deleting this chat."))
            return
        if conv_id == self.conversation_id:
            self.new_conversation()
        store = self.store
        run_in_background(lambda: store.delete(conv_id), on_done=self._deleted, on_failed=self.sig_status.emit)

    def _deleted(self, snapshot: DeletedConversation) -> None:
        self.sidebar.refresh()
        self.sig_deleted.emit(snapshot)

    def restore_conversation(self, snapshot: DeletedConversation) -> None:
        """Undo a delete (on a worker); the chat opens again when it is back."""
        store = self.store
        run_in_background(lambda: store.restore(snapshot), on_failed=self.sig_status.emit,
                          on_done=lambda restored: (self.sidebar.refresh(), self.open_conversation(restored.id)))

    def export_conversation(self, conv_id: int, fmt: str) -> None:
        """Ask where to save the chat (its title read on a worker names the file), then write it
        from a worker; the status bar says where it went or why it could not be written."""
        store = self.store
        run_in_background(lambda: store.get(conv_id).title, on_failed=self._export_failed,
                          on_done=lambda title: self._ask_export_path(conv_id, fmt, title), context=self)

    def _ask_export_path(self, conv_id: int, fmt: str, title: str | None) -> None:
        safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in title or "chat").strip() or "chat"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export chat"), str(Path.home() / f"{safe}.{fmt}"),
                                              "Markdown (*.md)" if fmt == "md" else "JSON (*.json)")
        if not path:
            return
        store = self.store

        def write() -> str:
            text = store.export_markdown(conv_id) if fmt == "md" else store.export_json(conv_id)
            try:
                atomic_write_text(Path(path), text)
            except OSError as exc:  # a folder that cannot be written is a message, not a crash
                raise UserError(f"{path}: {exc.strerror or exc}") from exc
            return path

        run_in_background(write, on_failed=self._export_failed, context=self,
                          on_done=lambda written: self.sig_status.emit(
                              self.tr("Exported to {path}").format(path=written)))

    def _export_failed(self, message: str) -> None:
        self.sig_status.emit(self.tr("Could not export the chat: {reason}").format(reason=message))

    def _widget_for(self, message: Message) -> QWidget:
        if message.role == "user":
            return self._user_widget(message.text, message.position)
        widget = self._answer_widget(message.position, message.effort)
        widget.set_content(message.text, message.reasoning, message.commentary)
        show_steps(widget, message.tool_steps)
        widget.set_sources(message.sources)
        widget.set_reasoning_done(float(message.stats.get("reasoning_s", 0) or 0))
        widget.set_status(status_line(message.status, message.stats, message.error))
        return widget

    def _user_widget(self, text: str, position: int) -> UserMessage:
        # Made inside the list of messages: one moved into it re-resolved its whole tree's style.
        widget = UserMessage(text, position, self.messages)
        widget.sig_edit.connect(self.edit_message)
        return widget

    def _answer_widget(self, position: int, effort: str | None) -> AssistantMessage:
        widget = AssistantMessage(position, self.messages)  # (made inside the list: see above)
        widget.sig_regenerate.connect(self.regenerate)
        widget.set_effort(effort)
        return widget

    # -- helpers ----------------------------------------------------------------------------
    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _set_busy(self, busy: bool) -> None:
        busy = busy or self._engine.busy
        self.send_button.setText(self.tr("Stop") if busy else self.tr("Send"))
        self.send_button.setAccessibleName(self.tr("Stop generating") if busy else self.tr("Send message"))
        self.send_button.setEnabled(busy or (self._engine.model is not None and not self.model_bar.loading))

    def _message_widgets(self) -> list[QWidget]:
        """The shown messages, in order (an opened chat's page being placed is placed first)."""
        self._fill.finish()
        return [self.messages_layout.itemAt(i).widget() for i in range(self.messages_layout.count() - 1)]

    def _remove_widgets_after(self, position: int) -> None:
        for widget in self._message_widgets():
            if getattr(widget, "position", -1) > position:
                cancel_work(widget)  # its answer's blocks still being placed
                widget.setParent(None)
                widget.deleteLater()

    def _clear_messages(self) -> None:
        self._fill.cancel()
        cancel_work(self.messages)  # the answers' blocks still being placed
        for widget in self._message_widgets():
            widget.setParent(None)
            widget.deleteLater()
        self._hidden_messages = []
        self.earlier_button.hide()
        self._update_empty_state()

    def _add_widget(self, widget: QWidget) -> None:
        self._fill.finish()
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
        """Show the end now and keep it in view as the chat grows (until the person scrolls up)."""
        self._follow_end = True
        bar = self.scroll.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _keep_end_in_view(self, _minimum: int, maximum: int) -> None:
        if self._follow_end:
            self.scroll.verticalScrollBar().setValue(maximum)

    def _note_scrolled(self, value: int) -> None:
        self._follow_end = value >= self.scroll.verticalScrollBar().maximum()
