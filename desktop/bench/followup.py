"""Time to first token of a follow-up turn vs the first: what prefix reuse of the KV cache buys.

A conversation grows turn by turn (each question a few hundred tokens, so turn 10 carries a few
thousand tokens of history). With the cache kept, turn 10 only reads its new question; the
"no reuse" column re-reads the whole history, as a runtime without prefix reuse would.
"""

from __future__ import annotations

from desktop.bench.progress import BenchProgress
from desktop.core import harmony
from desktop.core.chat import ChatRequest, build_prompt, run_turn
from desktop.core.runtime import ChatRuntime, LoadOptions, Sampling

QUESTION = ("Here is another paragraph of notes about the project, with details on design, "
            "testing, packaging and performance that the assistant should keep in mind. ") * 2


def bench_followup(model: str, options: LoadOptions, turns: int = 10, answer_tokens: int = 32,
                   progress: BenchProgress | None = None) -> dict[str, float]:
    progress = progress or BenchProgress("followup")
    progress.note(f"loading {model}")
    runtime = ChatRuntime(model, options)
    sampling = Sampling(max_tokens=answer_tokens, seed=7)
    history: list[harmony.Turn] = []
    ttft_ms: list[float] = []
    keep_from = 0
    try:
        for i in range(turns):
            request = ChatRequest((*history, harmony.Turn("user", f"Turn {i}. {QUESTION}")), keep_from=keep_from)
            plan = build_prompt(request, runtime.count_tokens, runtime.n_ctx, answer_tokens)
            keep_from = plan.dropped_turns
            result = run_turn(runtime, plan.prompt, sampling)
            ttft_ms.append(result.stats.ttft_s * 1000)
            history = [*request.turns, harmony.Turn("assistant", result.answer)]
            prompt_tokens = result.stats.prompt_tokens
            progress.note(f"turn {i + 1}/{turns}: {prompt_tokens} prompt tokens, {ttft_ms[-1]:.0f} ms to the first token")
        runtime.reset_cache()  # the last turn again, reading the whole history
        cold = run_turn(runtime, plan.prompt, sampling)
        progress.note(f"last turn without reuse: {cold.stats.ttft_s * 1000:.0f} ms")
    finally:
        runtime.close()
    return {
        "turns": turns,
        "history_tokens_at_last_turn": prompt_tokens,
        "ttft_ms_turn_1": round(ttft_ms[0], 1),
        "ttft_ms_last_turn": round(ttft_ms[-1], 1),
        "ratio_last_vs_first": round(ttft_ms[-1] / ttft_ms[0], 3),
        "ttft_ms_last_turn_without_reuse": round(cold.stats.ttft_s * 1000, 1),
    }
