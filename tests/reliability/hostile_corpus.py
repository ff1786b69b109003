"""Malformed and hostile documents, generated at test time (seeded: the same bytes every run).

    files = write_hostile_documents(folder)   # {path: category}, >= 200 files
    vanishing = [p for p, c in files.items() if c == "vanish"]

Categories: truncated and bit-flipped PDF / DOCX / EPUB, hand-made hostile PDFs, ZIP bombs
named .docx and .epub (honest, lying and overlapping sizes, too many members), deeply nested
and quadratic-looking HTML, invalid encodings, huge single lines, regex-unfriendly Markdown,
symlink loops and links to devices, FIFOs, sparse giants, and files that vanish mid-read.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from pathlib import Path

from tests.fixtures.documents import write_docx, write_epub, write_pdf, write_sparse, zip_bytes

MIB = 1024 * 1024


def write_hostile_documents(folder: Path, seed: int = 8, huge: int = 4 * MIB) -> dict[Path, str]:
    """`huge`: the size of the "huge single line" files (the text limit is 32 MB; tests use less)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files: dict[Path, str] = {}
    seeds = _seed_documents(folder / "_seeds")
    for kind, source in seeds.items():
        data = source.read_bytes()
        cuts = {"pdf": 25, "docx": 20, "epub": 15}[kind]
        for i in range(cuts):
            keep = max(1, int(len(data) * (i + 0.5) / cuts))
            files[_write(folder / f"truncated-{i:02d}.{kind}", data[:keep])] = "truncated"
        for i in range({"pdf": 35, "docx": 30, "epub": 20}[kind]):
            files[_write(folder / f"bitflip-{i:02d}.{kind}", _flip(data, rng, 1 + i % 12))] = "bitflip"
    files.update(_hostile_pdfs(folder))
    files.update(_zip_bombs(folder))
    files.update(_hostile_zips(folder))
    files.update(_hostile_html(folder, huge))
    files.update(_hostile_text(folder, rng, huge))
    files.update(_hostile_markdown(folder, huge))
    files.update(_special_files(folder))
    for i in range(10):  # the reader races a truncate + unlink (see desktop.bench.sandbox)
        text = ("A line of a log file that will be gone before it is read.\n" * (200 * (i + 1))).encode()
        ext = ("txt", "md", "html", "pdf", "docx")[i % 5]
        target = folder / f"vanish-{i}.{ext}"
        if ext in ("pdf", "docx"):
            _write(target, seeds[ext].read_bytes())
        else:
            _write(target, text)
        files[target] = "vanish"
    return files


def _seed_documents(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pages = [f"Page {n}: the defrost cycle of the heat pump runs every ninety minutes." for n in range(1, 4)]
    return {
        "pdf": write_pdf(folder / "seed.pdf", pages),
        "docx": write_docx(folder / "seed.docx", [("h1", "Manual"), ("p", pages[0]), ("table", "a|b;c|d"),
                                                  ("h2", "Reset"), ("p", pages[1])]),
        "epub": write_epub(folder / "seed.epub", [("One", pages[0]), ("Two", pages[1] + "\n\n" + pages[2])]),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _flip(data: bytes, rng: random.Random, flips: int) -> bytes:
    out = bytearray(data)
    for _ in range(flips):
        at = rng.randrange(len(out))
        out[at] ^= 1 << rng.randrange(8)
    return bytes(out)


# ── PDF ───────────────────────────────────────────────────────────────────────────────────

def _pdf(objects: list[bytes], root: int = 1, xref: bool = True) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, start)
    return bytes(out)


def _hostile_pdfs(folder: Path) -> dict[Path, str]:
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 3 0 R >>"
    text = b"<< /Length 30 >>\nstream\nBT /F1 10 Tf (hello) Tj ET\nendstream"
    cases = {
        # A page tree whose Kids point back at itself.
        "pdf-kids-loop.pdf": _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                   b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]),
        # Claims two billion pages.
        "pdf-huge-count.pdf": _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                    b"<< /Type /Pages /Kids [4 0 R] /Count 2000000000 >>", text, page]),
        # 100k nested arrays in the catalog.
        "pdf-nested-arrays.pdf": _pdf([b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * 100_000
                                       + b"]" * 100_000 + b" >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
        # A content stream declaring a gigabyte it does not have.
        "pdf-huge-length.pdf": _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                     b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                                     b"<< /Length 1073741824 >>\nstream\nBT ET\nendstream", page]),
        "pdf-flate-bomb.pdf": flate_bomb_pdf(),
        "pdf-no-xref.pdf": _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                 b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>", text, page], xref=False),
        "pdf-root-not-dict.pdf": _pdf([b"42"]),
        "pdf-only-header.pdf": b"%PDF-1.7\n",
        "pdf-garbage.pdf": bytes(range(256)) * 64,
        "pdf-html-inside.pdf": b"<html><body>not a pdf</body></html>",
        "pdf-self-ref-length.pdf": _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                         b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                                         b"<< /Length 3 0 R >>\nstream\nBT ET\nendstream", page]),
    }
    return {_write(folder / name, data): "hostile-pdf" for name, data in cases.items()}


