"""Files attached to one conversation: sent whole when they fit, else their most relevant parts.

Unlike the library, attachments are not embedded or stored in Milvus: they belong to a single
chat. When the files fit in their share of the context they go into the question whole (as LM
Studio does); when they do not, their chunks are ranked against the question with BM25 (exact
words matter in the files people attach: error codes, names, clauses) and the best ones go in.
Attached files are as untrusted as any: they are read in the capped reader child, so one that
crashes or hangs its reader is one line in `problems`, not the end of the app.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop.core.documents import (
    DocumentError,
    DocumentReader,
    ReaderBug,
    chunk_document,
    shared_reader,
)
from desktop.core.rag import Source

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def attachment_sources(paths: Sequence[str], question: str, count_tokens: Callable[[str], int],
                       budget_tokens: int, top_k: int = 4, first_number: int = 1,
                       reader: DocumentReader | None = None) -> tuple[list[Source], list[str]]:
    """Sources for the question from the attached files, and one line per file that could not be read.

    `reader`: the app's attachment reader by default (`shared_reader`)."""
    reader = reader or shared_reader()
    documents, problems = [], []
    for path in paths:
        try:
            documents.append(reader.read(Path(path)))
        except DocumentError as exc:
            problems.append(f"{Path(path).name}: {exc}")
        except ReaderBug as exc:
            problems.append(f"{Path(path).name}: could not read this file ({exc.type_name})")
    documents = [d for d in documents if d.text.strip()]
    if sum(count_tokens(d.text) for d in documents) <= budget_tokens:
        return [Source(first_number + i, str(d.path), None, d.text) for i, d in enumerate(documents)], problems
    chunks = [c for d in documents for c in chunk_document(d, count_tokens, 256, 32)]
    ranked = _bm25_rank([c.text for c in chunks], question)
    best, used = [], 0
    for index in ranked:
        chunk = chunks[index]
        if len(best) == top_k or used + chunk.tokens > budget_tokens:
            break
        best.append(chunk)
        used += chunk.tokens
    return [Source(first_number + i, str(c.path), c.page, c.text, c.heading) for i, c in enumerate(best)], problems


def _bm25_rank(texts: list[str], query: str, k1: float = 1.5, b: float = 0.75) -> list[int]:
    """Indices of `texts`, best BM25 match for `query` first."""
    docs = [Counter(_words(t)) for t in texts]
    lengths = [sum(d.values()) for d in docs]
    average = sum(lengths) / len(lengths) if lengths else 1.0
    terms = set(_words(query))
    scores = []
    for doc, length in zip(docs, lengths):
        score = 0.0
        for term in terms:
            frequency = doc.get(term, 0)
            if frequency:
                having = sum(1 for d in docs if term in d)
                idf = math.log(1 + (len(docs) - having + 0.5) / (having + 0.5))
                score += idf * frequency * (k1 + 1) / (frequency + k1 * (1 - b + b * length / average))
        scores.append(score)
    return sorted(range(len(texts)), key=lambda i: -scores[i])
