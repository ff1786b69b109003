"""The runtime on a real llama.cpp with a generated gpt-oss model."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core import harmony
from desktop.core.chat import run_turn
from desktop.core.errors import UserError
from desktop.core.jobs import CancelToken
from desktop.core.runtime import ChatRuntime, GenerationStats, LoadOptions, Sampling
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    MALFORMED,
    MALFORMED_TRIGGER,
    PLAIN,
    TOOL_CALL,
    TOOL_TRIGGER,
    scripted_gpt_oss,
)


@pytest.fixture(scope="module")
def runtime(tiny_gpt_oss: Path):
    rt = ChatRuntime(tiny_gpt_oss, LoadOptions(n_ctx=4096))
    yield rt
    rt.close()


def _prompt(*texts: str, effort: str = "medium") -> str:
    return harmony.render_prompt([harmony.Turn("user", t) for t in texts], effort=effort)


def test_streams_the_requested_number_of_tokens(runtime: ChatRuntime) -> None:
    stats = GenerationStats()
    pieces = list(runtime.stream(_prompt("Hello"), Sampling(max_tokens=40, seed=3), stats=stats))
    assert stats.tokens == 40 and stats.finish_reason == "length"
    assert "".join(pieces)
    assert stats.ttft_s > 0 and stats.tokens_per_s > 0


def test_same_seed_same_output_and_harmony_markers_are_tokens(runtime: ChatRuntime) -> None:
    first = "".join(runtime.stream(_prompt("Same"), Sampling(max_tokens=30, seed=7)))
    second = "".join(runtime.stream(_prompt("Same"), Sampling(max_tokens=30, seed=7)))
    assert first == second
    # Our harmony prompt tokenizes with each marker as one control token.
    assert runtime.tokenize("<|start|>user<|message|>") [0] != runtime.tokenize("<|start|>user<|message|>")[1]
    assert len(runtime.tokenize("<|start|>")) == 1


def test_follow_up_turn_reuses_the_cached_prefix(runtime: ChatRuntime) -> None:
    runtime.reset_cache()
    first = GenerationStats()
    list(runtime.stream(_prompt("First question"), Sampling(max_tokens=5), stats=first))
    assert first.reused_tokens == 0
    follow_up = harmony.render_prompt(
        [harmony.Turn("user", "First question"), harmony.Turn("assistant", "An answer."),
         harmony.Turn("user", "Second question")], effort="medium")
    second = GenerationStats()
    list(runtime.stream(follow_up, Sampling(max_tokens=5), stats=second))
    # Everything up to the first turn's end was already in the KV cache.
    assert second.reused_tokens >= first.prompt_tokens - 1
    assert second.reused_tokens < second.prompt_tokens


def test_cancel_stops_within_one_token_and_model_stays_usable(runtime: ChatRuntime) -> None:
    cancel = CancelToken()
    stats = GenerationStats()
    seen = 0
    for _piece in runtime.stream(_prompt("Long answer please"), Sampling(max_tokens=2000), cancel, stats):
        seen += 1
        if seen == 5:
            cancel.cancel()
    assert stats.finish_reason == "cancelled"
    assert stats.tokens <= 6
    after = GenerationStats()
    list(runtime.stream(_prompt("Still there?"), Sampling(max_tokens=10), stats=after))
    assert after.tokens == 10


def test_cancel_before_prefill_generates_nothing(runtime: ChatRuntime) -> None:
    cancel = CancelToken()
    cancel.cancel()
    stats = GenerationStats()
    assert list(runtime.stream(_prompt("x " * 600), Sampling(max_tokens=10), cancel, stats)) == []
    assert stats.finish_reason == "cancelled" and stats.tokens == 0
    after = GenerationStats()
    list(runtime.stream(_prompt("and now"), Sampling(max_tokens=3), stats=after))
    assert after.tokens == 3


def test_prompt_longer_than_context_is_a_clear_error(runtime: ChatRuntime) -> None:
    with pytest.raises(UserError, match="longer than the context"):
        list(runtime.stream(_prompt("word " * 5000), Sampling(max_tokens=10)))


@pytest.fixture(scope="module")
def scripted_runtime(scripted_gpt_oss: Path):
    rt = ChatRuntime(scripted_gpt_oss, LoadOptions(n_ctx=2048))
    yield rt
    rt.close()


def test_run_turn_separates_channels_and_batches(scripted_runtime: ChatRuntime) -> None:
    batches: list[list[harmony.Delta]] = []
    result = run_turn(scripted_runtime, _prompt("Hi"), Sampling(max_tokens=200, seed=1),
                      on_deltas=batches.append, flush_interval_s=10.0)
    # Reasoning and answer land apart, markers and the end token nowhere, and the turn ends
    # because the model said so.
    assert (result.reasoning, result.answer, result.commentary) == (PLAIN.reasoning, PLAIN.answer, "")
    assert result.finish_reason == "stop" and result.stats.stop_token == "<|return|>"
    assert result.tool_calls == []
    # The first delta goes out at once (time to first token); with a 10 s interval everything
    # after it waits for the final flush: batching really batches.
    assert batches == [[harmony.Delta("analysis", "The user greets me.")],
                       [harmony.Delta("analysis", " Answer briefly."), harmony.Delta("final", PLAIN.answer)]]


@pytest.mark.parametrize(("question", "script", "finish"), [
    (f"What is the{TOOL_TRIGGER} like?", TOOL_CALL, "tool_calls"),
    (f"A{MALFORMED_TRIGGER}", MALFORMED, "stop"),
])
def test_run_turn_reports_tool_calls_and_tolerates_a_malformed_header(
        scripted_runtime: ChatRuntime, question: str, script, finish: str) -> None:
    result = run_turn(scripted_runtime, _prompt(question), Sampling(max_tokens=200, seed=1))
    assert (result.reasoning, result.answer, result.commentary) == (
        script.reasoning, script.answer, script.commentary)
    assert result.finish_reason == finish
    calls = [(c.recipient, c.arguments, c.content_type) for c in result.tool_calls]
    assert calls == ([("functions.get_weather", '{"city":"Paris"}', "json")] if script is TOOL_CALL else [])


@pytest.mark.parametrize(("kind", "expected"), [
    ("not_gguf", "not a GGUF model file"),
    ("truncated", "truncated"),
    ("other_arch", "this app chats with gpt-oss"),
])
def test_bad_model_files_raise_user_errors(bad_models: dict[str, Path], kind: str, expected: str) -> None:
    with pytest.raises(UserError, match=expected):
        ChatRuntime(bad_models[kind])


def test_a_file_llama_cpp_refuses_says_why(tiny_gpt_oss: Path, tmp_path: Path) -> None:
    # Passes the app's own GGUF check (sizes and settings are right) but lacks a tensor by name:
    # llama.cpp's own reason reaches the message, and nothing is left loaded.
    data = tiny_gpt_oss.read_bytes()
    assert data.count(b"blk.1.attn_sinks") == 1
    broken = tmp_path / "renamed-tensor.gguf"
    broken.write_bytes(data.replace(b"blk.1.attn_sinks", b"blk.1.attn_sinkz"))
    with pytest.raises(UserError, match=r"could not load renamed-tensor.gguf: a file this llama.cpp build does "
                                        r"not support.*tensor 'blk.1.attn_sinks.weight' not found"):
        ChatRuntime(broken)


def test_a_restored_cache_answers_like_the_live_one(runtime: ChatRuntime) -> None:
    greedy = Sampling(temperature=0.0, max_tokens=12)
    first = [harmony.Turn("user", "Long question about the heat pump. " * 40)]
    runtime.reset_cache()
    answer = "".join(runtime.stream(harmony.render_prompt(first), greedy))
    follow_up = harmony.render_prompt([*first, harmony.Turn("assistant", answer), harmony.Turn("user", "More?")])
    snapshot = runtime.snapshot_cache()
    live = "".join(runtime.stream(follow_up, greedy))
    list(runtime.stream(_prompt("Another conversation " * 30), greedy))  # someone else's turn
    assert runtime.restore_cache(snapshot)
    stats = GenerationStats()
    restored = "".join(runtime.stream(follow_up, greedy, stats=stats))
    assert restored == live and stats.reused_tokens == len(snapshot.tokens)
    # A prompt that leaves the snapshot before its end reads everything again: llama.cpp keeps only
    # the last window of the sliding-window layers in a snapshot, so reusing part of it is wrong.
    runtime.restore_cache(snapshot)
    edited = harmony.render_prompt([harmony.Turn("user", "Long question about the heat pump. " * 39)])
    stats = GenerationStats()
    after_restore = "".join(runtime.stream(edited, greedy, stats=stats))
    runtime.reset_cache()
    assert stats.reused_tokens == 0 and after_restore == "".join(runtime.stream(edited, greedy))
