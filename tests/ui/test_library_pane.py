"""The Library pane, offscreen: real drag and drop of a folder, indexing on the library thread."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.context import AppContext
from desktop.core.library import DocumentRecord
from desktop.ui.library_pane import DocumentTable, LibraryPane
from desktop.ui.theme import apply_theme
from tests.fixtures.documents import write_pdf
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.ui.test_screenshots import _check, _shots


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

    # Remove the selected row (after confirming).
    _select(pane, "notes.md")
    answer_dialog("Remove")
    pane.remove_button.click()
    qtbot.waitUntil(lambda: "notes.md" not in _rows(pane), timeout=10_000)


def answer_dialog(button: str) -> list[str]:
    """Click `button` on the next modal message box once it is up; returns its text (when seen)."""
    seen: list[str] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == button).click()

    QTimer.singleShot(0, click)
    return seen


def _select(pane: LibraryPane, name: str) -> None:
    view = pane.table.model()
    row = next(r for r in range(view.rowCount()) if view.index(r, 0).data() == name)
    pane.table.selectRow(row)


def _shown(pane: LibraryPane, column: int = 0) -> list[str]:
    """What the table shows, top to bottom (after sorting and filtering)."""
    view = pane.table.model()
    return [view.index(r, column).data() for r in range(view.rowCount())]


def _index_folder(qtbot, pane: LibraryPane, folder: Path) -> None:
    _drop(pane.drop_zone, _mime(QUrl.fromLocalFile(str(folder))))
    qtbot.waitUntil(lambda: pane.status.text().startswith("Done"), timeout=60_000)


def _mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a-short.txt").write_text("the cat sat.\n")
    (folder / "b-long.txt").write_text("\n\n".join(f"paragraph {i} about the river and the cat." * 6 for i in range(40)))
    (folder / "c-middle.txt").write_text("\n\n".join(f"note {i} about the dog." * 6 for i in range(6)))
    (folder / "d-broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    return folder


def test_columns_sort_by_value_and_the_table_filters(qtbot, pane: LibraryPane, tmp_path: Path) -> None:
    _index_folder(qtbot, pane, _mixed_folder(tmp_path))
    chunks = {name: int(row[2] or -1) for name, row in _rows(pane).items()}
    assert chunks["b-long.txt"] >= 10 > chunks["c-middle.txt"] > chunks["a-short.txt"] >= 1
    # A click on the Chunks header sorts by the number (10 after 9, not "10" before "9"); again reverses.
    header = pane.table.horizontalHeader()
    chunks_x = header.sectionViewportPosition(3) + header.sectionSize(3) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(chunks_x, header.height() // 2))
    assert _shown(pane) == ["d-broken.pdf", "a-short.txt", "c-middle.txt", "b-long.txt"]
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(chunks_x, header.height() // 2))
    assert _shown(pane) == ["b-long.txt", "c-middle.txt", "a-short.txt", "d-broken.pdf"]
    # Errors only, then a text filter; the count says how many are shown.
    pane.errors_only.click()
    assert _shown(pane) == ["d-broken.pdf"]
    assert pane.shown_label.text() == "1 of 4 shown"
    pane.errors_only.click()
    qtbot.keyClicks(pane.filter_edit, "MIDDLE")
    assert _shown(pane) == ["c-middle.txt"]
    # The full path on hover, on every cell of the row.
    view = pane.table.model()
    assert {view.index(0, c).data(Qt.ItemDataRole.ToolTipRole).splitlines()[0] for c in range(6)} == {
        str(tmp_path / "mixed" / "c-middle.txt")}
    pane.filter_edit.clear()
    assert len(_shown(pane)) == 4


def test_drop_zone_lights_up_while_files_are_over_it(qtbot, pane: LibraryPane, tmp_path: Path) -> None:
    zone = pane.drop_zone
    idle = zone.grab().toImage()
    files = _mime(QUrl.fromLocalFile(str(tmp_path)))  # the event does not own its data: keep it alive
    enter = QDragEnterEvent(zone.rect().center(), Qt.DropAction.CopyAction, files,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(zone, enter)
    lit = zone.grab().toImage()
    assert enter.isAccepted() and lit != idle
    # The highlight is in the accent colour: its border pixels are the palette's highlight.
    accent = zone.palette().color(zone.palette().ColorRole.Highlight)
    assert lit.pixelColor(zone.width() // 2, 1) == accent
    QApplication.sendEvent(zone, QDragLeaveEvent())
    assert zone.grab().toImage() == idle
    # Text is not droppable: no highlight.
    text = QMimeData()
    text.setText("just text")
    QApplication.sendEvent(zone, QDragEnterEvent(zone.rect().center(), Qt.DropAction.CopyAction, text,
                                                 Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert zone.grab().toImage() == idle


def test_remove_asks_first_and_cancel_keeps_the_document(qtbot, pane: LibraryPane, tmp_path: Path) -> None:
    _index_folder(qtbot, pane, _mixed_folder(tmp_path))
    assert not pane.remove_button.isEnabled()  # nothing selected yet
    _select(pane, "a-short.txt")
    asked = answer_dialog("Cancel")
    pane.remove_button.click()
    assert asked and "a-short.txt" in asked[0] and "files on disk are not touched" in asked[0]
    pane.service.refresh()  # a round trip through the library thread: nothing was removed
    qtbot.waitUntil(lambda: not pane.service.busy, timeout=5_000)
    with qtbot.waitSignal(pane.service.sig_documents, timeout=10_000):
        pane.service.refresh()
    assert "a-short.txt" in _rows(pane)
    _select(pane, "a-short.txt")
    answer_dialog("Remove")
    QTest.keyClick(pane.table, Qt.Key.Key_Delete)  # the Delete key asks the same way
    qtbot.waitUntil(lambda: "a-short.txt" not in _rows(pane), timeout=10_000)
    assert (tmp_path / "mixed" / "a-short.txt").exists()


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


def test_a_drop_during_a_run_waits_and_is_added_after_it(qtbot, pane: LibraryPane, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        (folder / f"{folder.name}.txt").write_text(f"the {folder.name} note.\n")
    with pane.service.library._write_lock:  # the first run cannot finish while the second drop comes
        _drop(pane.drop_zone, _mime(QUrl.fromLocalFile(str(first))))
        assert pane.service.busy
        _drop(pane.drop_zone, _mime(QUrl.fromLocalFile(str(second))))
        assert _rows(pane)["second"][3] == "waiting to be added"
        assert "1 item(s) will be added when it ends" in pane.status.text()
    qtbot.waitUntil(lambda: _rows(pane).get("second.txt", [""] * 5)[3] == "indexed", timeout=30_000)
    assert _rows(pane)["first.txt"][3] == "indexed" and "second" not in _rows(pane)


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


def test_an_empty_library_is_one_big_drop_target_then_a_strip_above_the_documents(
        qtbot, pane: LibraryPane, tmp_path: Path) -> None:
    pane.resize(900, 600)
    qtbot.wait(20)
    zone = pane.drop_zone
    # Empty: the drop target fills the pane and says what it reads; there is no empty table.
    assert zone.isVisible() and zone.height() >= pane.height() // 2
    assert "PDF" in zone.formats.text() and "Markdown" in zone.formats.text() and zone.hint.isVisible()
    assert not pane.table.isVisible() and not pane.remove_button.isVisible()
    assert pane.add_files_button.isVisible() and pane.add_folder_button.isVisible()
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("the cat sat.\n")
    _index_folder(qtbot, pane, folder)
    qtbot.wait(20)
    # With documents: a slim strip that still takes drops, and the table gets the room.
    assert zone.isVisible() and zone.height() < 80 and not zone.hint.isVisible()
    assert pane.table.isVisible() and pane.table.height() > pane.height() // 3
    assert _drop(zone, _mime(QUrl.fromLocalFile(str(folder)))) == (True, True)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_status_colours_read_at_4_5_to_1_on_the_table(qapp: QApplication, dark: bool) -> None:
    from PySide6.QtGui import QColor

    from desktop.ui import theme
    from tests.ui.test_theme_contrast import contrast

    record = DocumentRecord(path="/d/a.pdf", doc_id=1, kind="pdf", status="indexed", error=None, chunks=3,
                            pages=1, size=10, mtime_ns=1, content_hash="x", model="m", updated_at=0.0)
    table = DocumentTable()
    table.set_records([record, replace(record, path="/d/b.pdf", status="error", error="encrypted PDF"),
                       replace(record, path="/d/c.mp3", status="skipped", error="unsupported type (.mp3)")], [])
    table.set_waiting(["/d/later.md"], "waiting for the embedding model")
    table.set_progress("/d/a.pdf", 0.5)
    theme.apply_theme("dark" if dark else "light", qapp)
    try:
        c = theme.colours(dark)

        def status(row: int, role: Qt.ItemDataRole):
            return table.data(table.index(row, 4), role)

        colour = Qt.ItemDataRole.ForegroundRole
        assert status(0, colour) == QColor(c.badge_text) and status(1, colour) == QColor(c.error)  # indexing, error
        for row in (2, 3):  # skipped, waiting: the table's own text, in italics
            assert status(row, colour) is None and status(row, Qt.ItemDataRole.FontRole).italic()
        table.set_progress(None, 0.0)
        assert status(0, colour) is None  # indexed: the table's own text colour
        for shown in (QColor(c.badge_text), QColor(c.error)):
            for background in (c.card, c.selection):  # the table's rows, and a selected row
                assert contrast(shown, QColor(background)) >= 4.5, (shown.name(), background)
    finally:
        theme.apply_theme("light", qapp)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_empty_library_and_its_set_up_are_saved(qtbot, qapp: QApplication, theme: str, tiny_bert_gguf: Path,  # noqa: F811
                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """The Library's two first looks: the set-up card (no embedding model yet) over the drop
    target, then the empty library as one big drop target. At the pane's size in a 900x600 window."""
    apply_theme(theme, qapp)
    ctx = AppContext.load()
    pane = LibraryPane(ctx)
    qtbot.addWidget(pane)
    pane.resize(900 - 76, 570)
    pane.show()
    try:
        qtbot.waitUntil(lambda: pane.setup.isVisible() and pane.status.text().startswith("Set up"), timeout=30_000)
        shots = _shots(tmp_path_factory)
        assert pane.grab().save(str(shots / f"library-setup-{theme}-900x600.png"))
        assert _check(pane, pane) == []
        pane.setup.choose_file = lambda: str(tiny_bert_gguf)
        pane.setup.choose_button.click()
        qtbot.waitUntil(lambda: pane.status.text() == "Ready.", timeout=30_000)
        qtbot.wait(50)
        assert pane.grab().save(str(shots / f"library-empty-{theme}-900x600.png"))
        assert _check(pane, pane) == []
        assert pane.drop_zone.height() >= pane.height() // 2 and not pane.table.isVisible()
    finally:
        pane.shutdown()
        apply_theme("light", qapp)
