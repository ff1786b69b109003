"""PDF through PDFium (pypdfium2): fast, robust on damaged files, one segment per page.

PDFium is the engine Chrome uses; it opens files other parsers choke on and reports encrypted
and damaged files as distinct errors. Pages without a text layer (scans) produce no segment but
still count in `pages`, so page numbers stay those a reader sees.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core.documents.model import MAX_CONTAINER_BYTES, Document, DocumentError, TextBuilder, check_size

# PDFium marks soft hyphens and line-break hyphens with these; a reader never sees them.
_INVISIBLE = str.maketrans({"\x02": "", "\ufffe": "", "\u00ad": "", "\r": ""})


def load_pdf(path: Path) -> Document:
    import pypdfium2 as pdfium

    check_size(path, MAX_CONTAINER_BYTES, "PDF files")
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
