"""The document library: add, re-index, remove and search documents.

Threads: `add`, `remove` and `rescan_watched` write; call them from one worker (they also take a
lock, so two writers queue rather than interleave). `search`, `documents` and `load` may be
called from any thread, also while an indexing run is going on: searches embed the query with
their own small model instance, so a question never waits for a folder to finish indexing.

Indexing one document, crash-safe: load and chunk it (a bad file stops here, recorded as an
error; files are read in a capped child process, `DocumentReader`, so a reader that crashes,
hangs or runs out of memory costs that one file, not the app), mark it `indexing`, delete any chunks it had, embed and insert in batches (cancel is
checked between batches), then mark it `indexed`. Searches only return chunks of documents marked
`indexed`, so half-written documents are never cited, and the next run redoes them.

Incremental: a file whose size and mtime are unchanged is skipped without reading it; otherwise
its SHA-256 decides (a touched but identical file is not re-embedded). Files that disappeared from
a folder being added are removed from the library.

Watched folders: `set_watched(folder)` records the folder; the app calls `rescan_watched()` from
its worker on a timer (e.g. every minute while idle). A rescan of unchanged folders only stats
files, so it is cheap; no file-system notification library is needed.

Lifecycle: every call holds the library while it runs (`lifecycle.Lifecycle`). `close()` and
`reopen(model)` wait for the calls in flight (at most `RETIRE_WAIT_S`), so a question being
searched on the LLM thread never has its embedder freed under it; a call after `close()` raises
`LibraryClosed`, a one-line UserError.

One program per store: Milvus Lite serves a folder to one process. A Library that the CLI opens
(`Library.open(ctx)`) on the data folder of an open window says so at once (`LibraryInUse`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.documents import (
    DocumentError,
    DocumentReader,
    ReaderBug,
    check_limits,
    chunk_document,
    document_kind,
)
from desktop.core.embeddings import Embedder
from desktop.core.errors import UserError
from desktop.core.instance_lock import held_by_window
from desktop.core.jobs import Cancelled, CancelToken, Progress, ProgressCallback
from desktop.core.library import ranking
from desktop.core.library.catalog import (
    ERROR,
    INDEXED,
    INDEXING,
    SKIPPED,
    Catalog,
    DocumentRecord,
    ModelIdentity,
    RememberedModel,
    doc_id_for,
    identify,
)
from desktop.core.library.lifecycle import CLOSED_MESSAGE, LibraryClosed, Lifecycle
from desktop.core.library.scan import ScanResult, absolute, scan
from desktop.core.library.store import (
    ChunkRow,
    StoredDocument,
    StoredHit,
    VectorStore,
    collection_name,
    is_lite_uri,
)

if TYPE_CHECKING:
    from desktop.context import AppContext

log = logging.getLogger(__name__)

SEARCH_MODES = ("hybrid", "dense", "bm25")
EXCERPT_EXTRA_CHUNKS = 2  # a source's other matching chunks that go into the prompt with it
ADJACENT_GAP = 4  # characters between two chunks that are only the blank line between sections
# Chunks asked of each search per source wanted: one document's chunks share a source, and
# chunks of documents being re-indexed are dropped.
CANDIDATES_PER_SOURCE = 8
MIN_CANDIDATES = 24
DOCUMENT_SLICE_CHUNKS = 4096  # chunks read per query when a whole document is read back
BATCH_CHUNKS = 16  # chunks embedded and inserted per step; a cancel lands within one step
RETIRE_WAIT_S = 30.0  # close/reopen wait this long for calls in flight, then leave the freeing to them
IN_USE_MESSAGE = ("The library is in use by the open window (one program at a time can use it); "
                  "close the window and try again, or use the window's Library pane.")
NO_MODEL_MESSAGE = ("No embedding model is set. Choose one in Settings > Library, or pass "
                    "--embedding-model PATH (a GGUF embedding model).")


@dataclass(frozen=True)
class Location:
    """Another place in a hit's document: one of its other matching chunks, or a neighbour."""

    page: int | None
    heading: str | None
    score: float
    text: str
    char_start: int
    char_end: int
    chunk_index: int

    def to_json(self) -> dict:
        return {"page": self.page, "heading": self.heading, "score": round(self.score, 6),
                "char_start": self.char_start, "char_end": self.char_end}


