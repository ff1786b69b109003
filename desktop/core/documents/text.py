"""Plain text and source code: decode with the right encoding, refuse binary files."""

from __future__ import annotations

import codecs
from pathlib import Path

from desktop.core.documents.model import (
    MAX_TEXT_FILE_BYTES,
    Document,
    DocumentError,
    Segment,
    check_size,
)

_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8, codecs.BOM_UTF16_LE,
         codecs.BOM_UTF16_BE)
# Bytes that never appear in text but always in executables, images, archives...
_BINARY_CONTROL = set(range(0, 9)) | {11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
                                      28, 29, 30, 31, 127}


def read_text_file(path: Path, limit: int = MAX_TEXT_FILE_BYTES) -> str:
    """The decoded contents of a text file; DocumentError for binary, empty or oversized files."""
    check_size(path, limit, "text files")
    data = path.read_bytes()
    return decode_text(data)


def decode_text(data: bytes) -> str:
    if not data:
        raise DocumentError("empty file (0 bytes)")
    has_bom = data.startswith(_BOMS)
    if not has_bom and _looks_binary(data[:8192]):
        raise DocumentError("binary file, not text")
    # Fast path: almost everything today is UTF-8; the detector is only for the rest.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise DocumentError("binary file or unknown text encoding")
    # On a tie, prefer Windows-1252: short Western European texts score the same in cp1250,
    # and cp1252 is by far the more common legacy encoding of files people have.
    for match in matches:
        if (match.encoding == "cp1252" and match.chaos <= best.chaos
                and match.coherence >= best.coherence):
            return str(match)
    return str(best)


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b in _BINARY_CONTROL)
    return control > max(2, len(head) // 100)


def load_text(path: Path, kind: str = "text") -> Document:
    text = read_text_file(path)
    if not text.strip():
        raise DocumentError("no text in file (only whitespace)")
    return Document(path=path, kind=kind, text=text, segments=[Segment(0, len(text))])


def load_code(path: Path) -> Document:
    return load_text(path, kind="code")
