"""One API generation on the engine, heard on the server's event loop.

The engine calls back on its own thread; events cross to the loop through call_soon_threadsafe.
What comes out is what both endpoints need: reasoning and answer pieces as they are generated,
then one Outcome. Stop strings are matched here, on the answer: once one appears, the request is
cancelled (the engine stops within one token) and the answer ends before it. A client that goes
away (the async iteration is closed) cancels its request the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from desktop.core.harmony import ToolCall
from desktop.core.runtime import Sampling
from desktop.engine.backend import PromptRequest
from desktop.engine.events import TERMINAL, Cancelled, DeltaEvent, Event, Failed, Finished, Queued, Started
from desktop.engine.service import EngineService, Priority
from desktop.server.errors import ApiError
from desktop.server.state import Activity


@dataclass(frozen=True)
class Piece:
    kind: str  # "reasoning" | "content"
    text: str


@dataclass
class Outcome:
    finish_reason: str  # stop | length | tool_calls (OpenAI's names)
    reasoning: str = ""
    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class StopMatcher:
    """Cuts the answer at the first stop string; holds back a tail that may be one's start."""

    def __init__(self, stops: tuple[str, ...]) -> None:
        self.stops = stops
        self._hold = max((len(s) for s in stops), default=1) - 1
        self._pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if not self.stops:
            return text
        buffer = self._pending + text
        cuts = [at for at in (buffer.find(s) for s in self.stops) if at >= 0]
        if cuts:
            self.stopped = True
            self._pending = ""
            return buffer[:min(cuts)]
        keep = len(buffer) - self._hold
        self._pending = buffer[max(keep, 0):]
        return buffer[:max(keep, 0)]

    def flush(self) -> str:
        out, self._pending = self._pending, ""
        return out


_FINISH = {"stop": "stop", "tool_calls": "tool_calls", "length": "length", "context": "length"}


async def generate(engine: EngineService, prompt: str, sampling: Sampling,
                   stops: tuple[str, ...] = (), activity: Activity | None = None) -> AsyncIterator[Piece | Outcome]:
    """Pieces as they come, then one Outcome; raises ApiError when the request fails."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[Event] = asyncio.Queue()

    def hear(event: Event) -> None:  # the engine's thread
        if activity is not None:
            if isinstance(event, Queued | Started):
                activity.update(event.request_id, "running" if isinstance(event, Started) else "waiting")
            elif isinstance(event, TERMINAL):
                activity.update(event.request_id, None)
        if not loop.is_closed():
            loop.call_soon_threadsafe(events.put_nowait, event)

    try:
        handle = engine.submit(PromptRequest(prompt), sampling, priority=Priority.API, on_event=hear)
    except RuntimeError:  # the engine closed: the server is stopping
        raise ApiError(503, "The server is shutting down.", "shutting_down") from None
    if activity is not None:
        activity.track(handle)
    matcher = StopMatcher(stops)
    reasoning: list[str] = []
    content: list[str] = []
    try:
        while True:
            event = await events.get()
            if isinstance(event, DeltaEvent) and not matcher.stopped:
                if event.channel == "analysis":
                    reasoning.append(event.text)
                    yield Piece("reasoning", event.text)
                elif event.channel == "final":
                    text = matcher.feed(event.text)
                    if matcher.stopped:
                        handle.cancel()
                    if text:
                        content.append(text)
                        yield Piece("content", text)
                # commentary: a tool call's arguments (reported at the end) or a preamble; not the answer
            elif isinstance(event, TERMINAL):
                break
    finally:
        if not handle.done:
            handle.cancel()  # the client left or the server stops: free the engine within one token
        if activity is not None:
            activity.untrack(handle)
    if isinstance(event, Failed):
        raise _failure(event.message)
    if isinstance(event, Cancelled) and not matcher.stopped:
        raise ApiError(503, "The request was cancelled: the server is shutting down.", "shutting_down")
    tail = matcher.flush()
    if tail:
        content.append(tail)
        yield Piece("content", tail)
    result = event.result if isinstance(event, Finished | Cancelled) else None
    stats = result.stats if result is not None else None
    finish = "stop" if matcher.stopped else _FINISH.get(result.finish_reason if result else "", "stop")
    yield Outcome(finish, "".join(reasoning), "".join(content),
                  list(result.tool_calls) if result and not matcher.stopped else [],
                  stats.prompt_tokens if stats else 0, stats.tokens if stats else 0)


def _failure(message: str) -> ApiError:
    if "longer than the context" in message:
        return ApiError(400, message, "context_length_exceeded")
    if "No model is loaded" in message:
        return ApiError(503, message, "model_not_loaded")
    return ApiError(500, message, "generation_failed")


def function_name(call: ToolCall) -> str:
    """`functions.get_weather` -> `get_weather` (the API's name for it)."""
    return call.recipient.removeprefix("functions.")
