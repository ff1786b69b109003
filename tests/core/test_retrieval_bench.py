"""`bench retrieval` end to end on the tiny embedding model: the corpus is built in every format,
indexed, searched in each mode and against the baseline, and the figures are computed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.bench.retrieval import CORPUS, Question, build_corpus, first_match, load_questions, metrics
from desktop.cli import run_cli
from desktop.core.documents import load_document
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)

LABELS = {"dense", "bm25", "hybrid", "hybrid+neighbours", "baseline"}


def test_every_question_names_a_phrase_that_its_document_holds(tmp_path: Path) -> None:
    files = {path.name: path for path in build_corpus(CORPUS, tmp_path)}
    assert {path.suffix for path in files.values()} == {".md", ".txt", ".html", ".docx", ".pdf"}
    texts = {name: " ".join(load_document(path).text.lower().split()) for name, path in files.items()}
    questions, unanswerable = load_questions()
    assert len(questions) >= 60 and len(unanswerable) >= 10
    assert {q.split for q in questions} == {"tune", "held"}
    for question in questions:
        assert " ".join(question.phrase.lower().split()) in texts[question.doc], question


def test_bench_runs_end_to_end_and_computes_its_figures(tiny_bert_gguf: Path, app_home: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run_cli(["bench", "retrieval", "--embedding-model", str(tiny_bert_gguf), "--questions", "4",
                    "--json", "--time-limit", "600"]) == 0
    result = json.loads(capsys.readouterr().out)["retrieval"]
    assert result["documents"] == 15 and result["chunks"]["library"] > 0 and result["chunks"]["baseline"] > 0
    assert sum(result["questions"].values()) == 4
    for split in ("tune", "held"):
        assert set(result["results"][split]) == LABELS
        for row in result["results"][split].values():
            assert set(row) == {"recall@1", "recall@3", "recall@5", "mrr"}
            assert all(0.0 <= value <= 1.0 for value in row.values())
            assert row["recall@1"] <= row["recall@3"] <= row["recall@5"]
        assert set(result["relevance"][split]) >= {"answerable_judged_relevant", "unanswerable_judged_not_covered"}
    assert len(result["per_question"]) == 4

    # Keyword search finds an error code asked about by name at rank 1 (BM25 does not depend on
    # what the tiny model's vectors mean).
    ranks = {row["question"]: row["ranks"] for row in result["per_question"]}
    assert ranks["My AH-200 shows E4, what should I check?"]["bm25"] == 1
    assert set(ranks["My AH-200 shows E4, what should I check?"]) == LABELS


def test_a_hit_counts_only_in_the_named_document_with_the_phrase() -> None:
    question = Question("Which variable holds the token?", "orbit-sync-guide.md", "ORBIT_TOKEN")
    assert first_match([("/x/orbit-faq.html", "ORBIT_TOKEN"), ("/x/orbit-sync-guide.md", "set  orbit_token")],
                       question) == 2
    assert first_match([("/x/orbit-sync-guide.md", "no such word")], question) is None
    figures = metrics([1, 2, None, 4])
    assert figures == pytest.approx({"recall@1": 0.25, "recall@3": 0.5, "recall@5": 0.75,
                                     "mrr": (1 + 1 / 2 + 1 / 4) / 4}, abs=1e-3)
