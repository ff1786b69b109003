"""Retrieval quality, measured: does the library find the passage that answers a question?

The corpus (`retrieval_corpus/`) mixes Markdown, text and HTML files with a Word document and a
PDF written at run time, near-duplicate distractors (two heat pump manuals that differ in their
numbers, two sets of minutes, a router manual and its release notes) and answers inside tables
and code blocks. Each question names its document and a phrase that the text shown for it must
contain. A hit counts at rank r when its document is the right one and the text the model would
be given for it (`Hit.excerpt`: the best chunk, its other matching chunks, its neighbours) holds
the phrase.

Compared side by side on the same files and the same embedding model: the library's search modes
(dense, BM25, hybrid, hybrid with one neighbouring chunk on each side), one source per document,
and a naive baseline: the parsed text cut into fixed 500-character chunks, top-k by cosine alone.
Questions are split into a tuning set and a held-out set by a hash of their text; thresholds and
fusion were chosen on the tuning set only.

The unanswerable questions measure the relevance verdict (`ranking.is_relevant`): how often a
question whose answer is in the corpus is judged covered, and one whose answer is not, not.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop.bench.documents import write_docx, write_pdf
from desktop.bench.progress import BenchProgress
from desktop.context import AppContext
from desktop.core.errors import UserError
from desktop.paths import AppPaths

CORPUS = Path(__file__).with_name("retrieval_corpus")
KS = (1, 3, 5)
BASELINE_CHARS = 500
MODES = {"dense": ("dense", 0), "bm25": ("bm25", 0), "hybrid": ("hybrid", 0), "hybrid+neighbours": ("hybrid", 1)}
SPLITS = ("tune", "held")


@dataclass(frozen=True)
class Question:
    text: str
    doc: str  # file name in the corpus
    phrase: str

    @property
    def split(self) -> str:
        return split_of(self.text)


def split_of(question: str) -> str:
    """"tune" or "held", fixed by the question's text (stable as the list grows)."""
    return "tune" if hashlib.sha256(question.encode("utf-8")).digest()[0] % 2 == 0 else "held"


def load_questions(corpus: Path = CORPUS) -> tuple[list[Question], list[str]]:
    data = json.loads((corpus / "questions.json").read_text(encoding="utf-8"))
    questions = [Question(q["q"], q["doc"], q["phrase"]) for q in data["questions"]]
    return questions, list(data.get("unanswerable", []))


def build_corpus(source: Path, target: Path) -> list[Path]:
    """Copy the text files; write the Word and PDF documents from their JSON descriptions."""
    target.mkdir(parents=True, exist_ok=True)
    files = []
    for path in sorted(source.iterdir()):
        if path.name == "questions.json":
            continue
        if path.name.endswith(".docx.json"):
            files.append(write_docx(target / path.name.removesuffix(".json"), json.loads(path.read_text("utf-8"))))
        elif path.name.endswith(".pdf.json"):
            files.append(write_pdf(target / path.name.removesuffix(".json"), json.loads(path.read_text("utf-8"))))
        elif path.suffix in (".md", ".txt", ".html"):
            files.append(Path(shutil.copy(path, target / path.name)))
    return files


def first_match(found: Sequence[tuple[str, str]], question: Question) -> int | None:
    """The rank (from 1) of the first (path, text) that is the answer's document and holds its phrase."""
    phrase = _normal(question.phrase)
    for rank, (path, text) in enumerate(found, 1):
        if Path(path).name == question.doc and phrase in _normal(text):
            return rank
    return None


def metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """recall@k (share of questions answered within the first k) and MRR (over the first 5)."""
    count = max(len(ranks), 1)
    figures = {f"recall@{k}": round(sum(1 for r in ranks if r is not None and r <= k) / count, 3) for k in KS}
    figures["mrr"] = round(sum(1.0 / r for r in ranks if r is not None and r <= max(KS)) / count, 3)
    return figures


