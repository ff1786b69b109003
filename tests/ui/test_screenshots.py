"""Every pane as a person sees it, saved as screenshots and checked for what would catch the eye.

The real window offscreen with real content: the scripted gpt-oss model (real llama.cpp), a short
saved conversation, a small library indexed by the tiny embedding model (Milvus Lite), the models
catalog surveyed on this machine. Each pane (chat, library, settings, models) in light and dark at
900x600 and 1600x1000, and right to left (Arabic) in light at both sizes. The window is built once
per theme and direction (a module fixture); each shot only resizes it and switches the pane.

Checked on every shot: no sideways scroll bar in the pane, every visible control inside the window
(or inside the scroll area that scrolls it into view), no two visible buttons on top of each other,
and in right to left the navigation rail at the right edge.

Screenshots go to $GPT_OSS_DESKTOP_SCREENSHOTS (a pytest tmp folder by default).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

from desktop.context import AppContext
from desktop.core.catalog import Catalog
from desktop.core.conversations import ConversationStore
from desktop.ui.main_window import CHAT, LIBRARY, MODELS, SETTINGS, MainWindow
from desktop.ui.message_widgets import AssistantMessage
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.theme import apply_theme
from tests.fixtures.documents import write_pdf
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.fixtures.scripted_chat_model import scripted_gpt_oss  # noqa: F401  (session fixture)

PANES = {"chat": CHAT, "library": LIBRARY, "settings": SETTINGS, "models": MODELS}
SIZES = {"900x600": (900, 600), "1600x1000": (1600, 1000)}
CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)
WAIT_MS = 30_000


def _shots(factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("GPT_OSS_DESKTOP_SCREENSHOTS")
    path = Path(folder) if folder else factory.getbasetemp() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _documents(folder: Path) -> Path:
    """A few documents of the kinds people drop: Markdown, text, a PDF, and one damaged PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "heat-pump-notes.md").write_text(
        "# Heat pump\n\nLower the flow temperature to 35-45 °C in winter.\n\n" * 8, encoding="utf-8")
    (folder / "router-errors.txt").write_text(
        "\n\n".join(f"Error {n}: restart the router and check the cable." for n in range(30)), encoding="utf-8")
    write_pdf(folder / "installer-manual.pdf", ["Clean the air filters every three months.",
                                                "Keep the outdoor unit clear of snow."])
    (folder / "scanned-receipt.pdf").write_bytes(b"%PDF-1.4 not really a PDF")
    return folder


def _conversation(ctx: AppContext) -> int:
    with ConversationStore(ctx.paths.conversations_db) as store:
        conv = store.create()
        store.add_user_message(conv.id, "How do I make my heat pump more efficient in winter?")
        answer = store.start_assistant_message(conv.id, "medium", "gpt-oss-20b")
        store.finish_assistant_message(
            answer.id, "Lower the **flow temperature** and leave it running; the manual says to clean the "
            "filters every three months [1].", "Flow temperature, continuous running, filters.",
            stats={"tokens": 42, "tokens_per_s": 41.2, "ttft_ms": 310.0, "prompt_tokens": 512},
            sources=[{"n": 1, "path": "/home/me/Documents/installer-manual.pdf", "page": 1,
                      "excerpt": "Clean the air filters every three months."}])
        return conv.id


