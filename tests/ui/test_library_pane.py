"""The Library pane, offscreen: real drag and drop of a folder, indexing on the library thread."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop.context import AppContext
from desktop.core.library import DocumentRecord
from desktop.ui.library_pane import DocumentTable, LibraryPane
from tests.fixtures.documents import write_pdf
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)


@pytest.fixture
def pane(qtbot, tiny_bert_gguf: Path):
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("library", embedding_model_path=str(tiny_bert_gguf),
                                                  chunk_tokens=64, chunk_overlap=0))
    widget = LibraryPane(ctx)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.status.text() == "Ready.", timeout=30_000)
    yield widget
    widget.shutdown()


def _mime(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


def _drop(target, mime: QMimeData) -> tuple[bool, bool]:
    """Send a real drag-enter then drop; returns whether each was accepted."""
    centre = target.rect().center()
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(QPointF(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    return enter.isAccepted(), drop.isAccepted()


def _rows(pane: LibraryPane) -> dict[str, list[str]]:
    model = pane.model
    return {model.data(model.index(r, 0)): [model.data(model.index(r, c)) for c in range(1, 6)]
            for r in range(model.rowCount())}


def test_dropping_a_folder_indexes_it(qtbot, pane: LibraryPane, tmp_path: Path) -> None:
    folder = tmp_path / "manuals"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.md").write_text("# Notes\n\nthe cat sat by the river.\n")
    write_pdf(folder / "sub" / "manual.pdf", ["the heat pump manual.", "the router setup."])
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    (folder / "song.mp3").write_bytes(b"ID3")

    accepted = _drop(pane.drop_zone, _mime(QUrl.fromLocalFile(str(folder))))
    assert accepted == (True, True)
    assert pane.cancel_button.isEnabled()  # running
    qtbot.waitUntil(lambda: pane.status.text().startswith("Done"), timeout=60_000)

    rows = _rows(pane)
    assert rows["notes.md"] == ["markdown", "", "1", "indexed", ""]
    assert rows["manual.pdf"] == ["pdf", "2", "2", "indexed", ""]
    assert rows["broken.pdf"][3].startswith("error: damaged or not a PDF")
    assert rows["song.mp3"][3] == "skipped: unsupported type (.mp3)"
    assert pane.status.text() == "Done: 2 indexed (3 chunks), 1 with errors, 1 skipped."
    assert not pane.cancel_button.isEnabled()
    # The indexed text is searchable through the same library the chat will use.
    hits = pane.service.library.search("heat pump", top_k=1, mode="bm25")
    assert hits[0].path == str(folder / "sub" / "manual.pdf") and hits[0].page == 1

    # Remove the selected row.
    row = pane.model.row_of(str(folder / "notes.md"))
    pane.table.selectRow(row)
    pane.remove_selected()
    qtbot.waitUntil(lambda: "notes.md" not in _rows(pane), timeout=10_000)


def test_drop_of_web_links_or_text_is_refused(pane: LibraryPane) -> None:
    assert _drop(pane.drop_zone, _mime(QUrl("https://example.com/a.pdf"))) == (False, False)
    text = QMimeData()
    text.setText("just text")
    assert _drop(pane.drop_zone, text) == (False, False)
    assert not pane.service.busy


def test_watched_folder_column_and_rescan(qtbot, pane: LibraryPane, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text("the first note.\n")
    pane.watch_box.setChecked(True)
    _drop(pane.drop_zone, _mime(QUrl.fromLocalFile(str(folder))))
    qtbot.waitUntil(lambda: pane.status.text().startswith("Done"), timeout=30_000)
    assert _rows(pane)["a.txt"][4] == "yes"
    (folder / "b.txt").write_text("the second note.\n")
    pane._rescan_if_idle()  # what the pane's timer does every minute
    qtbot.waitUntil(lambda: "b.txt" in _rows(pane) and _rows(pane)["b.txt"][3] == "indexed", timeout=30_000)


def test_cancel_button_stops_the_run(qtbot, pane: LibraryPane, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(3):
        (folder / f"doc{i}.txt").write_text("the cat and the dog by the river.\n")
    # Hold the library's writer lock so the run cannot finish before Cancel is clicked (the
    # tiny model would index these files in milliseconds); cancel inside a file is covered by
    # the core tests.
    with pane.service.library._write_lock:
        _drop(pane.drop_zone, _mime(QUrl.fromLocalFile(str(folder))))
        assert pane.cancel_button.isEnabled()
        pane.cancel_button.click()
    qtbot.waitUntil(lambda: pane.status.text().startswith("Cancelled"), timeout=30_000)
    assert pane.status.text() == "Cancelled: 0 indexed (0 chunks)."
    assert not pane.cancel_button.isEnabled()
    _drop(pane.drop_zone, _mime(QUrl.fromLocalFile(str(folder))))  # a new run starts fresh
    qtbot.waitUntil(lambda: pane.status.text().startswith("Done"), timeout=30_000)
    assert [row[3] for row in _rows(pane).values()] == ["indexed"] * 3


def test_progress_label_shows_files_chunks(qtbot, pane: LibraryPane, tmp_path: Path) -> None:
    folder = tmp_path / "few"
    folder.mkdir()
    for i in range(3):
        (folder / f"n{i}.txt").write_text("\n\n".join(f"the note {j}." for j in range(200)))
    labels = []
    pane.service.sig_progress.connect(lambda _p: labels.append(pane.progress_label.text()))
    _drop(pane.drop_zone, _mime(QUrl.fromLocalFile(str(folder))))
    qtbot.waitUntil(lambda: pane.status.text().startswith("Done"), timeout=60_000)
    assert any(label.startswith("files ") and "/3 · chunks " in label for label in labels)


def test_missing_embedding_model_is_shown(qtbot, tmp_path: Path) -> None:
    ctx = AppContext.load()
    widget = LibraryPane(ctx)
    qtbot.addWidget(widget)
    try:
        qtbot.waitUntil(lambda: "No embedding model" in widget.status.text(), timeout=30_000)
        widget.add_paths([str(tmp_path)])
        qtbot.waitUntil(lambda: "No embedding model is set" in widget.status.text()
                        and not widget.service.busy, timeout=10_000)
    finally:
        widget.shutdown()


def test_status_column_shows_the_file_being_indexed() -> None:
    table = DocumentTable()
    record = DocumentRecord(path="/d/a.pdf", doc_id=1, kind="pdf", status="indexing", error=None, chunks=0,
                            pages=12, size=10, mtime_ns=1, content_hash="x", model="m", updated_at=0.0)
    failed = replace(record, path="/d/b.pdf", status="error", error="encrypted PDF")
    table.set_records([record, failed], watched=["/d"])
    table.set_progress("/d/a.pdf", 0.42)
    assert [table.data(table.index(0, c)) for c in range(6)] == ["a.pdf", "pdf", "12", "", "indexing 42 %", "yes"]
    assert table.data(table.index(1, 4)) == "error: encrypted PDF"
    table.set_progress(None, 0.0)
    assert table.data(table.index(0, 4)) == "indexing"
