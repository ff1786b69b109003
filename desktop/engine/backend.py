"""The chat backend seam: what runs a request. In-process llama.cpp now, a remote engine later.

A backend runs jobs that the EngineService hands it, at most `capacity` at once, each on the
backend's own thread(s), and reports through the job. It never sees other clients or the queue.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from desktop.core.chat import ChatRequest, TokenCounter, TurnResult, run_chat, run_turn
from desktop.core.errors import UserError
from desktop.core.harmony import Delta
from desktop.core.jobs import CancelToken
from desktop.core.runtime import ChatRuntime, GenerationStats, LoadOptions, Sampling
from desktop.engine.kv_cache import ConversationCaches

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromptRequest:
    """A request whose client rendered the whole harmony prompt itself (the API server: system,
    developer, tool messages). It runs as given: no retrieval, no turns dropped to fit."""

    prompt: str  # ends with `<|start|>assistant`, as harmony.render_prompt's do


class Job(Protocol):
    """One request as a backend sees it; every call is safe from the backend's thread."""

    request: ChatRequest | PromptRequest
    sampling: Sampling
    cancel: CancelToken
    cache_key: str | None  # requests with one key share a prompt prefix (one conversation)

    def started(self) -> None: ...
    def deltas(self, batch: list[Delta], stats: GenerationStats) -> None: ...
    def finished(self, result: TurnResult) -> None: ...
    def failed(self, message: str) -> None: ...


class ChatBackend(Protocol):
    @property
    def capacity(self) -> int:
        """How many requests it runs at once."""
        ...

    def start(self, job: Job) -> None:
        """Begin `job` (returns at once); the backend then calls exactly one of finished/failed."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class LoadedModel:
    path: str
    name: str
    n_ctx: int
    load_s: float
    placement: str = ""  # the fit planner's verdict, e.g. "fits on GPU" or "CPU only"


_STOP = object()


class LlamaCppBackend:
    """The in-process engine: ONE long-lived thread owns the ChatRuntime (llama.cpp contexts are
    not thread-safe) and runs loads and turns in the order they arrive; one turn at a time."""

    capacity = 1

    def __init__(self) -> None:
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._runtime: ChatRuntime | None = None
        self._counter: TokenCounter | None = None
        self.model: LoadedModel | None = None
        self.caches = ConversationCaches()
        self._thread = threading.Thread(target=self._loop, name="llm", daemon=True)
        self._thread.start()

    # -- called from any thread ----------------------------------------------------------------
    def load(self, path: str | Path, plan: Callable[[], tuple[LoadOptions, Any]]) -> Future[LoadedModel]:
        """Load `path` on the engine thread; `plan()` runs there too (probe, read the header).

        The future raises UserError with a one-line reason when the model cannot be loaded."""
        future: Future[LoadedModel] = Future()
        self._inbox.put(lambda: self._load(str(path), plan, future))
        return future

    def start(self, job: Job) -> None:
        self._inbox.put(job)

    def close(self) -> None:
        """Unload and end the thread once the jobs already handed over are done."""
        self._inbox.put(_STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    # -- the engine thread ---------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            item = self._inbox.get()
            if item is _STOP:
                self._unload()
                return
            if callable(item):
                item()
            else:
                self._run(item)

    def _load(self, path: str, plan: Callable[[], tuple[LoadOptions, Any]], future: Future[LoadedModel]) -> None:
        self._unload()
        try:
            options, fit = plan()
            runtime = ChatRuntime(path, options)
        except UserError as exc:
            future.set_exception(exc)
        except Exception as exc:  # noqa: BLE001 - the thread must survive any loader failure
            log.exception("model load failed")
            future.set_exception(UserError(f"Could not load {path}: {exc}"))
        else:
            self._runtime, self._counter = runtime, TokenCounter(runtime.count_tokens)
            self.model = LoadedModel(path, runtime.model_name, runtime.n_ctx, runtime.load_s,
                                     getattr(fit, "label", ""))
            future.set_result(self.model)

    def _unload(self) -> None:
        self.caches.forget()
        runtime, self._runtime, self.model = self._runtime, None, None
        if runtime is not None:
            runtime.close()

    def _run(self, job: Job) -> None:
        if self._runtime is None:
            job.failed("No model is loaded.")
            return
        job.started()
        stats = GenerationStats()
        try:
            self.caches.switch_to(self._runtime, job.cache_key)
            on_deltas = lambda batch: job.deltas(batch, GenerationStats(**vars(stats)))  # noqa: E731
            if isinstance(job.request, PromptRequest):
                result = run_turn(self._runtime, job.request.prompt, job.sampling, job.cancel,
                                  on_deltas=on_deltas, stats=stats)
            else:
                result = run_chat(self._runtime, job.request, job.sampling, job.cancel,
                                  on_deltas=on_deltas, stats=stats, counter=self._counter)
        except UserError as exc:
            job.failed(str(exc))
        except Exception as exc:  # noqa: BLE001 - one bad turn must not end the engine thread
            log.exception("generation failed")
            job.failed(f"Generation failed: {exc}")
        else:
            job.finished(result)
