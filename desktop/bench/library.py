"""Library figures, side by side in one run: indexing throughput against the raw embedding
throughput of the same model, and search latency (hybrid, dense, BM25) at the library's size."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop.bench.progress import BenchProgress
from desktop.context import AppContext
from desktop.core.documents import load_document
from desktop.core.documents.chunker import chunk_document
from desktop.core.embeddings import Embedder
from desktop.core.library import Library
from desktop.paths import AppPaths

_WORDS = ("heat pump defrost router fibre cable bread flour yeast battery solar inverter garden "
          "compost tomato bicycle chain brake invoice tax pension recipe oven valve pressure sensor "
          "firmware update backup password printer driver kernel module network switch").split()


def write_corpus(folder: Path, documents: int, paragraphs: int, rng: random.Random) -> None:
    for i in range(documents):
        text = [f"# Document {i}\n"]
        for p in range(paragraphs):
            words = " ".join(rng.choice(_WORDS) for _ in range(60))
            text.append(f"## Part {p}\n\n{words.capitalize()}. Reference code ID-{i:04d}-{p:02d}.\n")
        (folder / f"doc-{i:04d}.md").write_text("\n".join(text), encoding="utf-8")


@contextmanager
def corpus_home(embedding_model: str, documents: int, paragraphs: int,
                rng: random.Random) -> Iterator[tuple[AppContext, Path]]:
    """A fresh app home whose library uses `embedding_model`, and a generated corpus in it."""
    with tempfile.TemporaryDirectory() as home:
        ctx = AppContext.load(AppPaths.under(Path(home)))
        ctx.update_settings(ctx.settings.with_section("library", embedding_model_path=embedding_model))
        corpus = Path(home) / "corpus"
        corpus.mkdir()
        write_corpus(corpus, documents, paragraphs, rng)
        yield ctx, corpus


def bench_library(embedding_model: str, documents: int, paragraphs: int, queries: int,
                  progress: BenchProgress | None = None) -> dict[str, float]:
    progress = progress or BenchProgress("library")
    rng = random.Random(7)
    with corpus_home(embedding_model, documents, paragraphs, rng) as (ctx, corpus):

        # Raw: the same chunks through the same model, nothing else (no parsing, no store).
        embedder = Embedder(embedding_model)
        settings = ctx.settings.library
        chunks = [c.text for path in sorted(corpus.iterdir())
                  for c in chunk_document(load_document(path), embedder.count_tokens,
                                          settings.chunk_tokens, settings.chunk_overlap)]
        started = time.perf_counter()
        embedder.embed_documents(chunks)
        raw_s = time.perf_counter() - started
        embedder.close()
        progress.note(f"raw embedding of {len(chunks)} chunks: {raw_s:.1f} s; now indexing through the library")

        library = Library.open(ctx)
        try:
            report = library.add([corpus])
            progress.note(f"indexed {documents} documents; {queries} questions follow")
            latencies: dict[str, list[float]] = {"hybrid": [], "dense": [], "bm25": []}
            library.search("warm up", top_k=3)
            for _ in range(queries):
                question = " ".join(rng.choice(_WORDS) for _ in range(6))
                for mode, times in latencies.items():
                    started = time.perf_counter()
                    library.search(question, top_k=3, mode=mode)
                    times.append((time.perf_counter() - started) * 1000)
        finally:
            library.close()
        # Start-up: what the window's library thread does when the app starts again.
        started = time.perf_counter()
        library = Library.open(ctx)
        library.load()
        reopen_s = time.perf_counter() - started
        try:
            started = time.perf_counter()
            library.search("defrost router reset", top_k=3)
            first_search_s = time.perf_counter() - started
        finally:
            library.close()
    figures = {
        "documents": documents,
        "chunks": report.chunks,
        "raw_embed_chunks_per_s": round(len(chunks) / raw_s, 1),
        "index_chunks_per_s": round(report.chunks / report.seconds, 1),
        "index_vs_raw_ratio": round((report.chunks / report.seconds) / (len(chunks) / raw_s), 3),
        "reopen_and_load_s": round(reopen_s, 2),
        "first_search_after_reopen_ms": round(first_search_s * 1000, 1),
    }
    return {**figures, **search_percentiles(latencies)}


def nearest_rank(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values, nearest-rank (no interpolation)."""
    return ordered[max(0, int(len(ordered) * q) - 1)]


def search_percentiles(latencies: dict[str, list[float]]) -> dict[str, float]:
    """`{mode}_search_ms_p50` and `_p95` for each search mode's latencies in ms."""
    figures = {}
    for mode, times in latencies.items():
        ordered = sorted(times)
        figures[f"{mode}_search_ms_p50"] = round(statistics.median(ordered), 1)
        figures[f"{mode}_search_ms_p95"] = round(nearest_rank(ordered, 0.95), 1)
    return figures
