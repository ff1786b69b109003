"""The batch decoder on real llama.cpp: several requests in one batch, each answered as if alone.

Greedy answers must match the single-stream runtime exactly whatever else shares the batch; a
seeded sampled answer matches exactly when it decodes alone (a batch of several rows changes the
logits in the last float bits, as in llama-server, which moves a sampled draw but not an argmax).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core import harmony
from desktop.core.batch_decode import BatchDecoder, BatchRuntime
from desktop.core.errors import UserError
from desktop.core.jobs import CancelToken
from desktop.core.runtime import ChatRuntime, GenerationStats, LoadOptions, Sampling

GREEDY = Sampling(temperature=0.0, max_tokens=60)


def _prompt(question: str) -> str:
    return harmony.render_prompt((harmony.Turn("user", question),), effort="low")


class _Owner:
    """The thread that owns the decoder and steps it while requests wait, as the engine's does."""

    def __init__(self, runtime: BatchRuntime) -> None:
        self._wakeups: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.decoder = BatchDecoder(runtime, wake=lambda: self._wakeups.put(1))
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop:
            if self.decoder.busy:
                self.decoder.step()
            else:
                try:
                    self._wakeups.get(timeout=0.05)
                except queue.Empty:
                    pass

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        self.decoder.close()


@pytest.fixture(scope="module")
def single(tiny_gpt_oss: Path) -> Iterator[ChatRuntime]:
    runtime = ChatRuntime(tiny_gpt_oss, LoadOptions(n_ctx=1024))
    yield runtime
    runtime.close()


@pytest.fixture
def owner(tiny_gpt_oss: Path) -> Iterator[_Owner]:
    owner = _Owner(BatchRuntime(tiny_gpt_oss, LoadOptions(n_ctx=1024), slots=4))
    yield owner
    owner.close()


def _alone(runtime: ChatRuntime, prompt: str, sampling: Sampling) -> tuple[str, GenerationStats]:
    runtime.reset_cache()
    stats = GenerationStats()
    return "".join(runtime.stream(prompt, sampling, stats=stats)), stats


def _together(decoder: BatchDecoder, jobs: list[tuple[str, Sampling]]) -> list[tuple[str, GenerationStats]]:
    """Each prompt streamed by its own thread, all at once, as the engine's request threads do."""
    results: list = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(i: int) -> None:
        stats = GenerationStats()
        start.wait()
        results[i] = ("".join(decoder.stream(jobs[i][0], jobs[i][1], stats=stats)), stats)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("sampling", [
    GREEDY,
    Sampling(temperature=0.8, top_k=20, top_p=0.9, min_p=0.05, seed=5, max_tokens=60),
    Sampling(temperature=1.0, top_k=40, seed=9, repeat_penalty=1.2, max_tokens=60),
])
def test_a_lone_request_gets_exactly_the_single_stream_answer(owner: _Owner, single: ChatRuntime,
                                                              sampling: Sampling) -> None:
    prompt = _prompt("Tell me about clocks.")
    [(text, stats)] = _together(owner.decoder, [(prompt, sampling)])
    expected, expected_stats = _alone(single, prompt, sampling)
    assert text and text == expected
    assert (stats.tokens, stats.prompt_tokens, stats.finish_reason) == (
        expected_stats.tokens, expected_stats.prompt_tokens, "length")


def test_four_requests_in_one_batch_each_get_their_greedy_answer(owner: _Owner, single: ChatRuntime) -> None:
    prompts = [_prompt(q) for q in ("Hello there.", "What is a clock?", "Name a colour.", "Count to three.")]
    results = _together(owner.decoder, [(p, GREEDY) for p in prompts])
    for prompt, (text, stats) in zip(prompts, results, strict=True):
        assert text == _alone(single, prompt, GREEDY)[0]
        assert stats.tokens == 60 and stats.tokens_per_s > 0
    # They shared the steps: four sequences in one llama_decode, not 240 decodes one by one.
    assert owner.decoder.max_batch_sequences == 4
    assert owner.decoder.steps < 2 * 60


def test_each_sequence_samples_on_the_device_or_the_host_as_the_runtime_would(tiny_gpt_oss: Path,
                                                                               single: ChatRuntime) -> None:
    owner = _Owner(BatchRuntime(tiny_gpt_oss, LoadOptions(n_ctx=1024, sample_on_device=True), slots=3))
    try:
        prompts = [_prompt("One."), _prompt("Two."), _prompt("Three.")]
        samplings = [GREEDY, Sampling(temperature=1.0, top_k=1, seed=3, max_tokens=40),
                     Sampling(temperature=0.0, repeat_penalty=1.3, max_tokens=40)]  # the penalty stays on the host
        results = _together(owner.decoder, list(zip(prompts, samplings, strict=True)))
        for prompt, sampling, (text, _stats) in zip(prompts, samplings, results, strict=True):
            assert text == _alone(single, prompt, sampling)[0]
    finally:
        owner.close()


