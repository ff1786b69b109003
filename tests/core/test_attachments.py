from __future__ import annotations

from pathlib import Path

from desktop.core.attachments import attachment_sources


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
