"""The library's fast search path on real Milvus Lite returns exactly what Lite's own path does.

Two copies of one store are served side by side, one with the fast path and one without, and
asked the same questions. The stores have what makes Lite's per-row pass matter: two segments,
a deleted document, re-inserted keys (a newer version shadows the stored one), rows not yet
flushed, texts of equal length (BM25 ties, whose order must match too) and texts of stop words
only (no keyword terms, yet counted in BM25's statistics).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from desktop.core.library import lite_search
from desktop.core.library.lite_server import FAST_SEARCH_ENV
from desktop.core.library.store import ChunkRow, VectorStore

NAME = "chunks_test"
DIM = 16
WORDS = ("harbour lantern copper violin meadow glacier orchard saffron turbine quartz "
         "falcon ember cobalt willow basalt").split()


def _text(i: int, rng: random.Random, version: str) -> str:
    if i % 97 == 0:
        return "and then there were the of them"  # stop words only: no keyword terms at all
    if i in (20, 30):  # an exact BM25 tie between two terms: Lite ranks the first query term first
        return {20: "zircon marker", 30: "yarrow marker"}[i]
    return " ".join(rng.choices(WORDS, k=12)) + f" {version}code-{i}"


def _rows(first: int, count: int, rng: random.Random, version: str = "") -> list[ChunkRow]:
    return [ChunkRow(f"c{i}", i // 10, f"/docs/d{i // 10}.md", 0, "", i % 10, 0, 100, _text(i, rng, version))
            for i in range(first, first + count)]


def _vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.standard_normal((count, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture()
def twin_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """(fast, Lite's own): two copies of a store with two segments, a delete and re-inserts."""
    rng, nrng = random.Random(3), np.random.default_rng(3)
    store = VectorStore(str(tmp_path / "fast.db"))
    store.ensure(NAME, DIM)
    # Two segments (Lite compacts from four on, which would drop shadowed rows for good): the
    # second holds newer versions of c400..c419 and a delete of document 7 (rows c70..c79).
    store.insert(NAME, _rows(0, 600, rng), _vectors(nrng, 600))
    store.flush(NAME)
    store.delete_document(NAME, 7)
    store.insert(NAME, _rows(400, 20, rng, version="v2 "), _vectors(nrng, 20))
    store.flush(NAME)
    store.close()
    shutil.copytree(tmp_path / "fast.db", tmp_path / "own.db")

    fast = VectorStore(str(tmp_path / "fast.db"))
    with monkeypatch.context() as env:
        env.setenv(FAST_SEARCH_ENV, "0")
        own = VectorStore(str(tmp_path / "own.db"))
    assert fast._server.fast_search and not own._server.fast_search
    yield fast, own
    fast.close()
    own.close()


def _ask(store: VectorStore, queries: list[tuple[np.ndarray, str]]) -> list[list[tuple]]:
    """Hybrid, dense and BM25 results for each query."""
    out = []
    for vector, text in queries:
        for dense, keywords in ((vector, text), (vector, None), (None, text)):
            out.append([(h.id, round(h.score, 5), h.text) for h in store.search(NAME, dense, keywords, 5)])
    return out


def test_fast_path_matches_lite_with_deletes_reinserts_and_unflushed_rows(twin_stores) -> None:
    fast_store, own_store = twin_stores
    rng, nrng = random.Random(4), np.random.default_rng(4)
    queries = [(_vectors(nrng, 1)[0], " ".join(rng.choices(WORDS, k=3))) for _ in range(12)]
    queries.append((_vectors(nrng, 1)[0], "yarrow zircon"))
    queries.append((_vectors(nrng, 1)[0], "code-75 code-405"))

    fast, own = _ask(fast_store, queries), _ask(own_store, queries)
    assert fast == own
    found = [(hit[0], hit[2]) for hits in fast for hit in hits]
    assert not [i for i, _ in found if i.startswith("c7") and len(i) == 3], "a deleted document came back"
    assert all("v2" in text for i, text in found if 400 <= int(i[1:]) < 420), "a stale version came back"
    assert [hit[0] for hit in fast[-1]].count("c405") == 1

    # Unflushed rows: Lite's own path answers (the fast path steps aside) and finds them.
    for store in twin_stores:
        store.insert(NAME, _rows(2000, 5, random.Random(9)), _vectors(np.random.default_rng(9), 5))
    query = [(_vectors(nrng, 1)[0], "code-2003")]
    fast, own = _ask(fast_store, query), _ask(own_store, query)
    assert fast == own and "c2003" in {hit[0] for hit in fast[-1]}


def test_fast_path_sees_a_delete_as_soon_as_it_is_flushed(twin_stores) -> None:
    fast, _ = twin_stores
    assert fast.search(NAME, None, "code-123", 1)[0].id == "c123"  # caches the live rows
    fast.delete_document(NAME, 12)
    fast.flush(NAME)
    assert "c123" not in {h.id for h in fast.search(NAME, None, "code-123", 5)}


def test_the_fast_path_is_on_for_the_pinned_milvus_lite() -> None:
    assert lite_search.install()
    lite_search.uninstall()
