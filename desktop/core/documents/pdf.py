"""PDF through PDFium (pypdfium2): fast, robust on damaged files, one segment per page.

PDFium is the engine Chrome uses; it opens files other parsers choke on and reports encrypted
and damaged files as distinct errors. Pages without a text layer (scans) produce no segment but
still count in `pages`, so page numbers stay those a reader sees.
"""

from __future__ import annotations

import mmap
import re
import zlib
from pathlib import Path

from desktop.core.documents.model import (
    MAX_CONTAINER_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    MIB,
    Document,
    DocumentError,
    TextBuilder,
    check_size,
)

# PDF bombs: a 200 KB file whose Flate content stream inflates to 200 MB of text operators made
# PDFium take 4 GB of memory and 18 s (and abort under a memory limit). Text extraction decodes
# content, font and object streams, not images, so those are what is counted, before PDFium.
MAX_STREAM_BYTES = 64 * MIB
_STREAM = re.compile(rb"(?<!end)stream\r?\n")

# PDFium marks soft hyphens and line-break hyphens with these; a reader never sees them.
_INVISIBLE = str.maketrans({"\x02": "", "\ufffe": "", "\u00ad": "", "\r": ""})


def load_pdf(path: Path) -> Document:
    import pypdfium2 as pdfium

    check_size(path, MAX_CONTAINER_BYTES, "PDF files")
    _refuse_bombs(path)
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise DocumentError(_explain(str(exc))) from exc
    builder = TextBuilder()
    try:
        pages = len(pdf)
        for index in range(pages):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range()
                finally:
                    textpage.close()
            finally:
                page.close()
            builder.add(text.translate(_INVISIBLE), page=index + 1)
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"damaged PDF ({exc})") from exc
    finally:
        pdf.close()
    if not builder.segments:
        raise DocumentError("no text layer in this PDF (scanned pages need OCR, not supported)")
    return builder.build(path, "pdf", pages=pages)


def _explain(message: str) -> str:
    lowered = message.lower()
    if "password" in lowered or "security" in lowered:
        return "encrypted PDF (password protected); remove the password and add it again"
    if "format" in lowered or "file" in lowered:
        return f"damaged or not a PDF ({message})"
    return f"cannot open PDF ({message})"


def _refuse_bombs(path: Path) -> None:
    """DocumentError when the non-image Flate streams inflate past the limits (inflating with a
    bounded output, so the check itself stays within a few MB of memory)."""
    total = 0
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for match in _STREAM.finditer(data):
            header = data[max(0, match.start() - 4096):match.start()]
            if b"/Image" in header[header.rfind(b"obj"):]:
                continue  # images are not decoded to extract text
            size = _inflated_size(data, match.end(), min(MAX_STREAM_BYTES, MAX_UNCOMPRESSED_BYTES - total))
            total += size
            if size > MAX_STREAM_BYTES or total > MAX_UNCOMPRESSED_BYTES:
                raise DocumentError(
                    f"refused: its compressed content unpacks to over {min(total, MAX_UNCOMPRESSED_BYTES) // MIB} MB "
                    "(possibly a PDF bomb)")


def _inflated_size(data: mmap.mmap, start: int, cap: int) -> int:
    """Bytes the zlib stream at `start` inflates to, counting at most `cap` + 1; 0 if not zlib."""
    inflater = zlib.decompressobj()
    total, position = 0, start
    try:
        while total <= cap and not inflater.eof and position < len(data):
            pending = data[position:position + 256 * 1024]
            position += len(pending)
            while pending and total <= cap:
                total += len(inflater.decompress(pending, cap + 1 - total))
                pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # not Flate data (or damaged): PDFium decides
    return total
