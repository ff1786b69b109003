"""Two conversations that alternate on one model each find their own prompt prefix again."""

from __future__ import annotations

from pathlib import Path

from desktop.core.conversations import ConversationStore
from desktop.core.runtime import ChatRuntime, LoadOptions, Sampling
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.events import Finished
from desktop.engine.kv_cache import ConversationCaches
from desktop.engine.service import EngineService
from desktop.engine.turn import TurnSession

LONG_QUESTION = "Please read all of this first. " + "The heat pump manual says many things. " * 40


def _turn(engine: EngineService, store: ConversationStore, conv: int, question: str) -> Finished:
    session = TurnSession(engine, store, conv)
    session.start(question, Sampling(temperature=0.0, max_tokens=12))
    outcome = session.wait(timeout=60)
    assert isinstance(outcome, Finished)
    return outcome


def _alternate(model: Path, store_path: Path, interleave: bool) -> tuple[Finished, Finished, LlamaCppBackend]:
    backend = LlamaCppBackend()
    backend.load(model, lambda: (LoadOptions(n_ctx=4096), None)).result()
    engine = EngineService(backend)
    try:
        with ConversationStore(store_path) as store:
            a, b = store.create().id, store.create().id
            first = _turn(engine, store, a, LONG_QUESTION)
            if interleave:
                _turn(engine, store, b, "Something else entirely, and long enough. " * 20)
            second = _turn(engine, store, a, "And then?")
    finally:
        engine.close()
    return first, second, backend


def test_alternating_conversations_keep_their_prefix(tiny_gpt_oss: Path, tmp_path: Path) -> None:
    first, second, backend = _alternate(tiny_gpt_oss, tmp_path / "a.sqlite3", interleave=True)
    # Everything of the first turn's prompt was still cached for the follow-up, although another
    # conversation ran in between; without the saved cache only the shared system prompt would be.
    assert second.stats.reused_tokens >= first.stats.prompt_tokens - 1
    assert backend.caches.restored == 1
    # And the restored cache is the same cache: the follow-up's greedy answer is the one it gets
    # when nothing ran in between.
    _, alone, _ = _alternate(tiny_gpt_oss, tmp_path / "b.sqlite3", interleave=False)
    assert second.result.answer + second.result.reasoning == alone.result.answer + alone.result.reasoning
    assert second.stats.reused_tokens == alone.stats.reused_tokens


def test_saved_caches_stay_within_their_budget(tiny_gpt_oss: Path) -> None:
    runtime = ChatRuntime(tiny_gpt_oss, LoadOptions(n_ctx=1024))
    try:
        list(runtime.stream("<|start|>user<|message|>" + "x " * 100 + "<|end|><|start|>assistant",
                            Sampling(max_tokens=4)))
        one = runtime.snapshot_cache().nbytes
        caches = ConversationCaches(budget_bytes=int(one * 2.5), max_snapshots=10)
        for key in ("a", "b", "c", "d"):
            caches.switch_to(runtime, key)
        caches.switch_to(runtime, None)
        assert caches.saved_bytes <= caches.budget_bytes
        assert list(caches._saved) == ["c", "d"]  # the least recently used went first
        caches.switch_to(runtime, "a")  # evicted: runs on whatever is cached, nothing restored
        assert caches.restored == 0
        caches.switch_to(runtime, "d")
        assert caches.restored == 1 and len(runtime._kv.tokens) > 100
    finally:
        runtime.close()
