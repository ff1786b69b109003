"""Milvus Lite search without its per-row Python passes, for the library's own queries.

Milvus Lite 3.2.2 is pure Python. Before every search it walks every stored row in Python twice:
once to find each primary key's newest version, once to drop stale versions and deleted rows;
a FLAT search then copies the whole vector matrix, and BM25 scores posting by posting. At 100k
chunks that was 150 ms per dense and 100-300 ms per BM25 request on two cores.

The rows a search may return depend only on the immutable segments and the tombstones, so
`live_masks` computes them once per (segments, tombstones) state and reuses them until a flush,
a compaction or a delete changes that state. Dense search then scores each FLAT segment with one
matrix product over its vectors (no copy); BM25 uses `FlatBM25`, Lite's scorer on NumPy arrays.
Only the plain requests the library makes are taken over (FLAT or BM25, no filter expression, no
partitions, nothing unflushed in the memtable); every other request goes to Lite unchanged.
Results are Lite's, ties included: the tests serve two copies of a store, one with this path and
one without, with deletes, re-inserted keys and unflushed rows.

It replaces private functions of one exact Milvus Lite version (`lite_private.PINNED_VERSION`, the
one the project pins) and does nothing on any other.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

import numpy as np

from desktop.core.library.lite_private import PINNED_VERSION, installed_version

log = logging.getLogger(__name__)

_CACHE_STATES = 4  # (segments, tombstones) states kept: one per collection in use, and spares

_lock = threading.Lock()
# Newest first, keyed by segment files (immutable; a flush or compaction writes new ones), so a
# compacted-away segment is not kept in memory by this cache.
_masks: list[tuple[tuple[tuple[str, int], ...], dict, list[np.ndarray]]] = []
_originals: dict[str, Any] = {}


def install() -> bool:
    """Route Milvus Lite's plain searches through the cached-mask path; True when active."""
    from milvus_lite.engine import collection

    if _originals:
        return True
    if installed_version() != PINNED_VERSION:
        log.info("Milvus Lite %s: fast search path off (written for %s)",
                 installed_version(), PINNED_VERSION)
        return False
    _originals["dense"] = collection.execute_search_with_index
    _originals["sparse"] = collection.Collection._search_sparse
    collection.execute_search_with_index = _dense_search
    collection.Collection._search_sparse = _sparse_search
    return True


def uninstall() -> None:
    """Give Milvus Lite its own search path back."""
    from milvus_lite.engine import collection

    if _originals:
        collection.execute_search_with_index = _originals.pop("dense")
        collection.Collection._search_sparse = _originals.pop("sparse")
    with _lock:
        _masks.clear()


def live_masks(segments: tuple, delta_index) -> list[np.ndarray]:
    """Per segment, which rows are the newest undeleted version of their key (memtable empty).

    The same rules as Lite's per-request pass, run once per state instead of once per request.
    """
    tombstones = delta_index._map
    files = tuple((s.file_path, s.num_rows) for s in segments)
    with _lock:
        for cached_files, cached_tombstones, masks in _masks:
            if cached_files == files and cached_tombstones == tombstones:
                return masks
    newest: dict[Any, int] = {}
    for segment in segments:
        for pk, seq in zip(segment.pks, segment.seqs.tolist()):
            if seq > newest.get(pk, -1):
                newest[pk] = seq
    masks = []
    for segment in segments:
        masks.append(np.fromiter(
            (newest[pk] == seq and tombstones.get(pk, -1) <= seq
             for pk, seq in zip(segment.pks, segment.seqs.tolist())),
            dtype=bool, count=len(segment.pks)))
    with _lock:
        _masks.insert(0, (files, dict(tombstones), masks))
        del _masks[_CACHE_STATES:]
    return masks


def _memtable_empty(memtable) -> bool:
    return memtable.size() == 0


