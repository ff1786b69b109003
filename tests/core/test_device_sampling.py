"""Sampling inside llama.cpp's graph (on the GPU when layers are offloaded) answers as the host does.

Run here on the CPU backend, which implements the same device samplers: greedy and top-k 1 must
give the host's exact answer; a seeded answer must repeat; the repeat penalty stays on the host.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core import harmony
from desktop.core.runtime import ChatRuntime, LoadOptions, Sampling

PROMPT = harmony.render_prompt((harmony.Turn("user", "Say something about clocks."),), effort="low")


@pytest.fixture(scope="module")
def runtimes(tiny_gpt_oss: Path):
    host = ChatRuntime(tiny_gpt_oss, LoadOptions(n_ctx=1024, sample_on_device=False))
    device = ChatRuntime(tiny_gpt_oss, LoadOptions(n_ctx=1024, sample_on_device=True))
    yield host, device
    host.close()
    device.close()


def _answer(runtime: ChatRuntime, sampling: Sampling, prompt: str = PROMPT) -> str:
    return "".join(runtime.stream(prompt, sampling))


def test_device_sampling_is_used_when_asked_and_not_for_the_repeat_penalty(runtimes) -> None:
    host, device = runtimes
    assert device._sample_on_device(Sampling()) and not host._sample_on_device(Sampling())
    assert not device._sample_on_device(Sampling(repeat_penalty=1.1))


@pytest.mark.parametrize("sampling", [Sampling(temperature=0.0, max_tokens=48),
                                      Sampling(temperature=1.0, top_k=1, seed=3, max_tokens=48)])
def test_a_deterministic_choice_gives_the_hosts_answer(runtimes, sampling: Sampling) -> None:
    host, device = runtimes
    first = _answer(device, sampling)
    assert first and first == _answer(host, sampling)
    # A follow-up reuses the cached prefix with the sampler attached the same way.
    assert _answer(device, sampling, PROMPT + "More.") == _answer(host, sampling, PROMPT + "More.")


def test_a_seeded_answer_repeats_and_the_repeat_penalty_runs_on_the_host(runtimes) -> None:
    host, device = runtimes
    seeded = Sampling(temperature=1.0, top_k=40, seed=11, max_tokens=48)
    assert _answer(device, seeded) == _answer(device, seeded)
    penalised = Sampling(temperature=1.0, top_k=40, seed=11, max_tokens=48, repeat_penalty=1.2)
    assert _answer(device, penalised) == _answer(host, penalised)
