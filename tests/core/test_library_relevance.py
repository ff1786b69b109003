"""Ranking pieces of the library: RRF fusion keeps each search's own score, one group per
document, the relevance verdict, plain-text snippets, and the remembered embedding model."""

from __future__ import annotations

from pathlib import Path

from desktop.core import rag
from desktop.core.library.catalog import Catalog, RememberedModel, identify, remembered_model
from desktop.core.library.ranking import by_document, fuse, is_relevant, single, word_overlap
from desktop.core.library.store import StoredHit
from desktop.core.snippets import plain_text, snippet


def _hit(id: str, doc: int, score: float, text: str = "text", index: int = 0) -> StoredHit:
    return StoredHit(id=id, score=score, doc_id=doc, path=f"/d/{doc}.md", page=None, heading=None,
                     chunk_index=index, char_start=0, char_end=len(text), text=text)


def test_fusion_keeps_both_scores_and_groups_one_document_per_slot() -> None:
    dense = [_hit("a1", 1, 0.8, index=1), _hit("a2", 1, 0.7, index=2), _hit("b1", 2, 0.6)]
    keyword = [_hit("c1", 3, 9.0), _hit("a2", 1, 7.0, index=2)]
    fused = fuse(dense, keyword)
    assert fused[0].hit.id == "a2" and fused[0].cosine == 0.7 and fused[0].keyword == 7.0
    only_keyword = next(c for c in fused if c.hit.id == "c1")
    assert only_keyword.cosine is None and only_keyword.keyword == 9.0
    groups = by_document(fused, top_k=2)
    assert [[c.hit.id for c in group] for group in groups] == [["a2", "a1"], ["c1"]]
    assert [c.cosine for c in single(dense, dense=True)] == [0.8, 0.7, 0.6]


def test_relevance_needs_meaning_or_the_question_s_own_words() -> None:
    question = "What is the sash height of the fume hood?"
    assert word_overlap(question, "Keep the sash at 40 cm in the fume hood") == 0.75  # no "height"
    assert word_overlap("What is it?", "anything") == 0.0  # only stop words: nothing to share
    close = fuse([_hit("x", 1, 0.55, "Unrelated words")], [])
    assert is_relevant(question, close)
    middling_with_words = fuse([_hit("x", 1, 0.26, "sash height of the fume hood: 40 cm")], [])
    middling_without = fuse([_hit("x", 1, 0.26, "Bins go out on Monday")], [])
    assert is_relevant(question, middling_with_words) and not is_relevant(question, middling_without)
    far_with_words = fuse([_hit("x", 1, 0.10, "sash height fume hood")], [])
    assert not is_relevant(question, far_with_words)
    keyword_only = single([_hit("k", 1, 4.2, "fume hood sash height")], dense=False)
    assert is_relevant(question, keyword_only)
    assert not is_relevant(question, keyword_only, cosine_bound=0.1)  # dense saw better chunks, all far


def test_snippets_are_plain_text() -> None:
    markdown = ("## Specs\n\n| Item | Value |\n|---|---:|\n| **Max power** | 4.2 kW |\n\n"
                "Read [the manual](http://example.invalid) and run `pump --reset`:\n\n"
                "```sh\npump --reset\n```\n> *Note*: __twice__ a year.\n- first\n")
    text = plain_text(markdown)
    for syntax in ("|", "**", "__", "`", "](", "##", "> ", "- first", "---"):
        assert syntax not in text, (syntax, text)
    assert "Max power · 4.2 kW" in text and "Read the manual and run pump --reset:" in text
    assert "pump --reset\n" in text and "Note: twice a year." in text
    assert plain_text("snake_case_name and 2*3*4") == "snake_case_name and 2*3*4"
    short = snippet("word " * 100, max_chars=40)
    assert len(short) <= 40 and short.endswith("\u2026") and "  " not in short


def test_the_prompt_says_when_nothing_was_found() -> None:
    assert rag.grounded_question("Q?", []) == "Q?"
    told = rag.grounded_question("Q?", [], nothing_found=True)
    assert "nothing relevant was found" in told and told.endswith("Question: Q?")
    kept = rag.sources_from_hits([type("H", (), {"path": "/a.md", "page": None, "text": "t", "heading": None,
                                                 "relevant": False})()])
    assert kept == []


def test_catalog_remembers_the_model_and_survives_a_damaged_entry(tmp_path: Path) -> None:
    model = tmp_path / "embed.gguf"
    model.write_bytes(b"GGUF" + bytes(range(256)) * 10)
    identity = identify(model)
    assert identity.size == model.stat().st_size and len(identity.header_sha256) == 64
    copy = tmp_path / "copy.gguf"
    copy.write_bytes(model.read_bytes())
    assert identify(copy).same_model(identity) and identify(copy).path != identity.path
    catalog_file = tmp_path / "library.sqlite3"
    assert remembered_model(catalog_file) is None and not catalog_file.exists()  # nothing created
    catalog = Catalog(catalog_file)
    remembered = RememberedModel(identity.path, identity.size, identity.header_sha256, "embed.gguf:2564")
    catalog.remember_embedding_model(remembered)
    catalog.close()
    assert remembered_model(catalog_file) == remembered
    catalog = Catalog(catalog_file)
    with catalog._lock:
        catalog._db.execute("UPDATE meta SET value = '{not json'")
    assert catalog.embedding_model() is None
    catalog.close()


def test_a_document_s_best_passage_by_meaning_follows_its_best_fused_one() -> None:
    # "maximum line length": the title shares keywords, the answer only meaning.
    title, paths, layout = (_hit("t", 1, 0.32, "# Python style", 0), _hit("p", 1, 0.28, "Paths", 2),
                            _hit("l", 1, 0.35, "Lines are at most 110 characters", 1))
    dense = [layout, title, paths]
    keyword = [_hit("t", 1, 4.9, "# Python style", 0), _hit("p", 1, 3.3, "Paths", 2)]
    (group,) = by_document(fuse(dense, keyword), top_k=1)
    assert [c.hit.id for c in group] == ["t", "l", "p"]


def test_an_excerpt_joins_a_document_s_passages_in_reading_order() -> None:
    from desktop.core.library import Hit, Location

    text = "Alpha one two.\n\nBeta three four. Gamma five.\n\nDelta six." + " pad" * 20 + "\n\nOmega end."
    def place(start: int, end: int, index: int) -> Location:
        return Location(page=None, heading=None, score=0.0, text=text[start:end], char_start=start,
                        char_end=end, chunk_index=index)
    beta = text.index("Beta")
    gamma = text.index("Gamma")
    delta = text.index("Delta")
    omega = text.index("Omega")
    best = Hit(path="/d.md", page=None, heading=None, score=1.0, text=text[gamma:delta - 2], char_start=gamma,
               char_end=delta - 2, chunk_index=2,
               also=(place(omega, len(text), 4), place(0, 14, 0), place(delta, delta + 9, 3)),
               context=(place(beta, gamma + 6, 1),))  # overlaps the best chunk by "Gamma "
    # Reading order; the overlap written once; a blank line between sections kept as one; a gap
    # marked; only the two best other matches (not "Delta") join the best chunk and its neighbour.
    assert best.excerpt == ("Alpha one two.\n\nBeta three four. Gamma five.\n[...]\nOmega end.")