def bench_retrieval(embedding_model: str, questions: Sequence[Question] | None = None,
                    unanswerable: Sequence[str] | None = None,
                    progress: BenchProgress | None = None) -> dict:
    from desktop.core.library import Library

    if not Path(embedding_model).expanduser().is_file():
        raise UserError(f"Embedding model not found: {embedding_model}")
    progress = progress or BenchProgress("retrieval")
    if questions is None:
        questions, default_unanswerable = load_questions()
        unanswerable = default_unanswerable if unanswerable is None else unanswerable
    unanswerable = list(unanswerable or [])
    with tempfile.TemporaryDirectory() as home:
        files = build_corpus(CORPUS, Path(home) / "corpus")
        ctx = AppContext.load(AppPaths.under(Path(home) / "app"))
        progress.note(f"indexing {len(files)} documents")
        started = time.monotonic()
        with Library.open(ctx, embedding_model=embedding_model) as library:
            report = library.add([Path(home) / "corpus"])
            if report.failed:
                raise UserError(f"the corpus did not index: {report.failed[0][0]}: {report.failed[0][1]}")
            index_s = time.monotonic() - started
            ranks: dict[str, list[int | None]] = {}
            for label, (mode, neighbours) in MODES.items():
                progress.note(f"searching: {label}")
                ranks[label] = [first_match([(h.path, h.excerpt) for h in library.search(
                    q.text, top_k=max(KS), mode=mode, neighbours=neighbours)], q) for q in questions]
            progress.note("relevance verdicts")
            relevance = {split: _relevance(lambda text: library.search(text, top_k=max(KS)),
                                           [q for q in questions if q.split == split],
                                           [u for u in unanswerable if split_of(u) == split])
                         for split in SPLITS}
        progress.note("baseline: 500-character chunks, cosine only")
        ranks["baseline"], baseline_chunks = _baseline(embedding_model, files, questions)
    results = {split: {label: metrics([r for r, q in zip(found, questions, strict=True) if q.split == split])
                       for label, found in ranks.items()} for split in SPLITS}
    return {
        "embedding_model": Path(embedding_model).name,
        "documents": len(files),
        "questions": {split: sum(1 for q in questions if q.split == split) for split in SPLITS},
        "chunks": {"library": report.chunks, "baseline": baseline_chunks},
        "index_s": round(index_s, 2),
        "results": results,
        "relevance": relevance,
        "per_question": [{"question": q.text, "split": q.split, "ranks": {label: found[i] for label, found in ranks.items()}}
                         for i, q in enumerate(questions)],
    }


def _relevance(search: Callable[[str], list], questions: Sequence[Question], unanswerable: Sequence[str]) -> dict:
    """How the relevance verdict splits answerable from unanswerable questions, and the best
    cosine of each kind (what the thresholds in `ranking` were chosen from)."""
    def verdicts(texts: Sequence[str]) -> tuple[list[bool], list[float]]:
        judged, cosines = [], []
        for text in texts:
            hits = search(text)
            judged.append(any(h.relevant for h in hits))
            known = [h.cosine for h in hits if h.cosine is not None]
            if known:
                cosines.append(max(known))
        return judged, cosines

    covered, answer_cosines = verdicts([q.text for q in questions])
    flagged, stray_cosines = verdicts(unanswerable)
    return {
        "answerable_judged_relevant": round(sum(covered) / max(len(covered), 1), 3),
        "unanswerable_judged_not_covered": round(sum(not f for f in flagged) / max(len(flagged), 1), 3)
        if flagged else None,
        "best_cosine_answerable": _spread(answer_cosines),
        "best_cosine_unanswerable": _spread(stray_cosines),
    }


def _baseline(embedding_model: str, files: Sequence[Path], questions: Sequence[Question]) -> tuple[list, int]:
    """Fixed 500-character chunks of the parsed text, ranked by cosine alone (duplicates allowed)."""
    import numpy as np

    from desktop.core.documents import load_document
    from desktop.core.embeddings import Embedder

    chunks: list[tuple[str, str]] = []
    for path in files:
        text = load_document(path).text
        chunks += [(str(path), text[i:i + BASELINE_CHARS]) for i in range(0, len(text), BASELINE_CHARS)]
    embedder = Embedder(embedding_model)
    try:
        matrix = embedder.embed_documents([text for _, text in chunks])
        ranks = []
        for question in questions:
            scores = matrix @ embedder.embed_query(question.text)
            top = np.argsort(-scores)[:max(KS)]
            ranks.append(first_match([chunks[i] for i in top], question))
    finally:
        embedder.close()
    return ranks, len(chunks)


def format_table(result: dict) -> str:
    lines = [f"embedding model {result['embedding_model']}, {result['documents']} documents, "
             f"{result['chunks']['library']} library chunks, {result['chunks']['baseline']} baseline chunks"]
    for split in SPLITS:
        lines.append("")
        lines.append(f"{'tuning' if split == 'tune' else 'held-out'} set ({result['questions'][split]} questions)")
        lines.append(f"  {'':<18}{'R@1':>7}{'R@3':>7}{'R@5':>7}{'MRR':>7}")
        for label, row in result["results"][split].items():
            lines.append(f"  {label:<18}" + "".join(f"{row[key]:>7.3f}" for key in
                                                     ("recall@1", "recall@3", "recall@5", "mrr")))
    for split in SPLITS:
        relevance = result["relevance"][split]
        lines.append("")
        lines.append(f"relevance ({'tuning' if split == 'tune' else 'held-out'}): answerable judged relevant "
                     f"{relevance['answerable_judged_relevant']}, unanswerable judged not covered "
                     f"{relevance['unanswerable_judged_not_covered']}")
        lines.append(f"  best cosine, answerable {relevance['best_cosine_answerable']}, "
                     f"unanswerable {relevance['best_cosine_unanswerable']}")
    return "\n".join(lines)


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _spread(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {"min": round(ordered[0], 3), "median": round(statistics.median(ordered), 3),
            "max": round(ordered[-1], 3)}
