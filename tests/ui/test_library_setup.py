"""Setting the library up from the window: the embedding model offered in the Library pane.

Real parts: the Library pane offscreen with its library thread on Milvus Lite, the catalog's
embedding model downloaded from the fake Hub on 127.0.0.1 (serving the tiny generated BERT GGUF),
and files checked from their GGUF headers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QUrl

from desktop.context import AppContext
from desktop.core.catalog import EMBEDDING, Catalog
from desktop.ui.library_pane import LibraryPane
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.fixtures.fake_hub import FakeHub, fake_hub  # noqa: F401
from tests.ui.test_library_pane import _drop, _rows

WAITING = "waiting for the embedding model"


@pytest.fixture
def ctx() -> AppContext:
    return AppContext.load()


@pytest.fixture
def pane(qtbot, ctx: AppContext):
    widget = LibraryPane(ctx)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    try:
        qtbot.waitUntil(lambda: "Set up the embedding model" in widget.status.text(), timeout=30_000)
        yield widget
    finally:
        widget.shutdown()  # the library thread ends before the widget goes


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "manuals"
    folder.mkdir()
    (folder / "notes.md").write_text("# Notes\n\nthe heat pump sits by the river.\n")
    return folder


def _drop_folder(pane: LibraryPane, folder: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    assert _drop(pane.drop_zone, mime) == (True, True)


def test_a_dropped_folder_waits_then_one_click_downloads_the_model_and_indexes_it(
        qtbot, pane: LibraryPane, ctx: AppContext, fake_hub: FakeHub, tiny_bert_gguf: Path,  # noqa: F811
        tmp_path: Path) -> None:
    entry = Catalog(ctx.paths.models_dir, ctx.paths.cache_dir).recommended(EMBEDDING)
    fake_hub.add_file(entry.repo_id, entry.filename, tiny_bert_gguf.read_bytes())
    assert pane.setup.isVisible() and pane.setup.download.isVisible()
    folder = _folder(tmp_path)

    _drop_folder(pane, folder)
    # Kept, and shown as waiting; the message names no command-line flag.
    assert _rows(pane)["manuals"] == ["folder", "", "", WAITING, ""]
    assert "1 item(s) wait for the embedding model" in pane.status.text()
    assert "--" not in pane.status.text()

    pane.setup.download.button.click()
    qtbot.waitUntil(lambda: pane.status.text().startswith("Done"), timeout=60_000)
    assert ctx.settings.library.embedding_model_path == str(ctx.paths.models_dir / entry.filename)
    assert pane.status.text() == "Done: 1 indexed (1 chunks)."
    assert _rows(pane) == {"notes.md": ["markdown", "", "1", "indexed", ""]}
    assert not pane.setup.isVisible()
    hits = pane.service.library.search("heat pump", top_k=1, mode="bm25")
    assert hits[0].path == str(folder / "notes.md")


def test_a_chosen_file_is_checked_and_only_an_embedding_model_is_taken(
        qtbot, pane: LibraryPane, ctx: AppContext, tiny_gpt_oss: Path, tiny_bert_gguf: Path,  # noqa: F811
        tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    pane.add_paths([str(folder)])  # what Add folder... does with the folder picked
    text_file = tmp_path / "model.gguf"
    text_file.write_text("not a model")
    refusals = {
        str(tiny_gpt_oss): "is a 'gpt-oss' model, not an embedding model",
        str(tmp_path / "nowhere.gguf"): "No file at",
        str(text_file): "is not a GGUF model file",
        str(tmp_path): "is a folder: choose the .gguf file inside it",
    }
    for path, reason in refusals.items():
        pane.setup.choose_file = lambda p=path: p
        pane.setup.choose_button.click()
        qtbot.waitUntil(lambda r=reason: r in pane.setup.message.text() and pane.setup.message.isVisible(),
                        timeout=10_000)
        assert ctx.settings.library.embedding_model_path is None  # nothing was saved
        assert _rows(pane)["manuals"][3] == WAITING  # and nothing was lost

    pane.setup.choose_file = lambda: str(tiny_bert_gguf)
    pane.setup.choose_button.click()
    qtbot.waitUntil(lambda: pane.status.text().startswith("Done"), timeout=60_000)
    assert ctx.settings.library.embedding_model_path == str(tiny_bert_gguf)
    assert _rows(pane)["notes.md"][3] == "indexed" and "manuals" not in _rows(pane)
    assert not pane.setup.isVisible()


def test_a_model_already_downloaded_is_offered_with_one_click(qtbot, ctx: AppContext, tiny_bert_gguf: Path) -> None:
    entry = Catalog(ctx.paths.models_dir, ctx.paths.cache_dir).recommended(EMBEDDING)
    ctx.paths.models_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(tiny_bert_gguf, ctx.paths.models_dir / entry.filename)
    widget = LibraryPane(ctx)
    qtbot.addWidget(widget)
    widget.show()
    try:
        qtbot.waitUntil(lambda: "Set up the embedding model" in widget.status.text(), timeout=30_000)
        assert widget.setup.use_button.isVisible() and not widget.setup.download.isVisible()
        widget.setup.use_button.click()
        qtbot.waitUntil(lambda: widget.status.text() == "Ready.", timeout=30_000)
        assert ctx.settings.library.embedding_model_path == str(ctx.paths.models_dir / entry.filename)
    finally:
        widget.shutdown()


def test_a_configured_model_that_vanished_is_named(qtbot, ctx: AppContext, tmp_path: Path) -> None:
    gone = tmp_path / "moved-away.gguf"
    ctx.update_settings(ctx.settings.with_section("library", embedding_model_path=str(gone)))
    widget = LibraryPane(ctx)
    qtbot.addWidget(widget)
    widget.show()
    try:
        assert widget.setup.isVisible()
        assert f"The embedding model {gone} is missing." in widget.setup.intro.text()
        widget.add_paths([str(tmp_path)])
        assert _rows(widget)[tmp_path.name][3] == WAITING
    finally:
        widget.shutdown()


def test_the_whole_window_hears_of_the_model_chosen_in_the_library(qtbot, tiny_bert_gguf: Path) -> None:  # noqa: F811
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings_hub import SettingsHub

    win = MainWindow(SettingsHub(AppContext.load()))
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: "Set up the embedding model" in win.library.status.text(), timeout=30_000)
        win.library.setup.choose_file = lambda: str(tiny_bert_gguf)
        win.library.setup.choose_button.click()
        qtbot.waitUntil(lambda: win.library.status.text() == "Ready.", timeout=30_000)
        # The Settings pane shows the model chosen in the Library pane (one settings hub).
        assert win.settings_pane.editors[("library", "embedding_model_path")].editor.text() == str(tiny_bert_gguf)
        assert win.library_service.library is not None
    finally:
        win.close()
