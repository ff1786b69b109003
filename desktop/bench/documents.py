"""Real documents written at run time, for the benches (the retrieval corpus's PDF and DOCX)
and the tests (which also encrypt PDFs): PDFs by hand, DOCX with python-docx. No office suite."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

# ── PDF ───────────────────────────────────────────────────────────────────────────────────

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content_stream(text: str) -> bytes:
    lines = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, 90) or [""])
    body = b"BT /F1 10 Tf 13 TL 50 790 Td " + b" ".join(b"(" + _escape(line) + b") Tj T*" for line in lines) + b" ET"
    return body


def write_pdf(path: Path, pages: list[str], *, user_password: str | None = None) -> Path:
    """A PDF with one page per string (Helvetica text). With `user_password`: RC4-40 encrypted
    (Standard security handler, revision 2), openable only with that password."""
    n_pages = len(pages)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % p for p in page_ids) + b"] /Count %d >>" % n_pages,
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    streams: dict[int, bytes] = {}
    for page_id, text in zip(page_ids, pages, strict=True):
        objects[page_id] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
                            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1))
        streams[page_id + 1] = _content_stream(text)

    file_id = hashlib.md5(str(path).encode()).digest()
    key = None
    encrypt_id = None
    if user_password is not None:
        permissions = -44
        owner = _rc4(hashlib.md5((b"owner" + _PAD)[:32]).digest()[:5], (user_password.encode() + _PAD)[:32])
        key = hashlib.md5((user_password.encode() + _PAD)[:32] + owner
                          + permissions.to_bytes(4, "little", signed=True) + file_id).digest()[:5]
        user = _rc4(key, _PAD)
        encrypt_id = max(page_ids) + 2
        objects[encrypt_id] = (b"<< /Filter /Standard /V 1 /R 2 /O <" + owner.hex().encode() + b"> /U <"
                               + user.hex().encode() + b"> /P %d >>" % permissions)

    def object_key(number: int) -> bytes:
        return hashlib.md5(key + number.to_bytes(3, "little") + b"\0\0").digest()[:10]

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted({*objects, *streams}):
        offsets[number] = len(out)
        if number in streams:
            data = streams[number]
            if key is not None:
                data = _rc4(object_key(number), data)
            out += b"%d 0 obj\n<< /Length %d >>\nstream\n" % (number, len(data)) + data + b"\nendstream\nendobj\n"
        else:
            out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(offsets) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    trailer = b"<< /Size %d /Root 1 0 R /ID [<%s> <%s>]" % (size, file_id.hex().encode(), file_id.hex().encode())
    if encrypt_id is not None:
        trailer += b" /Encrypt %d 0 R" % encrypt_id
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


# ── DOCX ───────────────────────────────────────────────────────────────────────────

def write_docx(path: Path, blocks: list[tuple[str, str]]) -> Path:
    """blocks: ("h1".."h3", text) headings, ("p", text) paragraphs, ("table", "a|b;c|d")."""
    import docx

    document = docx.Document()
    for kind, text in blocks:
        if kind.startswith("h"):
            document.add_heading(text, level=int(kind[1:]))
        elif kind == "table":
            rows = [row.split("|") for row in text.split(";")]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path
