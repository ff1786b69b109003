"""The Qt adapter over the engine: what the engine's thread posts reaches the UI thread in order,
text batched into few updates, and nothing after the turn's end."""

from __future__ import annotations

import threading

from desktop.core.runtime import GenerationStats
from desktop.engine.events import Cancelled, DeltaEvent, Queued, Started
from desktop.ui.engine_bridge import TurnRelay


def test_text_posted_together_is_one_update_in_order_and_nothing_follows_the_end(qtbot) -> None:
    relay = TurnRelay(None)
    heard: list[object] = []
    relay.sig_queued.connect(lambda ahead: heard.append(("queued", ahead)))
    relay.sig_started.connect(lambda: heard.append("started"))
    relay.sig_deltas.connect(lambda batch, stats: heard.append(([(d.channel, d.text) for d in batch], stats.tokens)))
    relay.sig_cancelled.connect(lambda _session: heard.append("cancelled"))
    relay.sig_finished.connect(lambda _session: heard.append("finished"))

    def engine_thread() -> None:
        relay.post(Queued(7, ahead=1))
        relay.post(Started(7))
        for n in range(1, 201):
            relay.post(DeltaEvent(7, "analysis" if n <= 50 else "final", f"{n} ", GenerationStats(tokens=n)))
        relay.post(Cancelled(7, None))
        relay.post(DeltaEvent(7, "final", "late", GenerationStats(tokens=201)))  # after the end: dropped

    worker = threading.Thread(target=engine_thread)
    worker.start()
    worker.join()  # everything is posted before the UI thread looks: one delivery
    qtbot.waitUntil(lambda: "cancelled" in heard, timeout=5000)
    text = [("analysis" if n <= 50 else "final", f"{n} ") for n in range(1, 201)]
    assert heard == [("queued", 1), "started", (text, 200), "cancelled"]
    assert relay.done
