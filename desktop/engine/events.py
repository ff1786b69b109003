"""What a client hears about its request: one event type per step of a request's life.

Every event names its request, so a client that holds several requests (the API server) can
route them, and a client never sees another client's events (each handle has its own stream).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.chat import TurnResult
from desktop.core.harmony import ToolCall
from desktop.core.runtime import GenerationStats


@dataclass(frozen=True)
class Event:
    request_id: int


@dataclass(frozen=True)
class Queued(Event):
    """Waiting for the engine; `ahead` requests will run first (at the time of queueing)."""

    ahead: int


@dataclass(frozen=True)
class Started(Event):
    """The backend took the request: retrieval, prompt and generation run now."""


@dataclass(frozen=True)
class DeltaEvent(Event):
    """New text on one channel ("analysis", "commentary", "final"); `stats` is a live snapshot."""

    channel: str
    text: str
    stats: GenerationStats


@dataclass(frozen=True)
class ToolCallEvent(Event):
    call: ToolCall


@dataclass(frozen=True)
class Finished(Event):
    """The turn ended by itself: `result.finish_reason` is stop, tool_calls, length or context."""

    result: TurnResult

    @property
    def stats(self) -> GenerationStats:
        return self.result.stats

    @property
    def finish_reason(self) -> str:
        return self.result.finish_reason


@dataclass(frozen=True)
class Failed(Event):
    message: str  # one line, for the person


@dataclass(frozen=True)
class Cancelled(Event):
    """Stopped by its client; `result` holds what was generated (None if it never started)."""

    result: TurnResult | None


TERMINAL = (Finished, Failed, Cancelled)