@dataclass(frozen=True)
class Hit:
    """One document found: its best chunk, with its other matching chunks (`also`, best first)
    and, when asked for, the chunks around the best one (`context`)."""

    path: str
    page: int | None
    heading: str | None
    score: float
    text: str
    char_start: int
    char_end: int
    chunk_index: int
    also: tuple[Location, ...] = ()
    context: tuple[Location, ...] = ()
    relevant: bool = True  # see `ranking.is_relevant`
    cosine: float | None = None  # the best chunk's, when the dense search saw it

    @property
    def excerpt(self) -> str:
        """What a question is grounded in: the best chunk, its best other matches and its
        neighbours, in document order, overlaps joined and gaps marked with an ellipsis."""
        passages = {self.chunk_index: (self.char_start, self.char_end, self.text)}
        for place in (*self.also[:EXCERPT_EXTRA_CHUNKS], *self.context):
            passages.setdefault(place.chunk_index, (place.char_start, place.char_end, place.text))
        parts: list[str] = []
        end = -1
        for start, stop, text in sorted(passages.values()):
            exact = len(text) == stop - start  # False when the store clipped a huge chunk
            if parts and exact and start < end:
                if stop > end:
                    parts[-1] += text[end - start:]
            elif parts and 0 <= start - end <= ADJACENT_GAP:
                parts[-1] += "\n\n" + text  # the next section: only a blank line lay between
            else:
                parts.append(text)
            end = max(end, stop)
        return "\n[...]\n".join(parts)

    def to_json(self) -> dict:
        return {"path": self.path, "page": self.page, "heading": self.heading,
                "score": round(self.score, 6), "text": self.text,
                "char_start": self.char_start, "char_end": self.char_end,
                "relevant": self.relevant, "locations": [place.to_json() for place in self.also]}


@dataclass(frozen=True)
class IndexProgress(Progress):
    """Progress of an indexing run; `done`/`total` are bytes, so big files weigh more."""

    files_done: int = 0
    files_total: int = 0
    chunks_done: int = 0
    current: str | None = None
    current_fraction: float = 0.0  # of the current file
    eta_s: float | None = None


@dataclass
class AddReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def anything_done(self) -> bool:
        return bool(self.indexed or self.unchanged or self.removed)


class LibraryInUse(UserError):
    """The data folder's window holds the store (see `instance_lock`)."""


