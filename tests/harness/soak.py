"""Long runs: a 1,000-turn conversation, and compressed days of use with memory growth reported.

    run_long_conversation(args) -> dict   store 1,000 turns, build every prompt with a real tokenizer
    run_soak(args) -> dict                chat turns, library searches and re-indexing, conversation
                                          churn and settings saves, in one process like the window,
                                          for `args.minutes` (at most 15); RSS sampled every cycle
                                          (the app's process and its library store's)

Both take the chat model (`args.chat_model`, a gpt-oss GGUF) and the soak an embedding model
(`args.embedding_model`); with neither given, the tiny generated test models are used (needs a
source checkout). Everything lives in a temporary app home. For a 100k-chunk library see
`gpt-oss-desktop bench store` (its figures are in the README).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from desktop.bench.library import nearest_rank
from desktop.context import AppContext
from desktop.core import harmony, rag
from desktop.core.chat import ChatRequest, TokenCounter, build_prompt, run_chat, sampling_from_settings
from desktop.core.conversations import ConversationStore
from desktop.core.runtime import ChatRuntime, LoadOptions
from desktop.paths import AppPaths
from tests.harness.bench_models import given_or_tiny

MAX_SOAK_MINUTES = 15
_WORDS = ("heat pump defrost router reset bread flour oven tax receipt garden tomato bicycle chain "
          "brake passport marathon coffee grind puppy kernel module network printer").split()


def _models(args: argparse.Namespace, work: Path) -> tuple[Path, Path]:
    return given_or_tiny(getattr(args, "chat_model", None), getattr(args, "embedding_model", None),
                         work, n_ctx_train=32768)


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize() + "."


def _ms(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(nearest_rank(ordered, 0.95) * 1000, 2), "max_ms": round(ordered[-1] * 1000, 2)}


def run_long_conversation(args: argparse.Namespace) -> dict:
    """1,000 questions and answers: store, reopen, search, export; every turn's prompt fitted."""
    work = Path(tempfile.mkdtemp(prefix="long-chat-"))
    chat_model, _ = _models(args, work)
    turns = getattr(args, "turns", 1000)
    rng = random.Random(1)
    runtime = ChatRuntime(chat_model, LoadOptions(n_ctx=8192, n_gpu_layers=0, n_threads=1))
    db = work / "conversations.sqlite3"
    store = ConversationStore(db)
    conv = store.create("a long one")
    history: list[harmony.Turn] = []
    counter = TokenCounter(runtime.count_tokens)
    keep_from, build_s, store_s = 0, [], []
    for i in range(turns):
        question = f"Question {i}: {_sentence(rng, rng.randint(5, 40))}"
        answer = " ".join(_sentence(rng, rng.randint(8, 30)) for _ in range(rng.randint(1, 8)))
        history.append(harmony.Turn("user", question))
        began = time.perf_counter()
        plan = build_prompt(ChatRequest(tuple(history), keep_from=keep_from, today=datetime.date(2026, 1, 1)),
                            counter, runtime.n_ctx, reserve=1024)
        build_s.append(time.perf_counter() - began)
        keep_from = plan.dropped_turns
        began = time.perf_counter()
        store.add_user_message(conv.id, question)
        msg = store.start_assistant_message(conv.id, "medium", "tiny")
        store.update_partial(msg.id, answer[: len(answer) // 2], "")
        store.finish_assistant_message(msg.id, answer, "thinking")
        store_s.append(time.perf_counter() - began)
        history.append(harmony.Turn("assistant", answer))
    fitted = runtime.count_tokens(plan.prompt)
    store.close()
    began = time.perf_counter()
    reopened = ConversationStore(db)
    messages = reopened.messages(conv.id)
    reopen_s = time.perf_counter() - began
    began = time.perf_counter()
    hits = reopened.search(f"Question {turns - 1}")
    search_s = time.perf_counter() - began
    began = time.perf_counter()
    exported = reopened.export_markdown(conv.id)
    export_s = time.perf_counter() - began
    reopened.close()
    n_ctx = runtime.n_ctx
    runtime.close()
    return {"turns": turns, "messages_stored": len(messages), "intact": len(messages) == 2 * turns,
            "build_prompt": _ms(build_s), "store_turn": _ms(store_s),
            "last_prompt_tokens": fitted, "n_ctx": n_ctx, "turns_dropped_from_last_prompt": keep_from,
            "reopen_and_load_ms": round(reopen_s * 1000, 1), "search_ms": round(search_s * 1000, 1),
            "search_found": bool(hits), "export_markdown_ms": round(export_s * 1000, 1),
            "export_chars": len(exported), "db_mb": round(db.stat().st_size / 2**20, 2)}


def run_soak(args: argparse.Namespace) -> dict:
    """Simulated use in one process; returns cycles done and RSS over time."""
    from desktop.core.library import Library

    minutes = min(float(getattr(args, "minutes", 10)), MAX_SOAK_MINUTES)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    chat_model, embedding_model = _models(args, work)
    ctx = AppContext.load(AppPaths.under(work / "home"))
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(chat_model), context_length=4096))
    rng = random.Random(2)
    docs = work / "docs"
    docs.mkdir()
    for n in range(20):
        (docs / f"doc-{n}.md").write_text("\n\n".join(_sentence(rng, 50) for _ in range(10)))
    process = psutil.Process()
    runtime = ChatRuntime(chat_model, LoadOptions(n_ctx=4096, n_gpu_layers=0, n_threads=1))
    library = Library.open(ctx, embedding_model=embedding_model)
    library.add([docs])
    store = ConversationStore(ctx.paths.conversations_db)
    counter = TokenCounter(runtime.count_tokens)
    sampling = sampling_from_settings(ctx.settings, max_tokens=48)
    conv = store.create("soak")
    samples: list[tuple[int, float]] = []
    counts = {"questions": 0, "searches": 0, "reindexed_files": 0, "conversations": 1, "deleted": 0, "settings_saves": 0}
    deadline = time.monotonic() + minutes * 60
    cycle = 0
    while time.monotonic() < deadline:
        cycle += 1
        history = tuple(harmony.Turn(m.role, m.text) for m in store.messages(conv.id) if m.text)
        question = f"{_sentence(rng, 12)} ({cycle})"
        request = ChatRequest((*history, harmony.Turn("user", question)),
                              retrieve=lambda q: rag.sources_from_hits(library.search(q, top_k=3)))
        store.add_user_message(conv.id, question)
        msg = store.start_assistant_message(conv.id, "medium", "tiny")
        result = run_chat(runtime, request, sampling, counter=counter)
        store.finish_assistant_message(msg.id, result.answer, result.reasoning)
        counts["questions"] += 1
        counts["searches"] += 1
        if cycle % 10 == 0:  # the user edits a document; the watched folder re-indexes it
            (docs / f"doc-{rng.randrange(20)}.md").write_text("\n\n".join(_sentence(rng, 50) for _ in range(10)))
            counts["reindexed_files"] += len(library.add([docs]).indexed)
        if cycle % 25 == 0:  # a new chat; the oldest goes
            conv = store.create(f"soak {cycle}")
            counts["conversations"] += 1
            conversations = store.list()
            if len(conversations) > 5:
                store.delete(conversations[-1].id)
                counts["deleted"] += 1
            store.search(_WORDS[cycle % len(_WORDS)])
        if cycle % 50 == 0:
            ctx.update_settings(ctx.settings.with_section("sampling", temperature=round(rng.uniform(0.5, 1.0), 2)))
            AppContext.load(ctx.paths)
            counts["settings_saves"] += 1
        if cycle % 5 == 0:
            gc.collect()
            samples.append((cycle, _rss_mb(process)))
    runtime.close()
    library.close()
    store.close()
    return {"minutes": minutes, "cycles": cycle, **counts, "rss_mb": _growth(samples)}


def _rss_mb(process: psutil.Process) -> float:
    """The app's memory: its own process and the library's store process."""
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


def _growth(samples: list[tuple[int, float]]) -> dict:
    """RSS after warm-up (the first tenth of the run), at the end, and the fitted growth rate."""
    if len(samples) < 4:
        return {"samples": len(samples)}
    steady = samples[len(samples) // 10:]
    xs, ys = [c for c, _ in steady], [r for _, r in steady]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / max(1e-9, sum((x - mean_x) ** 2 for x in xs))
    return {"start": round(samples[0][1], 1), "after_warmup": round(ys[0], 1), "end": round(ys[-1], 1),
            "max": round(max(r for _, r in samples), 1), "growth_after_warmup": round(ys[-1] - ys[0], 1),
            "mb_per_1000_cycles": round(slope * 1000, 2), "samples": len(samples)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("conversation", "soak", "both"))
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--chat-model")
    parser.add_argument("--embedding-model")
    args = parser.parse_args(argv)
    report = {}
    if args.what in ("conversation", "both"):
        report["conversation"] = run_long_conversation(args)
    if args.what in ("soak", "both"):
        report["soak"] = run_soak(args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
