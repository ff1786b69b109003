from __future__ import annotations

import os
from pathlib import Path

import psutil

from desktop.core.attachments import attachment_sources
from desktop.core.documents import DocumentReader, shared_reader
from desktop.core.isolation import ARGUMENT
from tests.fixtures.documents import write_pdf


def _count(text: str) -> int:
    return len(text.split())


def test_small_files_go_in_whole(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nThe spare key is under the blue pot.\n")
    sources, problems = attachment_sources([str(note)], "where is the key?", _count, budget_tokens=500)
    assert problems == []
    assert [s.n for s in sources] == [1] and "spare key is under the blue pot" in sources[0].excerpt


def test_large_files_send_their_best_matching_parts(tmp_path: Path) -> None:
    big = tmp_path / "manual.md"
    filler = "\n\n".join(f"## Section {i}\n\n" + "general maintenance advice about the boiler " * 40
                         for i in range(30))
    big.write_text(filler + "\n\n## Errors\n\nError E-77 means the pressure sensor failed.\n")
    sources, _ = attachment_sources([str(big)], "What does error E-77 mean?", _count, budget_tokens=600,
                                    top_k=2, first_number=4)
    assert sources and sources[0].n == 4
    assert "E-77 means the pressure sensor failed" in sources[0].excerpt
    assert sum(_count(s.excerpt) for s in sources) <= 600


def test_unreadable_attachments_are_reported_not_fatal(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("fine text")
    sources, problems = attachment_sources([str(tmp_path / "gone.txt"), str(good)], "q", _count, 100)
    assert [Path(s.path).name for s in sources] == ["good.txt"]
    assert len(problems) == 1 and problems[0].startswith("gone.txt")


def test_an_attachment_over_the_reader_time_limit_is_one_problem_and_the_rest_is_sent(tmp_path: Path) -> None:
    # 6000 pages: PDFium takes seconds (14 s here), well over the 1 s limit on a fast machine too.
    long_pdf = write_pdf(tmp_path / "long.pdf", ["The defrost cycle runs every ninety minutes. " * 60] * 6000)
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nThe spare key is under the blue pot.\n")
    with DocumentReader(time_limit_s=1) as reader:
        sources, problems = attachment_sources([str(long_pdf), str(note)], "where is the key?", _count,
                                               budget_tokens=500, reader=reader)
        assert problems == ["long.pdf: could not be read: the reader took longer than 1 s"]
        assert [Path(s.path).name for s in sources] == ["note.md"]
        assert reader.children_started == 2  # the one that ran out of time, and its successor


def test_attachments_are_read_in_the_apps_reader_child(tmp_path: Path) -> None:
    # What the chat does: no reader passed, so the app's attachment reader reads the files.
    note = write_pdf(tmp_path / "manual.pdf", ["Error E-77 means the pressure sensor failed."])
    sources, problems = attachment_sources([str(note)], "E-77?", _count, budget_tokens=500)
    assert problems == [] and "E-77 means the pressure sensor failed" in sources[0].excerpt
    reader = shared_reader()
    assert reader.children_started >= 1
    child = psutil.Process(reader.pid)
    assert child.ppid() == os.getpid() and ARGUMENT in child.cmdline()
