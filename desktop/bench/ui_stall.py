"""Does the UI stall? A 5 ms heartbeat timer on the UI thread while the real window works (streams
an answer, opens chats, or indexes a folder dropped on the Library pane); the longest gap between
beats is the worst stall a user could feel. Each bench runs in a throwaway app home: the user's
chats are neither read nor written, and every run starts from the same state."""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.bench.library import corpus_home, nearest_rank
from desktop.context import AppContext
from desktop.core.conversations import ConversationStore
from desktop.core.errors import UserError
from desktop.paths import AppPaths


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


LONG_CHAT_TURNS = 20  # a page of 40 messages: what opening a long chat shows at once


def long_answer(turn: int) -> str:
    """A long answer in the Markdown gpt-oss writes (~4,000 characters): a heading, paragraphs, a
    list, a table, a code block."""
    words = ("the", "heat", "pump", "runs", "a", "defrost", "cycle", "when", "coil", "frost", "builds",
             "up", "and", "outdoor", "air", "is", "cold", "so", "efficiency", "drops", "for", "minutes")
    rng = random.Random(turn)

    def sentences(count: int) -> str:
        return " ".join(" ".join(rng.choice(words) for _ in range(rng.randint(8, 18))).capitalize() + "."
                        for _ in range(count))

    rows = "\n".join(f"| step {i} | {rng.randint(1, 90)} min | {sentences(1)} |" for i in range(8))
    code = "\n".join(f"    cycle_{i} = run_defrost(minutes={rng.randint(1, 9)})  # {sentences(1)[:40]}"
                      for i in range(12))
    return (f"## Part {turn}: how the cycle works\n\n{sentences(6)}\n\n{sentences(5)}\n\n"
            + "\n".join(f"- **Point {i}**: {sentences(1)}" for i in range(6))
            + f"\n\n| step | time | what happens |\n|---|---|---|\n{rows}\n\n"
            + f"```python\ndef defrost():\n{code}\n```\n\n{sentences(4)}")


def _seed_long_chat(store: ConversationStore) -> int:
    conversation = store.create("Defrost, in depth").id
    for turn in range(LONG_CHAT_TURNS):
        store.add_user_message(conversation, f"Tell me more about part {turn} of the defrost cycle.")
        answer = store.start_assistant_message(conversation, "medium", "bench")
        store.finish_assistant_message(answer.id, long_answer(turn), "Reasoning about the question. " * 20,
                                       {"tokens": 900, "tokens_per_s": 20.0})
    return conversation


def bench_ui_stall(model: str, tokens: int) -> dict[str, float]:
    """Stream an answer, then use the sidebar as a person would (search, open the streamed chat,
    open a long chat, rename): one step per click, a short pause between them, each step's work
    done on the workers the window uses. In a throwaway app home."""
    # (Its files may still be open when it goes: the window's threads close them as they end.)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as home:
        ctx = AppContext.load(AppPaths.under(Path(home)))
        with ConversationStore(ctx.paths.conversations_db) as store:
            long_chat = _seed_long_chat(store)
        return _stream_then_browse(ctx, model, tokens, long_chat)


def _stream_then_browse(ctx: AppContext, model: str, tokens: int, long_chat: int) -> dict[str, float]:
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
        # Each click is its own phase too: the figures say which one stalled (its gaps until the next click).
        steps: list[tuple[str, Callable[[], object], Callable[[], bool]]] = [
            ("new_chat", chat.new_conversation, lambda: True),
            ("search", lambda: chat.sidebar.search.setText("tables"), lambda: True),
            ("refresh", chat.sidebar.refresh, lambda: True),
            ("clear_search", chat.sidebar.search.clear, lambda: True),
        ]
        if conversation is not None:
            steps += [("open_chat", lambda: chat.open_conversation(conversation),
                       lambda: chat.conversation_id == conversation),
                      ("rename", lambda: rename(conversation), lambda: bool(renamed))]
        steps.append(("open_long_chat", lambda: chat.open_conversation(long_chat), long_chat_shown))
        for name, step, done in steps:
            _pause(CLICK_PAUSE_S)
            phases[name] = time.perf_counter()
            step()
            _wait_until(done)
        _pause(CLICK_PAUSE_S)  # what the last step left to draw is drawn inside the measurement

    shown_at: list[float] = []

    def long_chat_shown() -> bool:  # every message of its page placed (checked every 20 ms)
        if chat.conversation_id != long_chat or chat.placing:
            return False
        shown_at.append(time.perf_counter())
        return True

    browsed: list[bool] = []
    gaps = _beat_while(lambda: (stream_then_browse(), browsed.append(True)), lambda: not browsed, phases)
    result = chat.last_result
    window.close()
    return {
        "tokens": result.stats.tokens if result else 0,
        "tokens_per_s": round(result.stats.tokens_per_s, 1) if result else 0.0,
        **gaps,
        # Click to the long chat's whole page on screen (the newest message shows first).
        "open_long_chat_shown_ms": round((shown_at[0] - phases["open_long_chat"]) * 1000) if shown_at else None,
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