def flate_bomb_pdf() -> bytes:
    """A PDF whose one Flate stream inflates to 200 MB of text operators (a PDF "bomb")."""
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                 _flate_stream(b"BT /F1 1 Tf (x) Tj ET\n", 200 * MIB),
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 3 0 R >>"])


def _flate_stream(unit: bytes, size: int) -> bytes:
    compressor = zlib.compressobj(9)
    block = unit * (MIB // len(unit))
    body = b"".join(compressor.compress(block) for _ in range(size // len(block))) + compressor.flush()
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"


# ── ZIP containers ────────────────────────────────────────────────────────────────────────

_DOCX_NAMES = ("[Content_Types].xml", "word/document.xml")
_EPUB_NAMES = ("META-INF/container.xml", "OEBPS/content.opf")


def _deflated_zeros(size: int) -> tuple[bytes, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(MIB)
    data = b"".join(compressor.compress(block) for _ in range(size // MIB)) + compressor.flush()
    return data, _crc_zeros(size)


def _crc_zeros(size: int) -> int:
    crc = 0
    block = bytes(MIB)
    for _ in range(size // MIB):
        crc = zlib.crc32(block, crc)
    return crc


def _raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A ZIP from (name, deflated data, crc, declared uncompressed size, local header offset or -1).

    An offset >= 0 makes the central directory entry point at an earlier local header: the
    overlapping-files construction of non-recursive zip bombs."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size, shared in entries:
        raw = name.encode()
        if shared < 0:
            offset = out.tell()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(raw), 0))
            out.write(raw + data)
        else:
            offset = shared
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size,
                                   len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0))
    return out.getvalue()


def _zip_bombs(folder: Path) -> dict[Path, str]:
    files: dict[Path, str] = {}
    zeros, crc = _deflated_zeros(300 * MIB)
    small, small_crc = _deflated_zeros(MIB)
    for ext, names in (("docx", _DOCX_NAMES), ("epub", _EPUB_NAMES)):
        # Honest: one member really inflates to 300 MB.
        files[_write(folder / f"bomb-honest.{ext}",
                     _raw_zip([(names[0], b"", 0, 0, -1), (names[1], zeros, crc, 300 * MIB, -1)]))] = "zip-bomb"
        # Lying: declares 1 KB, inflates to 300 MB (zipfile must stop at the declared size).
        files[_write(folder / f"bomb-lying.{ext}",
                     _raw_zip([(names[0], b"", 0, 0, -1), (names[1], zeros, crc, 1024, -1)]))] = "zip-bomb"
        # Overlapping: 2,000 directory entries share one 1 MB member (2 GB declared).
        shared = [(names[1], small, small_crc, MIB, -1)] + [(f"part{i}.xml", small, small_crc, MIB, 0)
                                                         for i in range(2000)]
        files[_write(folder / f"bomb-overlap.{ext}", _raw_zip([(names[0], b"", 0, 0, -1)] + shared))] = "zip-bomb"
        # Too many members: 25,000 empty files.
        many = io.BytesIO()
        with zipfile.ZipFile(many, "w") as archive:
            for name in names:
                archive.writestr(name, b"")
            for i in range(25_000):
                archive.writestr(f"m/{i}", b"")
        files[_write(folder / f"bomb-members.{ext}", many.getvalue())] = "zip-bomb"
        # A ZIP inside a ZIP inside a ZIP (nothing should unpack recursively).
        inner = _raw_zip([(names[1], zeros, crc, 300 * MIB, -1)])
        nested = io.BytesIO()
        with zipfile.ZipFile(nested, "w") as archive:
            archive.writestr(names[0], b"")
            archive.writestr(names[1], inner)
        files[_write(folder / f"bomb-nested.{ext}", nested.getvalue())] = "zip-bomb"
    return files


_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
                     for i in range(10))
           + ']>')
_CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:'
              'container"><rootfiles><rootfile full-path="{}" media-type="application/oebps-package+xml"/>'
              '</rootfiles></container>')