def test_a_long_prompt_is_read_in_chunks_while_another_request_keeps_generating(tiny_gpt_oss: Path,
                                                                                  single: ChatRuntime) -> None:
    owner = _Owner(BatchRuntime(tiny_gpt_oss, LoadOptions(n_ctx=1024, n_batch=32), slots=2))
    try:
        first_prompt, long_prompt = _prompt("Go on."), _prompt("word " * 300)
        first_stats = GenerationStats()
        sampling = Sampling(temperature=0.0, max_tokens=700)
        first = owner.decoder.stream(first_prompt, sampling, stats=first_stats)
        first_text = [next(first)]  # generating now
        seen_at_join = first_stats.tokens
        late_stats = GenerationStats()
        late = owner.decoder.stream(long_prompt, GREEDY, stats=late_stats)
        reader = threading.Thread(target=lambda: first_text.extend(first))
        reader.start()
        late_text = [next(late)]
        seen_at_first_late_token = first_stats.tokens
        late_text.extend(late)
        reader.join(timeout=60)
        assert late_stats.prompt_tokens > 300
        # Over 300 prompt tokens in batches of 32: ten steps or more, each one also a token of the first.
        assert seen_at_first_late_token - seen_at_join >= 9
        assert "".join(first_text) == _alone(single, first_prompt, sampling)[0]
        assert "".join(late_text) == _alone(single, long_prompt, GREEDY)[0]
    finally:
        owner.close()


def test_a_conversation_finds_its_prefix_again_in_its_slot(owner: _Owner, single: ChatRuntime) -> None:
    first = _prompt("Tell me about clocks.")
    [(answer, _)] = _together(owner.decoder, [(first, GREEDY)])
    list(owner.decoder.stream(_prompt("Something else entirely."), GREEDY, key="other"))
    follow_up = harmony.render_prompt((harmony.Turn("user", "Tell me about clocks."), harmony.Turn("assistant", answer),
                                       harmony.Turn("user", "And watches?")), effort="low")
    stats = GenerationStats()
    text = "".join(owner.decoder.stream(follow_up, GREEDY, stats=stats))
    assert stats.reused_tokens >= len(single.tokenize(first)) - 1
    assert text == _alone(single, follow_up, GREEDY)[0]


def test_a_cancelled_request_ends_within_a_token_and_the_others_go_on(owner: _Owner, single: ChatRuntime) -> None:
    cancel = CancelToken()
    long_sampling = Sampling(temperature=0.0, max_tokens=400)
    stopped_stats, other_stats = GenerationStats(), GenerationStats()
    stopped = owner.decoder.stream(_prompt("Stop me."), long_sampling, cancel, stopped_stats)
    other = owner.decoder.stream(_prompt("Keep going."), GREEDY, stats=other_stats)
    pieces = [next(stopped), next(other)]
    generated_when_cancelled = stopped_stats.tokens
    cancel.cancel()
    list(stopped)
    assert stopped_stats.finish_reason == "cancelled"
    assert stopped_stats.tokens <= generated_when_cancelled + 1  # the step under way, then nothing
    assert pieces[1] + "".join(other) == _alone(single, _prompt("Keep going."), GREEDY)[0]
    assert other_stats.finish_reason == "length"


def test_a_prompt_longer_than_one_slot_is_refused_in_one_sentence(tiny_gpt_oss: Path) -> None:
    runtime = BatchRuntime(tiny_gpt_oss, LoadOptions(n_ctx=256), slots=2)
    decoder = BatchDecoder(runtime)
    try:
        assert decoder.n_ctx == 256
        with pytest.raises(UserError, match=r"longer than the context of one parallel request \(256 tokens\)"):
            list(decoder.stream(_prompt("word " * 400), GREEDY))
        assert not decoder.busy
    finally:
        decoder.close()
    with pytest.raises(UserError, match="between 1 and 64"):
        BatchRuntime(tiny_gpt_oss, LoadOptions(n_ctx=256), slots=0)


def test_closing_ends_every_request_and_refuses_new_ones(tiny_gpt_oss: Path) -> None:
    owner = _Owner(BatchRuntime(tiny_gpt_oss, LoadOptions(n_ctx=1024), slots=2))
    running = owner.decoder.stream(_prompt("Long."), Sampling(temperature=0.0, max_tokens=5000))
    next(running)
    owner.close()
    with pytest.raises(UserError, match="unloaded"):
        list(running)
    with pytest.raises(UserError, match="unloaded"):
        list(owner.decoder.stream(_prompt("Late."), GREEDY))
