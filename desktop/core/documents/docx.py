"""Word documents (DOCX) through python-docx: body paragraphs and tables in order, by heading."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from desktop.core.documents.model import Document, DocumentError, TextBuilder
from desktop.core.documents.zipcheck import open_checked_zip

_HEADING = re.compile(r"heading\s*(\d)", re.IGNORECASE)


def load_docx(path: Path) -> Document:
    # Check the container before python-docx parses it: zip bombs and ZIPs renamed .docx
    # would otherwise fail deep inside the library with an unhelpful KeyError.
    with open_checked_zip(path, "Word (DOCX)") as archive:
        names = set(archive.namelist())
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise DocumentError("not a Word document: this ZIP has no word/document.xml "
                            "(a ZIP file renamed .docx?)")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DocumentError(f"damaged Word document ({exc})") from exc
    except Exception as exc:  # lxml syntax errors and the like, from a damaged part
        raise DocumentError(f"damaged Word document ({type(exc).__name__}: {exc})") from exc

    builder = TextBuilder()
    trail: list[tuple[int, str]] = []
    heading: str | None = None
    section: list[str] = []

    def end_section() -> None:
        builder.add("\n\n".join(section), heading=heading)
        section.clear()

    for block in document.iter_inner_content():
        if hasattr(block, "rows"):  # a Table
            section.append(_table_text(block))
            continue
        text = block.text.strip()
        if not text:
            continue
        level = _heading_level(block)
        if level is None:
            section.append(text)
            continue
        end_section()
        while trail and trail[-1][0] >= level:
            trail.pop()
        trail.append((level, text))
        heading = " > ".join(t for _, t in trail)
        section.append(text)
    end_section()
    if not builder.segments:
        raise DocumentError("no text in this Word document")
    return builder.build(path, "docx")


def _heading_level(paragraph) -> int | None:
    style = paragraph.style
    names = [getattr(style, "name", None) or "", getattr(style, "style_id", None) or ""]
    for name in names:
        if name.lower() == "title":
            return 0
        match = _HEADING.search(name)
        if match:
            return int(match.group(1))
    return None


def _table_text(table) -> str:
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or cells[-1] != text:  # merged cells repeat their text
                cells.append(text)
        rows.append(" | ".join(cells))
    return "\n".join(row for row in rows if row.strip(" |"))
