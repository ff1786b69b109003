"""ToolTurnSession: a turn in which the model may call tools, with the lifecycle of every turn.

As a TurnSession (question saved -> placeholder -> the text saved about once a second ->
finished / failed / cancelled), but the turn is an AgentTurn: several generations on the
EngineService with tool calls between them. It runs on a thread of its own, so the caller (the
window's worker, `ask`) is never held while the person decides whether a call may run. Each call
is saved with the answer as soon as it is done (name, arguments, result, how it went): a crash
after a call keeps it. The reasoning of every step is kept, in order; the next question's prompt
drops it (the history holds only answers), as the model expects.

The client hears the engine's events of every step (deltas, tool calls), a StepEvent after each
call, and one terminal event for the whole turn: Finished, Cancelled (Stop, at any step or while
a call waits for approval) or Failed (the engine failed, or the step limit was reached).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from desktop.core import rag
from desktop.core.chat import ChatRequest, TurnResult
from desktop.core.conversations import ConversationStore
from desktop.core.runtime import Sampling
from desktop.engine.agent import MAX_STEPS, AgentResult, AgentTurn, ToolStep
from desktop.engine.events import Cancelled, Event, Failed, Finished, Started
from desktop.engine.service import EngineService, Priority
from desktop.engine.turn import TurnSession
from desktop.tools.browser import LibraryBrowser
from desktop.tools.runner import Approver, ToolRunner

log = logging.getLogger(__name__)

TURN_ID = 0  # the turn's events are not one engine request's; clients of a session do not route by id


@dataclass(frozen=True)
class StepEvent(Event):
    """A tool call has run (or was refused or stopped); it is saved before the client hears it."""

    step: ToolStep


def step_record(step: ToolStep) -> dict[str, Any]:
    """A step as the conversation store keeps it."""
    return asdict(step)


class AgentHandle:
    """The turn's handle, as a RequestHandle is for one request: cancel, wait, outcome."""

    def __init__(self, agent: AgentTurn) -> None:
        self._agent = agent
        self._done = threading.Event()
        self.outcome: Event | None = None

    def cancel(self) -> None:
        self._agent.cancel()

    def wait(self, timeout: float | None = None) -> Event | None:
        self._done.wait(timeout)
        return self.outcome

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def _end(self, event: Event) -> None:
        self.outcome = event
        self._done.set()


class ToolTurnSession(TurnSession):
    """One turn with tools: `tools` (functions, e.g. MCP servers: each call put to `approve`) and
    `browser` (the library as the model's browser: it only reads, so it is not put to anyone)."""

    def __init__(self, engine: EngineService, store: ConversationStore | None = None,
                 conversation_id: int | None = None, *,
                 tools: ToolRunner, approve: Approver, browser: LibraryBrowser | None = None,
                 max_steps: int = MAX_STEPS, **options: Any) -> None:
        super().__init__(engine, store, conversation_id, **options)
        self.agent = AgentTurn(engine, tools, approve, browser=browser, max_steps=max_steps)
        self.agent_result: AgentResult | None = None  # once the turn has ended

    def _submit(self, request: ChatRequest, sampling: Sampling, priority: Priority,  # type: ignore[override]
                key: str | None) -> AgentHandle:
        if request.retrieve is not None:  # every step re-reads the question: search the library once
            request = replace(request, retrieve=_once(request.retrieve))
        handle = AgentHandle(self.agent)

        def run() -> None:
            self._on_event(Started(TURN_ID))
            try:
                out = self.agent.run(request, sampling, priority=priority, cache_key=key,
                                     on_event=self._on_event, on_step=self._on_step)
            except Exception as exc:  # noqa: BLE001 - the turn ends with a message, never silently
                log.exception("tool turn failed")
                out = AgentResult("failed", None, error=f"the turn failed: {exc}")
            self.agent_result = out
            event = self._outcome(out)
            self._on_event(event)
            handle._end(event)

        threading.Thread(target=run, name="tool-turn", daemon=True).start()
        return handle

    def _on_step(self, step: ToolStep) -> None:
        try:
            with self._lock:
                self.tool_steps.append(step_record(step))
                self._save_partial()  # a call done is worth keeping at once
        finally:
            if self._client is not None:
                self._client(StepEvent(TURN_ID, step))

    def _outcome(self, out: AgentResult) -> Event:
        """The whole turn's terminal event; its result holds every step's reasoning."""
        if out.status in ("failed", "step_limit"):
            return Failed(TURN_ID, out.error or "the turn failed")
        result = out.result
        if result is not None:
            with self._lock:
                commentary = self.commentary  # every step's, e.g. each call's arguments
            result = _merged(result, out.reasoning, commentary, cancelled=out.status == "cancelled")
        if out.status == "cancelled":
            return Cancelled(TURN_ID, result)
        assert result is not None
        return Finished(TURN_ID, result)


def _merged(result: TurnResult, reasoning: str, commentary: str, *, cancelled: bool) -> TurnResult:
    stats = replace(result.stats, finish_reason="cancelled") if cancelled else result.stats
    return replace(result, reasoning=reasoning, commentary=commentary, stats=stats)


def _once(retrieve: Callable[[str], list[rag.Source]]) -> Callable[[str], list[rag.Source]]:
    found: dict[str, list[rag.Source]] = {}

    def cached(question: str) -> list[rag.Source]:
        if question not in found:
            found[question] = retrieve(question)
        return list(found[question])  # a copy: grounding adds the attachments to the list it gets
    return cached
