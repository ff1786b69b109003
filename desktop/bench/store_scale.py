"""The library's store at scale: insert, reopen + load, and search latency (hybrid, dense, BM25)
with N chunks in a Milvus Lite file, in the library's own schema; then the same file and
questions once more with Milvus Lite's own search path, side by side (`lite_search` is what
differs).

Vectors are random unit vectors of the embedding width: at 100k chunks embedding would take
hours on a small CPU and says nothing about the store (`bench library` measures embedding and
indexing throughput against each other). Texts are 60-word paragraphs with a unique reference
code each, so BM25 has real postings to walk.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil

from desktop.bench.library import search_percentiles
from desktop.bench.progress import BenchProgress
from desktop.core.errors import UserError
from desktop.core.library.lite_server import FAST_SEARCH_ENV
from desktop.core.library.store import ChunkRow, VectorStore

BATCH = 2000  # rows per insert call: what the indexer commits between cancel checks, at most
VOCABULARY = 20_000
_SYLLABLES = ("ka ri to mu ne sa lo vi de pa ru ko mi ta ze no fa li be so gu ra te "
              "ni ho da ve mo".split())


class _Words:
    """Pseudo-words with Zipf frequencies (s = 1.07, close to English's)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        words: set[str] = set()
        while len(words) < VOCABULARY:
            words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.words = sorted(words)
        rng.shuffle(self.words)
        weights = np.cumsum(1.0 / np.arange(1, VOCABULARY + 1) ** 1.07)
        self.cumulative = (weights / weights[-1]).tolist()

    def take(self, n: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=n))


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _latencies(store: VectorStore, name: str, texts: list[str], vectors: np.ndarray) -> dict[str, float]:
    times: dict[str, list[float]] = {"hybrid": [], "dense": [], "bm25": []}
    for text, vector in zip(texts, vectors, strict=True):
        for mode, found in times.items():
            started = time.perf_counter()
            store.search(name, None if mode == "bm25" else vector, None if mode == "dense" else text, 3)
            found.append((time.perf_counter() - started) * 1000)
    return search_percentiles(times)


