"""The LLM thread: one long-lived QThread owns the ChatRuntime; the UI only sees queued signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.core.chat import ChatRequest, TokenCounter, TurnResult, run_chat
from desktop.core.errors import UserError
from desktop.core.harmony import Delta
from desktop.core.jobs import CancelToken
from desktop.core.runtime import ChatRuntime, GenerationStats, LoadOptions, Sampling

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    path: str
    name: str
    n_ctx: int
    load_s: float
    placement: str  # the fit planner's verdict, e.g. "fits on GPU" or "CPU only"


class _Worker(QObject):
    """Lives on the LLM thread. Every slot catches its errors and reports them by signal."""

    sig_loaded = Signal(object)  # LoadedModel
    sig_load_failed = Signal(str)  # one-line reason
    sig_deltas = Signal(object, object)  # list[Delta], GenerationStats snapshot (live tokens/s)
    sig_finished = Signal(object)  # TurnResult
    sig_failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._runtime: ChatRuntime | None = None
        self._counter: TokenCounter | None = None

    @Slot(str, object)
    def load(self, path: str, plan: Callable[[], tuple[LoadOptions, Any]]) -> None:
        """Plan (probe the machine, read the header) and load, all off the UI thread."""
        self._close()
        try:
            options, fit = plan()
            self._runtime = ChatRuntime(path, options)
            self._counter = TokenCounter(self._runtime.count_tokens)
        except UserError as exc:
            self.sig_load_failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the thread must survive any loader failure
            log.exception("model load failed")
            self.sig_load_failed.emit(f"Could not load {path}: {exc}")
        else:
            rt = self._runtime
            self.sig_loaded.emit(LoadedModel(path, rt.model_name, rt.n_ctx, rt.load_s, fit.label))

    @Slot(object, object, object)
    def generate(self, request: ChatRequest, sampling: Sampling, cancel: CancelToken) -> None:
        if self._runtime is None:
            self.sig_failed.emit("No model is loaded.")
            return
        stats = GenerationStats()
        try:
            result = run_chat(self._runtime, request, sampling, cancel,
                              on_deltas=lambda batch: self.sig_deltas.emit(batch, _snapshot(stats)),
                              stats=stats, counter=self._counter)
        except UserError as exc:
            self.sig_failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001
            log.exception("generation failed")
            self.sig_failed.emit(f"Generation failed: {exc}")
        else:
            self.sig_finished.emit(result)

    @Slot()
    def unload(self) -> None:
        self._close()

    def _close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None


def _snapshot(stats: GenerationStats) -> GenerationStats:
    return GenerationStats(**vars(stats))


class ChatEngine(QObject):
    """UI-thread handle on the LLM thread. Requests go over queued signals; stop is immediate."""

    sig_loaded = Signal(object)
    sig_load_failed = Signal(str)
    sig_deltas = Signal(object, object)
    sig_finished = Signal(object)
    sig_failed = Signal(str)

    _sig_load = Signal(str, object)
    _sig_generate = Signal(object, object, object)
    _sig_unload = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("llm")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._sig_load.connect(self._worker.load)
        self._sig_generate.connect(self._worker.generate)
        self._sig_unload.connect(self._worker.unload)
        for name in ("sig_loaded", "sig_load_failed", "sig_deltas", "sig_finished", "sig_failed"):
            getattr(self._worker, name).connect(getattr(self, name))
        self.sig_finished.connect(self._clear_busy)
        self.sig_failed.connect(self._clear_busy)
        self._cancel: CancelToken | None = None
        self.model: LoadedModel | None = None
        self.sig_loaded.connect(self._remember_model)
        self.sig_load_failed.connect(self._forget_model)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def load(self, path: str, plan: Callable[[], tuple[LoadOptions, Any]]) -> None:
        """Load `path` on the LLM thread; `plan()` runs there too and says how (see chat.plan_load)."""
        self.model = None
        self._sig_load.emit(path, plan)

    def generate(self, request: ChatRequest, sampling: Sampling) -> None:
        self._cancel = CancelToken()
        self._sig_generate.emit(request, sampling, self._cancel)

    def stop(self) -> None:
        """Ask the running turn to end; it stops within one token (or inside a prompt batch)."""
        if self._cancel is not None:
            self._cancel.cancel()

    def shutdown(self) -> None:
        self.stop()
        self._sig_unload.emit()
        self._thread.quit()
        self._thread.wait(10_000)

    def _clear_busy(self, *_args: object) -> None:
        self._cancel = None

    def _remember_model(self, model: LoadedModel) -> None:
        self.model = model

    def _forget_model(self, _message: str) -> None:
        self.model = None


__all__ = ["ChatEngine", "LoadedModel", "Delta", "TurnResult"]