def _dense_search(query_vectors, segments, memtable, delta_index, top_k, metric_type, pk_field,
                  vector_field, partition_names=None, compiled_filter=None, output_fields=None,
                  indexed_filter_plan=None, project_record_fn=None, search_params=None):
    from milvus_lite.index.brute_force import BruteForceIndex
    from milvus_lite.search.distance import compute_distances

    segments = tuple(segments)
    in_scope = [s for s in segments if s.num_rows > 0]
    plain = (compiled_filter is None and not partition_names and _memtable_empty(memtable)
             and project_record_fn is not None and top_k > 0
             and all(isinstance(s.indexes.get(vector_field), BruteForceIndex) for s in in_scope))
    if not plain:
        return _originals["dense"](
            query_vectors, segments, memtable, delta_index, top_k, metric_type, pk_field,
            vector_field, partition_names=partition_names, compiled_filter=compiled_filter,
            output_fields=output_fields, indexed_filter_plan=indexed_filter_plan,
            project_record_fn=project_record_fn, search_params=search_params)

    queries = np.asarray(query_vectors, dtype=np.float32).reshape(-1, query_vectors.shape[-1])
    masks = live_masks(segments, delta_index)
    mask_of = {id(s): m for s, m in zip(segments, masks)}
    candidates: list[list[tuple[float, int, int]]] = [[] for _ in range(len(queries))]
    for source, segment in enumerate(in_scope):
        vectors, null_mask = segment.vector_data(vector_field)
        valid = mask_of[id(segment)]
        if null_mask is not None:
            valid = valid & null_mask
        if not valid.any():
            continue
        # Lite's FLAT search copies the valid rows first (150 MB at 100k x 384); score in place.
        distances = np.atleast_2d(compute_distances(queries, vectors, metric_type))
        distances = np.where(valid, distances, np.inf)
        k = min(top_k, int(valid.sum()))
        ids = np.argpartition(distances, k - 1, axis=1)[:, :k]
        for q in range(len(queries)):
            for lid in ids[q].tolist():
                candidates[q].append((float(distances[q, lid]), source, lid))

    results = []
    for per_query in candidates:
        per_query.sort()
        hits = []
        for dist, source, lid in per_query[:top_k]:
            record = in_scope[source].row_to_dict(lid)
            pk = record.get(pk_field, in_scope[source].pks[lid])
            hits.append({"id": pk, "distance": dist, "entity": project_record_fn(record)})
        results.append(hits)
    return results


def _sparse_search(self, query_vectors, vector_field, top_k, metric_type, partition_names, expr,
                   output_fields, timezone=None):
    from milvus_lite.engine.projection import build_projection_plan, project_record

    plain = (metric_type == "BM25" and not expr and not partition_names and top_k > 0
             and _memtable_empty(self._memtable))
    if not plain:
        return _originals["sparse"](self, query_vectors, vector_field, top_k, metric_type,
                                    partition_names, expr, output_fields, timezone)

    spec = self._index_specs.get(vector_field)
    params = spec.build_params if spec else {}
    k1, b = float(params.get("bm25_k1", 1.5)), float(params.get("bm25_b", 0.75))
    segments, delta_index = self._read_snapshot()
    in_scope = [s for s in segments if s.table is not None and len(s.table) > 0]
    queries = self._prepare_sparse_queries(query_vectors, vector_field)
    masks = live_masks(segments, delta_index)
    mask_of = {id(s): m for s, m in zip(segments, masks)}
    plan = build_projection_plan(output_fields, self._schema, api_kind="search")
    per_query: list[list[tuple[float, Any, Any, int]]] = [[] for _ in queries]
    for segment in in_scope:
        valid = mask_of[id(segment)]
        if not valid.any():
            continue
        key = ("flat-bm25", vector_field, k1, b)  # kept with the segment, dropped with it
        index = segment.sparse_indexes.get(key)
        if index is None:
            index = segment.sparse_indexes[key] = FlatBM25(segment.table.column(vector_field), k1, b)
        ids, dists = index.search(queries, top_k, valid)
        for q in range(len(queries)):
            for j, lid in enumerate(ids[q].tolist()):
                if lid < 0:
                    break
                per_query[q].append((float(dists[q, j]), segment.pks[lid], segment, lid))
    results = []
    for found in per_query:
        found.sort(key=lambda c: c[0])  # stable: ties keep segment order, as in Lite
        hits = []
        for dist, pk, segment, lid in found[:top_k]:
            table = segment.table
            record = {name: table.column(name)[lid].as_py() for name in table.column_names
                      if name not in ("_seq", "_partition")}
            hits.append({"id": pk, "distance": dist, "entity": project_record(record, self._schema, plan)})
        results.append(hits)
    return results


