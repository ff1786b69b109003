"""The LLM thread: one long-lived QThread owns the ChatRuntime; the UI only sees queued signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.core.chat import ChatRequest, TokenCounter, TurnResult, run_chat
from desktop.core.errors import UserError
from desktop.core.gguf_check import inspect_gguf, require_chat_model
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
    sig_kept = Signal(object)  # LoadedModel still in use after a failed load (sent just before sig_load_failed)
    sig_deltas = Signal(object, object)  # list[Delta], GenerationStats snapshot (live tokens/s)
    sig_finished = Signal(object)  # TurnResult
    sig_failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._runtime: ChatRuntime | None = None
        self._counter: TokenCounter | None = None
        # What is loaded and how, so a failed switch can bring it back.
        self._loaded: tuple[LoadedModel, LoadOptions] | None = None

    @Slot(str, object)
    def load(self, path: str, plan: Callable[[], tuple[LoadOptions, Any]]) -> None:
        """Plan (probe the machine, read the header) and load, all off the UI thread.

        A file that cannot be a chat model (an embedding model, a truncated or foreign file) is
        refused before the working model is let go of. A failure after that (not enough memory,
        a file llama.cpp rejects) reloads the previous model with its previous options.
        """
        previous = self._loaded
        try:
            if previous is not None:
                require_chat_model(inspect_gguf(path))
        except UserError as exc:
            self._fail(str(exc), previous[0])
            return
        except Exception as exc:  # noqa: BLE001 - an unreadable file is a message, not a crash
            self._fail(f"Could not load {path}: {exc}", previous[0])
            return
        self._close()
        try:
            options, fit = plan()
            self._open(path, options)
        except UserError as exc:
            message = str(exc)
        except Exception as exc:  # noqa: BLE001 - the thread must survive any loader failure
            log.exception("model load failed")
            message = f"Could not load {path}: {exc}"
        else:
            rt = self._runtime
            model = LoadedModel(path, rt.model_name, rt.n_ctx, rt.load_s, fit.label)
            self._loaded = (model, options)
            self.sig_loaded.emit(model)
            return
        self._fail(message, self._reopen(previous))

    def _open(self, path: str, options: LoadOptions) -> None:
        self._runtime = ChatRuntime(path, options)
        self._counter = TokenCounter(self._runtime.count_tokens)

    def _reopen(self, previous: tuple[LoadedModel, LoadOptions] | None) -> LoadedModel | None:
        """Load the model that worked before; None when there was none or it cannot load now."""
        if previous is None:
            return None
        model, options = previous
        try:
            self._open(model.path, options)
        except Exception:  # noqa: BLE001 - reported as "no model" by the caller
            log.exception("could not reopen the previous model")
            self._close()
            return None
        self._loaded = previous
        return model

    def _fail(self, message: str, kept: LoadedModel | None) -> None:
        if kept is not None:
            self.sig_kept.emit(kept)
        self.sig_load_failed.emit(message)

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
        self._loaded = None
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None


def _snapshot(stats: GenerationStats) -> GenerationStats:
    return GenerationStats(**vars(stats))


class ChatEngine(QObject):
    """UI-thread handle on the LLM thread. Requests go over queued signals; stop is immediate."""

    sig_loaded = Signal(object)
    sig_load_failed = Signal(str)  # engine.model is the model still in use, or None
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
        # Queued in order from the LLM thread: a kept model is known before the failure arrives.
        self._worker.sig_kept.connect(self._remember_model)
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


__all__ = ["ChatEngine", "LoadedModel", "Delta", "TurnResult"]
