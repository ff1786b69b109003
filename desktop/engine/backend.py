"""The chat backend seam: what runs a request. In-process llama.cpp now, a remote engine later.

A backend runs jobs that the EngineService hands it, at most `capacity` at once, each on the
backend's own thread(s), and reports through the job. It never sees other clients or the queue.

The in-process engine runs one request at a time by default (the measured fast path for the
person at the keyboard); with `parallel=N` it decodes up to N requests together in one llama.cpp
batch (core.batch_decode: continuous batching, as llama-server's `--parallel`).
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

from desktop.core.batch_decode import BatchDecoder, BatchRuntime
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
_WAKE = object()  # a request reached the batch decoder: come back to step()


class LlamaCppBackend:
    """The in-process engine: ONE long-lived thread owns the llama.cpp context (contexts are not
    thread-safe) and runs loads and turns in the order they arrive.

    `parallel=1`: one turn at a time, on that thread (ChatRuntime; per-conversation KV snapshots).
    `parallel=N`: that thread runs a BatchDecoder over N sequences of `n_ctx` tokens each (N times
    the KV cache memory); each request runs its turn (prompt, parser, batching) on a thread of its
    own, and its tokens come from the shared batch. A conversation keeps its prefix in the slot it
    used last.
    """

    def __init__(self, parallel: int = 1) -> None:
        if parallel < 1:
            raise ValueError("parallel must be at least 1")
        self.capacity = parallel
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._runtime: ChatRuntime | None = None
        self._decoder: BatchDecoder | None = None
        self._counter: TokenCounter | None = None
        self._requests: set[threading.Thread] = set()  # request threads of the batched path
        self._requests_lock = threading.Lock()
        self._closed = False  # under _requests_lock: after close(), jobs are refused at once
        self.model: LoadedModel | None = None
        self.caches = ConversationCaches()
        self._thread = threading.Thread(target=self._loop, name="llm", daemon=True)
        self._thread.start()

    @property
    def most_decoded_together(self) -> int:
        """The most requests one llama_decode has carried since the model loaded (1 when classic)."""
        decoder = self._decoder
        return decoder.max_batch_sequences if decoder is not None else 1

    # -- called from any thread ----------------------------------------------------------------
    def load(self, path: str | Path, plan: Callable[[], tuple[LoadOptions, Any]]) -> Future[LoadedModel]:
        """Load `path` on the engine thread; `plan()` runs there too (probe, read the header).

        The future raises UserError with a one-line reason when the model cannot be loaded."""
        future: Future[LoadedModel] = Future()
        self._inbox.put(lambda: self._load(str(path), plan, future))
        return future

    def start(self, job: Job) -> None:
        with self._requests_lock:
            if not self._closed:
                self._inbox.put(job)
                return
        job.failed("The engine was closed.")

    def close(self) -> None:
        """Unload and end the thread once the jobs already handed over are done."""
        current = threading.current_thread()
        with self._requests_lock:
            self._closed = True
            # A client closing the engine from its own request's last event: that request has
            # ended, and waiting for its thread here would wait for ourselves.
            from_a_request = current in self._requests
            self._requests.discard(current)
            self._inbox.put(_STOP)
        if current is self._thread or from_a_request:
            return
        self._thread.join()
        with self._requests_lock:
            requests = list(self._requests)
        for thread in requests:  # each has heard how its request ended; let it report
            thread.join()

    # -- the engine thread ---------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            decoder = self._decoder
            generating = decoder is not None and decoder.busy
            # While requests decode, the inbox is only looked at between steps.
            item = None if generating and self._inbox.empty() else self._inbox.get()
            if item is _STOP:
                self._finish_requests()
                self._unload()
                self._drain()
                return
            if callable(item):
                item()
            elif item is not None and item is not _WAKE:
                self._run(item) if self._decoder is None else self._start_request(item)
            if self._decoder is not None and self._decoder.busy:
                self._step()

    def _step(self) -> None:
        try:
            self._decoder.step()
        except Exception as exc:  # noqa: BLE001 - the engine thread must outlive a failed step
            log.exception("batched decode step failed")
            self._decoder.fail_all(f"Generation failed: {exc}")

    def _finish_requests(self) -> None:
        """Batched path, closing: the requests already handed over run to their end (as the
        classic path runs the jobs queued before the stop); whatever arrives later is refused."""
        while self._decoder is not None:
            with self._requests_lock:
                running = bool(self._requests)
            if self._decoder.busy:
                self._step()
            elif not running:
                return
            else:  # a request thread is still preparing its prompt (retrieval, tokenizing)
                try:
                    item = self._inbox.get(timeout=0.05)
                except queue.Empty:
                    continue
                if item is not _WAKE and item is not _STOP and not callable(item):
                    item.failed("The engine was closed.")

    def _drain(self) -> None:
        """After the last unload: nothing more runs; jobs handed over meanwhile hear why."""
        while not self._inbox.empty():
            item = self._inbox.get()
            if not callable(item) and item is not _STOP and item is not _WAKE:
                item.failed("The engine was closed.")

    def _load(self, path: str, plan: Callable[[], tuple[LoadOptions, Any]], future: Future[LoadedModel]) -> None:
        self._unload()
        try:
            options, fit = plan()
            runtime = ChatRuntime(path, options) if self.capacity == 1 else BatchRuntime(path, options, self.capacity)
        except UserError as exc:
            future.set_exception(exc)
        except Exception as exc:  # noqa: BLE001 - the thread must survive any loader failure
            log.exception("model load failed")
            future.set_exception(UserError(f"Could not load {path}: {exc}"))
        else:
            if isinstance(runtime, BatchRuntime):
                self._decoder = BatchDecoder(runtime, wake=lambda: self._inbox.put(_WAKE))
                self._counter = TokenCounter(self._decoder.count_tokens)
            else:
                self._runtime, self._counter = runtime, TokenCounter(runtime.count_tokens)
            self.model = LoadedModel(path, runtime.model_name, runtime.n_ctx, runtime.load_s,
                                     getattr(fit, "label", ""))
            future.set_result(self.model)

    def _unload(self) -> None:
        self.caches.forget()
        runtime, self._runtime, self.model = self._runtime, None, None
        decoder, self._decoder = self._decoder, None
        if runtime is not None:
            runtime.close()
        if decoder is not None:
            decoder.close()  # its requests end (cancelled ones as cancelled), then the model goes

    def _run(self, job: Job) -> None:
        if self._runtime is None:
            job.failed("No model is loaded.")
            return
        job.started()
        runtime = self._runtime
        _run_turn(job, runtime, self._counter, prepare=lambda: self.caches.switch_to(runtime, job.cache_key))

    def _start_request(self, job: Job) -> None:
        """Batched path: the job's turn runs on a thread of its own; its tokens come from step()."""
        runtime = self._decoder.view(job.cache_key)
        counter = self._counter

        def run() -> None:
            try:
                job.started()
                _run_turn(job, runtime, counter)
            finally:
                with self._requests_lock:
                    self._requests.discard(thread)

        thread = threading.Thread(target=run, name="llm-request", daemon=True)
        with self._requests_lock:
            self._requests.add(thread)
        thread.start()


def _run_turn(job: Job, runtime: Any, counter: TokenCounter | None,
              prepare: Callable[[], None] | None = None) -> None:
    """One job's turn on a ChatRuntime or a batch decoder's SequenceRuntime; ends the job."""
    stats = GenerationStats()
    try:
        if prepare is not None:
            prepare()
        on_deltas = lambda batch: job.deltas(batch, GenerationStats(**vars(stats)))  # noqa: E731
        if isinstance(job.request, PromptRequest):
            result = run_turn(runtime, job.request.prompt, job.sampling, job.cancel,
                              on_deltas=on_deltas, stats=stats)
        else:
            result = run_chat(runtime, job.request, job.sampling, job.cancel,
                              on_deltas=on_deltas, stats=stats, counter=counter)
    except UserError as exc:
        job.failed(str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad turn must not end the engine thread
        log.exception("generation failed")
        job.failed(f"Generation failed: {exc}")
    else:
        job.finished(result)
