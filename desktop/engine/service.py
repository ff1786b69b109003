"""EngineService: one model, many clients. A queue of requests, each with its own id, cancel and
event stream, in front of one ChatBackend, which runs up to its `capacity` requests at once (one
for the classic in-process engine, N when it decodes N requests together in one batch).

Clients (the window, `ask`, the API server, tools) submit and get a RequestHandle. A request
that cannot run yet waits in the queue (its client hears `Queued`) and can be cancelled there
without touching any other. The person at the keyboard (Priority.INTERACTIVE) goes before API
and background requests; within one priority, first come first served. Nothing one client does
can cancel or overwrite another's request: each has its own CancelToken and its own stream.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from enum import IntEnum

from desktop.core.chat import ChatRequest, TurnResult
from desktop.core.harmony import Delta
from desktop.core.jobs import CancelToken
from desktop.core.runtime import GenerationStats, Sampling
from desktop.engine.backend import ChatBackend, PromptRequest
from desktop.engine.events import (
    TERMINAL,
    Cancelled,
    DeltaEvent,
    Event,
    Failed,
    Finished,
    Queued,
    Started,
    ToolCallEvent,
)

log = logging.getLogger(__name__)


class Priority(IntEnum):
    INTERACTIVE = 0  # the person at the keyboard
    API = 1  # the local API server's clients
    BACKGROUND = 2  # titles, summaries, indexing helpers


EventCallback = Callable[[Event], None]


class RequestHandle:
    """A client's hold on one request. `events()` yields its events until the last one; callbacks
    given to `submit` are called on the engine's thread (Qt clients re-emit them as signals)."""

    def __init__(self, service: EngineService, request_id: int, request: ChatRequest | PromptRequest,
                 sampling: Sampling,
                 priority: Priority, on_event: EventCallback | None, cache_key: str | None = None) -> None:
        self.id = request_id
        self.cache_key = cache_key
        self.request = request
        self.sampling = sampling
        self.priority = priority
        self.cancel_token = CancelToken()
        self.state = "queued"  # queued | running | finished | failed | cancelled
        self.outcome: Event | None = None  # the terminal event, once there is one
        self._service = service
        self._on_event = on_event
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._done = threading.Event()

    # -- the client's side -----------------------------------------------------------------
    def cancel(self) -> None:
        """Stop this request: dropped from the queue at once, or ended within one token."""
        self._service._cancel(self)

    def events(self, timeout: float | None = None) -> Iterator[Event]:
        """This request's events in order, ending with Finished, Failed or Cancelled."""
        while True:
            event = self._events.get(timeout=timeout)
            yield event
            if isinstance(event, TERMINAL):
                return

    def wait(self, timeout: float | None = None) -> Event | None:
        """Block until the request ends; its terminal event (None on timeout)."""
        self._done.wait(timeout)
        return self.outcome

    @property
    def done(self) -> bool:
        return self._done.is_set()

    # -- the engine's side ------------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        if isinstance(event, TERMINAL):
            self.outcome = event
        self._events.put(event)
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:  # noqa: BLE001 - a client's bug must not stop the engine or others
                log.exception("event callback of request %s failed", self.id)
        if isinstance(event, TERMINAL):
            self._done.set()


class _Job:
    """What the backend runs for one handle; forwards to the handle and frees the slot at the end."""

    def __init__(self, service: EngineService, handle: RequestHandle) -> None:
        self._service = service
        self.handle = handle
        self.request = handle.request
        self.sampling = handle.sampling
        self.cancel = handle.cancel_token
        self.cache_key = handle.cache_key

    def started(self) -> None:
        self.handle._emit(Started(self.handle.id))

    def deltas(self, batch: list[Delta], stats: GenerationStats) -> None:
        for delta in batch:
            self.handle._emit(DeltaEvent(self.handle.id, delta.channel, delta.text, stats))

    def finished(self, result: TurnResult) -> None:
        for call in result.tool_calls:
            self.handle._emit(ToolCallEvent(self.handle.id, call))
        if result.cancelled:
            self._service._end(self.handle, "cancelled", Cancelled(self.handle.id, result))
        else:
            self._service._end(self.handle, "finished", Finished(self.handle.id, result))

    def failed(self, message: str) -> None:
        self._service._end(self.handle, "failed", Failed(self.handle.id, message))


class EngineService:
    """Qt-free; safe to call from any thread."""

    def __init__(self, backend: ChatBackend) -> None:
        self.backend = backend
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._order = itertools.count()
        self._waiting: list[tuple[int, int, RequestHandle]] = []  # heap: (priority, arrival, handle)
        self._running: dict[int, RequestHandle] = {}
        self._closed = False

    def submit(self, request: ChatRequest | PromptRequest, sampling: Sampling, *, priority: Priority = Priority.INTERACTIVE,
               on_event: EventCallback | None = None, cache_key: str | None = None) -> RequestHandle:
        """Queue a request. `cache_key` names the conversation it continues (requests with one key
        share a prompt prefix, which the backend may keep apart for them); None for one-offs."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the engine is closed")
            handle = RequestHandle(self, next(self._ids), request, sampling, priority, on_event, cache_key)
            # How many requests must end before this one starts: with a backend that runs several
            # at once (parallel decoding) a request that finds a free place waits for nobody.
            before = sum(1 for p, _, _ in self._waiting if p <= priority)
            ahead = max(0, len(self._running) + before - self.backend.capacity + 1)
            heapq.heappush(self._waiting, (int(priority), next(self._order), handle))
        handle._emit(Queued(handle.id, ahead))
        self._dispatch()
        return handle

    def queued(self) -> list[int]:
        """Ids of the waiting requests, in the order they will run."""
        with self._lock:
            return [h.id for _, _, h in sorted(self._waiting)]

    def running(self) -> list[int]:
        with self._lock:
            return list(self._running)

    def close(self) -> None:
        """Cancel everything (queued and running) and close the backend."""
        with self._lock:
            self._closed = True
            handles = [h for _, _, h in self._waiting] + list(self._running.values())
        for handle in handles:
            handle.cancel()
        self.backend.close()

    # -- internals -------------------------------------------------------------------------
    def _dispatch(self) -> None:
        started: list[RequestHandle] = []
        with self._lock:
            while self._waiting and len(self._running) < self.backend.capacity:
                _, _, handle = heapq.heappop(self._waiting)
                handle.state = "running"
                self._running[handle.id] = handle
                started.append(handle)
        for handle in started:
            self.backend.start(_Job(self, handle))

    def _cancel(self, handle: RequestHandle) -> None:
        with self._lock:
            entry = next((e for e in self._waiting if e[2] is handle), None)
            if entry is not None:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
                handle.state = "cancelled"
        handle.cancel_token.cancel()  # a running request sees it within one token
        if entry is not None:
            handle._emit(Cancelled(handle.id, None))

    def _end(self, handle: RequestHandle, state: str, event: Event) -> None:
        with self._lock:
            self._running.pop(handle.id, None)
            handle.state = state
        handle._emit(event)
        self._dispatch()
