"""The Qt adapter over the engine: the window is one client of an EngineService, like `ask`.

EngineBridge owns the window's EngineService (created on first use, so the engine's model code,
gguf, numpy and llama.cpp load after the window is on screen) and loads models through the
backend's `load()`. Each turn the window starts is a TurnRelay: a TurnSession whose events (heard
on the engine's thread) come to the UI thread as queued signals, deltas batched to at most
MAX_UPDATES_PER_S signals a second. The session saves the turn; the relay only tells the view.

Signals of a TurnRelay, all on the UI thread, in the order the engine sent them:
  sig_begun(object)        (conversation id, placeholder Message): question and placeholder saved
  sig_queued(int)          the request waits; how many requests run before it
  sig_started()            the engine took the request (retrieval, prompt, generation)
  sig_deltas(list, object) new text: list[harmony.Delta] since the last signal, GenerationStats
  sig_tool_call(object)    harmony.ToolCall
  sig_step(object)         agent.ToolStep: a call of a turn with tools ran, or was refused or stopped
  sig_finished(object)     the TurnSession, ended by itself (session.result, session.stats...)
  sig_cancelled(object)    the TurnSession, stopped by this client (its text so far is saved)
  sig_failed(str)          one line for the person (the turn could not start or run)
After the last of finished / cancelled / failed, `done` is true and the relay emits nothing more.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from desktop.core.errors import UserError
from desktop.ui.tasks import run_in_background

if TYPE_CHECKING:
    from desktop.core.conversations import ConversationStore, Message
    from desktop.core.runtime import Sampling
    from desktop.engine.backend import LoadedModel
    from desktop.engine.events import Event
    from desktop.engine.factory import WindowBackend
    from desktop.engine.remote import RemoteConfig
    from desktop.engine.service import EngineService
    from desktop.engine.turn import TurnSession

log = logging.getLogger(__name__)

MAX_UPDATES_PER_S = 30  # a redraw per signal: more would cost the UI thread without being seen


class TurnRelay(QObject):
    sig_begun = Signal(object)
    sig_queued = Signal(int)
    sig_started = Signal()
    sig_deltas = Signal(object, object)
    sig_tool_call = Signal(object)
    sig_step = Signal(object)
    sig_finished = Signal(object)
    sig_cancelled = Signal(object)
    sig_failed = Signal(str)
    _sig_wake = Signal()  # from the engine's thread: events are waiting

    def __init__(self, session: TurnSession | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session  # made on the worker when the turn is saved (its conversation may be new)
        self.done = False
        self._lock = threading.Lock()
        self._pending: list[Event] = []
        self._woken = False
        self._cancel_asked = False
        self.awaiting_begin = False  # the worker saving the question has not reported yet (start_turn sets it)
        self._last_flush = 0.0
        self._timer = QTimer(self, singleShot=True, timeout=self._flush)
        self._sig_wake.connect(self._wake, Qt.ConnectionType.QueuedConnection)

    def cancel(self) -> None:
        """Stop this turn only (queued: dropped; running: ends within a token)."""
        self._cancel_asked = True
        if self.session is not None:  # before the worker has submitted it, the worker checks the flag
            self.session.cancel()

    # -- the engine's thread ---------------------------------------------------------------
    def post(self, event: Event) -> None:
        with self._lock:
            self._pending.append(event)
            if self._woken:
                return
            self._woken = True
        self._sig_wake.emit()

    # -- the UI thread -----------------------------------------------------------------------
    def _wake(self) -> None:
        from desktop.engine.events import TERMINAL, DeltaEvent

        with self._lock:
            only_deltas = all(isinstance(e, DeltaEvent) for e in self._pending)
            urgent = any(isinstance(e, TERMINAL) for e in self._pending)
        wait = self._last_flush + 1.0 / MAX_UPDATES_PER_S - time.monotonic()
        if only_deltas and not urgent and wait > 0:
            if not self._timer.isActive():
                self._timer.start(int(wait * 1000) + 1)
            return
        self._flush()

    def _flush(self) -> None:
        from desktop.core.harmony import Delta
        from desktop.engine.events import Cancelled, DeltaEvent, Failed, Finished, Queued, Started, ToolCallEvent

        self._timer.stop()
        with self._lock:
            events, self._pending, self._woken = self._pending, [], False
        self._last_flush = time.monotonic()
        batch: list[Delta] = []
        stats = None
        for index, event in enumerate(events):
            if self.done:
                return
            if self.awaiting_begin and isinstance(event, (Finished, Cancelled, Failed)):
                # A fast engine can end the turn before the worker says the question is saved: the
                # end waits for that, so the view learns the new chat's id before the turn is over.
                with self._lock:
                    self._pending[:0] = events[index:]
                break
            if isinstance(event, DeltaEvent):
                batch.append(Delta(event.channel, event.text))
                stats = event.stats
                continue
            if batch:  # text before a state change is shown before it
                self.sig_deltas.emit(batch, stats)
                batch = []
            if isinstance(event, Queued):
                self.sig_queued.emit(event.ahead)
            elif isinstance(event, Started):
                self.sig_started.emit()
            elif isinstance(event, ToolCallEvent):
                self.sig_tool_call.emit(event.call)
            elif _is_step(event):
                self.sig_step.emit(event.step)  # type: ignore[attr-defined]
            elif isinstance(event, Finished):
                self._end(self.sig_finished, self.session)
            elif isinstance(event, Cancelled):
                self._end(self.sig_cancelled, self.session)
            elif isinstance(event, Failed):
                self._end(self.sig_failed, event.message)
        if batch and not self.done:
            self.sig_deltas.emit(batch, stats)

    def _begun(self, begun: tuple[int, Message] | None) -> None:
        self.awaiting_begin = False
        if begun is not None and not self.done:
            self.sig_begun.emit(begun)
        self._flush()  # an end held back for this comes now

    def _start_failed(self, message: str) -> None:
        self._end(self.sig_failed, message)

    def _end(self, signal: Any, value: object) -> None:
        self.done = True
        signal.emit(value)


def _is_step(event: Event) -> bool:
    # desktop.engine.tool_turn is loaded by a turn with tools; without it no event can be a step.
    module = sys.modules.get("desktop.engine.tool_turn")
    return module is not None and isinstance(event, module.StepEvent)


class EngineBridge(QObject):
    """The window's handle on the engine. `model` is what is loaded (None while loading);
    `busy` is true while a turn this bridge started has not ended (other clients do not count)."""

    sig_loaded = Signal(object)  # LoadedModel
    sig_load_failed = Signal(str)  # `model` already names the model still in use, or is None
    sig_busy = Signal(bool)
    _sig_load_done = Signal(object, str)  # LoadedModel | None, error ('' when loaded)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model: LoadedModel | None = None
        self._service: EngineService | None = None
        self._backend: WindowBackend | None = None  # this computer's GGUF or a remote engine
        self._make_lock = threading.Lock()
        self._load_lock = threading.Lock()  # one load (and its fallback) at a time
        self._loaded: tuple[LoadedModel, Callable[[], Any]] | None = None  # and how, to bring it back
        self._turns: list[TurnRelay] = []
        self.closed = False
        self._sig_load_done.connect(self._load_done, Qt.ConnectionType.QueuedConnection)

    # -- the engine ----------------------------------------------------------------------------
    @property
    def service(self) -> EngineService:
        """The EngineService, made on first use (the engine's imports are not needed before)."""
        with self._make_lock:
            if self._service is None:
                if self.closed:
                    raise UserError("The window is closing.")
                from desktop.engine.factory import WindowBackend
                from desktop.engine.service import EngineService

                self._backend = WindowBackend()
                self._service = EngineService(self._backend)
            return self._service

    @property
    def busy(self) -> bool:
        return any(not turn.done for turn in self._turns)

    def shutdown(self) -> None:
        """Stop this window's turns and the engine (other clients' requests end as cancelled)."""
        self.closed = True
        for turn in self._turns:
            turn.cancel()
        with self._make_lock:
            service = self._service
        if service is not None:
            service.close()

    # -- models ----------------------------------------------------------------------------------
    def load(self, path: str, plan: Callable[[], Any]) -> None:
        """Load `path` off the UI thread; `plan()` (see chat.plan_load) runs on the engine thread.

        A file that cannot be a chat model is refused before the working model is let go of; a
        failure after that (not enough memory, a file llama.cpp rejects) loads the previous model
        again with its previous options. sig_loaded or sig_load_failed says how it went."""
        self.model = None
        threading.Thread(target=self._load, args=(path, plan), name="model-load", daemon=True).start()

    def _load(self, path: str, plan: Callable[[], Any]) -> None:
        with self._load_lock:
            try:
                model, error = self._load_or_keep(path, plan)
            except Exception as exc:  # noqa: BLE001 - the window must hear about any failure
                log.exception("model load failed")
                model, error = None, f"Could not load {path}: {exc}"
        self._sig_load_done.emit(model, error)

    def _load_or_keep(self, path: str, plan: Callable[[], Any]) -> tuple[LoadedModel | None, str]:
        from desktop.core.gguf_check import inspect_gguf, require_chat_model

        self.service  # noqa: B018 - makes the backend on this worker, not on the UI thread
        previous = self._loaded
        if previous is not None:
            try:
                require_chat_model(inspect_gguf(path))
            except UserError as exc:
                return previous[0], str(exc)
            except Exception as exc:  # noqa: BLE001 - an unreadable file is a message, not a crash
                return previous[0], f"Could not load {path}: {exc}"
        planned: list[Any] = []

        def plan_and_keep() -> Any:
            planned.append(plan())
            return planned[-1]

        try:
            model = self._backend_load(path, plan_and_keep)
        except UserError as exc:
            message = str(exc)
        else:
            self._loaded = (model, lambda: planned[-1])  # the same options again, no second probe
            return model, ""
        self._loaded = None
        if previous is None:
            return None, message
        try:
            kept = self._backend_load(previous[0].path, previous[1])
        except UserError:
            log.exception("could not reopen the previous model")
            return None, message
        self._loaded = previous
        return kept, message

    @property
    def remote(self) -> RemoteConfig | None:
        """The remote engine questions go to, or None while this computer's model answers them."""
        return self._backend.remote if self._backend is not None else None

    def connect_remote(self, config: Callable[[], RemoteConfig]) -> None:
        """Send the next questions to a remote engine; `config()` runs on a worker (it reads the
        keychain). The server and model are checked first; when they fail, the engine in use
        stays. sig_loaded or sig_load_failed says how it went, as for a model file."""
        previous, self.model = self.model, None
        threading.Thread(target=self._connect_remote, args=(config, previous), name="engine-connect",
                         daemon=True).start()

    def _connect_remote(self, config: Callable[[], RemoteConfig], previous: LoadedModel | None) -> None:
        with self._load_lock:
            try:
                self.service  # noqa: B018 - makes the backend on this worker
                assert self._backend is not None
                model, error = self._backend.use_remote(config()), ""
                self._loaded = None  # the local model was let go of: nothing to fall back to
            except UserError as exc:
                model, error = previous, str(exc)
            except Exception as exc:  # noqa: BLE001 - the window must hear about any failure
                log.exception("remote engine connection failed")
                model, error = previous, f"Could not use the remote engine: {exc}"
        self._sig_load_done.emit(model, error)

    def _backend_load(self, path: str, plan: Callable[[], Any]) -> LoadedModel:
        assert self._backend is not None
        return self._backend.load(path, plan).result()

    def _load_done(self, model: LoadedModel | None, error: str) -> None:
        self.model = model
        if error:
            self.sig_load_failed.emit(error)
        else:
            self.sig_loaded.emit(model)

    # -- turns -------------------------------------------------------------------------------------
    def start_turn(self, question: str, sampling: Sampling, *, store: ConversationStore | None = None,
                   conversation_id: int | None = None, prepare: Callable[[], int | None] | None = None,
                   make_session: Callable[..., TurnSession] | None = None, **options: Any) -> TurnRelay:
        """Start a turn from a worker (saving the question and the placeholder are SQLite writes).

        `prepare()` runs first on that worker (make the conversation, cut it for an edit) and
        returns the conversation id when it makes one. `make_session(service, store, conversation_id)`
        makes the session on that worker (default: a TurnSession; a ToolTurnSession for a turn with
        tools). `options` go to the session's `start`."""
        from desktop.engine.turn import TurnSession

        service = self.service
        make = make_session or TurnSession
        relay = TurnRelay(make(service, None, None) if store is None else None, self)
        self._turns = [t for t in self._turns if not t.done] + [relay]
        relay.sig_finished.connect(self._turn_ended)
        relay.sig_cancelled.connect(self._turn_ended)
        relay.sig_failed.connect(self._turn_ended)
        self.sig_busy.emit(True)

        def begin() -> tuple[int, Message] | None:
            conv_id = prepare() if prepare is not None else None
            conv_id = conv_id if conv_id is not None else conversation_id
            if store is not None:
                relay.session = make(service, store, conv_id)
            assert relay.session is not None
            relay.session.start(question, sampling, on_event=relay.post, **options)
            if relay._cancel_asked:  # Stop came while this worker was saving the question
                relay.session.cancel()
            if store is None or relay.session.message_id is None:
                return None
            return conv_id, store.message(relay.session.message_id)

        relay.awaiting_begin = store is not None
        run_in_background(begin, on_done=relay._begun,
                          on_failed=relay._start_failed)
        return relay

    def _turn_ended(self, *_args: object) -> None:
        if not self.busy:
            self.sig_busy.emit(False)
