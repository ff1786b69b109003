"""Split a document into chunks sized in tokens of the embedding model.

Structure first: a chunk never crosses a segment (a PDF page, a Markdown/HTML/DOCX section), and
inside a segment it is packed from whole paragraphs; only a paragraph larger than the target is
cut, at sentence or line ends, then at spaces, and as a last resort inside a word (minified code,
base64). Consecutive chunks of one segment share a small overlap of whole trailing pieces so a
sentence cut at a boundary is still found whole in one of them.

Sizes are measured with `count_tokens` (the embedding model's tokenizer; any callable in tests).
Token counts of pieces are added up while packing, and every finished chunk is counted again as a
whole, because the embedding model must never receive more than `max_tokens` (llama.cpp aborts
the process on an encoder input longer than its batch).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop.core.documents.model import Document, Segment

_LEVELS = (
    re.compile(r"\n[ \t]*\n\s*"),  # paragraphs
    re.compile(r"(?<=[.!?;:。！？])\s+|\n\s*"),  # sentences and lines
    re.compile(r"\s+"),  # words
)


@dataclass(frozen=True)
class Chunk:
    path: Path
    index: int  # position in the document, from 0
    text: str  # == document.text[start:end]
    start: int
    end: int
    page: int | None
    heading: str | None
    tokens: int


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    tokens: int


def chunk_document(document: Document, count_tokens: Callable[[str], int], target_tokens: int = 256,
                   overlap_tokens: int = 32, max_tokens: int | None = None) -> list[Chunk]:
    """Chunks of at most `max_tokens` (default: `target_tokens`) tokens, in document order."""
    max_tokens = max_tokens or target_tokens
    target_tokens = max(1, min(target_tokens, max_tokens))
    overlap_tokens = max(0, min(overlap_tokens, target_tokens // 4))
    splitter = _Splitter(document.text, count_tokens, target_tokens, max_tokens)
    chunks: list[Chunk] = []
    for segment in document.segments:
        for start, end, tokens in _pack(splitter.pieces(segment.start, segment.end),
                                        splitter, target_tokens, overlap_tokens):
            chunks.append(_make_chunk(document, segment, len(chunks), start, end, tokens))
    return chunks


def _make_chunk(document: Document, segment: Segment, index: int, start: int, end: int,
                tokens: int) -> Chunk:
    return Chunk(path=document.path, index=index, text=document.text[start:end], start=start,
                 end=end, page=segment.page, heading=segment.heading, tokens=tokens)


class _Splitter:
    def __init__(self, text: str, count_tokens: Callable[[str], int], target: int, limit: int) -> None:
        self.text = text
        self.count = count_tokens
        self.target = target
        self.limit = limit

    def tokens(self, start: int, end: int) -> int:
        return self.count(self.text[start:end])

    def pieces(self, start: int, end: int, level: int = 0) -> Iterator[_Piece]:
        """Trimmed spans of at most `target` tokens each, covering the text of [start, end)."""
        for piece_start, piece_end in self._spans(start, end, level):
            tokens = self.tokens(piece_start, piece_end)
            if tokens <= self.target:
                yield _Piece(piece_start, piece_end, tokens)
            elif level + 1 < len(_LEVELS):
                yield from self.pieces(piece_start, piece_end, level + 1)
            else:
                yield from self._cut_word(piece_start, piece_end, tokens)

    def _spans(self, start: int, end: int, level: int) -> Iterator[tuple[int, int]]:
        position = start
        for match in _LEVELS[level].finditer(self.text, start, end):
            yield from _trimmed(self.text, position, match.start())
            position = match.end()
        yield from _trimmed(self.text, position, end)

    def _cut_word(self, start: int, end: int, tokens: int) -> Iterator[_Piece]:
        # No spaces left to cut at: fixed windows sized from this run's chars-per-token ratio,
        # shrunk until each fits.
        width = max(1, (end - start) * self.target // max(tokens, 1))
        position = start
        while position < end:
            stop = min(end, position + width)
            count = self.tokens(position, stop)
            while count > self.target and stop - position > 1:
                stop = position + max(1, (stop - position) // 2)
                count = self.tokens(position, stop)
            yield _Piece(position, stop, count)
            position = stop


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def _pack(pieces: Iterator[_Piece], splitter: _Splitter, target: int,
          overlap: int) -> Iterator[tuple[int, int, int]]:
    """Greedy packing of pieces into (start, end, tokens) chunks with trailing-piece overlap."""
    current: list[_Piece] = []
    total = 0
    fresh = 0  # pieces in `current` that are not overlap carried from the previous chunk
    for piece in pieces:
        if current and total + piece.tokens > target:
            yield from _finish(current, splitter)
            current, total = _overlap(current, overlap, target - piece.tokens)
            fresh = 0
        current.append(piece)
        total += piece.tokens
        fresh += 1
    if current and fresh:
        yield from _finish(current, splitter)


def _overlap(previous: list[_Piece], overlap: int, room: int) -> tuple[list[_Piece], int]:
    carried: list[_Piece] = []
    total = 0
    for piece in reversed(previous[1:]):  # never carry the whole previous chunk
        if total + piece.tokens > min(overlap, room):
            break
        carried.insert(0, piece)
        total += piece.tokens
    return carried, total


def _finish(pieces: list[_Piece], splitter: _Splitter) -> Iterator[tuple[int, int, int]]:
    """Count the chunk as a whole; tokenizers are not exactly additive, so split if over."""
    start, end = pieces[0].start, pieces[-1].end
    tokens = splitter.tokens(start, end)
    if tokens <= splitter.limit or len(pieces) == 1:
        yield start, end, tokens
        return
    middle = len(pieces) // 2
    yield from _finish(pieces[:middle], splitter)
    yield from _finish(pieces[middle:], splitter)
