"""Hostile documents and GGUF files: every one gets a per-file message; none crashes or hangs.

Readers run in child processes (desktop.bench.sandbox, on the app's own capped reader child) with
a memory cap and a per-file time limit, so a crash or a hang is recorded against its file instead
of taking pytest down.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from desktop.bench.sandbox import Outcome, Task, run_isolated
from desktop.core.documents import DocumentError, DocumentReader
from desktop.core.library.scan import scan
from tests.fixtures.chat_models import write_tiny_gpt_oss
from tests.reliability.hostile_corpus import write_hostile_documents
from tests.reliability.hostile_gguf import write_header_mutants, write_hostile_ggufs

# Generous: the slowest file of the corpus takes a few seconds; a hang runs for minutes.
HANG_S = 60
MEMORY_MB = 3072


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, str]:
    return write_hostile_documents(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def document_outcomes(corpus: dict[Path, str]) -> dict[Path, Outcome]:
    tasks = [Task(str(path), "documents", vanish=category == "vanish") for path, category in corpus.items()]
    return {Path(o.path): o for o in run_isolated(tasks, timeout_s=HANG_S, memory_mb=MEMORY_MB)}


def _failures(outcomes) -> list[str]:
    return [f"{o.status} {Path(o.path).name}: {o.message}" for o in outcomes
            if o.status not in ("ok", "error")]


def test_hostile_documents_never_crash_hang_or_leak_exceptions(corpus, document_outcomes) -> None:
    assert len(corpus) >= 200
    assert len(document_outcomes) == len(corpus)
    assert _failures(document_outcomes.values()) == []


def test_every_refusal_is_a_sentence_for_the_user(document_outcomes) -> None:
    refused = [o for o in document_outcomes.values() if o.status == "error"]
    assert len(refused) >= 150
    for outcome in refused:
        assert outcome.message and "Traceback" not in outcome.message, outcome
        assert not outcome.message.startswith(("<", "b'", "Errno")), outcome


@pytest.mark.parametrize("category", ["zip-bomb", "hostile-zip", "special"])
def test_bombs_and_special_files_are_all_refused(corpus, document_outcomes, category: str) -> None:
    outcomes = [document_outcomes[p] for p, c in corpus.items() if c == category]
    assert outcomes and {o.status for o in outcomes} == {"error"}, [
        (Path(o.path).name, o.message) for o in outcomes if o.status != "error"]


def test_bombs_are_refused_before_they_take_memory(corpus, document_outcomes) -> None:
    bombs = [document_outcomes[p] for p, c in corpus.items() if c == "zip-bomb" or "bomb" in p.name]
    assert len(bombs) >= 11
    # Each file's peak RSS includes the interpreter and the parsers (~150-250 MB); a bomb
    # that inflated would add its 200-300 MB on top.
    assert max(o.peak_rss_mb for o in bombs) < 450, [(Path(o.path).name, o.peak_rss_mb) for o in bombs]


def test_the_apps_reader_reads_the_whole_corpus_in_one_child(corpus: dict[Path, str]) -> None:
    """The reader the library and chat attachments use, under the same caps: every hostile file
    is read or refused with a sentence (never a parser bug, never a dead or hung reader), and one
    child reads them all."""
    verdicts: dict[str, str] = {}
    with DocumentReader(memory_mb=MEMORY_MB, time_limit_s=HANG_S) as reader:
        for path in corpus:
            try:
                reader.read(path)
                verdicts[str(path)] = "read"
            except DocumentError as exc:
                verdicts[str(path)] = str(exc)
        assert reader.children_started == 1
    assert len(verdicts) == len(corpus)
    assert [(name, v) for name, v in verdicts.items() if v.startswith("could not be read: the reader")] == []
    assert sum(v != "read" for v in verdicts.values()) >= 150


def test_scan_terminates_on_symlink_loops_and_skips_special_files(corpus: dict[Path, str]) -> None:
    folder = next(iter(corpus)).parent
    found = scan([folder])
    names = {p.name for p in found.files}
    skipped = {p.name: why for p, why in found.skipped}
    assert skipped["pipe.txt"] == "not a regular file"
    assert skipped["zero.txt"] == "not a regular file"  # a link to /dev/zero is never read
    assert "up" not in {p.name for p in found.folders} and not any("dirloop/up" in str(p) for p in found.files)
    assert "truncated-00.pdf" in names
    assert {p.name for p, _ in found.unreadable} >= {"loop-a.txt", "loop-b.txt", "loop-self.md"}


# ── GGUF ──────────────────────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def valid_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_gpt_oss(tmp_path_factory.mktemp("gguf") / "valid.gguf")


def test_every_malformed_gguf_is_refused_with_a_message(valid_gguf: Path, tmp_path: Path) -> None:
    bad = write_hostile_ggufs(tmp_path / "bad", valid_gguf)
    assert len(bad) >= 10
    outcomes = run_isolated([Task(str(p), "gguf") for p in [valid_gguf, *bad]], timeout_s=HANG_S,
                            memory_mb=2048)
    by_name = {Path(o.path).name: o for o in outcomes}
    assert by_name.pop("valid.gguf").status == "ok"
    wrong = {name: (o.status, o.message) for name, o in by_name.items()
             if o.status != "error" or not o.message.startswith(name)}
    assert wrong == {}
    assert Counter(o.status for o in by_name.values()) == {"error": len(bad)}


def test_llama_cpp_survives_every_header_mutant_the_check_lets_through(valid_gguf: Path, tmp_path: Path) -> None:
    """Random bit flips in the header: whatever passes our check, llama.cpp must load or refuse,
    never abort (an abort would kill the app, not show a message)."""
    mutants = write_header_mutants(valid_gguf, tmp_path, count=60, max_flips=4, seed=8)
    checked = run_isolated([Task(str(p), "gguf") for p in mutants], timeout_s=HANG_S, memory_mb=2048)
    assert _failures(checked) == []
    passed = [o.path for o in checked if o.status == "ok"]
    # Flips that land in names or unused values leave a loadable file; some must, or this
    # test would prove nothing about llama.cpp.
    assert passed
    loaded = run_isolated([Task(p, "llama") for p in [str(valid_gguf), *passed]], timeout_s=HANG_S,
                          memory_mb=8192)
    assert _failures(loaded) == []
    assert loaded[0].status == "ok"