def _opf(items: str, refs: str) -> str:
    return ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata/>'
            f'<manifest>{items}</manifest><spine>{refs}</spine></package>')


def patched_zip(members: dict[str, bytes | str], *, version: int | None = None, method: int | None = None,
                encrypted: bool = False) -> bytes:
    """A ZIP whose headers claim what zipfile cannot read: a newer format version, an unknown
    compression method, or encryption (the fuzzer found the first; the others are its kin)."""
    data = bytearray(zip_bytes(members))
    for signature, version_at, flags_at, method_at in ((b"PK\x01\x02", 6, 8, 10), (b"PK\x03\x04", 4, 6, 8)):
        at = data.find(signature)
        while at >= 0:
            if version is not None:
                struct.pack_into("<H", data, at + version_at, version)
            if encrypted:
                data[at + flags_at] |= 1
            if method is not None:
                struct.pack_into("<H", data, at + method_at, method)
            at = data.find(signature, at + 4)
    return bytes(data)


def _hostile_zips(folder: Path) -> dict[Path, str]:
    word = '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    chapter = "<html><body>" + "<p>" + "word " * 200_000 + "</p></body></html>"  # 1 MB of text
    cases: dict[str, bytes] = {
        "docx-billion-laughs.docx": zip_bytes({"[Content_Types].xml": "<Types/>",
                                          "word/document.xml": _LAUGHS + word + "<w:body><w:p><w:r><w:t>&lol9;"
                                          "</w:t></w:r></w:p></w:body></w:document>"}),
        "docx-deep-xml.docx": zip_bytes({"[Content_Types].xml": "<Types/>",
                                    "word/document.xml": word + "<w:body>" + "<w:p>" * 100_000 + "</w:body>"}),
        "docx-not-xml.docx": zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": b"\xff\xfe\x00garbage"}),
        "docx-empty-parts.docx": zip_bytes({"[Content_Types].xml": "", "word/document.xml": ""}),
        "docx-external-entity.docx": zip_bytes({
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                 + word + "<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"}),
        "epub-billion-laughs.epub": zip_bytes({"META-INF/container.xml": _LAUGHS + "<container>&lol9;</container>"}),
        "epub-no-container.epub": zip_bytes({"mimetype": "application/epub+zip"}),
        "epub-rootfile-missing.epub": zip_bytes({"META-INF/container.xml": _CONTAINER.format("nowhere.opf")}),
        "epub-rootfile-escape.epub": zip_bytes({"META-INF/container.xml": _CONTAINER.format("../../../etc/passwd")}),
        "epub-opf-not-xml.epub": zip_bytes({"META-INF/container.xml": _CONTAINER.format("c.opf"), "c.opf": "<<<"}),
        # One 1 MB chapter listed 100 times in the spine: must stop at the text limit, not loop on.
        "epub-spine-amplify.epub": zip_bytes({"META-INF/container.xml": _CONTAINER.format("c.opf"),
                                         "c.opf": _opf('<item id="a" href="a.html" media-type="text/html"/>',
                                                       '<itemref idref="a"/>' * 100),
                                         "a.html": chapter}),
        "epub-href-traversal.epub": zip_bytes({"META-INF/container.xml": _CONTAINER.format("c.opf"),
                                          "c.opf": _opf('<item id="a" href="../../../../etc/passwd" '
                                                        'media-type="text/html"/>', '<itemref idref="a"/>')}),
        "epub-binary-chapter.epub": zip_bytes({"META-INF/container.xml": _CONTAINER.format("c.opf"),
                                          "c.opf": _opf('<item id="a" href="a.html" media-type="text/html"/>',
                                                        '<itemref idref="a"/>'),
                                          "a.html": bytes(range(256)) * 100}),
    }
    docx_parts = {"[Content_Types].xml": "<Types/>", "word/document.xml": word + "</w:document>"}
    epub_parts = {"META-INF/container.xml": _CONTAINER.format("c.opf"), "c.opf": _opf("", "")}
    for ext, parts in (("docx", docx_parts), ("epub", epub_parts)):
        cases[f"zip-version-23.{ext}"] = patched_zip(parts, version=235)
        cases[f"zip-method-99.{ext}"] = patched_zip(parts, method=99)
        cases[f"zip-encrypted.{ext}"] = patched_zip(parts, encrypted=True)
    return {_write(folder / name, data): "hostile-zip" for name, data in cases.items()}


