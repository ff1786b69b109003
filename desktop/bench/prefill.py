"""Prompt reading (prefill) and time to first token at several prompt lengths, cold cache,
and model load time of the app's runtime against llama-cpp-python's bare `Llama()`."""

from __future__ import annotations

import statistics
import time

from desktop.bench.progress import BenchProgress
from desktop.core.llama_build import load_llama_cpp
from desktop.core.runtime import ChatRuntime, GenerationStats, LoadOptions, Sampling

FILLER = "The quick brown fox jumps over the lazy dog while the clock ticks on the wall. "


def _prompt_of(runtime: ChatRuntime, tokens: int) -> str:
    """A harmony user turn padded to about `tokens` tokens of this model's vocabulary."""
    head, tail = "<|start|>user<|message|>", "<|end|><|start|>assistant"
    text = FILLER
    while runtime.count_tokens(head + text + tail) < tokens:
        text += FILLER * max(1, (tokens - runtime.count_tokens(head + text + tail)) // 20)
    words = text.split(" ")
    while len(words) > 1 and runtime.count_tokens(head + " ".join(words) + tail) > tokens:
        words = words[: max(1, len(words) - max(1, len(words) // 50))]
    return head + " ".join(words) + tail


def bench_prefill(model: str, options: LoadOptions, lengths: list[int], runs: int = 3,
                  progress: BenchProgress | None = None) -> dict[str, dict]:
    progress = progress or BenchProgress("prefill")
    progress.note(f"loading {model}")
    runtime = ChatRuntime(model, options)
    figures: dict[str, dict] = {}
    try:
        for length in lengths:
            if length + 8 > runtime.n_ctx:
                continue
            prompt = _prompt_of(runtime, length)
            ttfts = []
            for _ in range(runs):
                runtime.reset_cache()
                stats = GenerationStats()
                for _piece in runtime.stream(prompt, Sampling(max_tokens=1), stats=stats):
                    pass
                ttfts.append(stats.ttft_s)
                progress.note(f"{stats.prompt_tokens} tokens: {stats.ttft_s * 1000:.1f} ms to the first token")
            ttft = statistics.median(ttfts)
            figures[str(length)] = {"prompt_tokens": stats.prompt_tokens, "ttft_ms": round(ttft * 1000, 1),
                                    "prefill_tokens_per_s": round(stats.prompt_tokens / ttft, 1)}
    finally:
        runtime.close()
    return figures


def bench_load(model: str, options: LoadOptions, runs: int = 3,
               progress: BenchProgress | None = None) -> dict[str, float]:
    """Alternating loads; the first of each is dropped so both read the file from the page cache."""
    progress = progress or BenchProgress("load")
    llama_cpp = load_llama_cpp()

    app_s, bare_s = [], []
    for i in range(runs + 1):
        started = time.perf_counter()
        ChatRuntime(model, options).close()
        app = time.perf_counter() - started
        started = time.perf_counter()
        llama_cpp.Llama(model_path=model, n_ctx=options.n_ctx, n_batch=options.n_batch, n_ubatch=options.n_batch,
                        n_gpu_layers=options.n_gpu_layers,
                        flash_attn=options.flash_attn if options.flash_attn is not None else options.n_gpu_layers != 0,
                        verbose=False).close()
        bare = time.perf_counter() - started
        progress.note(f"round {i}/{runs}{' (warm-up, dropped)' if i == 0 else ''}: app {app:.2f} s, Llama() {bare:.2f} s")
        if i:
            app_s.append(app)
            bare_s.append(bare)
    app, bare = statistics.median(app_s), statistics.median(bare_s)
    return {"app_load_s": round(app, 3), "llama_cpp_load_s": round(bare, 3), "ratio": round(app / bare, 3)}
