"""What a loader returns: the document's text and its structural segments (pages, sections).

Every loader produces one `Document` whose `text` is the readable text of the file and whose
`segments` are slices of that text carrying their page (PDF) or heading. Character spans point
into `Document.text`; for plain text, Markdown and source code that text *is* the decoded file,
so a span also points into the file itself.

Size limits (why: a 1 GB log dropped on the library must not take the app's memory with it):
text-like files (plain text, Markdown, HTML, code) larger than `MAX_TEXT_FILE_BYTES` are refused
before a byte is decoded; container formats (PDF, DOCX, EPUB) larger than `MAX_CONTAINER_BYTES`
are refused, ZIP containers whose declared uncompressed size exceeds `MAX_UNCOMPRESSED_BYTES`
are refused before parsing (zip bombs), and extraction stops with an error once the text passes
`MAX_TEXT_CHARS`. 32 MB of text is ~8 million tokens: hours of embedding on a laptop, so anything
larger is better split by the user than silently truncated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024
MAX_TEXT_FILE_BYTES = 32 * MIB
MAX_CONTAINER_BYTES = 256 * MIB
MAX_UNCOMPRESSED_BYTES = 256 * MIB
MAX_TEXT_CHARS = 32 * MIB


class DocumentError(Exception):
    """A file that cannot be read as a document; the message is shown next to the file."""


@dataclass(frozen=True)
class Segment:
    """A structural unit of a document: a page, or the text under one heading."""

    start: int  # offsets into Document.text, end exclusive
    end: int
    page: int | None = None  # 1-based; PDFs only
    heading: str | None = None  # "Chapter > Section" where the format has headings


@dataclass
class Document:
    path: Path
    kind: str  # "pdf", "docx", "markdown", "text", "html", "epub", "code"
    text: str = ""
    segments: list[Segment] = field(default_factory=list)
    pages: int | None = None  # PDFs: page count, also counting pages without text

    def segment_text(self, segment: Segment) -> str:
        return self.text[segment.start:segment.end]


class TextBuilder:
    """Builds `Document.text` from pieces while recording each piece's segment span."""

    def __init__(self, separator: str = "\n\n") -> None:
        self._parts: list[str] = []
        self._length = 0
        self._separator = separator
        self.segments: list[Segment] = []

    def add(self, text: str, *, page: int | None = None, heading: str | None = None) -> None:
        text = text.strip()
        if not text:
            return
        if self._parts:
            self._append(self._separator)
        start = self._length
        self._append(text)
        self.segments.append(Segment(start, self._length, page=page, heading=heading))

    def _append(self, text: str) -> None:
        self._length += len(text)
        if self._length > MAX_TEXT_CHARS:
            raise DocumentError(
                f"too much text (over {MAX_TEXT_CHARS // MIB} million characters); split the file")
        self._parts.append(text)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def build(self, path: Path, kind: str, pages: int | None = None) -> Document:
        return Document(path=path, kind=kind, text=self.text, segments=list(self.segments), pages=pages)


def check_size(path: Path, limit: int, what: str) -> int:
    """The file's size, or a DocumentError when it is over `limit` (checked before reading)."""
    size = path.stat().st_size
    if size == 0:
        raise DocumentError("empty file (0 bytes)")
    if size > limit:
        raise DocumentError(f"too large: {_human(size)} (the limit for {what} is {_human(limit)})")
    return size


def _human(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"
