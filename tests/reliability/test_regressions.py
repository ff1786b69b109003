"""Inputs that once crashed, hung or exhausted memory (found by the hostile corpus, the header
mutation test and fuzzing), kept so they stay fixed."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import pytest

from desktop.bench.sandbox import Task, run_isolated
from desktop.core.documents import DocumentError, load_document
from desktop.core.documents.html import html_sections
from desktop.core.errors import UserError
from desktop.core.gguf_check import inspect_gguf, require_chat_model
from tests.fixtures.chat_models import write_tiny_gpt_oss
from tests.reliability.hostile_corpus import MIB, _flate_stream, _pdf, flate_bomb_pdf, patched_zip
from tests.reliability.hostile_gguf import _ARCH_KV, _ARR, _U32, _kv, _patched, _raw

# ── HTML ──────────────────────────────────────────────────────────────────────────────────

def test_marked_section_without_keyword_is_a_bogus_comment() -> None:
    # Fuzzing: html.parser raised AssertionError("expected name token") on "<![<".
    assert html_sections("<html><<![<!doctype><body><p>kept</p>") == [(None, "<\n\nkept")]
    assert html_sections("<p>a</p><![if !IE]><p>b</p><![endif]>") == [(None, "a\n\nb")]


def test_unterminated_constructs_at_the_end_are_dropped() -> None:
    assert html_sections("<p>x</p><!-- never closed <p>hidden") == [(None, "x")]
    assert html_sections("<p>fish &amp chips &amp") == [(None, "fish & chips &")]


def test_stray_end_tags_inside_skipped_elements() -> None:
    assert html_sections("<svg><g><text>no</text></svg><p>yes</p>") == [(None, "yes")]
    assert html_sections("<svg><g></x></y></svg><p>after</p>") == [(None, "after")]


def test_quadratic_html_inputs_finish(tmp_path: Path) -> None:
    # Before the fixes each ran for minutes (CVE-2025-6069 in close(); a linear scan of the
    # skip stack per end tag). The child's time limit turns a hang into a failure.
    n = 200_000
    cases = {"endtags.html": "</" * n, "pis.html": "<?" * n, "decls.html": "<!" * n,
             "cdata.html": "<![CDATA[" * (n // 4), "skip.html": "<svg>" + "<g>" * n + "</x>" * n}
    paths = []
    for name, markup in cases.items():
        paths.append(tmp_path / name)
        paths[-1].write_text(markup)
    outcomes = run_isolated([Task(str(p), "documents") for p in paths], timeout_s=60)
    assert {Path(o.path).name: o.status for o in outcomes} == {
        "endtags.html": "error", "pis.html": "error", "decls.html": "error", "cdata.html": "error",
        "skip.html": "error"}


def test_a_tag_with_millions_of_attributes_is_skipped(tmp_path: Path) -> None:
    # Full-size corpus: 4 MB of bare attributes in one tag took 1 GB in html.parser (30 MB: 5 GB).
    path = tmp_path / "attrs.html"
    path.write_text("<p>before</p><a " + "a " * (2 * MIB) + "><p>after</p>")
    [outcome] = run_isolated([Task(str(path), "documents")], timeout_s=60)
    assert outcome.status == "ok" and outcome.peak_rss_mb < 400, outcome
    assert html_sections('<p>x</p><img src="data:' + "A" * 70_000 + '"><p>y</p>') == [(None, "x\n\ny")]
    assert html_sections("<p>x</p><a " + "b " * 40_000) == [(None, "x")]


# ── PDF ───────────────────────────────────────────────────────────────────────────────────

def test_flate_bomb_pdf_is_refused_before_pdfium(tmp_path: Path) -> None:
    # 200 KB that inflate to 200 MB of text operators: PDFium took 4 GB and 18 s.
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(flate_bomb_pdf())
    with pytest.raises(DocumentError, match="possibly a PDF bomb"):
        load_document(bomb)


def test_large_flate_images_are_not_mistaken_for_bombs(tmp_path: Path) -> None:
    image = _flate_stream(bytes(1), 80 * MIB).replace(
        b"<< /Length", b"<< /Type /XObject /Subtype /Image /Width 8192 /Height 10240 /BitsPerComponent 8 "
                       b"/ColorSpace /DeviceGray /Length", 1)
    text = b"<< /Length 58 >>\nstream\nBT /F1 12 Tf 50 700 Td (Defrost every 90 minutes.) Tj ET\nendstream"
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Contents 3 0 R /Resources << /Font "
            b"<< /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>")
    path = tmp_path / "scan.pdf"
    path.write_bytes(_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                           text, page, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", image]))
    assert "Defrost every 90 minutes." in load_document(path).text


# ── ZIP containers ────────────────────────────────────────────────────────────────────────

_DOCX = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}
_EPUB = {"META-INF/container.xml": '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
         '<rootfiles><rootfile full-path="c.opf"/></rootfiles></container>', "c.opf": "<package/>"}


@pytest.mark.parametrize("ext", ["docx", "epub"])
@pytest.mark.parametrize(("header", "expected"), [
    ({"version": 235}, "unsupported"),  # fuzzing: NotImplementedError("zip file version 23.5")
    ({"method": 99}, "not supported|unsupported"),
    ({"encrypted": True}, "encrypted|damaged"),
])
def test_zip_headers_zipfile_cannot_read(tmp_path: Path, ext: str, header: dict, expected: str) -> None:
    path = tmp_path / f"x.{ext}"
    path.write_bytes(patched_zip(_DOCX if ext == "docx" else _EPUB, **header))
    with pytest.raises(DocumentError, match=expected):
        load_document(path)


_SPANNING = (
    "UEsDBBQAAAAAAKZCeF1vYassFAAAAGJvZHk+PC9odG1sPlBLAQIUAxQAAAAAAKZCeF1vYassFAAAABQAAAAILgAAAAAAAAAA"
    "AACAAQAAAABtaW1ldHlwZVBLAQIUAxQAAAAAAKZCeF0eC9fJ3QAAAN0AAAAWAAAAAAAAAAAAAACAAToAAABNRVRBLUlORi9j"
    "b250YWluZXIueG1sUEsBAhQDFAAAAAAApkJ4XaWZeVmLAQAAiwEAABEAAAAAAAAAAAAnAIABSwEAAE9FQlBTL2NvbnRlbnQu"
    "b3BmUEsBAhQDFAAAAAAApkJ4XYvNWhsSAAAAEgAAAA8AAAAAAAAAAAAAAIABBQMAAE9FQlBTL3NsZXR5LmNzc1BLAQIUAxQA"
    "AAAAAKZCeF2JAuTz4wAAAOMAAAAaAAAAAAAAAAAAAACAAUQDAABPRUJQUy90ZXh0L2NoYXB0ZXIgMC54aHRtbFBLAQIUAxQA"
    "AAAAAKZCeF17Yg4argAAAK4AAAAaAAAAAAAAAAAAAACAAV8EAABPRUJQUy90ZXh0UEsGBy9jaGFwdGVyIDIueGh0bWxQSwUG"
    "AAAAAAYABgCGAQAARQUAAAAA"
)


@pytest.mark.parametrize("ext", ["docx", "epub"])
def test_zip_claiming_to_span_disks(tmp_path: Path, ext: str) -> None:
    # The fuzzer's input: zipfile.is_zipfile raised BadZipFile("zipfiles that span multiple disks").
    path = tmp_path / f"x.{ext}"
    path.write_bytes(base64.b64decode("".join(_SPANNING)))
    with pytest.raises(DocumentError, match="span multiple disks"):
        load_document(path)


# ── GGUF ──────────────────────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_gpt_oss(tmp_path_factory.mktemp("regress") / "valid.gguf")


def _refused(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    with pytest.raises(UserError) as caught:
        require_chat_model(inspect_gguf(path))
    assert str(caught.value).startswith(path.name)
    return str(caught.value)


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1 and len(old) == len(new)
    return data.replace(old, new, 1)


def test_deeply_nested_metadata_arrays(tmp_path: Path) -> None:
    # RecursionError escaped inspect_gguf.
    nested = struct.pack("<IQ", _ARR, 1) * 5_000 + struct.pack("<IQ", _U32, 0)
    assert "nested" in _refused(tmp_path / "n.gguf", _raw(0, [_ARCH_KV, _kv("x.deep", _ARR, nested)]))


def test_forged_block_count_does_not_exhaust_memory(valid: Path, tmp_path: Path) -> None:
    # set(range(2**31)) raised MemoryError; llama.cpp aborts on the file.
    message = _refused(tmp_path / "b.gguf", _patched(valid, "gpt-oss.block_count", 2**31, "I"))
    assert "declares 2147483648 layers" in message


def test_repeated_vocabulary_token(valid: Path, tmp_path: Path) -> None:
    # Header mutation test: GGML_ASSERT(id_to_token.size() == token_to_id.size()) killed llama.cpp.
    data = _replace_once(valid.read_bytes(), b"<|message|>", b"<|channel|>"[:11])
    assert "twice" in _refused(tmp_path / "v.gguf", data)


def test_missing_head_size_that_would_trip_a_graph_assert(valid: Path, tmp_path: Path) -> None:
    # Header mutation test: without value_length llama.cpp assumes n_embd / n_head and aborts.
    data = _replace_once(valid.read_bytes(), b"gpt-oss.attention.value_length", b"gpt-oss.attention.value_lenrth")
    assert "do not match" in _refused(tmp_path / "h.gguf", data)


def test_chat_template_that_does_not_parse(valid: Path, tmp_path: Path) -> None:
    # llama-cpp-python compiles it while loading; a TemplateSyntaxError escaped the runtime.
    data = _replace_once(valid.read_bytes(), b"{%- if", b"{%- `f")
    assert "chat template does not parse" in _refused(tmp_path / "t.gguf", data)
    # A NUL ends the template for llama.cpp (a C string): the part before it must parse too.
    data = _replace_once(valid.read_bytes(), b"{%- endif", b"\0%- endif")
    assert "chat template does not parse" in _refused(tmp_path / "t0.gguf", data)


def test_alignment_duplicates_and_int32_wraps(valid: Path, tmp_path: Path) -> None:
    assert "power of two" in _refused(tmp_path / "a.gguf",
                                      _raw(0, [_ARCH_KV, _kv("general.alignment", _U32, struct.pack("<I", 3))]))
    body = valid.read_bytes()
    assert "same tensor twice" in _refused(tmp_path / "d.gguf",
                                           _replace_once(body, b"blk.0.attn_k.bias", b"blk.0.attn_q.bias"))
    assert "context length" in _refused(tmp_path / "c.gguf", _patched(valid, "gpt-oss.context_length", 2**31, "I"))


def test_the_valid_model_still_passes(valid: Path) -> None:
    info = inspect_gguf(valid)
    require_chat_model(info)
    assert info.architecture == "gpt-oss"
