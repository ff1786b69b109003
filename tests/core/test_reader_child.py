"""Documents are read in the app's capped reader child: what a file does to its reader costs
that file alone, the batch goes on, and one child serves many files. Real child processes,
real Milvus Lite, real llama.cpp embeddings (the tiny BERT)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import psutil
import pytest

from desktop.core.documents import DocumentReader
from desktop.core.isolation import ARGUMENT
from desktop.core.library import ERROR, INDEXED, AddReport, Library
from tests.fixtures.corpus import TOPICS, write_corpus
from tests.fixtures.documents import write_pdf
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)

PAGE = "The defrost cycle of the heat pump runs every ninety minutes. " * 60


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6000 pages of text: PDFium takes seconds on it (14 s here), long enough to be caught at
    and well over a 1 s time limit on a fast machine too."""
    return write_pdf(tmp_path_factory.mktemp("long") / "long.pdf", [PAGE] * 6000)


def _folder(root: Path, long_pdf: Path) -> Path:
    docs = root / "docs"
    docs.mkdir()
    (docs / "a-before.md").write_text("# Before\n\nThe router resets with a paper clip.\n")
    (docs / "m-long.pdf").symlink_to(long_pdf)  # read between the two others (names sort)
    (docs / "z-after.txt").write_text("After the long file: the boiler pressure is 1.5 bar.\n")
    return docs


def _library(root: Path, model: Path, reader: DocumentReader) -> Library:
    return Library(str(root / "library.db"), root / "library.sqlite3", model, reader=reader)


def _statuses(library: Library) -> dict[str, tuple[str, str | None]]:
    return {Path(r.path).name: (r.status, r.error) for r in library.documents()}


def _open_in_child(reader: DocumentReader, name: str) -> bool:
    pid = reader.pid
    try:
        return pid is not None and any(Path(f.path).name == name for f in psutil.Process(pid).open_files())
    except psutil.Error:
        return False


def test_a_reader_killed_mid_file_is_that_files_error_and_the_batch_goes_on(
        tmp_path: Path, tiny_bert_gguf: Path, long_pdf: Path) -> None:
    docs = _folder(tmp_path, long_pdf)
    reader = DocumentReader()
    with _library(tmp_path, tiny_bert_gguf, reader) as library:
        reports: list[AddReport] = []
        indexing = threading.Thread(target=lambda: reports.append(library.add([docs])))
        indexing.start()
        # Kill the reader while it has the long PDF open: what a segfault in PDFium looks like.
        killed = None
        while indexing.is_alive() and killed is None:
            if _open_in_child(reader, long_pdf.name):
                killed = reader.pid
                os.kill(killed, signal.SIGKILL)
            else:
                threading.Event().wait(0.01)
        indexing.join()
        assert killed is not None, "the long PDF was never seen open in the reader"
        [report] = reports
        long_key = str(docs / "m-long.pdf")
        assert report.failed == [(long_key, "could not be read: the reader crashed (SIGKILL)")]
        assert sorted(Path(p).name for p in report.indexed) == ["a-before.md", "z-after.txt"]
        assert _statuses(library)["m-long.pdf"] == (ERROR, "could not be read: the reader crashed (SIGKILL)")
        assert library.search("boiler pressure", top_k=1, mode="bm25")[0].path.endswith("z-after.txt")
        # One child before the crash, one after it; the killed one is gone.
        assert reader.children_started == 2 and reader.pid != killed and not psutil.pid_exists(killed)


def test_a_file_over_the_time_limit_is_an_error_and_the_next_file_is_indexed(
        tmp_path: Path, tiny_bert_gguf: Path, long_pdf: Path) -> None:
    docs = _folder(tmp_path, long_pdf)
    with _library(tmp_path, tiny_bert_gguf, DocumentReader(time_limit_s=1)) as library:
        report = library.add([docs])
        assert report.failed == [(str(docs / "m-long.pdf"), "could not be read: the reader took longer than 1 s")]
        assert sorted(Path(p).name for p in report.indexed) == ["a-before.md", "z-after.txt"]
        # A rescan does not spend another time limit on the same bytes.
        assert library.add([docs], retry_failed=False).failed == report.failed