@pytest.fixture(scope="module")
def homes() -> Iterator[Path]:
    """Where the windows keep their data: a folder whose path says nothing of who ran the test (the
    Settings and Models panes show it), removed once every window of the module is gone."""
    root = Path(tempfile.mkdtemp(prefix="gpt-oss-desktop-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module", params=["light", "dark", "rtl"])
def window(request: pytest.FixtureRequest, qapp: QApplication, homes: Path,
           scripted_gpt_oss: Path, tiny_bert_gguf: Path) -> Iterator[tuple[str, MainWindow]]:  # noqa: F811
    """One real window per theme and direction, with a conversation, a library and the models."""
    variant = request.param
    home = homes / variant
    installed = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GPT_OSS_DESKTOP_HOME", str(home))
        if variant == "rtl":
            from desktop.ui.i18n import install_translations

            installed = install_translations(qapp, "ar")
            assert qapp.layoutDirection() == Qt.LayoutDirection.RightToLeft
        ctx = AppContext.load()
        # Both models imported (linked) into the models folder, as a user who has them would: the
        # Models pane shows them installed and in use.
        catalog = Catalog(ctx.paths.models_dir, ctx.paths.cache_dir)
        chat_model, embedding_model = (catalog.import_file(path, link=True) for path in (scripted_gpt_oss, tiny_bert_gguf))
        ctx.update_settings(ctx.settings.with_section("appearance", theme="dark" if variant == "dark" else "light")
                            .with_section("model", chat_model_path=str(chat_model))
                            .with_section("library", embedding_model_path=str(embedding_model),
                                          chunk_tokens=64, chunk_overlap=0))
        conv_id = _conversation(ctx)
        win = MainWindow(SettingsHub(ctx))
        try:
            win.resize(*SIZES["1600x1000"])
            win.show()
            _wait(lambda: win.engine.model is not None)
            win.chat.open_conversation(conv_id)
            _wait(lambda: win.chat.conversation_id == conv_id and bool(win.chat.findChildren(AssistantMessage)))
            library = win.library
            _wait(lambda: library.status.text() == library.tr("Ready."))
            library.add_paths([str(_documents(home / "Documents"))])
            _wait(lambda: not library.service.busy and library.model.rowCount() == 4)
            win.open_models()
            _wait(lambda: win.models_view.survey_result is not None)
            win.panes.setCurrentIndex(CHAT)
            yield variant, win
        finally:
            win.close()
            win.deleteLater()
            for translator in installed:
                qapp.removeTranslator(translator)
            if installed:
                QLocale.setDefault(QLocale(QLocale.Language.English))
            apply_theme("light", qapp)  # the tests that follow start from the light theme
    QApplication.processEvents()


def _wait(condition, timeout_ms: int = WAIT_MS) -> None:
    waited = 0
    while not condition():
        assert waited < timeout_ms, "timed out"
        QTest.qWait(20)
        waited += 20


def _clipped(widget: QWidget, window: QWidget) -> QRect:
    """Where the widget shows in the window: its rectangle cut by every ancestor's."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return rect


def _scroller(widget: QWidget) -> QAbstractScrollArea | None:
    """The scroll area that scrolls `widget` into view, if any."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return parent
        parent = parent.parentWidget()
    return None


def _out_of_place(control: QWidget, window: QWidget) -> bool:
    """Outside the window, or sticking out sideways from the scroll area that holds it."""
    scroller = _scroller(control)
    if scroller is None:
        top_left = control.mapTo(window, QPoint(0, 0))
        return not window.rect().contains(QRect(top_left, control.size()))
    left = control.mapTo(scroller.viewport(), QPoint(0, 0)).x()
    return left < 0 or left + control.width() > scroller.viewport().width()


def _describe(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__} {widget.accessibleName() or text!r}"


def _check(pane: QWidget, win: MainWindow) -> list[str]:
    problems = []
    for area in [pane, *pane.findChildren(QAbstractScrollArea)]:
        if isinstance(area, QAbstractScrollArea) and area.isVisible() and area.horizontalScrollBar().isVisible():
            problems.append(f"sideways scroll bar in {_describe(area)}")
    controls = [w for w in pane.findChildren(QWidget) if isinstance(w, CONTROLS) and w.isVisible()]
    problems += [f"outside the window: {_describe(c)}" for c in controls if _out_of_place(c, win)]
    buttons = [(b, _clipped(b, win)) for b in controls if isinstance(b, QAbstractButton)]
    buttons = [(b, r) for b, r in buttons if r.width() > 0 and r.height() > 0]
    for i, (one, one_rect) in enumerate(buttons):
        for other, other_rect in buttons[i + 1:]:
            if one.isAncestorOf(other) or other.isAncestorOf(one):
                continue
            if one_rect.intersects(other_rect):
                problems.append(f"overlap: {_describe(one)} and {_describe(other)}")
    return problems


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("pane_name", PANES)
def test_each_pane_fits_and_is_saved(window: tuple[str, MainWindow], pane_name: str, size: str,
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    variant, win = window
    win.resize(*SIZES[size])
    win.panes.setCurrentIndex(PANES[pane_name])
    QTest.qWait(80)  # the layouts settle and the lazily built panes paint
    pane = win.panes.currentWidget()
    name = f"{pane_name}-{'light-rtl' if variant == 'rtl' else variant}-{size}.png"
    path = _shots(tmp_path_factory) / name
    assert win.grab().save(str(path))  # saved first: a picture of a failure helps
    assert path.stat().st_size > 10_000

    assert _check(pane, win) == []
    if variant == "rtl":
        rail = win.panes.rail
        right = rail.mapTo(win, QPoint(rail.width(), 0)).x()
        assert win.layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert right == win.width() and rail.mapTo(win, QPoint(0, 0)).x() > win.width() // 2

