"""TurnSession: one conversation turn from question to saved answer, the same for every client.

question saved -> placeholder answer ('partial') -> request queued on the EngineService ->
deltas -> the text so far saved about once a second -> finished / failed / cancelled, saved with
reasoning, commentary, stats, finish reason and sources. The record of truth is the session (and
the conversation store behind it), never a widget: a view renders the events it forwards.

Saves happen on the engine's thread as events arrive (the store is thread-safe), so no client's
UI thread waits on SQLite; a client hears each event after the session has saved what it implies.
"""

from __future__ import annotations

import datetime
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from desktop.core import harmony, rag
from desktop.core.chat import ChatRequest, TurnResult
from desktop.core.conversations import ConversationStore
from desktop.core.errors import UserError
from desktop.core.harmony import ToolCall
from desktop.core.runtime import GenerationStats, Sampling
from desktop.engine.events import Cancelled, DeltaEvent, Event, Failed, Finished, Started, ToolCallEvent
from desktop.engine.service import EngineService, EventCallback, Priority, RequestHandle

log = logging.getLogger(__name__)

PARTIAL_SAVE_S = 1.0  # a crash loses at most about this much of a streaming answer


def stats_record(result: TurnResult) -> dict[str, Any]:
    """What a finished answer keeps of its numbers (shown under it, exported, read by `chats`)."""
    return {**result.stats.as_dict(), "reasoning_s": round(result.reasoning_s, 2),
            "dropped_turns": result.dropped_turns}


class TurnSession:
    """One turn. Without a store (a one-off `ask`) nothing is saved, the lifecycle is the same."""

    def __init__(self, engine: EngineService, store: ConversationStore | None = None,
                 conversation_id: int | None = None, *, partial_save_s: float = PARTIAL_SAVE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if (store is None) != (conversation_id is None):
            raise ValueError("a store and a conversation id go together")
        self.engine = engine
        self.store = store
        self.conversation_id = conversation_id
        self._partial_save_s = partial_save_s
        self._clock = clock
        self._lock = threading.Lock()
        self.status = "new"  # new | queued | running | complete | error | cancelled
        self.message_id: int | None = None
        self.answer = self.reasoning = self.commentary = ""
        self.stats = GenerationStats()
        self.tool_calls: list[ToolCall] = []
        self.tool_steps: list[dict[str, Any]] = []  # calls run in this turn (a ToolTurnSession's), saved with it
        self.result: TurnResult | None = None
        self.error: str | None = None
        self.save_error: str | None = None  # the store refused a write (disk full, file locked...)
        self.handle: RequestHandle | None = None
        self._saved_at = 0.0
        self._client: EventCallback | None = None

    # -- history -----------------------------------------------------------------------------
    def history(self) -> tuple[tuple[harmony.Turn, ...], int]:
        """The conversation so far as prompt turns, and where the last prompt started (KV reuse)."""
        if self.store is None or self.conversation_id is None:
            return (), 0
        messages = self.store.messages(self.conversation_id)
        answers = [m for m in messages if m.role == "assistant"]
        keep_from = int(answers[-1].stats.get("dropped_turns", 0) or 0) if answers else 0
        return tuple(harmony.Turn(m.role, m.text) for m in messages), keep_from

    # -- the turn ------------------------------------------------------------------------------
    def start(self, question: str, sampling: Sampling, *, effort: str = "medium", instructions: str = "",
              model: str | None = None, retrieve: Callable[[str], list[rag.Source]] | None = None,
              attachments: tuple[str, ...] = (), priority: Priority = Priority.INTERACTIVE,
              on_event: EventCallback | None = None, today: datetime.date | None = None) -> RequestHandle:
        """Save the question and a placeholder answer, then queue the request; returns its handle."""
        if self.status != "new":
            raise RuntimeError("a TurnSession runs one turn")
        turns, keep_from = self.history()
        request = ChatRequest((*turns, harmony.Turn("user", question)), effort=effort, instructions=instructions,
                              today=today or datetime.date.today(), keep_from=keep_from, retrieve=retrieve,
                              attachments=attachments)
        if self.store is not None and self.conversation_id is not None:
            self.store.add_user_message(self.conversation_id, question)
            self.message_id = self.store.start_assistant_message(self.conversation_id, effort, model).id
        self._client = on_event
        self.status = "queued"
        key = f"conversation:{self.conversation_id}" if self.conversation_id is not None else None
        self.handle = self._submit(request, sampling, priority, key)
        return self.handle

    def _submit(self, request: ChatRequest, sampling: Sampling, priority: Priority, key: str | None) -> RequestHandle:
        """One request on the engine (a ToolTurnSession runs several, with tool calls between)."""
        return self.engine.submit(request, sampling, priority=priority, on_event=self._on_event, cache_key=key)

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def wait(self, timeout: float | None = None) -> Event | None:
        return self.handle.wait(timeout) if self.handle is not None else None

    # -- events (the engine's thread) ---------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        try:
            with self._lock:
                self._record(event)
        finally:  # whatever happened to the saving, the client hears how the turn went
            if self._client is not None:
                self._client(event)

    def _record(self, event: Event) -> None:
        if isinstance(event, Started):
            self.status = "running"
        elif isinstance(event, DeltaEvent):
            self._add(event)
        elif isinstance(event, ToolCallEvent):
            self.tool_calls.append(event.call)
        elif isinstance(event, Finished):
            self._finish(event.result, "complete")
        elif isinstance(event, Cancelled):
            self._finish(event.result, "cancelled")
        elif isinstance(event, Failed):
            self.error = event.message
            self._finish(None, "error")

    def _add(self, event: DeltaEvent) -> None:
        if event.channel == "final":
            self.answer += event.text
        elif event.channel == "analysis":
            self.reasoning += event.text
        else:
            self.commentary += event.text
        self.stats = event.stats
        now = self._clock()
        if now - self._saved_at >= self._partial_save_s:
            self._saved_at = now
            self._save_partial()

    def _save_partial(self) -> None:
        steps = list(self.tool_steps)
        self._save(lambda store, msg: store.update_partial(msg, self.answer, self.reasoning, self.commentary,
                                                           steps))

    def _finish(self, result: TurnResult | None, status: str) -> None:
        self.status = status
        self.result = result
        if result is not None:
            # The result holds the whole turn (the deltas may have been batched after the last save).
            self.answer, self.reasoning, self.commentary = result.answer, result.reasoning, result.commentary
            self.stats = result.stats
        stats = stats_record(result) if result is not None else {}
        sources = [asdict(s) for s in result.sources] if result is not None else []
        finish_reason = result.finish_reason if result is not None else ("cancelled" if status == "cancelled" else None)
        self._save(lambda store, msg: store.finish_assistant_message(
            msg, self.answer, self.reasoning, stats=stats, sources=sources, status=status,  # type: ignore[arg-type]
            error=self.error, commentary=self.commentary, finish_reason=finish_reason,
            tool_steps=list(self.tool_steps)))

    def _save(self, write: Callable[[ConversationStore, int], object]) -> None:
        if self.store is None or self.message_id is None:
            return
        try:
            write(self.store, self.message_id)
        except (sqlite3.Error, OSError, UserError) as exc:  # UserError: the chat was deleted meanwhile
            # The turn goes on; the client says the answer could not be saved.
            log.warning("saving answer %s failed: %s", self.message_id, exc)
            self.save_error = f"the answer could not be saved: {exc}"
