"""The embedder on real llama.cpp: a generated tiny BERT and the converted all-MiniLM-L6-v2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop.core.embeddings import Embedder, Prefixes, prefixes_for
from desktop.core.errors import UserError
from desktop.core.jobs import Cancelled, CancelToken
from tests.fixtures.embedding_models import minilm_gguf, tiny_bert_gguf, write_tiny_bert  # noqa: F401  (session fixtures)


@pytest.fixture
def tiny(tiny_bert_gguf: Path):
    embedder = Embedder(tiny_bert_gguf)
    yield embedder
    embedder.close()


@pytest.fixture(scope="module")
def minilm(minilm_gguf: Path):
    embedder = Embedder(minilm_gguf)
    yield embedder
    embedder.close()


def test_vectors_are_normalised_and_shaped(tiny: Embedder) -> None:
    vectors = tiny.embed_documents(["the cat", "a dog by the river", "python code"])
    assert vectors.shape == (3, tiny.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert tiny.calls == 1 and tiny.texts == 3


def test_batched_equals_one_by_one(tiny: Embedder) -> None:
    # Packing several sequences into one llama.cpp batch must not let them see each other.
    texts = ["the cat", "the dog and the bird", "river", "heat pump manual " * 20]
    together = tiny.embed_documents(texts)
    alone = np.stack([tiny.embed_documents([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_inputs_longer_than_the_context_are_cut_not_fatal(tiny: Embedder) -> None:
    # llama.cpp aborts the process when an encoder gets more tokens than n_ubatch; this would
    # kill the test run, not fail it, if the cut were missing.
    long_text = "the cat sat on the river bank " * 400
    assert tiny.count_tokens(long_text) > 4 * tiny.context
    many = [long_text] * 5 + ["short"] * 40  # also more tokens in total than one batch holds
    vectors = tiny.embed_documents(many)
    assert vectors.shape == (45, tiny.dim)
    head = tiny._fit(long_text)
    assert tiny.count_tokens(head) == tiny.max_input_tokens
    assert np.allclose(vectors[0], tiny.embed_documents([head])[0], atol=1e-4)


def test_prefixes_are_applied(tiny_bert_gguf: Path) -> None:
    plain = Embedder(tiny_bert_gguf)
    prefixed = Embedder(tiny_bert_gguf, prefixes=Prefixes(query="search query: ", document="search document: "))
    try:
        assert np.allclose(prefixed.embed_query("cat"), plain.embed_query("search query: cat"), atol=1e-5)
        assert np.allclose(prefixed.embed_documents(["cat"])[0],
                           plain.embed_documents(["search document: cat"])[0], atol=1e-5)
        assert prefixed.max_input_tokens < plain.max_input_tokens  # room kept for the prefix
    finally:
        plain.close()
        prefixed.close()


@pytest.mark.parametrize("name, query, document", [
    ("nomic-embed-text-v1.5.Q8_0.gguf", "search_query: ", "search_document: "),
    ("bge-small-en-v1.5-f16.gguf", "Represent this sentence for searching relevant passages: ", ""),
    ("all-MiniLM-L6-v2.gguf", "", ""),
    ("multilingual-e5-small.gguf", "query: ", "passage: "),
    ("something-else.gguf", "", ""),
])
def test_known_model_prefixes(name: str, query: str, document: str) -> None:
    assert prefixes_for(name) == Prefixes(query, document)


def test_cancel_between_batches(tiny: Embedder) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        tiny.embed_documents(["a"] * 40, cancel=token)
    assert tiny.calls == 0


def test_missing_and_invalid_models_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        Embedder(tmp_path / "nope.gguf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + bytes(64))
    # llama.cpp's own reason, not only that it failed.
    with pytest.raises(UserError, match="Cannot load embedding model bad.gguf: bad GGUF version"):
        Embedder(bad)


def test_minilm_paraphrases_are_closer_than_unrelated_sentences(minilm: Embedder) -> None:
    assert minilm.dim == 384 and minilm.name == "all-MiniLM-L6-v2"
    a, b, c, d = minilm.embed_documents([
        "How do I reset my router's admin password?",
        "Steps to restore the default administrator password on a wifi router",
        "The quarterly revenue grew by ten percent.",
        "A man is eating a piece of bread.",
    ])
    assert a @ b > 0.6
    assert a @ b > a @ c + 0.4
    assert a @ b > a @ d + 0.4
    query = minilm.embed_query("router password reset")
    assert query @ a > query @ c


def test_a_model_trained_on_short_inputs_gets_its_own_context(tmp_path: Path) -> None:
    # Positions past the training length have no embeddings: the context shrinks to it, and
    # longer inputs are cut to fit instead of reading garbage positions.
    short = write_tiny_bert(tmp_path / "short-bert.gguf", max_positions=128)
    embedder = Embedder(short)
    try:
        assert embedder.context == 128 and embedder.max_input_tokens <= 126
        vectors = embedder.embed_documents(["the cat sat on the river bank " * 60, "the cat"])
        assert vectors.shape == (2, embedder.dim) and np.isfinite(vectors).all()
    finally:
        embedder.close()
