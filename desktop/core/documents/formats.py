"""Which loader reads which file, by suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desktop.core.documents.model import (
    MAX_CONTAINER_BYTES,
    MAX_TEXT_FILE_BYTES,
    Document,
    DocumentError,
    check_size,
)

CODE_SUFFIXES = frozenset(
    ".py .pyi .js .mjs .cjs .ts .tsx .jsx .java .kt .kts .scala .c .h .cc .cpp .cxx .hpp .hh .cs "
    ".go .rs .rb .php .swift .m .mm .lua .pl .pm .r .jl .dart .hs .ex .exs .erl .clj .el .lisp "
    ".sh .bash .zsh .fish .ps1 .bat .cmd .sql .css .scss .sass .less .vue .svelte .proto "
    ".graphql .tf .cmake .gradle .groovy .f90 .zig .nim .v .sv .vhd .asm .s .yaml .yml .toml "
    ".json .jsonl .xml .ini .cfg .conf .properties .dockerfile .make .mk".split())
TEXT_SUFFIXES = frozenset(".txt .text .log .csv .tsv .rst .org .adoc .tex .bib .srt .vtt".split())
# Files known by name rather than suffix.
CODE_NAMES = frozenset({"Makefile", "Dockerfile", "Rakefile", "Gemfile", "Jenkinsfile",
                        "Vagrantfile"})
TEXT_NAMES = frozenset({"README", "LICENSE", "CHANGELOG", "NOTICE", "AUTHORS"})


def _loaders() -> dict[str, tuple[str, Callable[[Path], Document]]]:
    from desktop.core.documents.docx import load_docx
    from desktop.core.documents.epub import load_epub
    from desktop.core.documents.html import load_html
    from desktop.core.documents.markdown import load_markdown
    from desktop.core.documents.pdf import load_pdf
    from desktop.core.documents.text import load_code, load_text

    table: dict[str, tuple[str, Callable[[Path], Document]]] = {
        ".pdf": ("pdf", load_pdf),
        ".docx": ("docx", load_docx),
        ".epub": ("epub", load_epub),
        ".md": ("markdown", load_markdown), ".markdown": ("markdown", load_markdown),
        ".mdx": ("markdown", load_markdown),
        ".html": ("html", load_html), ".htm": ("html", load_html), ".xhtml": ("html", load_html),
    }
    table.update({suffix: ("text", load_text) for suffix in TEXT_SUFFIXES})
    table.update({suffix: ("code", load_code) for suffix in CODE_SUFFIXES})
    return table


_TABLE = _loaders()


def document_kind(path: Path) -> str | None:
    """"pdf", "docx", ... for a supported file, else None (decided by name only)."""
    entry = _TABLE.get(path.suffix.lower())
    if entry:
        return entry[0]
    if path.name in CODE_NAMES:
        return "code"
    if path.name in TEXT_NAMES:
        return "text"
    return None


_CONTAINERS = {"pdf": "PDF files", "docx": "Word (DOCX) files", "epub": "EPUB files"}


def check_limits(path: Path) -> None:
    """The size checks of `load_document`, alone: lets a caller refuse a file before hashing it."""
    kind = document_kind(path)
    if kind in _CONTAINERS:
        check_size(path, MAX_CONTAINER_BYTES, _CONTAINERS[kind])
    else:
        check_size(path, MAX_TEXT_FILE_BYTES, "text files")


def load_document(path: Path) -> Document:
    """Read one file; every problem with the file itself becomes a DocumentError."""
    kind = document_kind(path)
    if kind is None:
        raise DocumentError(f"unsupported file type ({path.suffix or 'no extension'})")
    entry = _TABLE.get(path.suffix.lower())
    loader = entry[1] if entry else (_TABLE[".py"] if kind == "code" else _TABLE[".txt"])[1]
    try:
        document = loader(path)
    except DocumentError:
        raise
    except FileNotFoundError as exc:
        raise DocumentError("file not found (moved or deleted?)") from exc
    except IsADirectoryError as exc:
        raise DocumentError("is a folder, not a file") from exc
    except PermissionError as exc:
        raise DocumentError("permission denied (cannot read the file)") from exc
    except MemoryError as exc:
        raise DocumentError("not enough memory to read this file") from exc
    except OSError as exc:
        raise DocumentError(f"cannot read the file ({exc.strerror or exc})") from exc
    return document
