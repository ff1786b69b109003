"""Documents read in a capped child process: what the library and chat attachments use.

PDFium, zipfile, the XML and HTML parsers all read bytes a stranger may have written. Here they
run in a long-lived child (`desktop.core.isolation`) with a memory cap and a per-file time
limit; the text and its segments come back as JSON. Whatever a file does to its reader becomes
that file's `DocumentError`, a sentence for the user, and the next file gets a fresh reader:

    reader = DocumentReader()           # the child starts with the first file
    document = reader.read(path)        # DocumentError: "could not be read: the reader crashed ..."
    reader.close()

The caps are those the reliability tests measured the readers under (3 GB, 60 s per file).
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

from desktop.core.documents.model import MAX_TEXT_CHARS, MIB, Document, DocumentError, Segment
from desktop.core.isolation import ChildFailure, IsolatedWorker, JobRaised

MEMORY_MB = 3072
TIME_LIMIT_S = 60.0
# The largest text a loader lets through, as UTF-8 (up to 4 bytes a character), plus segments.
MAX_REPLY_BYTES = 4 * MAX_TEXT_CHARS + 64 * MIB
READ_JOB = "desktop.core.documents.isolated:read_in_child"
# Imported by a new child before its first file: PDFium is the slowest of the parsers to load.
PRELOAD = "desktop.core.documents.formats,pypdfium2"


class ReaderBug(Exception):
    """A reader raised something other than DocumentError: a bug, not a verdict on the file.
    `type_name` is the exception's class in the child; its message may quote the file."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type_name = type_name


class DocumentReader:
    """Reads documents in one child at a time (thread-safe: callers take turns)."""

    def __init__(self, *, memory_mb: int = MEMORY_MB, time_limit_s: float = TIME_LIMIT_S,
                 job: str = READ_JOB) -> None:
        self._worker = IsolatedWorker(memory_mb=memory_mb, timeout_s=time_limit_s,
                                      max_reply_bytes=MAX_REPLY_BYTES,
                                      preload=f"{job.partition(':')[0]},{PRELOAD}")
        self._job = job

    def prestart(self) -> None:
        """Start the child in the background (e.g. as a batch begins), so the first file does
        not wait for the interpreter and the parsers to load."""
        self._worker.prestart()

    @property
    def children_started(self) -> int:
        """Child processes started so far: 1 for any number of files, plus one per failure."""
        return self._worker.children_started

    @property
    def pid(self) -> int | None:
        return self._worker.pid

    def read(self, path: Path) -> Document:
        try:
            reply = self._worker.run(self._job, str(Path(path).absolute()))
        except ChildFailure as failure:
            raise DocumentError(_sentence(failure, self._worker)) from None
        except JobRaised as raised:
            if raised.type_name == "MemoryError":  # past the cap outside the loader itself
                raise DocumentError(_sentence(ChildFailure("memory"), self._worker)) from None
            raise ReaderBug(raised.type_name, raised.message) from None
        if "refused" in reply:
            if reply.get("memory"):
                raise DocumentError(_sentence(ChildFailure("memory"), self._worker))
            raise DocumentError(str(reply["refused"]))
        try:
            return from_wire(Path(path), reply["document"])
        except (KeyError, TypeError, ValueError):
            raise DocumentError("could not be read: its reader sent back a malformed result") from None

    def close(self) -> None:
        self._worker.close()

    def __enter__(self) -> DocumentReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sentence(failure: ChildFailure, worker: IsolatedWorker) -> str:
    if failure.kind == "memory":
        return f"could not be read: the reader ran out of memory (its limit is {worker.memory_mb} MB)"
    if failure.kind == "timeout":
        return f"could not be read: the reader took longer than {worker.timeout_s:g} s"
    if failure.kind == "oversize":
        return f"could not be read: the reader's result is too large ({failure.detail})"
    if failure.kind == "start":
        return f"could not be read: the document reader did not start ({failure.detail})"
    return f"could not be read: the reader crashed ({failure.detail})"


_shared: DocumentReader | None = None
_shared_lock = threading.Lock()


def shared_reader() -> DocumentReader:
    """The reader of chat attachments: one per app, started with the first attachment and
    ended when the app exits (the library has its own, so a question never waits for a folder)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = DocumentReader()
            atexit.register(_shared.close)
        return _shared


# ── the wire form of a Document ───────────────────────────────────────────────────────────

def to_wire(document: Document) -> dict[str, Any]:
    return {"kind": document.kind, "text": document.text, "pages": document.pages,
            "segments": [[s.start, s.end, s.page, s.heading] for s in document.segments]}


def from_wire(path: Path, data: dict[str, Any]) -> Document:
    text = data["text"]
    segments = [Segment(int(start), int(end), None if page is None else int(page),
                        None if heading is None else str(heading))
                for start, end, page, heading in data["segments"]]
    if not isinstance(text, str) or any(not 0 <= s.start <= s.end <= len(text) for s in segments):
        raise ValueError("segments outside the text")
    pages = data["pages"]
    return Document(path=path, kind=str(data["kind"]), text=text, segments=segments,
                    pages=None if pages is None else int(pages))


# ── in the child ──────────────────────────────────────────────────────────────────────────

def read_in_child(path: str) -> dict[str, Any]:
    from desktop.core.documents.formats import load_document

    try:
        return {"document": to_wire(load_document(Path(path)))}
    except DocumentError as exc:
        return {"refused": str(exc), "memory": isinstance(exc.__cause__, MemoryError)}
