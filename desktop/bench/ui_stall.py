"""Does streaming stall the UI? A 5 ms heartbeat timer on the UI thread while the real window
streams an answer; the longest gap between beats is the worst stall a user could feel."""

from __future__ import annotations

import statistics
import time

from desktop.context import AppContext


def bench_ui_stall(model: str, tokens: int, ctx: AppContext) -> dict[str, float]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings_hub import SettingsHub

    app = QApplication.instance() or QApplication([])
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=model, context_length=max(4096, tokens * 2))
                        .with_section("sampling", max_tokens=tokens))
    window = MainWindow(SettingsHub(ctx))
    window.show()
    while window.engine.model is None:
        app.processEvents()
        time.sleep(0.005)
    beats: list[float] = []
    heartbeat = QTimer(interval=5, timeout=lambda: beats.append(time.perf_counter()))
    heartbeat.start()
    window.chat.input.setPlainText("Write a very long answer with lists, tables and code.")
    window.chat.send()
    while window.engine.busy:
        app.processEvents()
    heartbeat.stop()
    result = window.chat.last_result
    window.close()
    gaps = sorted((b - a) * 1000 for a, b in zip(beats, beats[1:]))
    return {
        "tokens": result.stats.tokens if result else 0,
        "tokens_per_s": round(result.stats.tokens_per_s, 1) if result else 0.0,
        "heartbeat_gap_ms_p50": round(statistics.median(gaps), 2),
        "heartbeat_gap_ms_p99": round(gaps[int(len(gaps) * 0.99) - 1], 2),
        "heartbeat_gap_ms_max": round(gaps[-1], 2),
    }