def test_a_file_over_the_memory_cap_is_an_error_and_the_next_file_is_indexed(
        tmp_path: Path, tiny_bert_gguf: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-small.md").write_text("# Small\n\nThe router resets with a paper clip.\n")
    (docs / "b-big.log").write_text("a line of a very long log file\n" * 900_000)  # 27 MB
    (docs / "c-small.txt").write_text("The boiler pressure is 1.5 bar.\n")
    # The cap: what a reader child takes once warm, plus 32 MB. Decoding the 27 MB log holds
    # its bytes and its text at once (54 MB), so it cannot fit; small files still do.
    with DocumentReader() as probe:
        probe.read(docs / "a-small.md")
        warm_mb = psutil.Process(probe.pid).memory_info().vms // 2**20
    reader = DocumentReader(memory_mb=warm_mb + 32)
    with _library(tmp_path, tiny_bert_gguf, reader) as library:
        report = library.add([docs])
        assert report.failed == [(str(docs / "b-big.log"), "could not be read: the reader ran out of "
                                                            f"memory (its limit is {warm_mb + 32} MB)")]
        assert sorted(Path(p).name for p in report.indexed) == ["a-small.md", "c-small.txt"]


def test_one_reader_child_serves_a_whole_folder_of_every_format(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    paths = write_corpus(tmp_path / "docs", TOPICS)
    assert {p.suffix for p in paths.values()} >= {".md", ".txt", ".pdf", ".docx", ".html", ".epub"}
    with DocumentReader() as reader, _library(tmp_path, tiny_bert_gguf, reader) as library:
        report = library.add([tmp_path / "docs"])
        assert report.failed == [] and len(report.indexed) == len(paths)
        assert {status for status, _ in _statuses(library).values()} == {INDEXED}
        assert reader.children_started == 1


def _reader_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children() if ARGUMENT in p.cmdline()]


def test_the_librarys_reader_child_starts_with_indexing_and_ends_with_the_library(
        tmp_path: Path, tiny_bert_gguf: Path) -> None:
    write_corpus(tmp_path / "docs", {name: TOPICS[name] for name in list(TOPICS)[:3]})
    # Readers started by earlier tests (the app's attachment reader lives as long as the process)
    # are not this library's.
    others = set(_reader_children())
    library = Library(str(tmp_path / "library.db"), tmp_path / "library.sqlite3", tiny_bert_gguf)
    assert set(_reader_children()) == others
    assert len(library.add([tmp_path / "docs"]).indexed) == 3
    [child] = set(_reader_children()) - others
    library.close()
    assert not child.is_running()


def test_the_app_process_never_loads_a_document_parser(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    """Indexing PDF, DOCX and EPUB files and attaching them to a question, as the app does: the
    parsers (PDFium, python-docx, the ZIP checks) are loaded in the reader child, never in the app."""
    write_corpus(tmp_path / "docs", {name: TOPICS[name] for name in list(TOPICS)[:6]})
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from desktop.core.attachments import attachment_sources
        from desktop.core.library import Library
        docs = Path({str(tmp_path / "docs")!r})
        with Library({str(tmp_path / "library.db")!r}, Path({str(tmp_path / "cat.sqlite3")!r}),
                     {str(tiny_bert_gguf)!r}) as library:
            report = library.add([docs])
        sources, problems = attachment_sources(sorted(map(str, docs.iterdir())), "defrost",
                                               lambda t: len(t.split()), 10_000)
        print(len(report.indexed), len(report.failed), len(sources), problems)
        print(sorted(m for m in ("pypdfium2", "docx", "lxml") if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    counts, loaded = done.stdout.splitlines()
    assert counts == "6 0 6 []"
    assert loaded == "[]"


def test_the_bundled_app_reads_documents_in_a_child_of_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the frozen bundle `sys.executable` is the app and there is no `python -m`: the reader
    child is the app started through the bundle's own entry point with the hidden argument."""
    entry = Path(__file__).resolve().parents[2] / "installers" / "entry.py"
    app = tmp_path / "gpt-oss-desktop"
    app.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{entry}" "$@"\n')
    app.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    pdf = write_pdf(tmp_path / "manual.pdf", ["Page one: the defrost cycle.", "Page two: the reset button."])
    with DocumentReader() as reader:
        document = reader.read(pdf)
        assert [(s.page, document.segment_text(s)) for s in document.segments] == [
            (1, "Page one: the defrost cycle."), (2, "Page two: the reset button.")]
        child = psutil.Process(reader.pid)
        assert str(entry) in child.cmdline() and ARGUMENT in child.cmdline()
