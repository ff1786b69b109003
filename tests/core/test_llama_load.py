"""How the app loads llama.cpp models: its own parameters per load, llama.cpp's lines in the log.

Real llama.cpp on the tiny generated models. On a CPU build "experts in RAM" moves nothing, but
llama.cpp logs every tensor its override list places, so the list is seen to arrive.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

from desktop.core import harmony
from desktop.core.embeddings import Embedder
from desktop.core.llama_build import load_llama_cpp
from desktop.core.llama_params import MODEL_PARAMS_LAYOUT, binding_layout
from desktop.core.runtime import ChatRuntime, GenerationStats, LoadOptions, Sampling
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)

EXPERTS_IN_RAM = LoadOptions(n_ctx=512, n_gpu_layers=-1, experts_on_cpu=True)
PROMPT = harmony.render_prompt([harmony.Turn("user", "experts")])


def _overridden(records: list[logging.LogRecord]) -> set[str]:
    """Tensors llama.cpp says it placed by the override list."""
    return {r.getMessage().split()[1] for r in records
            if r.name == "desktop.llama_cpp" and "buffer type overridden" in r.getMessage()}


def test_the_binding_lays_out_model_parameters_as_the_override_code_expects() -> None:
    # The override list is written into a field the binding types as a bare pointer; an upgrade
    # that moves or retypes any field of the struct must be looked at before it ships.
    assert binding_layout(load_llama_cpp()) == MODEL_PARAMS_LAYOUT


def test_experts_in_ram_reach_llama_cpp_and_the_model_answers(tiny_gpt_oss: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="desktop.llama_cpp")
    runtime = ChatRuntime(tiny_gpt_oss, EXPERTS_IN_RAM)
    try:
        stats = GenerationStats()
        list(runtime.stream(PROMPT, Sampling(max_tokens=8), stats=stats))
    finally:
        runtime.close()
    assert stats.tokens == 8
    # Exactly the experts' weights (and biases) of both layers, nothing else.
    assert _overridden(caplog.records) == {f"blk.{layer}.ffn_{part}_exps.{kind}" for layer in (0, 1)
                                           for part in ("gate", "up", "down") for kind in ("weight", "bias")}
    caplog.clear()
    ChatRuntime(tiny_gpt_oss, LoadOptions(n_ctx=512)).close()
    assert _overridden(caplog.records) == set()  # without the setting, no override list


def test_loading_prints_nothing_and_keeps_llama_cpp_lines_in_the_debug_log(
        tiny_gpt_oss: Path, tiny_bert_gguf: Path,  # noqa: F811
        capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="desktop.llama_cpp")
    ChatRuntime(tiny_gpt_oss, LoadOptions(n_ctx=512)).close()
    Embedder(tiny_bert_gguf).close()
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # `ask` and the benches print only what they mean
    lines = [r.getMessage() for r in caplog.records if r.name == "desktop.llama_cpp"]
    assert any("using full-size SWA cache" in line for line in lines)  # swa_full stays on
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name == "desktop.llama_cpp")


def test_an_embedder_loading_meanwhile_gets_no_override(tiny_gpt_oss: Path, tiny_bert_gguf: Path) -> None:  # noqa: F811
    """A chat model loading with experts in RAM on one thread, the library's embedder on another:
    both work, and the embedder's load sees llama.cpp's plain default parameters throughout."""
    llama_cpp = load_llama_cpp()
    chat_done = threading.Event()
    chat_tokens: list[int] = []
    failures: list[BaseException] = []

    def load_chat_models() -> None:
        try:
            for _ in range(3):
                runtime = ChatRuntime(tiny_gpt_oss, EXPERTS_IN_RAM)
                try:
                    stats = GenerationStats()
                    list(runtime.stream(PROMPT, Sampling(max_tokens=4), stats=stats))
                    chat_tokens.append(stats.tokens)
                finally:
                    runtime.close()
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            chat_done.set()

    chat = threading.Thread(target=load_chat_models)
    chat.start()
    # What the embedder's Llama() builds its model parameters from (it calls the binding module's
    # function) while the chat models load: an override there would apply to its load too.
    defaults_seen = []
    vectors = []
    while not chat_done.is_set() or not vectors:
        defaults_seen.append(llama_cpp.llama_cpp.llama_model_default_params().tensor_buft_overrides)
        if not vectors or len(defaults_seen) % 50 == 0:
            embedder = Embedder(tiny_bert_gguf)
            try:
                vectors.append(embedder.embed_query("the cat"))
            finally:
                embedder.close()
    chat.join()
    assert not failures, failures
    assert chat_tokens == [4, 4, 4]
    assert all(np.allclose(v, vectors[0], atol=1e-5) for v in vectors) and len(vectors[0]) > 0
    assert set(defaults_seen) == {None}
