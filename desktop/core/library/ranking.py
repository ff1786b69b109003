"""From a dense and a keyword result list to one ranked source per document, and whether any of
them is relevant at all.

Fusion is reciprocal-rank fusion (RRF), done here rather than by Milvus's `hybrid_search`: the
two lists keep each chunk's own scores (cosine and BM25), which say whether the best match is
about the question at all; RRF's fused score only says which chunk ranks above which.

One source per document: a question answered by one manual should not fill every source slot
with that manual's overlapping chunks while the second-best document is pushed out. A document
ranks by its best chunk; its other matching chunks come with it, best first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.library.store import STOP_WORDS, StoredHit

RRF_K = 60  # the RRF paper's constant, also Milvus's default
# Relevance, chosen on the tuning half of `gpt-oss-desktop bench retrieval` with all-MiniLM-L6-v2
# (the held-out half and its out-of-library questions are reported by the bench): the best
# chunks of answerable questions had cosines from 0.25 up (median 0.53), those of questions the
# library cannot answer at most 0.20. A chunk at COSINE_RELEVANT or above is about the question;
# below COSINE_FLOOR nothing is, whatever words it shares; in between, it must also hold at least
# half of the question's content words (both answerable questions under 0.30 held all of them;
# "the capital of Mongolia" shares "capital" with a travel policy, at cosine 0.15). Other embedding
# models spread cosines differently: these are the default model's.
COSINE_RELEVANT = 0.30
COSINE_FLOOR = 0.22
OVERLAP_RELEVANT = 0.5

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(STOP_WORDS)


@dataclass(frozen=True)
class Candidate:
    """A chunk found by either search, with what each search said about it (None: not found)."""

    hit: StoredHit
    score: float  # the fused score the ranking uses
    cosine: float | None
    keyword: float | None


def fuse(dense: Sequence[StoredHit], keyword: Sequence[StoredHit], k: int = RRF_K) -> list[Candidate]:
    """Both lists fused by RRF (a chunk in one list only gets that list's share), best first."""
    found: dict[str, Candidate] = {}
    for rank, hit in enumerate(dense):
        found[hit.id] = Candidate(hit, 1.0 / (k + rank + 1), hit.score, None)
    for rank, hit in enumerate(keyword):
        old = found.get(hit.id)
        share = 1.0 / (k + rank + 1)
        found[hit.id] = (Candidate(old.hit, old.score + share, old.cosine, hit.score) if old
                         else Candidate(hit, share, None, hit.score))
    return sorted(found.values(), key=lambda c: -c.score)


def single(hits: Sequence[StoredHit], dense: bool) -> list[Candidate]:
    """One search's list as candidates, its own score kept."""
    return [Candidate(h, h.score, h.score if dense else None, None if dense else h.score) for h in hits]


def by_document(candidates: Sequence[Candidate], top_k: int) -> list[list[Candidate]]:
    """The `top_k` best documents, each as its matching chunks, best first."""
    groups: dict[int, list[Candidate]] = {}  # in order of each document's best chunk
    for candidate in sorted(candidates, key=lambda c: -c.score):
        groups.setdefault(candidate.hit.doc_id, []).append(candidate)
    return [_each_search_s_pick_first(group) for group in list(groups.values())[:top_k]]


def _each_search_s_pick_first(group: list[Candidate]) -> list[Candidate]:
    """After the best fused chunk: the document's best chunk by meaning, then by keywords.

    Fusion favours chunks both searches found; a chunk that only one search ranks first in its
    document (a short "Lines are at most 110 characters" that shares no keyword with "maximum
    line length") is still that search's best guess, and comes right after the fused best."""
    best, rest = group[0], group[1:]
    picks = [max((c for c in rest if c.cosine is not None), key=lambda c: c.cosine, default=None),
             max((c for c in rest if c.keyword is not None), key=lambda c: c.keyword, default=None)]
    first = [c for i, c in enumerate(picks) if c is not None and c not in picks[:i]]
    return [best, *first, *(c for c in rest if c not in first)]


def content_terms(text: str) -> set[str]:
    """The words that carry a topic: lower-cased, stop words out (as the keyword index does)."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def word_overlap(query: str, text: str) -> float:
    """The share of the question's content words that occur in `text` (0 when it has none)."""
    wanted = content_terms(query)
    if not wanted:
        return 0.0
    return len(wanted & content_terms(text)) / len(wanted)


def is_relevant(query: str, group: Sequence[Candidate], cosine_bound: float | None = None) -> bool:
    """Whether a document's matching chunks are about the question (see the thresholds above).

    `cosine_bound`: for chunks the dense search did not return, their cosine is at most the
    lowest one it did return. Without any cosine (a keyword-only search), word overlap decides.
    """
    cosines = [c.cosine for c in group if c.cosine is not None]
    best = max(cosines) if cosines else cosine_bound
    if best is not None and best >= COSINE_RELEVANT:
        return True
    if best is not None and best < COSINE_FLOOR:
        return False
    return max(word_overlap(query, c.hit.text) for c in group) >= OVERLAP_RELEVANT