# ── HTML, text, Markdown ──────────────────────────────────────────────────────────────────

def _hostile_html(folder: Path, huge: int) -> dict[Path, str]:
    n = 200_000
    cases = {
        "html-nested-div.html": "<div>" * n + "deep" + "</div>" * n,
        "html-nested-b.html": "<b><i>" * n + "deep",
        "html-nested-skip.html": "<svg>" + "<g>" * n + "</x>" * n + "</svg><p>after</p>",
        "html-script-unclosed.html": "<p>before</p><script>" + "x" * huge,
        "html-comment-unclosed.html": "<p>before</p><!--" + "-" * huge,
        "html-lt-flood.html": "<" * (huge // 4),
        "html-endtag-flood.html": "</" * (huge // 2),
        "html-endtag-flood-closed.html": "</" * (huge // 2) + "><p>after</p>",
        "html-attr-huge.htm": '<p title="' + "a" * huge + '">x</p>',
        "html-charrefs.html": "<p>&#99999999999; &#xD800; &#0; &#x110000; &amp&amp;&#" + "9" * 1000 + ";</p>",
        "html-headings-nested.html": "<h1>" * n + "title",
        "html-pre-nested.xhtml": "<pre>" * n + "code\n" * 1000,
        "html-cdata.html": "<![CDATA[" * 100_000,
        "html-declaration-flood.html": "<!" * (huge // 2),
        "html-declaration-flood-closed.html": "<!" * (huge // 2) + "><p>after</p>",
        "html-pi-flood.html": "<?" * (huge // 2),
        "html-comment-flood.html": "<!--" * (huge // 4),
        "html-tag-unclosed-flood.html": "<a " * (huge // 3),
        "html-attrs-flood.html": "<p>before</p><a " + "a " * (huge // 2) + "><p>after</p>",
        "html-charref-tail.html": "<p>x</p>" + "&" * (huge // 4) + "&amp",
        "html-nulls.html": "<p>\x00</p>" * 10,
        "html-only-tags.html": "<br>" * n,
        "html-table-cells.html": "<table><tr>" + "<td>" * n + "</table>",
    }
    return {_write(folder / name, data.encode("utf-8", "surrogatepass")): "hostile-html"
            for name, data in cases.items()}


def _hostile_text(folder: Path, rng: random.Random, huge: int) -> dict[Path, str]:
    high = bytes(rng.randrange(128, 256) for _ in range(64 * 1024))
    cases: dict[str, bytes] = {
        "enc-random-high.txt": high,
        "enc-invalid-utf8.txt": b"caf\xc3 \xe2\x82 \xf0\x9f\x98 \xed\xa0\x80 \xc0\xaf \xf8\x88\x80\x80\x80" * 2000,
        "enc-utf16-no-bom.txt": "Plain words in UTF-16 without a byte order mark.\n".encode("utf-16-le") * 200,
        "enc-bom-then-garbage.txt": b"\xef\xbb\xbf" + high,
        "enc-utf32-bom-odd.txt": b"\xff\xfe\x00\x00" + b"abc",
        "enc-utf16-bom-odd.txt": b"\xff\xfe" + b"a\x00b",
        "enc-mixed.txt": ("Grüße ".encode() + "Grüße ".encode("cp1252") + "Привет ".encode("koi8-r")) * 3000,
        "enc-shift-jis-broken.txt": "日本語のテキスト".encode("shift_jis")[:-1] * 3000,
        "enc-overlong.md": b"# title\n\xc0\x80\xe0\x80\x80\xf0\x80\x80\x80\n" * 1000,
        "enc-controls.txt": bytes(range(32)) * 500,
        "enc-one-byte.txt": b"\xff",
        "enc-whitespace.txt": b" \t\n" * 10_000,
        "enc-nul-in-code.py": b"print('hi')\n\x00\x00\x00\n",
        "enc-latin1-huge-line.txt": b"\xe9t\xe9 " * (huge // 4),  # one line, not UTF-8
        "line-huge-utf8.txt": b"word " * (huge // 5),  # one line
        "line-huge-nospace.txt": b"x" * huge,
        "line-huge.json": b'{"a":"' + b"y" * huge + b'"}',
        "line-long-cjk.txt": ("漢字" * (huge // 6)).encode(),
        "enc-surrogate-escape.txt": "text \udcff more".encode("utf-8", "surrogateescape") * 1000,
    }
    return {_write(folder / name, data): "encoding" for name, data in cases.items()}


def _hostile_markdown(folder: Path, huge: int) -> dict[Path, str]:
    n = 100_000
    cases = {
        "md-atx-backtrack.md": "# " + " \t" * (2 * n) + "x\n",
        "md-atx-closing-flood.md": "# a" + " #" * (2 * n) + " x\n",
        "md-setext-flood.md": "title\n" + "=\n" * n,
        "md-fence-flood.md": "```\n" * n,
        "md-headings-only.md": "# h\n" * n,
        "md-deep-trail.md": "".join("#" * (1 + i % 6) + f" h{i}\n" for i in range(n)),
        "md-front-matter-unclosed.md": "---\n" + "key: value\n" * n,
        "md-crlf-mix.md": "# a\r\n\r\rtext\r" * n,
        "md-one-line.md": "#" * huge,
    }
    return {_write(folder / name, data.encode()): "markdown" for name, data in cases.items()}


# ── special files ─────────────────────────────────────────────────────────────────────────

def _special_files(folder: Path) -> dict[Path, str]:
    files: dict[Path, str] = {}

    def link(name: str, target: str) -> None:
        path = folder / name
        os.symlink(target, path)
        files[path] = "special"

    link("loop-a.txt", "loop-b.txt")
    link("loop-b.txt", "loop-a.txt")
    link("loop-self.md", "loop-self.md")
    link("dangling.pdf", "does-not-exist.pdf")
    link("zero.txt", "/dev/zero")
    link("urandom.md", "/dev/urandom")
    link("null.html", "/dev/null")
    looped = folder / "dirloop"
    looped.mkdir()
    os.symlink("..", looped / "up")
    os.symlink(".", looped / "self")
    files[looped / "up" / "dirloop" / "up" / "truncated-00.pdf"] = "symlink-path"
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)
    files[fifo] = "special"
    folder_pdf = folder / "folder.pdf"
    folder_pdf.mkdir()
    files[folder_pdf] = "special"
    for name, size in (("sparse-1g.txt", 1 << 30), ("sparse-1g.pdf", 1 << 30), ("sparse-300m.docx", 300 * MIB)):
        files[write_sparse(folder / name, size, head=b"PK")] = "special"
    files[_write(folder / "empty.txt", b"")] = "special"
    files[_write(folder / "empty.docx", b"")] = "special"
    return files
