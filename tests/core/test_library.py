"""The library on real Milvus Lite and real llama.cpp embeddings.

Retrieval quality uses all-MiniLM-L6-v2 (converted at test time); plumbing tests (incremental
indexing, bad files, crash and cancel) use the tiny random BERT, which embeds in microseconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from desktop.core.errors import UserError
from desktop.core.jobs import CancelToken
from desktop.core.library import ERROR, INDEXED, SKIPPED, IndexProgress, Library
from tests.fixtures.corpus import PART_NUMBERS, QUESTIONS, TOPICS, write_corpus
from tests.fixtures.documents import permissions_enforced, write_pdf, write_sparse, write_zip
from tests.fixtures.embedding_models import minilm_gguf, tiny_bert_gguf  # noqa: F401  (session fixtures)


def _open(root: Path, model: Path, **options) -> Library:
    return Library(str(root / "library.db"), root / "library.sqlite3", model, **options)


def _statuses(library: Library) -> dict[str, tuple[str, str | None]]:
    return {Path(r.path).name: (r.status, r.error) for r in library.documents()}


# ── retrieval quality (MiniLM) ───────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def corpus_library(tmp_path_factory: pytest.TempPathFactory, minilm_gguf: Path):
    root = tmp_path_factory.mktemp("corpus")
    documents = dict(TOPICS)
    # An identifier inside an unrelated document, next to look-alike part numbers elsewhere.
    documents["sourdough"] += " The flour was delivered under order reference XK-4471-ZB."
    documents.update({k: v for k, v in PART_NUMBERS.items() if not k.endswith("-a")})
    write_corpus(root / "docs", documents)
    library = _open(root, minilm_gguf)
    report = library.add([root / "docs"])
    assert not report.failed and len(report.indexed) == len(documents)
    yield library
    library.close()


def test_questions_find_the_right_document_among_many(corpus_library: Library) -> None:
    misses = {}
    for question, topic in QUESTIONS.items():
        hits = corpus_library.search(question, top_k=3)
        best = Path(hits[0].path).stem
        if best != topic:
            misses[question] = [Path(h.path).stem for h in hits]
    assert not misses


def test_hits_carry_path_page_and_text(corpus_library: Library) -> None:
    # "sourdough" is the third topic, written as a PDF by the corpus helper.
    hit = corpus_library.search("How do I make crusty homemade bread with natural yeast?", top_k=1)[0]
    assert hit.path.endswith("sourdough.pdf")
    assert hit.page == 1
    assert "cast iron pot" in hit.text
    assert hit.score > 0
    markdown_hit = corpus_library.search("Why is there vapour coming out of my outside heating unit "
                                         "in winter?", top_k=1)[0]
    assert markdown_hit.path.endswith("heat-pump.md")
    assert (markdown_hit.page, markdown_hit.heading) == (None, "Heat Pump")
    assert markdown_hit.char_start == 0 and markdown_hit.char_end > 100


def test_bm25_finds_exact_identifiers_that_dense_search_misses(corpus_library: Library) -> None:
    query = "XK-4471-ZB"
    dense = [Path(h.path).stem for h in corpus_library.search(query, top_k=3, mode="dense")]
    keyword = [Path(h.path).stem for h in corpus_library.search(query, top_k=3, mode="bm25")]
    hybrid = [Path(h.path).stem for h in corpus_library.search(query, top_k=3)]
    assert "sourdough" not in dense  # look-alike part numbers win on meaning
    assert keyword[0] == "sourdough"  # the exact identifier wins on keywords
    assert "sourdough" in hybrid  # and fusion keeps it among the sources


def test_search_while_indexing_from_another_thread(corpus_library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "more"
    write_corpus(folder, {f"extra-{i}": TOPICS["chess"] + f" Variation {i}." for i in range(6)})
    results: list = []
    writer = threading.Thread(target=lambda: results.append(corpus_library.add([folder])))
    writer.start()
    hits = corpus_library.search("What causes a volcano to erupt?", top_k=1)
    writer.join()
    assert Path(hits[0].path).stem == "volcano"
    assert len(results[0].indexed) == 6
    corpus_library.remove(folder)


# ── incremental indexing (tiny model) ────────────────────────────────────────────────────

def test_incremental_reindex_embeds_only_what_changed(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nthe cat sat by the river.\n")
    (docs / "b.txt").write_text("the dog ran to the city.\n")
    (docs / "c.txt").write_text("python code for the model index.\n")
    with _open(tmp_path, tiny_bert_gguf) as library:
        first = library.add([docs])
        assert sorted(Path(p).name for p in first.indexed) == ["a.md", "b.txt", "c.txt"]
        embedded = library.texts_embedded
        assert embedded == first.chunks == 3

        again = library.add([docs])
        assert again.indexed == [] and len(again.unchanged) == 3
        assert library.texts_embedded == embedded  # nothing re-embedded

        # Same bytes, new mtime: hashed, not re-embedded.
        os.utime(docs / "b.txt", ns=(1, 1))
        touched = library.add([docs])
        assert touched.indexed == [] and library.texts_embedded == embedded

        # Changed content: only that file is embedded again, and its old chunk is gone.
        (docs / "c.txt").write_text("a train and a plane and a boat.\n")
        changed = library.add([docs])
        assert [Path(p).name for p in changed.indexed] == ["c.txt"]
        assert library.texts_embedded == embedded + 1
        assert library.chunk_count(docs / "c.txt") == 1
        texts = [h.text for h in library.search("train plane boat", top_k=10, mode="bm25")]
        assert "a train and a plane and a boat." in texts
        old_hits = library.search("python code", top_k=10, mode="bm25")
        assert not any("python code" in h.text for h in old_hits)

        # A file removed from disk leaves the library on the next add of its folder.
        (docs / "b.txt").unlink()
        removed = library.add([docs])
        assert [Path(p).name for p in removed.removed] == ["b.txt"]
        assert "b.txt" not in _statuses(library)
        assert library.chunk_count(docs / "b.txt") == 0
        assert library.chunk_count() == 2


def test_remove_file_and_folder(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.txt").write_text("the cat.\n")
    (docs / "sub" / "b.txt").write_text("the dog.\n")
    (docs / "sub" / "c.txt").write_text("the bird.\n")
    with _open(tmp_path, tiny_bert_gguf) as library:
        library.add([docs])
        assert [Path(p).name for p in library.remove(docs / "a.txt")] == ["a.txt"]
        assert library.chunk_count(docs / "a.txt") == 0
        assert sorted(Path(p).name for p in library.remove(docs / "sub")) == ["b.txt", "c.txt"]
        assert library.documents() == []
        assert library.chunk_count() == 0
        assert library.remove(docs / "never-added.txt") == []


def test_library_survives_reopening(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("heat pump manual for the house.\n")
    with _open(tmp_path, tiny_bert_gguf) as library:
        library.add([docs])
    with _open(tmp_path, tiny_bert_gguf) as reopened:
        reopened.load()
        assert _statuses(reopened) == {"a.txt": (INDEXED, None)}
        assert reopened.search("heat pump", top_k=1, mode="bm25")[0].path == str(docs / "a.txt")
        assert reopened.add([docs]).unchanged == [str(docs / "a.txt")]
        assert reopened.texts_embedded == 0


def test_watched_folders_pick_up_new_and_removed_files(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    watched = tmp_path / "inbox"
    watched.mkdir()
    (watched / "first.txt").write_text("the first note.\n")
    (watched / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    with _open(tmp_path, tiny_bert_gguf) as library:
        library.add([watched], watch=True)
        assert library.watched_folders() == [str(watched)]
        judged = {r.path: r for r in library.documents()}[str(watched / "broken.pdf")]
        (watched / "second.md").write_text("# Second\n\nthe second note.\n")
        (watched / "first.txt").unlink()
        report = library.rescan_watched()
        assert [Path(p).name for p in report.indexed] == ["second.md"]
        assert [Path(p).name for p in report.removed] == ["first.txt"]
        # The unchanged broken file keeps its verdict without being parsed again...
        assert [(Path(p).name, r) for p, r in report.failed] == [("broken.pdf", judged.error)]
        assert {r.path: r for r in library.documents()}[str(watched / "broken.pdf")] == judged
        # ...while adding it by hand tries again.
        assert [Path(p).name for p, _ in library.add([watched / "broken.pdf"]).failed] == ["broken.pdf"]
        assert {r.path: r for r in library.documents()}[str(watched / "broken.pdf")].updated_at > judged.updated_at
        library.set_watched(watched, False)
        assert library.rescan_watched().indexed == []


def test_switching_embedding_model_needs_a_reindex(tmp_path: Path, tiny_bert_gguf: Path,
                                                   minilm_gguf: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The heat pump defrosts the outdoor coil.\n")
    with _open(tmp_path, tiny_bert_gguf) as library:
        library.add([docs])
    with _open(tmp_path, minilm_gguf) as library:
        assert _statuses(library)["a.txt"][0] == ERROR
        assert "another embedding model" in _statuses(library)["a.txt"][1]
        assert library.search("heat pump", top_k=3) == []  # old vectors are never mixed in
        assert [Path(p).name for p in library.add([docs]).indexed] == ["a.txt"]
        assert library.search("heat pump", top_k=1)[0].path == str(docs / "a.txt")


def test_no_embedding_model_is_a_clear_error(tmp_path: Path) -> None:
    library = Library(str(tmp_path / "library.db"), tmp_path / "library.sqlite3", None)
    try:
        with pytest.raises(UserError, match="No embedding model is set"):
            library.add([tmp_path])
        with pytest.raises(UserError, match="No embedding model is set"):
            library.search("anything")
        assert library.documents() == []
    finally:
        library.close()


# ── bad input never stops the batch ──────────────────────────────────────────────────────

def test_every_bad_input_is_a_per_file_error_and_the_rest_is_indexed(tmp_path: Path,
                                                                     tiny_bert_gguf: Path) -> None:
    docs = tmp_path / "docs"
    (docs / ".git").mkdir(parents=True)
    (docs / ".git" / "config").write_text("[core]\n")
    (docs / "good.md").write_text("# Good\n\nthe cat sat by the river.\n")
    write_pdf(docs / "good.pdf", ["the dog ran.", "the bird sang."])
    write_pdf(docs / "locked.pdf", ["secret"], user_password="secret")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    (docs / "empty.txt").touch()
    write_sparse(docs / "huge.log", 1024 ** 3)
    write_zip(docs / "photos.docx", {"a.jpg": b"\xff\xd8" + bytes(64)})
    (docs / "private.txt").write_text("the private note.\n")
    (docs / "private.txt").chmod(0)
    (docs / "song.mp3").write_bytes(b"ID3" + bytes(32))
    (docs / ".hidden.md").write_text("hidden\n")
    os.mkfifo(docs / "pipe.txt")
    vanished = docs / "vanished.md"
    try:
        with _open(tmp_path, tiny_bert_gguf) as library, permissions_enforced():
            report = library.add([docs, vanished])
            statuses = _statuses(library)
    finally:
        (docs / "private.txt").chmod(0o644)

    assert sorted(Path(p).name for p in report.indexed) == ["good.md", "good.pdf"]
    failed = {Path(p).name: reason for p, reason in report.failed}
    assert "encrypted" in failed["locked.pdf"]
    assert "damaged or not a PDF" in failed["broken.pdf"]
    assert "empty file" in failed["empty.txt"]
    assert "too large: 1.0 GB" in failed["huge.log"]
    assert "not a Word document" in failed["photos.docx"]
    assert "permission denied" in failed["private.txt"]
    assert "not found" in failed["vanished.md"]
    skipped = {Path(p).name: reason for p, reason in report.skipped}
    assert skipped == {".git": "hidden folder", ".hidden.md": "hidden file",
                       "song.mp3": "unsupported type (.mp3)", "pipe.txt": "not a regular file"}
    # The same states are what the pane and `library list` show.
    assert statuses["good.pdf"] == (INDEXED, None)
    assert statuses["locked.pdf"][0] == ERROR and statuses["song.mp3"][0] == SKIPPED
    assert statuses["vanished.md"] == (ERROR, "not found (moved or deleted?)")


def test_a_file_that_vanishes_during_the_run(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (docs / name).write_text(f"the note {name}.\n")

    def delete_b(progress: IndexProgress) -> None:
        if progress.current and progress.current.endswith("a.txt"):
            (docs / "b.txt").unlink(missing_ok=True)

    with _open(tmp_path, tiny_bert_gguf) as library:
        report = library.add([docs], progress=delete_b)
    assert sorted(Path(p).name for p in report.indexed) == ["a.txt", "c.txt"]
    assert [(Path(p).name, r) for p, r in report.failed] == [("b.txt", "not found (moved or deleted?)")]


# ── cancel and crash: never a half-indexed document shown as indexed ─────────────────────

def _long_text(paragraphs: int = 60) -> str:
    return "\n\n".join(f"the cat and the dog and the bird number {i} by the river." for i in range(paragraphs))


def test_cancel_between_batches_leaves_no_partial_document(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-small.txt").write_text("the small note.\n")
    (docs / "b-long.txt").write_text(_long_text())
    (docs / "c-later.txt").write_text("the later note.\n")
    token = CancelToken()
    seen: list[IndexProgress] = []

    def cancel_mid_long_file(progress: IndexProgress) -> None:
        seen.append(progress)
        if progress.current and progress.current.endswith("b-long.txt") and progress.current_fraction > 0:
            token.cancel()

    with _open(tmp_path, tiny_bert_gguf, chunk_tokens=64, chunk_overlap=0) as library:
        report = library.add([docs], token, cancel_mid_long_file)
        assert report.cancelled
        assert [Path(p).name for p in report.indexed] == ["a-small.txt"]
        statuses = _statuses(library)
        assert statuses["a-small.txt"] == (INDEXED, None)
        assert statuses["b-long.txt"] == (ERROR, "indexing was cancelled; add the file again")
        assert "c-later.txt" not in statuses
        assert library.chunk_count(docs / "b-long.txt") == 0
        # Progress told files, chunks and a fraction of the long file along the way.
        assert any(p.files_total == 3 and p.chunks_done > 0 and 0 < p.current_fraction < 1 for p in seen)
        finished = library.add([docs])
        assert sorted(Path(p).name for p in finished.indexed) == ["b-long.txt", "c-later.txt"]


_CRASHING_INDEXER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from desktop.core.library import Library

    root, model, target = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    library = Library(str(root / "library.db"), root / "library.sqlite3", model,
                      chunk_tokens=64, chunk_overlap=0)

    def crash_after_first_batch(progress):
        if progress.current and progress.chunks_done > 0:
            os._exit(3)  # like a power cut: no cleanup, no atexit

    library.add([target], progress=crash_after_first_batch)
""")


