"""Loaders on real files of every supported format, and every kind of bad file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from desktop.core.documents import DocumentError, document_kind, load_document, zipcheck
from tests.fixtures.documents import (
    permissions_enforced,
    write_docx,
    write_epub,
    write_pdf,
    write_sparse,
    write_zip,
)


def _error(path: Path) -> str:
    with pytest.raises(DocumentError) as info:
        load_document(path)
    return str(info.value)


def _texts(document) -> list[tuple[int | None, str | None, str]]:
    return [(s.page, s.heading, document.segment_text(s)) for s in document.segments]


# ── formats ──────────────────────────────────────────────────────────────────────────────

def test_pdf_keeps_page_numbers_and_counts_pages_without_text(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "manual.pdf", ["Heat pump defrost cycle (every 90 minutes).", "", "Error E42: low pressure."])
    document = load_document(path)
    assert document.kind == "pdf"
    assert document.pages == 3
    assert _texts(document) == [(1, None, "Heat pump defrost cycle (every 90 minutes)."),
                                (3, None, "Error E42: low pressure.")]


def test_markdown_sections_carry_heading_trail_and_spans_into_the_file(tmp_path: Path) -> None:
    source = ("---\ntitle: notes\n---\nIntro line.\n\n# Install\nSteps.\n```sh\n# not a heading\n```\n"
              "## Linux\napt install thing\n\nWindows\n-------\nRun setup.exe\n# Usage\nRun it.\n")
    path = tmp_path / "notes.md"
    path.write_text(source, encoding="utf-8")
    document = load_document(path)
    assert document.text == source
    headings = [s.heading for s in document.segments]
    assert headings == [None, "Install", "Install > Linux", "Install > Windows", "Usage"]
    linux = document.segments[2]
    assert source[linux.start:linux.end] == "## Linux\napt install thing\n\n"
    assert "# not a heading" in document.segment_text(document.segments[1])


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("cp1252", b""), ("utf-16", b"")])
def test_text_encodings_are_detected(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = "Crème brûlée, déjà vu, naïve façade: the café's menu was œuvre. " * 20
    path = tmp_path / f"menu-{encoding}.txt"
    path.write_bytes(bom + text.encode(encoding))
    assert load_document(path).text.strip() == text.strip()


def test_source_code_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "pump.py"
    path.write_text("def defrost(minutes: int) -> None:\n    return None\n", encoding="utf-8")
    document = load_document(path)
    assert document.kind == "code"
    assert "def defrost" in document.text
    assert document_kind(tmp_path / "Makefile") == "code"


def test_html_text_only_with_headings(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>T</title><style>.x{color:red}</style><script>var secret = 1;</script>"
        "<body><p>Intro &amp; welcome</p><h1>Setup</h1><p>Plug it in.<br>Turn it on.</p>"
        "<h2>Wi-Fi</h2><ul><li>Open settings</li><li>Pick network</li></ul>"
        "<noscript>enable js</noscript></body></html>", encoding="utf-8")
    sections = _texts(load_document(path))
    assert sections == [
        (None, None, "Intro & welcome"),
        (None, "Setup", "Setup\n\nPlug it in.\nTurn it on."),
        (None, "Setup > Wi-Fi", "Wi-Fi\n\nOpen settings\n\nPick network"),
    ]
    assert "secret" not in load_document(path).text


def test_epub_follows_the_spine_not_the_manifest(tmp_path: Path) -> None:
    path = write_epub(tmp_path / "book.epub", [("Appendix", "Later text."), ("Chapter One", "It begins.")],
                      spine=[1, 0])
    document = load_document(path)
    assert [s.heading for s in document.segments] == ["Chapter One", "Appendix"]
    assert document.text.index("It begins.") < document.text.index("Later text.")
    assert "color" not in document.text


def test_docx_headings_paragraphs_and_tables(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "report.docx", [
        ("p", "Preface."), ("h1", "Results"), ("p", "Revenue grew."),
        ("h2", "Table"), ("table", "Quarter|Revenue;Q1|10"), ("h1", "Outlook"), ("p", "Good."),
    ])
    assert _texts(load_document(path)) == [
        (None, None, "Preface."),
        (None, "Results", "Results\n\nRevenue grew."),
        (None, "Results > Table", "Table\n\nQuarter | Revenue\nQ1 | 10"),
        (None, "Outlook", "Outlook\n\nGood."),
    ]


# ── bad input: each is a DocumentError with a message a person understands ───────────────

def test_encrypted_pdf(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "locked.pdf", ["Secret plans."], user_password="secret")
    import pypdfium2

    # It is a genuine encrypted PDF: the right password opens it.
    with pypdfium2.PdfDocument(str(path), password="secret") as pdf:
        assert "Secret plans." in pdf[0].get_textpage().get_text_range()
    assert "encrypted" in _error(path)


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R\n" + bytes(range(256)) * 20)
    assert "damaged or not a PDF" in _error(path)


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "scan.pdf", ["", ""])
    assert "no text layer" in _error(path)


def test_zero_byte_file(tmp_path: Path) -> None:
    for name in ("empty.txt", "empty.pdf", "empty.docx", "empty.md"):
        (tmp_path / name).touch()
        assert "empty file" in _error(tmp_path / name)


def test_whitespace_only_text(tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_text("  \n\n\t \n")
    assert "only whitespace" in _error(tmp_path / "blank.txt")


def test_huge_text_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = write_sparse(tmp_path / "server.log", 1024 ** 3)  # 1 GB, stored as a hole
    message = _error(path)
    assert "too large: 1.0 GB" in message
    assert "limit" in message


def test_binary_file_with_text_extension(tmp_path: Path) -> None:
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    assert "binary" in _error(tmp_path / "photo.txt")


def test_zip_renamed_docx(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "photos.docx", {"a.jpg": b"\xff\xd8" + b"x" * 100})
    assert "not a Word document" in _error(path)


def test_not_a_zip_docx(tmp_path: Path) -> None:
    (tmp_path / "letter.docx").write_text("Dear Sir, this is plain text.")
    assert "not a ZIP container" in _error(tmp_path / "letter.docx")


def test_zip_bomb_is_refused_before_decompressing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real DOCX whose parts declare more than the limit (the limit is lowered so the test file
    # stays small; the check is the same one that refuses a 10 GB bomb).
    monkeypatch.setattr(zipcheck, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
    path = write_docx(tmp_path / "bomb.docx", [("p", "hello")])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/zeros.bin", bytes(2 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    assert "zip bomb" in _error(path)


def test_epub_that_is_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "book.epub").write_bytes(b"not a zip at all" * 10)
    assert "not a valid EPUB" in _error(tmp_path / "book.epub")


def test_unsupported_type(tmp_path: Path) -> None:
    (tmp_path / "song.mp3").write_bytes(b"ID3" + bytes(100))
    assert "unsupported file type (.mp3)" in _error(tmp_path / "song.mp3")


def test_path_that_vanished(tmp_path: Path) -> None:
    assert "not found" in _error(tmp_path / "gone.md")


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "private.md"
    path.write_text("# Private\nsecret")
    path.chmod(0)
    try:
        with permissions_enforced():
            message = _error(path)
    finally:
        path.chmod(0o644)
    assert "permission denied" in message