def _fill(store: VectorStore, name: str, chunks: int, dim: int, queries: int, progress: BenchProgress,
          ) -> tuple[float, list[str], np.ndarray]:
    """Insert `chunks` rows (the same ones for the same arguments); returns the seconds it took
    and `queries` questions (texts in the same vocabulary, and vectors) to search with."""
    nrng = np.random.default_rng(11)
    words = _Words(random.Random(11))
    store.ensure(name, dim)
    started = time.perf_counter()
    for first in range(0, chunks, BATCH):
        count = min(BATCH, chunks - first)
        rows = [ChunkRow(f"c{first + i}", (first + i) // 5, f"/docs/doc-{(first + i) // 5:06d}.md", 0,
                         f"Part {(first + i) % 5}", (first + i) % 5, 0, 400,
                         words.take(60) + f" Reference ID-{first + i:07d}.")
                for i in range(count)]
        store.insert(name, rows, _unit(nrng, count, dim))
        if (first // BATCH) % 10 == 9 or first + count == chunks:
            progress.note(f"inserted {first + count:,} of {chunks:,} chunks")
    store.flush(name)
    insert_s = time.perf_counter() - started
    return insert_s, [words.take(6) for _ in range(queries)], _unit(nrng, queries, dim)


def bench_store_scale(chunks: int, dim: int, queries: int, progress: BenchProgress | None = None) -> dict[str, float]:
    progress = progress or BenchProgress("store")
    words = _Words(random.Random(13))
    name = "chunks_scale"
    with tempfile.TemporaryDirectory() as home:
        uri = str(Path(home) / "library.db")
        store = VectorStore(uri)
        insert_s, texts, query_vectors = _fill(store, name, chunks, dim, queries, progress)
        warm = _latencies(store, name, texts, query_vectors)
        found = store.search(name, None, f"ID-{chunks // 2:07d}", 3)
        store.close()
        progress.note(f"searched {queries} questions; reopening the store")

        started = time.perf_counter()
        store = VectorStore(uri)
        store.load(name)  # what the library thread does at start-up (includes the BM25 warm-up)
        reopen_s = time.perf_counter() - started
        started = time.perf_counter()
        store.search(name, query_vectors[0], words.take(6), 3)
        first_s = time.perf_counter() - started
        after_reopen = _latencies(store, name, texts, query_vectors)
        server_rss_mb = psutil.Process(store._server._process.pid).memory_info().rss / 2**20
        store.close()

        # Side by side: the same file served by Lite's own search path (lite_search off).
        os.environ[FAST_SEARCH_ENV] = "0"
        try:
            store = VectorStore(uri)
        finally:
            del os.environ[FAST_SEARCH_ENV]
        store.load(name)
        own = _latencies(store, name, texts, query_vectors)
        store.close()
        disk_mb = sum(p.stat().st_size for p in Path(uri).rglob("*") if p.is_file()) / 2**20
    return {
        "chunks": chunks, "dim": dim,
        "insert_s": round(insert_s, 1), "insert_rows_per_s": round(chunks / insert_s, 1),
        **warm,
        "exact_id_found_by_bm25": bool(found) and found[0].id == f"c{chunks // 2}",
        "reopen_and_load_s": round(reopen_s, 2),
        "first_hybrid_search_after_reopen_ms": round(first_s * 1000, 1),
        **{f"after_reopen_{k}": v for k, v in after_reopen.items() if k.endswith("p50")},
        **{f"lite_own_path_{k}": v for k, v in own.items() if k.endswith("p50")},
        "hybrid_p50_lite_own_vs_fast": round(own["hybrid_search_ms_p50"] / after_reopen["hybrid_search_ms_p50"], 1),
        "store_process_rss_mb": round(server_rss_mb, 1),
        "disk_mb": round(disk_mb, 1),
    }


def bench_store_server(chunks: int, dim: int, queries: int, progress: BenchProgress | None = None) -> dict[str, float]:
    """The same chunks and questions in the library's Lite file and on a Milvus server reached by
    URI (Milvus Lite's own `server` command in another process: the only Milvus that runs here;
    it searches with Lite's own path, a real Milvus with its HNSW and BM25 indexes)."""
    progress = progress or BenchProgress("store")
    name = "chunks_scale"
    with tempfile.TemporaryDirectory() as home:
        store = VectorStore(str(Path(home) / "library.db"))
        _, texts, vectors = _fill(store, name, chunks, dim, queries, progress)
        local = _latencies(store, name, texts, vectors)
        store.close()
        progress.note("the Lite file is measured; now the same through a server URI")
        with _lite_server(Path(home) / "server") as uri:
            store = VectorStore(uri, owner="bench")
            insert_s, texts, vectors = _fill(store, name, chunks, dim, queries, progress)
            remote = _latencies(store, name, texts, vectors)
            found = store.search(name, None, f"ID-{chunks // 2:07d}", 3)
            store.close()
    return {"chunks": chunks, "dim": dim, "queries": queries, "server_insert_rows_per_s": round(chunks / insert_s, 1),
            **{f"lite_file_{k}": v for k, v in local.items()}, **{f"uri_{k}": v for k, v in remote.items()},
            # (a server collection namespaces ids by install, so the text is what is compared)
            "exact_id_found_by_bm25_via_uri": bool(found) and f"ID-{chunks // 2:07d}" in found[0].text,
            "hybrid_p50_uri_vs_file": round(remote["hybrid_search_ms_p50"] / local["hybrid_search_ms_p50"], 2)}


@contextlib.contextmanager
def _lite_server(data_dir: Path) -> Iterator[str]:
    exe = Path(sys.executable).with_name("milvus-lite")
    if not exe.exists():
        raise UserError(f"{exe.name} is not installed beside this Python: the server bench needs it.")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data_dir.mkdir(parents=True)
    process = subprocess.Popen([str(exe), "server", "--data-dir", str(data_dir), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise UserError("milvus-lite server did not start for the bench.") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