def test_crash_mid_document_is_never_shown_as_indexed(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    doc = tmp_path / "long.txt"
    doc.write_text(_long_text())
    crashed = subprocess.run([sys.executable, "-c", _CRASHING_INDEXER, str(tmp_path), str(tiny_bert_gguf), str(doc)],
                             cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=300)
    assert crashed.returncode == 3, crashed.stderr

    with _open(tmp_path, tiny_bert_gguf, chunk_tokens=64, chunk_overlap=0) as library:
        assert _statuses(library) == {"long.txt": (ERROR, "indexing did not finish; add the file again")}
        assert library.chunk_count(doc) > 0  # the first batch did reach the store...
        assert library.search("cat dog bird river", top_k=5, mode="bm25") == []  # ...but is never cited
        report = library.add([tmp_path / "long.txt"])
        assert [Path(p).name for p in report.indexed] == ["long.txt"]
        record = library.documents()[0]
        assert record.status == INDEXED
        assert library.chunk_count(doc) == record.chunks == report.chunks  # stale chunks cleaned up


# ── lifecycle: close and re-open while a question is being searched ─────────────────────────

def _indexed(tmp_path: Path, model: Path) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    write_corpus(docs, {name: TOPICS[name] for name in ("heat-pump", "router", "sourdough")})
    with _open(tmp_path, model) as library:
        assert len(library.add([docs]).indexed) == 3
    return tmp_path, docs


def test_close_waits_for_the_search_in_flight_then_refuses_clearly(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    root, docs = _indexed(tmp_path, tiny_bert_gguf)
    library = _open(root, tiny_bert_gguf)  # fresh: its first search starts the store and the model
    outcome: list = []

    def ask() -> None:
        try:
            outcome.append(library.search("heat pump defrost", top_k=3))
        except Exception as exc:  # noqa: BLE001 - the test reports what the thread saw
            outcome.append(exc)

    searcher = threading.Thread(target=ask)
    searcher.start()
    while library.calls_in_flight == 0 and not outcome:
        time.sleep(0.001)  # until the search is inside the library (starting its store takes seconds)
    library.close()  # what the library thread does when the window closes or re-opens
    searcher.join()
    assert isinstance(outcome[0], list) and len(outcome[0]) == 3, outcome  # it completed, with hits
    with pytest.raises(UserError, match="The library was closed"):
        library.search("heat pump", top_k=3)
    with pytest.raises(UserError, match="The library was closed"):
        library.documents()
    library.close()  # twice is harmless
    with _open(root, tiny_bert_gguf) as again:  # the store was released: the folder opens at once
        assert len(again.search("router", top_k=3)) == 3


def test_reopen_on_another_model_while_searches_run_never_crashes(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    from tests.fixtures.embedding_models import write_tiny_bert

    root, docs = _indexed(tmp_path, tiny_bert_gguf)
    other = write_tiny_bert(tmp_path / "other-bert.gguf", hidden=48, seed=3)  # another vector space
    library = _open(root, tiny_bert_gguf)
    first: list = []
    searcher = threading.Thread(target=lambda: first.append(library.search("router reset", top_k=3)))
    searcher.start()
    while library.calls_in_flight == 0 and not first:
        time.sleep(0.001)  # the first search is starting the store (seconds)
    library.reopen(other)  # what a new embedding model in Settings does
    searcher.join()
    assert len(first) == 1 and len(first[0]) == 3  # answered on the model it started with
    assert library.search("router reset", top_k=3) == []  # the other model has indexed nothing

    stop = threading.Event()
    seen: list = []

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                seen.append(len(library.search("sourdough starter", top_k=3)))
            except Exception as exc:  # noqa: BLE001 - any failure is reported below
                seen.append(exc)

    searcher = threading.Thread(target=keep_asking)
    searcher.start()
    try:
        for model in (other, tiny_bert_gguf) * 3:
            while library.calls_in_flight == 0:
                time.sleep(0.0005)  # re-open while a search is inside the embedder or the store
            library.reopen(model)
    finally:
        stop.set()
        searcher.join()
    errors = [item for item in seen if isinstance(item, Exception)]
    assert not errors, errors[:3]
    # Back on the first model: its documents are found; on the other one nothing was indexed.
    assert seen and set(seen) <= {0, 3}
    assert len(library.search("router", top_k=3)) == 3
    assert [r.status for r in library.documents()] == [INDEXED] * 3
    library.close()