class Library:
    def __init__(self, uri: str, catalog_path: Path, embedding_model: str | Path | None, *,
                 chunk_tokens: int = 256, chunk_overlap: int = 32,
                 reader: DocumentReader | None = None, token: str | None = None, owner: str = "",
                 window_data_dir: Path | None = None) -> None:
        """`token` and `owner` are for a Milvus server: its credentials, and this install's id
        in a collection that other machines share (see `store`). `window_data_dir`: the data
        folder whose open window would hold this (Lite) store."""
        self.uri = uri
        self._token = token
        self._owner = owner
        self._catalog = Catalog(catalog_path)
        self._store: VectorStore | None = None
        self._store_lock = threading.Lock()
        # With no model given, the one this library was indexed with (see `catalog`).
        self._remembered = self._catalog.embedding_model()
        self._model_path = self._chosen_model(embedding_model)
        self._identity_cache: tuple[tuple, ModelIdentity] | None = None
        self._chunk_tokens = chunk_tokens
        self._chunk_overlap = chunk_overlap
        self._doc_embedder: Embedder | None = None
        self._query_embedder: Embedder | None = None
        self._embedder_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._in_progress: str | None = None
        # Its child starts with the first file read; a library that only searches never has one.
        self._reader = reader or DocumentReader()
        self._owns_reader = reader is None
        self._life = Lifecycle()
        self._window_data_dir = window_data_dir

    @classmethod
    def open(cls, ctx: AppContext, embedding_model: str | Path | None = None,
             uri: str | None = None, token: str | None = None) -> Library:
        """The library of an AppContext; `embedding_model` overrides the setting, which overrides
        the model the library remembers; `uri` (and `token`) name a Milvus server instead of this
        computer's Lite library."""
        from desktop.core.library.namespace import catalog_path, install_id

        settings = ctx.settings.library
        uri = uri or str(ctx.paths.library_db)
        return cls(uri, catalog_path(ctx.paths.data_dir, uri), embedding_model or settings.embedding_model_path,
                   chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap, token=token,
                   owner="" if is_lite_uri(uri) else install_id(ctx.paths.data_dir),
                   window_data_dir=ctx.paths.data_dir if uri == str(ctx.paths.library_db) else None)

    # ── lifecycle ────────────────────────────────────────────────────────────────────────

    @property
    def embedding_model(self) -> Path | None:
        """The model file this library searches with (given, set, or remembered)."""
        return self._model_path

    @property
    def model_fingerprint(self) -> str | None:
        """Which vector space this library uses: the model file's name and size, or, for a
        renamed copy of the model the library remembers, the remembered model's space."""
        if self._model_path is None:
            return None
        try:
            size = self._model_path.stat().st_size
        except OSError:
            return None
        own = f"{self._model_path.name}:{size}"
        remembered = self._remembered
        if remembered is not None and remembered.space != own and remembered.size == size:
            identity = self._identity()
            if identity is not None and identity.same_model(remembered):
                return remembered.space
        return own

    def check_model(self) -> None:
        """Raise a one-line UserError when there is no usable embedding model."""
        self._require_model()

    def _chosen_model(self, embedding_model: str | Path | None) -> Path | None:
        if embedding_model:
            return Path(embedding_model).expanduser()
        return Path(self._remembered.path) if self._remembered else None

    def _identity(self) -> ModelIdentity | None:
        """The model file's identity, hashed once per (path, size, mtime)."""
        path = self._model_path
        try:
            info = path.stat() if path else None
        except OSError:
            return None
        if path is None or info is None:
            return None
        key = (str(path), info.st_size, info.st_mtime_ns)
        cached = self._identity_cache
        if cached is None or cached[0] != key:
            try:
                cached = self._identity_cache = (key, identify(path))
            except OSError:
                return None
        return cached[1]

    def _remember_model(self, space: str) -> None:
        """Tie the library to the model that just indexed (or confirmed) its documents."""
        identity = self._identity()
        if identity is None:
            return
        model = RememberedModel(identity.path, identity.size, identity.header_sha256, space)
        if model != self._remembered:
            self._catalog.remember_embedding_model(model)
            self._remembered = model

    def load(self) -> None:
        """Open the store and load the current model's collection; slow parts happen here.

        Call it from a worker at start-up so the first question does not pay for it.
        """
        with self._life.using():
            fingerprint = self.model_fingerprint
            if fingerprint:
                self._vector_store().load(collection_name(fingerprint))

    def close(self, wait_s: float = RETIRE_WAIT_S) -> None:
        """Free everything once the calls in flight end (see the module docstring); idempotent."""
        def detach():
            with self._store_lock, self._embedder_lock:
                parts = (self._doc_embedder, self._query_embedder, self._store)
                self._doc_embedder = self._query_embedder = self._store = None

            def release() -> None:
                if self._owns_reader:
                    self._reader.close()
                for part in parts:
                    if part is not None:
                        part.close()
                self._catalog.close()
            return release

        self._life.retire(detach, wait_s, close=True)

    def reopen(self, embedding_model: str | Path | None, wait_s: float = RETIRE_WAIT_S) -> None:
        """Use another embedding model (another collection of the same store and catalog).

        Searches in flight end on the old model first; the old embedders are freed after them.
        """
        def detach():
            with self._embedder_lock:
                old = (self._doc_embedder, self._query_embedder)
                self._doc_embedder = self._query_embedder = None
                self._model_path = self._chosen_model(embedding_model)

            def release() -> None:
                for embedder in old:
                    if embedder is not None:
                        embedder.close()
            return release

        self._life.retire(detach, wait_s)

    @property
    def closed(self) -> bool:
        return self._life.closed

    @property
    def calls_in_flight(self) -> int:
        """Searches and other calls running now (a close or re-open waits for them)."""
        return self._life.users

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ── reading ──────────────────────────────────────────────────────────────────────────

    def documents(self) -> list[DocumentRecord]:
        """Every file the library knows, with its status; stale states explained."""
        with self._life.using():
            fingerprint = self.model_fingerprint
            stored = self._catalog.all()
        records = []
        for record in stored:
            if record.status == INDEXING and record.path != self._in_progress:
                record = _with(record, ERROR, "indexing did not finish; add the file again")
            elif record.status == INDEXED and fingerprint and record.model != fingerprint:
                record = _with(record, ERROR, "indexed with another embedding model; add it again")
            records.append(record)
        return records

    def watched_folders(self) -> list[str]:
        with self._life.using():
            return self._catalog.watched()

    def search(self, query: str, top_k: int = 3, mode: str = "hybrid", *, neighbours: int = 0,
               per_document: bool = True) -> list[Hit]:
        """The `top_k` best documents for `query` ("hybrid": dense + BM25 fused by RRF, "dense" or
        "bm25"), each with its best chunk first (`per_document=False`: the best chunks, several
        of a document possibly); `neighbours` chunks on each side of the best one come along."""
        if mode not in SEARCH_MODES:
            raise ValueError(f"mode must be one of {SEARCH_MODES}, not {mode!r}")
        if not query.strip():
            return []
        with self._life.using():  # a close or re-open waits for this search
            fingerprint = self._require_model()
            name = collection_name(fingerprint)
            store = self._vector_store()
            if not store.exists(name):
                return []
            valid = self._catalog.indexed_ids(fingerprint)
            limit = max(top_k * CANDIDATES_PER_SOURCE, MIN_CANDIDATES)
            dense: list[StoredHit] = []
            keyword: list[StoredHit] = []
            if mode != "bm25":
                vector = self._embedder("query").embed_query(query)
                dense = self._usable(store.search(name, vector, None, limit), valid)
            if mode != "dense":
                keyword = self._usable(store.search(name, None, query, limit), valid)
            candidates = ranking.fuse(dense, keyword) if mode == "hybrid" else ranking.single(
                dense or keyword, dense=mode == "dense")
            groups = (ranking.by_document(candidates, top_k) if per_document
                      else [[c] for c in candidates[:top_k]])
            bound = dense[-1].score if dense else None
            return [self._hit(store, name, query, group, neighbours, bound) for group in groups]

    def _usable(self, stored: list[StoredHit], valid: set[int]) -> list[StoredHit]:
        """Chunks of fully indexed documents (or other machines'); on a shared server, two
        machines' copies of one chunk count once."""
        hits = [h for h in stored if h.doc_id in valid or self._others(h)]
        if self._owner:
            seen: set[tuple[str, str]] = set()
            hits = [h for h in hits if (h.path, h.text) not in seen and not seen.add((h.path, h.text))]
        return hits

    def _hit(self, store: VectorStore, name: str, query: str, group: list[ranking.Candidate],
             neighbours: int, cosine_bound: float | None) -> Hit:
        best = group[0].hit
        context: tuple[Location, ...] = ()
        if neighbours > 0:
            shown = {c.hit.chunk_index for c in group[:1 + EXCERPT_EXTRA_CHUNKS]}
            wanted = [i for i in range(best.chunk_index - neighbours, best.chunk_index + neighbours + 1)
                      if i >= 0 and i not in shown]
            found = {c.hit.chunk_index: c.hit for c in group if c.hit.chunk_index in wanted}
            missing = [i for i in wanted if i not in found]
            found.update((h.chunk_index, h) for h in store.chunks(name, best.doc_id, missing, best.owner))
            context = tuple(_location(found[i], 0.0) for i in sorted(found))
        cosines = [c.cosine for c in group if c.cosine is not None]
        return Hit(path=best.path, page=best.page, heading=best.heading, score=group[0].score, text=best.text,
                   char_start=best.char_start, char_end=best.char_end, chunk_index=best.chunk_index,
                   also=tuple(_location(c.hit, c.score) for c in group[1:]), context=context,
                   relevant=ranking.is_relevant(query, group, cosine_bound),
                   cosine=max(cosines) if cosines else None)

    def _others(self, hit) -> bool:
        """A chunk another machine indexed into a shared collection: its catalog is not here."""
        return bool(hit.owner) and hit.owner != self._owner

    def shared_documents(self) -> list[StoredDocument]:
        """What a server collection holds from other machines (empty on Lite)."""
        if not self._owner:
            return []
        with self._life.using():
            store = self._vector_store()  # an unreachable server is said here, also without a model
            fingerprint = self.model_fingerprint
            if not fingerprint:
                return []
            return [d for d in store.documents(collection_name(fingerprint)) if d.owner != self._owner]

    def document_chunks(self, path: str | os.PathLike[str]) -> list[Location]:
        """Every stored chunk of one indexed document, in order: its text without reading or
        parsing the file again (the browser tool shows documents from these). Empty when the
        document is not fully indexed with the current model."""
        with self._life.using():
            fingerprint = self._require_model()
            record = self._catalog.get(str(absolute(path)))
            if record is None or record.status != INDEXED or record.model != fingerprint or not record.chunks:
                return []
            store, name = self._vector_store(), collection_name(fingerprint)
            # In slices: one query returns at most Milvus's query window of rows.
            stored = [hit for start in range(0, record.chunks, DOCUMENT_SLICE_CHUNKS)
                      for hit in store.chunks(name, record.doc_id,
                                              list(range(start, min(start + DOCUMENT_SLICE_CHUNKS, record.chunks))))]
        return [_location(hit, 0.0) for hit in stored]

    def chunk_count(self, path: str | os.PathLike[str] | None = None) -> int:
        """Chunks stored for one document (or all); for tests and diagnostics."""
        with self._life.using():
            fingerprint = self._require_model()
            doc_id = doc_id_for(str(absolute(path))) if path is not None else None
            return self._vector_store().count(collection_name(fingerprint), doc_id)

    @property
    def texts_embedded(self) -> int:
        """Document texts embedded by this Library object (not counting queries)."""
        return self._doc_embedder.texts if self._doc_embedder else 0

    @property
    def tokens_embedded(self) -> int:
        return self._doc_embedder.tokens if self._doc_embedder else 0

    # ── writing ──────────────────────────────────────────────────────────────────────────

    def add(self, paths: Iterable[str | os.PathLike[str]], cancel: CancelToken | None = None,
            progress: ProgressCallback | None = None, *, watch: bool = False,
            retry_failed: bool = True) -> AddReport:
        """Index files and folders (recursively); returns what happened to each file.

        `retry_failed=False` (periodic rescans) keeps the verdict on a file that failed to parse
        until its size or mtime changes; a user's own add always tries again.
        """
        cancel = cancel or CancelToken()
        with self._life.using(), self._write_lock:
            fingerprint = self._require_model()
            started = time.monotonic()
            self._reader.prestart()  # the reader starts while the store opens and the folder is scanned
            self._vector_store()  # fail before touching the catalog if the store cannot open
            found = scan(paths)
            if watch:
                for folder in found.folders:
                    self._catalog.set_watched(str(folder), True)
            report = AddReport()
            self._record_scan_problems(found, report)
            run = _Run(found.files, progress, started)
            try:
                for path in found.files:
                    cancel.raise_if_cancelled()
                    self._add_file(path, fingerprint, cancel, run, report, retry_failed)
                self._remove_vanished(found, report)
            except Cancelled:
                report.cancelled = True
            finally:
                self._in_progress = None
                self._flush(fingerprint)
            if report.indexed or report.unchanged:
                self._remember_model(fingerprint)
            run.finish()
            report.seconds = time.monotonic() - started
            return report

    def rescan_watched(self, cancel: CancelToken | None = None,
                       progress: ProgressCallback | None = None) -> AddReport:
        """Pick up changes in watched folders (new, changed, removed files)."""
        with self._life.using():
            folders = self._catalog.watched()
        if not folders:
            return AddReport()
        return self.add(folders, cancel, progress, retry_failed=False)

    def set_watched(self, folder: str | os.PathLike[str], watched: bool = True) -> None:
        with self._life.using():
            self._catalog.set_watched(str(absolute(folder)), watched)

    def remove(self, path: str | os.PathLike[str]) -> list[str]:
        """Forget a file, or every file under a folder; returns the paths removed."""
        target = str(absolute(path))
        with self._life.using(), self._write_lock:
            records = self._catalog.under(target)
            if records:
                self._vector_store()
            for record in records:
                self._delete_chunks(record)
            self._catalog.delete(r.path for r in records)
            self._catalog.set_watched(target, False)
            if self.model_fingerprint:
                self._flush(self.model_fingerprint)
        return [r.path for r in records]

    # ── internals ────────────────────────────────────────────────────────────────────────

    def _add_file(self, path: Path, fingerprint: str, cancel: CancelToken, run: _Run,
                  report: AddReport, retry_failed: bool) -> None:
        key = str(path)
        kind = document_kind(path)
        old = self._catalog.get(key)
        run.start_file(key)
        info: os.stat_result | None = None
        digest: str | None = None
        try:
            info = path.stat()
            if _unchanged_by_stat(old, info, fingerprint):
                report.unchanged.append(key)
                run.skip_file()
                return
            if not retry_failed and _same_bad_file(old, info):
                # A watched folder's broken PDF is not re-read every minute.
                report.failed.append((key, old.error or "error"))
                run.skip_file()
                return
            check_limits(path)  # before hashing: a 1 GB log is refused without reading it
            digest = _sha256(path, cancel)
            if old and old.status == INDEXED and old.model == fingerprint and old.content_hash == digest:
                self._catalog.set_status(key, kind=kind, status=INDEXED, error=None,
                                         size=info.st_size, mtime_ns=info.st_mtime_ns)
                report.unchanged.append(key)
                run.skip_file()
                return
            embedder = self._embedder("documents")
            document = self._reader.read(path)
            chunks = chunk_document(document, embedder.count_tokens,
                                    target_tokens=min(self._chunk_tokens, embedder.max_input_tokens),
                                    overlap_tokens=self._chunk_overlap,
                                    max_tokens=embedder.max_input_tokens)
            if not chunks:
                raise DocumentError("no text to index")
        except Cancelled:
            raise
        except DocumentError as exc:
            # Remember what was judged bad, so the same bytes are not parsed again.
            self._fail(key, kind, str(exc), old, report, info=info, digest=digest)
            run.skip_file()
            return
        except OSError as exc:
            self._fail(key, kind, _os_reason(exc), old, report)
            run.skip_file()
            return
        except Exception as exc:  # a parser bug on a strange file must not stop the batch
            # Parser exceptions can quote the file's bytes: the message only at debug level.
            name = exc.type_name if isinstance(exc, ReaderBug) else type(exc).__name__
            log.error("unexpected failure reading %s (%s)", key, name)
            log.debug("traceback for %s", key, exc_info=True)
            self._fail(key, kind, f"could not read this file ({exc})" if isinstance(exc, ReaderBug)
                       else f"could not read this file ({name}: {exc})", old, report)
            run.skip_file()
            return

        self._in_progress = key
        self._catalog.set_status(key, kind=kind, status=INDEXING, chunks=0, pages=document.pages,
                                 size=info.st_size, mtime_ns=info.st_mtime_ns, content_hash=digest,
                                 model=fingerprint)
        if old is not None:
            self._delete_chunks(old)
        name = collection_name(fingerprint)
        store = self._vector_store()
        store.ensure(name, embedder.dim)
        doc_id = doc_id_for(key)
        try:
            for start in range(0, len(chunks), BATCH_CHUNKS):
                cancel.raise_if_cancelled()
                batch = chunks[start:start + BATCH_CHUNKS]
                vectors = embedder.embed_documents([c.text for c in batch])
                rows = [ChunkRow(id=f"{doc_id & 0xFFFFFFFFFFFFFFFF:016x}-{digest[:12]}-{c.index}",
                                 doc_id=doc_id, path=key, page=c.page or 0, heading=c.heading or "",
                                 chunk_index=c.index, char_start=c.start, char_end=c.end, text=c.text)
                         for c in batch]
                store.insert(name, rows, vectors)
                run.chunks_done(len(batch), (start + len(batch)) / len(chunks))
        except Cancelled:
            # Leave nothing half-indexed behind: the document is recorded as not indexed.
            store.delete_document(name, doc_id)
            reason = "indexing was cancelled; add the file again"
            self._catalog.set_status(key, kind=kind, status=ERROR, chunks=0, content_hash=None,
                                     error=reason)
            report.failed.append((key, reason))
            raise
        self._catalog.set_status(key, kind=kind, status=INDEXED, error=None, chunks=len(chunks))
        self._in_progress = None
        report.indexed.append(key)
        report.chunks += len(chunks)
        run.end_file()

    def _fail(self, key: str, kind: str | None, reason: str, old: DocumentRecord | None,
              report: AddReport, *, info: os.stat_result | None = None, digest: str | None = None) -> None:
        """Record a per-file error. With `digest`, the file's bytes were read and judged bad."""
        if old is not None:
            self._delete_chunks(old)  # the file changed into something unreadable
        self._catalog.set_status(
            key, kind=kind, status=ERROR, error=reason, chunks=0, content_hash=digest,
            size=info.st_size if info and digest else None,
            mtime_ns=info.st_mtime_ns if info and digest else None)
        report.failed.append((key, reason))

    def _record_scan_problems(self, found: ScanResult, report: AddReport) -> None:
        for path, reason in found.skipped:
            key = str(path)
            old = self._catalog.get(key)
            report.skipped.append((key, reason))
            if old is not None and old.status == SKIPPED and old.error == reason:
                continue  # rescans of a watched folder do not rewrite thousands of rows
            if old is not None and old.status != SKIPPED:
                self._delete_chunks(old)
            kind = "folder" if reason.endswith("folder") else (path.suffix.lstrip(".").lower() or None)
            self._catalog.set_status(key, kind=kind, status=SKIPPED, error=reason, chunks=0)
        for path, reason in found.unreadable:
            self._fail(str(path), document_kind(path), reason, self._catalog.get(str(path)), report)
        for path in found.missing:
            key = str(path)
            # A vanished folder takes its documents with it; a vanished file is an error to show.
            for record in self._catalog.under(key):
                if record.path != key:
                    self._delete_chunks(record)
                    self._catalog.delete([record.path])
                    report.removed.append(record.path)
            self._fail(key, document_kind(path), "not found (moved or deleted?)",
                       self._catalog.get(key), report)

    def _remove_vanished(self, found: ScanResult, report: AddReport) -> None:
        present = {str(p) for p in found.files}
        present.update(str(p) for p, _ in found.skipped)
        present.update(str(p) for p, _ in found.unreadable)
        present.update(str(p) for p in found.missing)
        for folder in found.folders:
            for record in self._catalog.under(str(folder)):
                if record.path not in present and record.path != str(folder):
                    self._delete_chunks(record)
                    self._catalog.delete([record.path])
                    report.removed.append(record.path)

    def _delete_chunks(self, record: DocumentRecord) -> None:
        if record.model and (record.chunks or record.status == INDEXING):
            self._vector_store().delete_document(collection_name(record.model), record.doc_id)

    def _flush(self, fingerprint: str) -> None:
        if self._store is not None:
            self._store.flush(collection_name(fingerprint))

    def _require_model(self) -> str:
        if self._model_path is None:
            raise UserError(NO_MODEL_MESSAGE)
        fingerprint = self.model_fingerprint
        if fingerprint is None:
            if self._remembered is not None and str(self._model_path) == self._remembered.path:
                raise UserError(f"The library's embedding model is missing: {self._model_path} (moved or "
                                "deleted?); pass --embedding-model PATH or choose it in Settings > Library.")
            raise UserError(f"Embedding model not found: {self._model_path}")
        return fingerprint

    def _embedder(self, role: str) -> Embedder:
        with self._embedder_lock:
            if self._life.closed:  # never load a model again once closed
                raise LibraryClosed(CLOSED_MESSAGE)
            if role == "documents":
                if self._doc_embedder is None:
                    self._doc_embedder = Embedder(self._model_path)
                return self._doc_embedder
            if self._query_embedder is None:
                self._query_embedder = Embedder(self._model_path)
            return self._query_embedder

    def _vector_store(self) -> VectorStore:
        with self._store_lock:
            if self._life.closed:  # never start a store server again once closed
                raise LibraryClosed(CLOSED_MESSAGE)
            if self._store is None:
                # Asked first: the store's own lock refuses only after a wait, and less clearly.
                if self._window_data_dir is not None and held_by_window(self._window_data_dir):
                    raise LibraryInUse(IN_USE_MESSAGE)
                self._store = VectorStore(self.uri, token=self._token, owner=self._owner)
            return self._store


