"""The chunker: token budgets, structure, spans and overlap, with a countable toy tokenizer
and with the real embedding tokenizer."""

from __future__ import annotations

import re
from pathlib import Path

from desktop.core.documents import Document, Segment, chunk_document, load_document
from desktop.core.embeddings import Embedder
from tests.fixtures.embedding_models import minilm_gguf  # noqa: F401  (session fixture)


def words(text: str) -> int:
    """A toy tokenizer: one token per word or punctuation mark."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def _document(text: str, segments: list[Segment] | None = None) -> Document:
    return Document(Path("/docs/a.txt"), "text", text, segments or [Segment(0, len(text))])


def _paragraph(n: int, length: int) -> str:
    return " ".join(f"p{n}w{i}" for i in range(length)) + "."


def test_every_chunk_fits_and_spans_point_into_the_text() -> None:
    text = "\n\n".join(_paragraph(n, 10 + 7 * (n % 9)) for n in range(40))
    chunks = chunk_document(_document(text), words, target_tokens=50, overlap_tokens=8)
    assert len(chunks) > 10
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert chunk.text == text[chunk.start:chunk.end]
        assert words(chunk.text) == chunk.tokens <= 50
    # Nothing is lost, and paragraphs that fit the budget are never cut.
    covered = set().union(*(range(c.start, c.end) for c in chunks))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    for n in range(40):
        paragraph = _paragraph(n, 10 + 7 * (n % 9))
        if words(paragraph) <= 50:
            assert any(paragraph in c.text for c in chunks)


def test_paragraphs_are_kept_whole_when_they_fit() -> None:
    text = "\n\n".join(_paragraph(n, 15) for n in range(6))  # 16 tokens each
    chunks = chunk_document(_document(text), words, target_tokens=40, overlap_tokens=0)
    for chunk in chunks:
        for part in chunk.text.split("\n\n"):
            assert re.fullmatch(r"(p\dw\d+ )+p\dw\d+\.", part)
    assert [c.tokens for c in chunks] == [32, 32, 32]


def test_consecutive_chunks_overlap_by_whole_trailing_pieces() -> None:
    sentences = [f"Sentence number {i} is here." for i in range(30)]  # 6 tokens each
    text = " ".join(sentences)
    chunks = chunk_document(_document(text), words, target_tokens=30, overlap_tokens=6)
    assert len(chunks) > 3
    for before, after in zip(chunks, chunks[1:]):
        assert after.start < before.end  # they share text
        shared = text[after.start:before.end]
        assert shared in sentences  # exactly one whole sentence carried over
    no_overlap = chunk_document(_document(text), words, target_tokens=30, overlap_tokens=0)
    assert all(b.start >= a.end for a, b in zip(no_overlap, no_overlap[1:]))


def test_chunks_never_cross_pages_or_sections() -> None:
    page1, page2 = "Alpha beta gamma.", "Delta epsilon."
    text = page1 + "\n\n" + page2
    document = _document(text, [Segment(0, len(page1), page=1), Segment(len(page1) + 2, len(text), page=2)])
    chunks = chunk_document(document, words, target_tokens=100)
    assert [(c.page, c.text) for c in chunks] == [(1, page1), (2, page2)]


def test_headings_travel_with_their_chunks(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    body = " ".join(["The pump hums quietly."] * 30)
    path.write_text(f"# Install\n\n{body}\n\n## Wiring\n\nRed to red, black to black.\n", encoding="utf-8")
    chunks = chunk_document(load_document(path), words, target_tokens=40, overlap_tokens=5)
    assert {c.heading for c in chunks} == {"Install", "Install > Wiring"}
    assert chunks[-1].heading == "Install > Wiring"
    assert all(c.path == path for c in chunks)


def test_giant_word_is_cut_to_fit() -> None:
    blob = "QUJD" * 3000  # base64-like, no spaces: one "word" of 12,000 characters
    count = lambda s: len(s) // 4 + 1  # noqa: E731  ~4 characters per token
    chunks = chunk_document(_document("Header line.\n\n" + blob), count, target_tokens=100)
    assert all(count(c.text) <= 100 for c in chunks)
    assert "".join(c.text for c in chunks[1:]) == blob


def test_max_tokens_is_enforced_when_counts_are_not_additive() -> None:
    # A tokenizer that charges extra for long texts: the sum of the pieces underestimates.
    def greedy(text: str) -> int:
        n = words(text)
        return n + n // 10

    text = "\n\n".join(_paragraph(n, 8) for n in range(50))
    chunks = chunk_document(_document(text), greedy, target_tokens=60, overlap_tokens=0, max_tokens=60)
    assert all(greedy(c.text) <= 60 for c in chunks)


def test_real_tokenizer_keeps_chunks_under_the_model_limit(minilm_gguf: Path) -> None:
    embedder = Embedder(minilm_gguf)
    try:
        text = "\n\n".join(
            "Ünïcödé façades, emoji 🚀🚀, code `x->y`, URLs https://example.com/a?b=c and numbers "
            f"3.14159 appear in paragraph {n}. " * (1 + n % 5) for n in range(30))
        chunks = chunk_document(_document(text), embedder.count_tokens, target_tokens=256,
                                overlap_tokens=32, max_tokens=embedder.max_input_tokens)
        assert chunks
        assert all(embedder.count_tokens(c.text) <= 256 for c in chunks)
        assert max(c.tokens for c in chunks) > 150  # chunks are filled, not tiny
    finally:
        embedder.close()