class FlatBM25:
    """Lite's per-segment BM25 scorer (`SparseInvertedIndex`), on flat NumPy posting arrays.

    Lite builds its index row by row in Python (4.6 s and ~300 MB for 100k chunks) and scores
    posting by posting (250 ms for a 6-word query when a word is common). Here the segment's
    packed (term, tf) pairs are read in one go (under a second for 100k chunks) and each query
    term is one vector operation. The statistics, the float32 arithmetic and its order, and
    the order of ties (first-seen query term, then row) are Lite's, so results are identical.
    """

    def __init__(self, column, k1: float, b: float) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self.k1, self.b = k1, b
        packed = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if packed.null_count:
            packed = pc.fill_null(packed, b"")
        n = len(packed)
        offset_type = np.int64 if pa.types.is_large_binary(packed.type) else np.int32
        offsets = np.frombuffer(packed.buffers()[1], dtype=offset_type)[packed.offset:packed.offset + n + 1]
        raw = np.frombuffer(packed.buffers()[2] or b"", dtype=np.uint8)[offsets[0]:offsets[-1]]
        pairs = raw.view(np.dtype([("term", "<u4"), ("tf", "<f4")]))
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets) // 8)
        lengths = np.bincount(rows, weights=pairs["tf"].astype(np.float64), minlength=n)
        self.doc_count = n  # rows without terms count, as in Lite
        self.avgdl = float(lengths.sum()) / n if n else 0.0
        self.lengths = lengths.astype(np.float32)
        order = np.argsort(pairs["term"], kind="stable")  # by term, rows ascending within one
        self.terms, starts, self.df = np.unique(pairs["term"][order], return_index=True,
                                                return_counts=True)
        self.starts = np.append(starts, len(order))
        self.rows, self.tfs = rows[order], pairs["tf"][order]

    def search(self, queries: list[dict[int, float]], top_k: int,
               valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = np.full((len(queries), top_k), -1, dtype=np.int64)
        dists = np.full((len(queries), top_k), np.inf, dtype=np.float32)
        if self.doc_count == 0:
            return ids, dists
        n, k1, b = self.doc_count, self.k1, self.b
        avgdl = self.avgdl if self.avgdl > 0 else 1.0
        for qi, terms in enumerate(queries):
            scores = np.zeros(n, dtype=np.float32)
            first_term = np.full(n, len(terms), dtype=np.int64)
            for t, (term, weight) in enumerate(terms.items()):
                at = int(np.searchsorted(self.terms, term))
                if at == len(self.terms) or self.terms[at] != term:
                    continue
                span = slice(self.starts[at], self.starts[at + 1])
                rows, tf = self.rows[span], self.tfs[span]
                df = int(self.df[at])
                idf = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
                tf_norm = (tf * (k1 + 1.0)) / (tf + k1 * (1.0 - b + b * self.lengths[rows] / avgdl))
                scores[rows] += idf * tf_norm * weight
                first_term[rows] = np.minimum(first_term[rows], t)
            found = np.flatnonzero((first_term < len(terms)) & valid)
            if found.size == 0:
                continue
            best = found[np.lexsort((found, first_term[found], -scores[found]))][:top_k]
            ids[qi, :len(best)] = best
            dists[qi, :len(best)] = -scores[best]
        return ids, dists