class _Run:
    """Progress bookkeeping of one `add` call: files, chunks, bytes, ETA."""

    def __init__(self, files: Sequence[Path], callback: ProgressCallback | None, started: float) -> None:
        self._callback = callback
        self._started = started
        self._sizes = {str(p): _size(p) for p in files}
        self._total_bytes = sum(self._sizes.values())
        self._done_bytes = 0
        self._files_done = 0
        self._chunks_done = 0
        self._current: str | None = None
        self._fraction = 0.0
        self._work_started: float | None = None
        self._work_bytes = 0  # bytes of files actually indexed (unchanged ones are instant)

    def start_file(self, path: str) -> None:
        self._current, self._fraction = path, 0.0
        self._emit()

    def skip_file(self) -> None:
        # An unchanged or failed file took no embedding time: it should not slow the ETA.
        self._total_bytes -= self._sizes.get(self._current or "", 0)
        self._files_done += 1
        self._current, self._fraction = None, 0.0
        self._emit()

    def chunks_done(self, count: int, fraction: float) -> None:
        if self._work_started is None:
            self._work_started = time.monotonic()
        self._chunks_done += count
        self._fraction = fraction
        self._emit()

    def end_file(self) -> None:
        size = self._sizes.get(self._current or "", 0)
        self._done_bytes += size
        self._work_bytes += size
        self._files_done += 1
        self._current, self._fraction = None, 0.0
        self._emit()

    def finish(self) -> None:
        self._emit(final=True)

    def _emit(self, final: bool = False) -> None:
        if self._callback is None:
            return
        current_bytes = self._sizes.get(self._current or "", 0) * self._fraction
        done = self._done_bytes + current_bytes
        total = max(self._total_bytes, done)
        eta = None
        if self._work_started is not None and done > 0 and not final:
            rate = done / max(time.monotonic() - self._work_started, 1e-6)
            eta = max(0.0, (total - done) / rate)
        message = f"Indexing {Path(self._current).name}" if self._current else ""
        self._callback(IndexProgress(
            done=total if final else done, total=total, message=message,
            files_done=self._files_done, files_total=len(self._sizes),
            chunks_done=self._chunks_done, current=self._current,
            current_fraction=self._fraction, eta_s=0.0 if final else eta))


def _location(hit: StoredHit, score: float) -> Location:
    return Location(page=hit.page, heading=hit.heading, score=score, text=hit.text, char_start=hit.char_start,
                    char_end=hit.char_end, chunk_index=hit.chunk_index)


def _unchanged_by_stat(old: DocumentRecord | None, info: os.stat_result, fingerprint: str) -> bool:
    return (old is not None and old.status == INDEXED and old.model == fingerprint
            and old.size == info.st_size and old.mtime_ns == info.st_mtime_ns)


def _same_bad_file(old: DocumentRecord | None, info: os.stat_result) -> bool:
    return (old is not None and old.status == ERROR and old.content_hash is not None
            and old.size == info.st_size and old.mtime_ns == info.st_mtime_ns)


def _sha256(path: Path, cancel: CancelToken) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            if cancel.cancelled:
                raise Cancelled()
    return digest.hexdigest()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "not found (moved or deleted?)"
    if isinstance(exc, PermissionError):
        return "permission denied (cannot read the file)"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    return f"cannot read the file ({exc.strerror or exc})"


def _with(record: DocumentRecord, status: str, error: str) -> DocumentRecord:
    from dataclasses import replace

    return replace(record, status=status, error=error)
