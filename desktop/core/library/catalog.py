"""The documents table: what was added, its state, and what is needed to skip it next time.

SQLite in the data folder (WAL, one short transaction per state change). It is the source of
truth for "is this document indexed": a document's status becomes `indexed` only after all its
chunks are in the vector store, so a crash leaves it `indexing`, which searches ignore and the
next run re-indexes (deleting whatever chunks it had left).

It also remembers which embedding model the library was indexed with (`RememberedModel`), so a
terminal command, the API server and the window all search with the same model without being
told. Kept here rather than in the Milvus collection's metadata: the collection is named after
the model (see `store.collection_name`), so it cannot be found before the model is known; and
this file is local and small, readable before (or without) starting the store, e.g. by `serve`
or by `ask` deciding whether there is a library at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

INDEXED = "indexed"
ERROR = "error"
SKIPPED = "skipped"
INDEXING = "indexing"  # written before chunks go in; left behind only by a crash

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    path TEXT PRIMARY KEY,
    doc_id INTEGER NOT NULL,
    kind TEXT,
    status TEXT NOT NULL,
    error TEXT,
    chunks INTEGER NOT NULL DEFAULT 0,
    pages INTEGER,
    size INTEGER,
    mtime_ns INTEGER,
    content_hash TEXT,
    model TEXT,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_doc_id ON documents (doc_id);
CREATE TABLE IF NOT EXISTS watched (folder TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_MODEL_KEY = "embedding_model"
# The GGUF header and metadata (architecture, tokenizer vocabulary, tensor table) of an embedding
# model fit in its first MiB; hashing that much tells two models apart and a copy from the
# original, without reading hundreds of MB of weights.
HEADER_BYTES = 1 << 20


def doc_id_for(path: str) -> int:
    """A stable signed 64-bit id per path: the same on every machine sharing a Milvus server."""
    digest = hashlib.sha256(path.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass(frozen=True)
class DocumentRecord:
    path: str
    doc_id: int
    kind: str | None
    status: str
    error: str | None
    chunks: int
    pages: int | None
    size: int | None
    mtime_ns: int | None
    content_hash: str | None
    model: str | None
    updated_at: float

    @property
    def name(self) -> str:
        return Path(self.path).name

    def to_json(self) -> dict:
        return {"path": self.path, "status": self.status, "chunks": self.chunks,
                "error": self.error, "type": self.kind, "pages": self.pages}


@dataclass(frozen=True)
class ModelIdentity:
    """An embedding model file as found on disk: where, how big, and a hash of its header."""

    path: str
    size: int
    header_sha256: str

    def same_model(self, other: ModelIdentity | RememberedModel) -> bool:
        """The same file, wherever it is (a moved or renamed copy counts)."""
        return self.size == other.size and self.header_sha256 == other.header_sha256


@dataclass(frozen=True)
class RememberedModel(ModelIdentity):
    """The model a library was indexed with; `space` names its vectors' collection."""

    space: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RememberedModel | None:
        try:
            data = json.loads(text)
            return cls(str(data["path"]), int(data["size"]), str(data["header_sha256"]), str(data["space"]))
        except (ValueError, KeyError, TypeError):
            return None  # written by a future version, or damaged: as if nothing were remembered


def identify(path: str | os.PathLike[str]) -> ModelIdentity:
    """Raises OSError when the file cannot be read."""
    path = Path(path).expanduser().absolute()
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        header = f.read(HEADER_BYTES)
    return ModelIdentity(str(path), size, hashlib.sha256(header).hexdigest())


def remembered_model(catalog_file: Path) -> RememberedModel | None:
    """The model a library remembers, read without opening it (None when there is no library)."""
    if not catalog_file.is_file():
        return None
    catalog = Catalog(catalog_file)
    try:
        return catalog.embedding_model()
    finally:
        catalog.close()


class Catalog:
    """Thread-safe access to the documents table (the writer thread and readers share it)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get(self, path: str) -> DocumentRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM documents WHERE path = ?", (path,)).fetchone()
        return DocumentRecord(**dict(row)) if row else None

    def all(self) -> list[DocumentRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM documents ORDER BY path").fetchall()
        return [DocumentRecord(**dict(row)) for row in rows]

    def under(self, folder: str) -> list[DocumentRecord]:
        """Records for `folder` itself and everything below it."""
        prefix = folder.rstrip(os.sep) + os.sep
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM documents WHERE path = ? OR substr(path, 1, ?) = ?",
                (folder, len(prefix), prefix)).fetchall()
        return [DocumentRecord(**dict(row)) for row in rows]

    def indexed_ids(self, model: str) -> set[int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT doc_id FROM documents WHERE status = ? AND model = ?", (INDEXED, model)).fetchall()
        return {row[0] for row in rows}

    def put(self, record: DocumentRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO documents VALUES (:path, :doc_id, :kind, :status, :error, "
                ":chunks, :pages, :size, :mtime_ns, :content_hash, :model, :updated_at)",
                asdict(record))

    def set_status(self, path: str, *, kind: str | None, status: str, error: str | None = None,
                   **fields) -> DocumentRecord:
        """Write a record's new state, keeping the fields not given."""
        old = self.get(path)
        values = asdict(old) if old else {
            "path": path, "doc_id": doc_id_for(path), "chunks": 0, "pages": None, "size": None,
            "mtime_ns": None, "content_hash": None, "model": None}
        values.update(fields, kind=kind, status=status, error=error, updated_at=time.time())
        record = DocumentRecord(**values)
        self.put(record)
        return record

    def delete(self, paths: Iterable[str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM documents WHERE path = ?", [(p,) for p in paths])

    def embedding_model(self) -> RememberedModel | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (_MODEL_KEY,)).fetchone()
        return RememberedModel.from_json(row[0]) if row else None

    def remember_embedding_model(self, model: RememberedModel) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_MODEL_KEY, model.to_json()))

    def watched(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT folder FROM watched ORDER BY folder")]

    def set_watched(self, folder: str, watched: bool) -> None:
        with self._lock:
            if watched:
                self._db.execute("INSERT OR IGNORE INTO watched VALUES (?)", (folder,))
            else:
                self._db.execute("DELETE FROM watched WHERE folder = ?", (folder,))

