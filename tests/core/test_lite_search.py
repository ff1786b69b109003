"""The library's fast search path on real Milvus Lite returns exactly what Lite's own path does.

Stores here have what makes Lite's per-row pass matter: several segments, deleted documents,
re-inserted keys (a newer version shadows the stored one) and rows not yet flushed.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from desktop.core.library import lite_search
from desktop.core.library.store import ChunkRow, VectorStore

NAME = "chunks_test"
DIM = 16
WORDS = ("harbour lantern copper violin meadow glacier orchard saffron turbine quartz "
         "falcon ember cobalt willow basalt").split()


def _rows(first: int, count: int, rng: random.Random, version: str = "") -> list[ChunkRow]:
    return [ChunkRow(f"c{i}", i // 10, f"/docs/d{i // 10}.md", 0, "", i % 10, 0, 100,
                     " ".join(rng.choices(WORDS, k=12)) + f" {version}code-{i}")
            for i in range(first, first + count)]


def _vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.standard_normal((count, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture()
def store(tmp_path: Path):
    store = VectorStore(str(tmp_path / "library.db"))
    store.ensure(NAME, DIM)
    yield store
    store.close()
    lite_search.install()


def _both_paths(store: VectorStore, queries: list[tuple[np.ndarray, str]]):
    """(fast, Lite's own) results of hybrid, dense and BM25 searches for each query."""
    def run():
        out = []
        for vector, text in queries:
            for dense, keywords in ((vector, text), (vector, None), (None, text)):
                out.append([(h.id, round(h.score, 4), h.text)
                            for h in store.search(NAME, dense, keywords, 5)])
        return out

    assert lite_search.install()
    fast = run()
    lite_search.uninstall()
    try:
        own = run()
    finally:
        lite_search.install()
    return fast, own


def test_fast_path_matches_lite_with_deletes_reinserts_and_unflushed_rows(store: VectorStore) -> None:
    rng, nrng = random.Random(3), np.random.default_rng(3)
    # Two segments (Lite compacts from four on, which would drop shadowed rows for good): the
    # second holds newer versions of c400..c419 and a delete of document 7 (rows c70..c79).
    store.insert(NAME, _rows(0, 600, rng), _vectors(nrng, 600))
    store.flush(NAME)
    store.delete_document(NAME, 7)
    store.insert(NAME, _rows(400, 20, rng, version="v2 "), _vectors(nrng, 20))
    store.flush(NAME)
    queries = [(_vectors(nrng, 1)[0], " ".join(rng.choices(WORDS, k=3))) for _ in range(12)]
    queries.append((_vectors(nrng, 1)[0], "code-75 code-405"))

    fast, own = _both_paths(store, queries)
    assert fast == own
    found = [(hit_id, text) for hits in fast for hit_id, _, text in hits]
    assert not [i for i, _ in found if i.startswith("c7") and len(i) == 3], "a deleted document came back"
    assert all("v2" in text for i, text in found if 400 <= int(i[1:]) < 420), "a stale version came back"
    assert [h[0] for h in fast[-1]].count("c405") == 1

    # Unflushed rows: Lite's own path answers (the fast path steps aside) and finds them.
    store.insert(NAME, _rows(2000, 5, rng), _vectors(nrng, 5))
    fast, own = _both_paths(store, [(_vectors(nrng, 1)[0], "code-2003")])
    assert fast == own and "c2003" in {h[0] for h in fast[-1]}


def test_fast_path_sees_a_delete_as_soon_as_it_is_flushed(store: VectorStore) -> None:
    rng, nrng = random.Random(5), np.random.default_rng(5)
    store.insert(NAME, _rows(0, 300, rng), _vectors(nrng, 300))
    store.flush(NAME)
    assert store.search(NAME, None, "code-123", 1)[0].id == "c123"  # caches the live rows
    store.delete_document(NAME, 12)
    store.flush(NAME)
    assert "c123" not in {h.id for h in store.search(NAME, None, "code-123", 5)}


def test_the_fast_path_is_on_for_the_pinned_milvus_lite() -> None:
    from milvus_lite.engine import collection

    assert lite_search.install()
    assert collection.execute_search_with_index is lite_search._dense_search
