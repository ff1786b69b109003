"""What Send, Stop, Edit and Regenerate do in the Chat pane: the turn as a view of its TurnSession.

Send shows the question and an empty answer at once, and asks the EngineBridge for a turn: a
worker saves the question and the placeholder (after cutting the chat for an edit or a
regenerate) and queues the request; the relay's signals fill the answer in. The session saves
the answer; Stop cancels this pane's request only.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING

from desktop.ui.message_widgets import AssistantMessage, UserMessage, status_line

if TYPE_CHECKING:
    from desktop.core.chat import TurnResult
    from desktop.core.conversations import ConversationStore, Message
    from desktop.core.runtime import GenerationStats
    from desktop.engine.turn import TurnSession
    from desktop.ui.chat_tools import ChatTools
    from desktop.ui.engine_bridge import EngineBridge, TurnRelay


LIVE_STATS_INTERVAL_S = 0.25  # the tokens and tok/s under the input while an answer streams


class ChatTurns:
    """Mixed into ChatPane, whose widgets and helpers it uses (declared here for readers)."""

    _stats_shown_at = 0.0

    _engine: EngineBridge
    tools: ChatTools
    store: ConversationStore
    conversation_id: int | None
    _turn: TurnRelay | None
    _streaming: AssistantMessage | None
    _asked: UserMessage | None
    _editing_position: int | None
    _draft_before_edit: str
    last_prompt: str
    last_result: TurnResult | None

    # -- sending, editing, regenerating -------------------------------------------------------
    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self._engine.busy:
            return
        if self._engine.model is None:
            self.model_bar.set_banner(self.tr("Load a model first: “Open model…” picks a gpt-oss .gguf file."),
                                      error=True)
            return
        draft, cut = "", None
        if self._editing_position is not None and self.conversation_id is not None:
            # Edit-and-resend: the edited question replaces it and everything after it, once the
            # user has said yes to losing the later turns.
            position = self._editing_position
            later = self._messages_after(position - 1)  # the question, its answer, and what follows
            if later > 2 and not self._confirm_replace(later):
                return
            draft, cut = self._draft_before_edit, position - 1
            self._remove_widgets_after(cut)
        self._end_edit(restore_draft=False)
        self.input.setPlainText(draft)  # a draft typed before Edit was clicked comes back
        self._start_turn(text, cut)

    def regenerate(self, position: int) -> None:
        """Ask the question before the answer at `position` again; that answer and what follows go."""
        if self._engine.busy or self.conversation_id is None:
            return
        question = next((w for w in self._message_widgets()
                         if isinstance(w, UserMessage) and w.position == position - 1), None)
        if question is None:
            return
        later = self._messages_after(position)  # answers and questions after this answer
        if later and not self._confirm_replace(later + 1):
            return
        self._remove_widgets_after(position - 2)
        self._start_turn(question.text, position - 2)

    def _start_turn(self, text: str, cut: int | None) -> None:
        """Show the question and an empty answer now; a worker saves them and queues the request."""
        from desktop.core.chat import sampling_from_settings

        settings, store = self._hub.settings, self.store
        conv_id, conv_settings = self.conversation_id, self.composer.conversation_settings

        def prepare() -> int:  # on the worker: the conversation's writes before the turn's own
            if conv_id is None:
                return store.create(settings=conv_settings or None).id
            if cut is not None:
                store.truncate_after(conv_id, cut)
            return conv_id

        self._asked = self._user_widget(text, -1)  # positions arrive with sig_begun
        self._add_widget(self._asked)
        self._streaming = self._answer_widget(-1, settings.reasoning.effort)
        self._streaming.set_busy(True)
        self._add_widget(self._streaming)
        model = self._engine.model.name if self._engine.model else None
        options = self.tools.turn_options()  # the library's search; with tools, the session that runs them
        turn = self._engine.start_turn(
            text, sampling_from_settings(settings), store=store, conversation_id=conv_id, prepare=prepare,
            effort=settings.reasoning.effort, instructions=settings.reasoning.system_prompt, model=model,
            attachments=self.composer.attachments(), today=self._today, **options)
        turn.sig_begun.connect(self._on_begun)
        turn.sig_queued.connect(self._on_queued)
        turn.sig_started.connect(lambda: self._streaming.set_status("") if self._streaming else None)
        turn.sig_deltas.connect(self._on_deltas)
        turn.sig_finished.connect(self._on_ended)
        turn.sig_cancelled.connect(self._on_ended)
        turn.sig_failed.connect(self._on_failed)
        self.tools.follow(turn, self._streaming)  # after _on_ended: it lists the steps in the finished answer
        self._turn = turn
        self._set_busy(True)
        self.composer.show_busy(True)

    def _on_begun(self, begun: tuple[int, Message]) -> None:
        conv_id, placeholder = begun
        if self._streaming is not None and self._asked is not None:
            self._streaming.position, self._asked.position = placeholder.position, placeholder.position - 1
        if self.conversation_id is None:
            self.conversation_id = conv_id
            self.composer.show_conversation(conv_id, self.composer.conversation_settings)
        self.sidebar.set_current(conv_id)
        self.sidebar.refresh()

    def _on_queued(self, ahead: int) -> None:
        if self._streaming is not None and ahead:
            self._streaming.set_status(self.tr("queued: waiting for {n} other request(s) to finish").format(n=ahead))

    def stop(self) -> None:
        """Cancel this pane's request only (another client's request on the engine goes on)."""
        if self._turn is not None and not self._turn.done:
            self._turn.cancel()
            self.tools.stop()  # a call waiting for approval is dropped, not run

    def _send_or_stop(self) -> None:
        if self._engine.busy:
            self.stop()
        else:
            self.send()

    def _on_deltas(self, deltas: list, stats: GenerationStats) -> None:
        if self._streaming is None:
            return
        self._streaming.append(deltas)
        now = time.monotonic()
        # A few times a second: each new text resizes the label, and that lays the whole window out
        # again (a fifth of the UI thread's work per streamed update); the final figures follow at the end.
        if stats is not None and stats.tokens > 1 and now - self._stats_shown_at >= LIVE_STATS_INTERVAL_S:
            self._stats_shown_at = now
            self.live_stats.setText(self.tr("{n} tokens · {speed} tok/s").format(
                n=stats.tokens, speed=f"{stats.tokens_per_s:.1f}"))
        # No scroll here: the pane keeps the end in view as the answer grows (see _keep_end_in_view).

    def _on_ended(self, session: TurnSession) -> None:
        """Finished or stopped: what the session saved is what is shown."""
        from desktop.engine.turn import stats_record

        message = self._end_stream()
        result = session.result
        if session.save_error:
            self.sig_status.emit(session.save_error)
        if message is None:
            return
        if result is None:  # stopped while it waited: nothing was generated
            message.finish()
            message.set_status(self.tr("stopped"))
            return
        self.last_prompt, self.last_result = result.prompt, result
        sources = [asdict(source) for source in result.sources]
        message.set_content(result.answer, result.reasoning, result.commentary)
        message.set_sources(sources)
        if result.source_warnings:
            self.sig_status.emit("; ".join(result.source_warnings).capitalize())
        message.finish()
        message.set_reasoning_done(result.reasoning_s)
        message.set_status(status_line(session.status, stats_record(result), session.error))
        message.announce_finished()
        self.live_stats.setText(self.tr("{n} tokens · {speed} tok/s").format(
            n=result.stats.tokens, speed=f"{result.stats.tokens_per_s:.1f}"))
        # The context now holds this turn's prompt and its answer: the next question adds to that.
        model = self._engine.model
        self.composer.show_context(result.stats.prompt_tokens + result.stats.tokens, model.n_ctx if model else 0)
        if result.dropped_turns:
            self._show_notice(self.tr("The {n} oldest messages no longer fit in the model's context "
                                      "and were left out of this answer.").format(n=result.dropped_turns))
        self.sidebar.refresh()

    def _on_failed(self, error: str) -> None:
        message = self._end_stream()
        if message is not None:
            message.finish()
            message.set_failed(True)
            message.set_status(self.tr("error: {error}").format(error=error))
        self.sig_status.emit(error)

    def _end_stream(self) -> AssistantMessage | None:
        message, self._streaming, self._asked, self._turn = self._streaming, None, None, None
        if message is not None:
            message.set_busy(False)
        self._set_busy(False)
        self.composer.show_busy(False)
        return message

    # -- edit mode --------------------------------------------------------------------------
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
        """Shown messages after `position` (the hidden ones are older: none of them is after it)."""
        return sum(1 for w in self._message_widgets() if getattr(w, "position", -1) > position)

    def _confirm_replace(self, count: int) -> bool:
        """Ask before `count` stored messages are replaced; anything but a clear yes keeps them."""
        from PySide6.QtWidgets import QMessageBox  # its class and enums cost the first frame ~2 ms

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
