"""The Models view and the first-run screen, offscreen, downloading from the fake Hub on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from desktop.context import AppContext
from desktop.core import downloads
from desktop.core.catalog import CATALOG
from desktop.ui.models_view import FirstRunView, ModelsView
from tests.fixtures.fake_hub import FakeHub, fake_hub, offline_hub_endpoint  # noqa: F401

GPT_OSS = next(e for e in CATALOG if e.name == "gpt-oss-20b")
SIZE = 1_200_000
VERDICTS = {"fits on GPU", "CPU only", "won't fit"}


@pytest.fixture
def ctx() -> AppContext:
    return AppContext.load()


@pytest.fixture
def hub(fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> FakeHub:  # noqa: F811
    from huggingface_hub import constants

    for i, entry in enumerate(CATALOG):
        fake_hub.add_file(entry.repo_id, entry.filename, os.urandom(SIZE + i))
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 32 * 1024)
    return fake_hub


@pytest.fixture
def view(qtbot, ctx: AppContext) -> ModelsView:
    widget = ModelsView(ctx)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.survey_result is not None, timeout=10_000)
    return widget


def badge_text(view: ModelsView, name: str) -> str:
    return view.rows[name].badge.text()


def test_shows_the_machine_and_a_fit_badge_per_model(view: ModelsView) -> None:
    assert "GiB" in view.machine_box.labels["RAM"].text()
    assert view.machine_box.labels["Backend"].text()
    assert set(view.rows) == {e.name for e in CATALOG}
    label = badge_text(view, "gpt-oss-20b")
    assert label in VERDICTS or label.startswith("partly offloaded (")
    assert badge_text(view, "gpt-oss-20b-q4_k_m") == "fit unknown"  # size not fetched yet


def test_download_shows_progress_then_cancel_then_resume(qtbot, view: ModelsView, hub: FakeHub) -> None:
    hub.throttle_s_per_chunk = 0.03
    control = view.rows["gpt-oss-20b"].download
    assert control is not None and control.button.text() == "Download"
    control.button.click()
    assert control.button.text() == "Cancel"
    qtbot.waitUntil(lambda: control.bar.value() > 100, timeout=20_000)
    assert " of " in control.status.text()

    control.button.click()  # Cancel
    qtbot.waitUntil(lambda: not control.running, timeout=20_000)
    kept = downloads.partial_bytes(view.catalog.models_dir / GPT_OSS.filename)
    assert 0 < kept < SIZE
    assert control.button.text() == "Resume" and control.status.text().startswith("Paused at")

    hub.throttle_s_per_chunk = 0.0
    with qtbot.waitSignal(control.sig_finished, timeout=20_000) as finished:
        control.button.click()
    path = Path(finished.args[0])
    assert path.read_bytes() == hub.files[(GPT_OSS.repo_id, GPT_OSS.filename)].data
    assert hub.file_gets()[-1].range == f"bytes={kept}-"

    qtbot.waitUntil(lambda: view.rows["gpt-oss-20b"].installed is not None, timeout=5_000)
    with qtbot.waitSignal(view.sig_model_chosen, timeout=5_000) as chosen:
        view.rows["gpt-oss-20b"].use_button.click()
    assert chosen.args == [str(path)]


def test_offline_download_says_so(qtbot, view: ModelsView, offline_hub_endpoint: str) -> None:  # noqa: F811
    control = view.rows["gpt-oss-20b"].download
    control.button.click()
    qtbot.waitUntil(lambda: not control.running, timeout=20_000)
    assert "offline" in control.status.text()


def test_import_by_drop_then_remove_asks_first(qtbot, view: ModelsView, tiny_gpt_oss: Path) -> None:
    view.choose_import_mode = lambda path: "copy"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tiny_gpt_oss))])
    drop = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(view.sig_models_changed, timeout=10_000):
        view.dropEvent(drop)
    row = view.rows[tiny_gpt_oss.name]
    installed = view.catalog.models_dir / tiny_gpt_oss.name
    assert row.installed is not None and installed.exists()

    questions: list[str] = []

    def say_no(title: str, text: str) -> bool:
        questions.append(text)
        return False

    view.confirm = say_no
    row.remove_button.click()
    assert installed.exists() and len(questions) == 1 and tiny_gpt_oss.name in questions[0]

    view.confirm = lambda title, text: True
    view.rows[tiny_gpt_oss.name].remove_button.click()
    assert not installed.exists() and tiny_gpt_oss.name not in view.rows


def test_first_run_offers_the_recommended_model_and_a_file(qtbot, ctx: AppContext, hub: FakeHub) -> None:
    first = FirstRunView(ctx)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: "This machine" in first.fits.text(), timeout=10_000)
    assert "gpt-oss-20b" in first.fits.text()
    label = first.badge.text()
    assert label in VERDICTS or label.startswith("partly offloaded (")

    with qtbot.waitSignal(first.sig_open_file_requested, timeout=1_000):
        first.open_button.click()
    with qtbot.waitSignal(first.sig_model_chosen, timeout=20_000) as chosen:
        first.download.button.click()
    assert Path(chosen.args[0]).name == GPT_OSS.filename
