"""Does the UI stall? A 5 ms heartbeat timer on the UI thread while the real window works (streams
an answer, or indexes a folder dropped on the Library pane); the longest gap between beats is the
worst stall a user could feel."""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from desktop.bench.library import corpus_home, nearest_rank
from desktop.context import AppContext
from desktop.core.errors import UserError


def _window(ctx: AppContext):
    from PySide6.QtWidgets import QApplication

    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings_hub import SettingsHub

    app = QApplication.instance() or QApplication([])
    window = MainWindow(SettingsHub(ctx))
    window.show()
    return app, window


CLICK_PAUSE_S = 0.15  # between one click and the next: no person clicks faster


def _wait_until(condition: Callable[[], bool]) -> None:
    """Run a real event loop, as the app does, until `condition` holds (checked every 20 ms).

    It waits for events with the GIL released; a loop of processEvents() calls would hold the
    GIL most of the time and slow the workers down."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer(interval=20, timeout=lambda: loop.quit() if condition() else None)
    check.start()
    loop.exec()
    check.stop()


def _beat_while(start: Callable[[], None], running: Callable[[], bool],
                phases: dict[str, float] | None = None) -> dict[str, float]:
    """Heartbeat gaps while `running()`; `phases` (name -> perf_counter when it began, filled by
    `start`) splits the longest gap by phase as well."""
    from PySide6.QtCore import QTimer

    beats: list[float] = []
    heartbeat = QTimer(interval=5, timeout=lambda: beats.append(time.perf_counter()))
    heartbeat.start()
    start()
    _wait_until(lambda: not running())
    heartbeat.stop()
    pairs = list(zip(beats, beats[1:]))
    gaps = sorted((b - a) * 1000 for a, b in pairs)
    if not gaps:
        return {"heartbeat_gap_ms_p50": 0.0, "heartbeat_gap_ms_p99": 0.0, "heartbeat_gap_ms_max": 0.0}
    figures = {
        "heartbeat_gap_ms_p50": round(statistics.median(gaps), 2),
        "heartbeat_gap_ms_p99": round(nearest_rank(gaps, 0.99), 2),
        "heartbeat_gap_ms_max": round(gaps[-1], 2),
    }
    bounds = sorted((began, name) for name, began in (phases or {}).items())
    for i, (began, name) in enumerate(bounds):
        ended = bounds[i + 1][0] if i + 1 < len(bounds) else float("inf")
        # A gap belongs to the phase in which it ended (the work that delayed the beat ran there).
        inside = [(b - a) * 1000 for a, b in pairs if began <= b < ended]
        figures[f"{name}_gap_ms_max"] = round(max(inside, default=0.0), 2)
    return figures


# The conversation store's calls that the window may make on its UI thread.
_STORE_CALLS = ("list", "search", "get", "messages", "message", "create", "rename", "set_settings", "delete",
                "restore", "truncate_after", "add_user_message", "start_assistant_message", "update_partial",
                "finish_assistant_message", "export_markdown", "export_json")


def _time_store_on_ui_thread(store: Any) -> list[float]:
    """Milliseconds of every store call the UI thread makes from now on (workers' are not counted):
    what SQLite can cost the window directly, whatever else the machine is doing."""
    spent: list[float] = []
    ui = threading.current_thread()
    for name in _STORE_CALLS:
        call = getattr(store, name)

        def timed(*args: Any, _call: Callable[..., Any] = call, **kwargs: Any) -> Any:
            if threading.current_thread() is not ui:
                return _call(*args, **kwargs)
            started = time.perf_counter()
            try:
                return _call(*args, **kwargs)
            finally:
                spent.append((time.perf_counter() - started) * 1000)
        setattr(store, name, timed)
    return spent


def bench_ui_stall(model: str, tokens: int, ctx: AppContext) -> dict[str, float]:
    """Stream an answer, then use the sidebar as a person would (search, open, rename): one step
    per click, a short pause between them, each step's work done on the workers the window uses."""
    from desktop.ui.tasks import run_in_background

    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=model, context_length=max(4096, tokens * 2))
                        .with_section("sampling", max_tokens=tokens))
    _app, window = _window(ctx)  # (holding the QApplication keeps it alive)
    _wait_until(lambda: window.engine.model is not None)
    store_ms = _time_store_on_ui_thread(window.store)
    chat = window.chat
    chat.input.setPlainText("Write a very long answer with lists, tables and code.")
    phases: dict[str, float] = {}
    renamed: list[bool] = []

    def rename(conversation: int) -> None:  # as the sidebar's Rename does once its dialog is answered
        store = window.store
        run_in_background(lambda: store.rename(conversation, "A long answer"),
                          on_done=lambda _c: (chat.sidebar.refresh(), renamed.append(True)))

    def stream_then_browse() -> None:
        phases["streaming"] = time.perf_counter()
        chat.send()
        _wait_until(lambda: not window.engine.busy)
        phases["browsing"] = time.perf_counter()
        conversation = chat.conversation_id
        steps: list[tuple[Callable[[], object], Callable[[], bool]]] = [
            (chat.new_conversation, lambda: True),
            (lambda: chat.sidebar.search.setText("tables"), lambda: True),
            (chat.sidebar.refresh, lambda: True),
            (chat.sidebar.search.clear, lambda: True),
        ]
        if conversation is not None:
            steps += [(lambda: chat.open_conversation(conversation), lambda: chat.conversation_id == conversation),
                      (lambda: rename(conversation), lambda: bool(renamed))]
        for step, done in steps:
            _pause(CLICK_PAUSE_S)
            step()
            _wait_until(done)
        _pause(CLICK_PAUSE_S)  # what the last step left to draw is drawn inside the measurement

    browsed: list[bool] = []
    gaps = _beat_while(lambda: (stream_then_browse(), browsed.append(True)), lambda: not browsed, phases)
    result = chat.last_result
    window.close()
    return {
        "tokens": result.stats.tokens if result else 0,
        "tokens_per_s": round(result.stats.tokens_per_s, 1) if result else 0.0,
        **gaps,
        "store_calls_on_ui_thread": len(store_ms),
        "store_ms_on_ui_thread_max": round(max(store_ms, default=0.0), 2),
    }


def _pause(seconds: float) -> None:
    """Let the event loop run for `seconds`, as it does between a person's clicks."""
    until = time.perf_counter() + seconds
    _wait_until(lambda: time.perf_counter() >= until)


def bench_ui_indexing(embedding_model: str, documents: int) -> dict[str, float]:
    """The Library pane indexes a generated folder (as if dropped on it) in a fresh app home."""
    with corpus_home(embedding_model, documents, 5, random.Random(7)) as (ctx, corpus):
        _app, window = _window(ctx)  # (holding the QApplication keeps it alive)
        service = window.library_service
        ready: list[bool] = []
        failed: list[str] = []
        service.sig_ready.connect(lambda: ready.append(True))
        service.sig_failed.connect(failed.append)
        _wait_until(lambda: bool(ready or failed))
        reports: list[object] = []
        service.sig_finished.connect(reports.append)
        window.tabs.setCurrentWidget(window.library)
        started = time.perf_counter()
        gaps = _beat_while(lambda: window.library.add_paths([str(corpus)]),
                           lambda: not reports and not failed)
        seconds = time.perf_counter() - started
        window.close()
        if failed:
            raise UserError(f"The library could not index the generated folder: {failed[0]}")
        chunks = reports[0].chunks
    return {"documents": documents, "chunks": chunks, "index_s": round(seconds, 1), **gaps}
