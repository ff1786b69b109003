"""The vector store: one Milvus collection of chunks per embedding model, hybrid retrieval.

Addressed by a Milvus URI: a path ending in `.db` is Milvus Lite, served by a child process to
this app alone (`lite_server`, the default); `http://host:19530` or a Zilliz Cloud URI is a
shared server, with no other code change.

Each chunk row holds the dense vector, the text (analysed; a BM25 function derives the sparse
vector from it, so keyword search needs no second model) and where it came from. Collections are
named after the embedding model, because vectors of two models do not share a space.

Why FLAT on Milvus Lite (measured with Lite 3.2.2): Lite builds the HNSW graph of a segment in a
background thread after each flush or compaction, and at `load_collection` builds, synchronously,
every graph whose sidecar file is missing. A process killed before that thread finishes leaves
no sidecar, so the next start builds the graph inside `load_collection`: the 62 s first load
after 20k inserts (here: 4.8 s for a 20k-row segment after a kill, 0.03 s when the graph had
been saved); a process that exits normally waits for the build at exit instead (~10 s). A FLAT
index (exact scan) has nothing to build: loading 100k chunks takes 0.35 s, results are exact, and
the scan is ~10 ms. The keyword index is not kept on disk either: `load` runs one warm-up query
that builds it (under a second at 100k chunks with `lite_search`, 4.6 s without). A Milvus
server gets HNSW (M=16, efConstruction=200; ef=64 at search: recall above 0.95 at millions of
chunks in Milvus's own benchmarks, memory ~1.1x the raw vectors) and the BM25 sparse index, both
created with the collection on first use.

Sharing one server collection between machines: namespaced per install. Each install has an
owner id (`namespace.install_id`); on a server its chunks carry it in an `owner` field and in
their primary key, and its deletes match `owner` too, so one machine's re-index or remove never
touches another's chunks, even for the same path and content. Each machine keeps its own catalog
(which of its documents are fully indexed); searches return every owner's chunks. `documents`
lists what the collection holds (one row per document: its first chunk). Chosen over a shared
catalog in the collection because it needs no cross-machine locking: a machine that crashes
mid-document leaves chunks only under its own owner, which its next run deletes. The cost: those
chunks can be cited by other machines until then.

Search latency: Lite's own search walks every row in Python per request (~1.5 us per row, 500 ms
hybrid at 100k chunks on two cores); `lite_search` does that per-row work once per stored state
instead and scores with NumPy, which leaves ~20 ms at 100k.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.errors import UserError
from desktop.core.library.lite_server import LiteServer

if TYPE_CHECKING:  # only in annotations: numpy is not needed to open the window
    import numpy as np

log = logging.getLogger(__name__)

MAX_TEXT_BYTES = 60_000  # under the VARCHAR limit of 65,535 bytes, with room to spare
MAX_PATH_BYTES = 4_000
OUTPUT_FIELDS = ["doc_id", "path", "page", "heading", "chunk_index", "char_start", "char_end", "text"]
RRF_K = 60  # the constant from the RRF paper; Milvus's default
# Words that carry no topic. Without them BM25 ranks a question like "when can I move my plants
# into the garden?" by "when", "can" and "the", and its noise drags the fused ranking down.
# (English only: a multilingual library still works, with noisier keyword scores.)
STOP_WORDS = sorted(set("""
a an and are as at be been but by can could did do does doing for from had has have how i if in
into is it its me my no not of on or our should so such than that the their them then there
these they this those to us was we were what when where which who whom why will with would you
your yours get got want need about after before during also just any some""".split()))
ANALYZER = {"tokenizer": "standard", "filter": ["lowercase", {"type": "stop", "stop_words": STOP_WORDS}]}


@dataclass(frozen=True)
class ChunkRow:
    id: str
    doc_id: int
    path: str
    page: int  # 0 when the format has no pages
    heading: str
    chunk_index: int
    char_start: int
    char_end: int
    text: str


@dataclass(frozen=True)
class StoredDocument:
    """A document as a shared collection holds it (any machine's)."""

    owner: str
    doc_id: int
    path: str


@dataclass(frozen=True)
class StoredHit:
    id: str
    score: float
    doc_id: int
    path: str
    page: int | None
    heading: str | None
    chunk_index: int
    char_start: int
    char_end: int
    text: str
    owner: str = ""  # the install that indexed it (server collections); "" on Lite


# Milvus Lite turns its whole in-memory table into Arrow at a flush, walking the rows in Python
# (3,300 unflushed chunks took 0.38 s, during which the server answered nothing). Flushing
# every few hundred rows bounds that pause; its background compaction merges the small files.
LITE_FLUSH_ROWS = 256
SERVER_TIMEOUT_S = 10.0  # an unreachable server is said within this, not after a long hang
HNSW_PARAMS = {"M": 16, "efConstruction": 200}
HNSW_SEARCH = {"ef": 64}
LIST_LIMIT = 16_384  # documents listed from a shared collection at most (Milvus's query window)


def collection_name(model_fingerprint: str) -> str:
    return "chunks_" + hashlib.sha1(model_fingerprint.encode("utf-8")).hexdigest()[:12]


def is_lite_uri(uri: str) -> bool:
    return "://" not in uri and uri.endswith(".db")


class VectorStore:
    def __init__(self, uri: str, *, token: str | None = None, owner: str = "") -> None:
        """`token`: a server's ("user:password" or an API key); `owner`: this install's id in a
        shared server collection (ignored on Lite, which one app holds alone)."""
        self.uri = uri
        self.is_lite = is_lite_uri(uri)
        self.token = token
        self.owner = "" if self.is_lite else owner
        self._server: LiteServer | None = None
        self._client = None
        if self.is_lite:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        self._connect()
        self._loaded: set[str] = set()
        self._ready: set[str] = set()  # collections known to exist, saving a round trip per file
        self._load_lock = threading.Lock()  # a search during start-up waits for the one load
        self._unflushed: dict[str, int] = {}  # Lite: rows inserted since the last flush

    def _connect(self) -> None:
        """On Lite, start its process; then connect to the server."""
        from pymilvus import MilvusClient

        if self.is_lite:
            self._server = LiteServer(self.uri)
        try:
            if self._server is not None:  # its server answers the holder of this secret alone
                self._client = MilvusClient(self._server.uri, token=self._server.token)
            else:
                self._client = MilvusClient(self.uri, token=self.token or "", timeout=SERVER_TIMEOUT_S)
        except Exception as exc:
            self.close()
            reason = getattr(exc, "message", None) or str(exc)
            raise UserError(f"Cannot reach the Milvus server at {self.uri}: {' '.join(reason.split())}") from exc

    @property
    def _live(self):
        """The client. On Lite, a store process that died (killed, out of memory) is started
        again first: the call that saw it die failed, the next ones work, and nothing stored is
        lost (Lite keeps a write-ahead log on disk)."""
        if self._server is not None and not self._server.alive():
            log.warning("the library's store process exited (code %s); starting it again",
                        self._server.exit_code())
            self._client.close()
            self._connect()
            self._loaded.clear()
            self._unflushed.clear()
        return self._client

    def close(self) -> None:
        """Close the connection; on Lite also stop its server, which closes the files, so another
        Library (or process) can open the same path afterwards."""
        if self._client is not None:
            self._client.close()
        if self._server is not None:
            self._server.stop()

    def exists(self, name: str) -> bool:
        return self._live.has_collection(name)

    def ensure(self, name: str, dim: int) -> None:
        if name in self._ready:
            return
        if self.exists(name):
            self.load(name)
            self._ready.add(name)
            return
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field("doc_id", DataType.INT64)
        schema.add_field("path", DataType.VARCHAR, max_length=MAX_PATH_BYTES + 96)
        schema.add_field("page", DataType.INT64)
        schema.add_field("heading", DataType.VARCHAR, max_length=1024)
        schema.add_field("chunk_index", DataType.INT64)
        schema.add_field("char_start", DataType.INT64)
        schema.add_field("char_end", DataType.INT64)
        schema.add_field("text", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                         analyzer_params=ANALYZER)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        if self.owner:
            schema.add_field("owner", DataType.VARCHAR, max_length=64)
        schema.add_function(Function(name="text_bm25", function_type=FunctionType.BM25,
                                     input_field_names=["text"], output_field_names=["sparse"]))
        index = self._live.prepare_index_params()
        if self.is_lite:
            index.add_index(field_name="dense", index_type="FLAT", metric_type="IP")
        else:
            index.add_index(field_name="dense", index_type="HNSW", metric_type="IP", params=HNSW_PARAMS)
        index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        self._live.create_collection(name, schema=schema, index_params=index)
        self.load(name)
        self._ready.add(name)

    def load(self, name: str) -> None:
        """Load a collection into memory and warm the keyword index.

        The keyword index is not kept on disk: the first keyword query after opening builds it,
        so that is done here, at start-up, in the background, not in the user's first question.
        """
        if name in self._loaded:
            return
        with self._load_lock:
            if name in self._loaded or not self.exists(name):
                return
            self._live.load_collection(name)
            if self.is_lite:
                # Rows a crash left in the write-ahead log come back unflushed, and the fast
                # search path (`lite_search`) steps aside while any are: persist them now.
                self.flush(name)
            try:
                self._live.search(name, data=["warm up"], anns_field="sparse", limit=1,
                                  search_params={"metric_type": "BM25"})
            except Exception:  # an empty collection has nothing to warm
                log.debug("BM25 warm-up skipped", exc_info=True)
            self._loaded.add(name)

    def insert(self, name: str, rows: list[ChunkRow], vectors: np.ndarray) -> None:
        data = []
        for row, vector in zip(rows, vectors, strict=True):
            data.append({
                "id": row.id, "doc_id": row.doc_id, "path": _clip(row.path, MAX_PATH_BYTES),
                "page": row.page, "heading": _clip(row.heading, 1000),
                "chunk_index": row.chunk_index, "char_start": row.char_start, "char_end": row.char_end,
                "text": _clip(row.text, MAX_TEXT_BYTES), "dense": vector.tolist(),
            })
            if self.owner:  # its own key: two machines indexing the same file never share a row
                data[-1].update(owner=self.owner, id=f"{self.owner[:16]}-{row.id}")
        if data:
            self._live.insert(name, data=data)
            if self.is_lite:
                self._unflushed[name] = self._unflushed.get(name, 0) + len(data)
                if self._unflushed[name] >= LITE_FLUSH_ROWS:
                    self.flush(name)

    def delete_document(self, name: str, doc_id: int) -> None:
        if self.exists(name):
            self._live.delete(name, filter=f"doc_id == {int(doc_id)}{self._mine()}")

    def _mine(self) -> str:
        """The filter that keeps a write to this install's own chunks on a shared server."""
        return f' and owner == "{self.owner}"' if self.owner else ""

    def documents(self, name: str) -> list[StoredDocument]:
        """What a shared collection holds, every owner's: one row per document."""
        if not self.exists(name):
            return []
        self.load(name)
        fields = ["doc_id", "path"] + (["owner"] if self.owner else [])
        rows = self._live.query(name, filter="chunk_index == 0", output_fields=fields, limit=LIST_LIMIT)
        return sorted((StoredDocument(str(r.get("owner", "")), int(r["doc_id"]), r["path"]) for r in rows),
                      key=lambda d: (d.path, d.owner))

    def count(self, name: str, doc_id: int | None = None) -> int:
        """Chunks stored for one document, or in the whole collection."""
        if not self.exists(name):
            return 0
        self.load(name)
        expr = f"doc_id == {int(doc_id)}{self._mine()}" if doc_id is not None else ""
        rows = self._live.query(name, filter=expr, output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def chunks(self, name: str, doc_id: int, indexes: list[int], owner: str = "") -> list[StoredHit]:
        """Some chunks of one document by position (a hit's neighbours), score 0; `owner`: whose
        copy on a shared server (every install indexes its own)."""
        if not indexes or not self.exists(name):
            return []
        self.load(name)
        expr = f"doc_id == {int(doc_id)} and chunk_index in {sorted({int(i) for i in indexes})}"
        if self.owner:
            expr += f' and owner == "{owner or self.owner}"'
        rows = self._live.query(name, filter=expr, output_fields=["id", *OUTPUT_FIELDS])
        return sorted((StoredHit(
            id=str(r["id"]), score=0.0, doc_id=int(r["doc_id"]), path=r["path"], page=int(r["page"]) or None,
            heading=r["heading"] or None, chunk_index=int(r["chunk_index"]), char_start=int(r["char_start"]),
            char_end=int(r["char_end"]), text=r["text"], owner=owner) for r in rows), key=lambda h: h.chunk_index)

    def flush(self, name: str) -> None:
        """Persist inserted rows as a segment now (else they wait in the write-ahead log)."""
        if self.exists(name):
            self._live.flush(name)
        self._unflushed.pop(name, None)

    def search(self, name: str, vector: np.ndarray | None, text: str | None, limit: int) -> list[StoredHit]:
        """Hybrid (dense + BM25, RRF) when both are given; dense-only or BM25-only otherwise."""
        from pymilvus import AnnSearchRequest, RRFRanker

        if not self.exists(name):
            return []
        self.load(name)
        dense_param = {"metric_type": "IP"} if self.is_lite else {"metric_type": "IP", "params": HNSW_SEARCH}
        dense = ({"data": [vector.tolist()], "anns_field": "dense",
                  "param": dense_param, "limit": limit} if vector is not None else None)
        fields = OUTPUT_FIELDS + (["owner"] if self.owner else [])
        sparse = ({"data": [text], "anns_field": "sparse", "param": {"metric_type": "BM25"},
                   "limit": limit} if text and text.strip() else None)
        if dense and sparse:
            results = self._live.hybrid_search(
                name, reqs=[AnnSearchRequest(**dense), AnnSearchRequest(**sparse)],
                ranker=RRFRanker(RRF_K), limit=limit, output_fields=fields)
        elif dense or sparse:
            request = dense or sparse
            results = self._live.search(
                name, data=request["data"], anns_field=request["anns_field"], limit=limit,
                search_params=request["param"], output_fields=fields)
        else:
            return []
        hits = []
        for hit in results[0] if results else []:
            entity = hit["entity"]
            score = float(hit["distance"])
            if sparse and not dense:
                score = abs(score)  # Lite reports BM25 as a negative distance
            hits.append(StoredHit(
                id=str(hit["id"]), score=score, doc_id=int(entity["doc_id"]), path=entity["path"],
                page=int(entity["page"]) or None, heading=entity["heading"] or None,
                chunk_index=int(entity["chunk_index"]), char_start=int(entity["char_start"]),
                char_end=int(entity["char_end"]), text=entity["text"], owner=str(entity.get("owner") or "")))
        return hits


def _clip(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore")
