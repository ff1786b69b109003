"""The Models view and the first-run screen, offscreen, downloading from the fake Hub on 127.0.0.1."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from desktop.context import AppContext
from desktop.core import downloads
from desktop.core.catalog import CATALOG
from desktop.ui.download_jobs import DownloadJobs
from desktop.ui.models_view import FirstRunView, ModelsView, Notice
from desktop.ui.theme import apply_theme
from tests.fixtures.fake_hub import FakeHub, fake_hub, offline_hub_endpoint  # noqa: F401
from tests.ui.test_screenshots import _check, _shots

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
    for entry in CATALOG:  # offline, before anything is downloaded: a size and a verdict each
        label = badge_text(view, entry.name)
        assert label in VERDICTS or label.startswith("partly offloaded ("), (entry.name, label)
        assert view.rows[entry.name].facts.text().startswith("about ")
    assert "needs" in view.rows["gpt-oss-20b"].facts.text()


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
    # A notice that stands out, not status text; the button offers the download again.
    assert control.error.isVisible() and "offline" in control.error.label.text()
    assert control.button.text() == "Download"


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


def test_first_run_says_size_memory_and_speed_before_any_download(qtbot, ctx: AppContext,
                                                                   offline_hub_endpoint: str) -> None:  # noqa: F811
    first = FirstRunView(ctx)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: "needs" in first.facts.text(), timeout=10_000)
    facts = first.facts.text()
    assert facts.startswith("about 12.1 GB (computed) · needs ")
    assert " GB of RAM" in facts
    if "won't fit" not in first.badge.text():
        assert re.search(r"estimated ~[\d.]+ tok/s here$", facts), facts
        assert "bandwidth" in first.facts.toolTip()  # the formula behind the estimate
    assert not any(first.catalog.models_dir.glob("*.part"))  # nothing was downloaded to say so


def test_first_run_and_models_view_share_one_download(qtbot, ctx: AppContext, hub: FakeHub) -> None:
    hub.throttle_s_per_chunk = 0.03
    jobs = DownloadJobs()
    first = FirstRunView(ctx, jobs=jobs)
    models = ModelsView(ctx, jobs=jobs)
    for widget in (first, models):
        qtbot.addWidget(widget)
        widget.show()
    in_view = models.rows["gpt-oss-20b"].download
    first.download.button.click()
    assert in_view.running and in_view.button.text() == "Cancel"  # the same download, shown in both
    qtbot.waitUntil(lambda: in_view.bar.value() > 50, timeout=20_000)
    in_view.button.click()  # clicking it here again must not start a second download: it cancels
    qtbot.waitUntil(lambda: not first.download.running, timeout=20_000)
    assert len(hub.file_gets()) == 1
    assert first.download.button.text() == "Resume" == in_view.button.text()


def test_installed_first_and_the_model_in_use_marked(qtbot, ctx: AppContext, tiny_gpt_oss: Path) -> None:
    from desktop.core.catalog import Catalog

    catalog = Catalog(ctx.paths.models_dir, ctx.paths.cache_dir)
    linked = catalog.import_file(tiny_gpt_oss, link=True)
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss)))  # opened where it lives
    widget = ModelsView(ctx)
    qtbot.addWidget(widget)
    order = [widget._list_layout.itemAt(i).widget() for i in range(widget._list_layout.count() - 1)]
    assert order[0] is widget.rows[linked.name]
    row = widget.rows[linked.name]
    assert "in use" in row.tags.text() and not row.use_button.isEnabled() and row.use_button.text() == "In use"
    assert all("in use" not in widget.rows[e.name].tags.text() for e in CATALOG)


def test_close_button_closes_the_models_window(qtbot, ctx: AppContext) -> None:
    from PySide6.QtWidgets import QDialog, QVBoxLayout

    dialog = QDialog()
    qtbot.addWidget(dialog)
    view = ModelsView(ctx, dialog)
    QVBoxLayout(dialog).addWidget(view)
    dialog.show()
    assert view.close_button.accessibleName()
    view.close_button.click()
    assert not dialog.isVisible()


def test_checking_sizes_offline_is_a_notice(qtbot, view: ModelsView, offline_hub_endpoint: str) -> None:  # noqa: F811
    view.refresh_button.click()
    qtbot.waitUntil(lambda: view.refresh_button.isEnabled(), timeout=20_000)
    assert view.notice.isVisible() and "offline" in view.notice.label.text()
    assert view.notice._kind == Notice.ERROR
    assert all(view.rows[e.name].facts.text().startswith("about ") for e in CATALOG)  # sizes kept


def test_a_malformed_catalog_file_is_a_notice_over_the_built_in_catalog(qtbot, ctx: AppContext, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "catalog.json"
    bad.write_text("[{", encoding="utf-8")
    monkeypatch.setenv("GPT_OSS_DESKTOP_CATALOG", str(bad))
    widget = ModelsView(ctx)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.notice.isVisible() and "catalog.json" in widget.notice.label.text()
    assert set(widget.rows) == {e.name for e in CATALOG}


def test_import_as_link_leaves_one_picker_entry_in_the_window(qtbot, tiny_gpt_oss: Path) -> None:
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings_hub import SettingsHub

    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss), context_length=4096))
    window = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.engine.model is not None, timeout=15_000)
    assert window.chat.model_picker.count() == 1
    window.open_models()
    window.models_view.choose_import_mode = lambda path: "link"
    with qtbot.waitSignal(window.models_view.sig_models_changed, timeout=10_000):
        window.models_view.import_paths([tiny_gpt_oss])
    picker = window.chat.model_picker
    linked = ctx.paths.models_dir / tiny_gpt_oss.name
    # One file, one entry (each item is (where it runs, path): this computer's file here).
    assert [picker.itemData(i) for i in range(picker.count())] == [("local", str(linked))]
    assert picker.currentData() == ("local", str(linked))
    window.close()


def test_the_window_gives_both_views_its_one_set_of_downloads(qtbot) -> None:
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings_hub import SettingsHub

    window = MainWindow(SettingsHub(AppContext.load()))  # no chat model yet: the first-run screen shows
    qtbot.addWidget(window)
    window.show()  # its card comes once its greeting is painted
    qtbot.waitUntil(lambda: isinstance(window.chat.first_run, FirstRunView), timeout=10_000)
    assert window.chat.first_run.jobs is window.downloads
    window.open_models()
    assert window.models_view.jobs is window.downloads
    entry = window.chat.first_run.entry
    assert window.models_view.rows[entry.name].download.job is window.chat.first_run.download.job
    window.close()


def test_a_gpu_this_build_cannot_use_is_named_with_the_command_for_the_gpu_build(qtbot, ctx: AppContext) -> None:
    from desktop.core.gpu_build import SOURCE_COMMAND
    from desktop.core.hardware import Backend, Gpu, Machine

    def cpu_build_with_a_gpu() -> Machine:
        return Machine(64 * 10**9, 48 * 10**9, (Gpu("NVIDIA GeForce RTX 4090", 24 * 10**9, 24 * 10**9, "nvml"),),
                       None, Backend("CPU", gpu_offload=False), 500 * 10**9)

    widget = ModelsView(ctx, probe=cpu_build_with_a_gpu)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.survey_result is not None, timeout=10_000)
    notice = widget.gpu_notice
    assert notice.isVisible()
    assert "RTX 4090 is not used" in notice.text.text()
    assert notice.command.text() == SOURCE_COMMAND
    notice.copy_button.click()
    from PySide6.QtGui import QGuiApplication
    assert QGuiApplication.clipboard().text() == SOURCE_COMMAND


def test_no_gpu_notice_on_this_machine_without_one(view: ModelsView) -> None:
    machine = view.survey_result.machine
    assert view.gpu_notice.isVisible() == bool(machine.gpus and not machine.backend.gpu_offload)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_gpu_build_notice_is_saved(qtbot, qapp: QApplication, theme: str,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """The Models view on a machine whose GPU this (CPU-only) build cannot use: the tinted notice
    with the estimated speed-up and the command, above the models."""
    from desktop.core.hardware import Backend, Gpu, Machine

    def cpu_build_with_a_gpu() -> Machine:
        return Machine(64 * 10**9, 48 * 10**9, (Gpu("NVIDIA GeForce RTX 4090", 24 * 10**9, 24 * 10**9, "nvml"),),
                       None, Backend("CPU", gpu_offload=False), 500 * 10**9)

    apply_theme(theme, qapp)
    try:
        view = ModelsView(AppContext.load(), probe=cpu_build_with_a_gpu)
        qtbot.addWidget(view)
        view.resize(900 - 76, 570)
        view.show()
        qtbot.waitUntil(lambda: view.gpu_notice.isVisible(), timeout=10_000)
        qtbot.wait(50)
        assert view.grab().save(str(_shots(tmp_path_factory) / f"models-gpu-notice-{theme}-900x600.png"))
        assert _check(view, view) == []
        assert "RTX 4090 is not used" in view.gpu_notice.text.text()
    finally:
        apply_theme("light", qapp)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_first_run_screen_is_saved(qtbot, qapp: QApplication, ctx: AppContext, theme: str,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """What a newcomer sees first: the recommended model as a card with its fit, size, memory and
    estimated speed, before anything is downloaded. At the chat's size in a 900x600 window."""
    apply_theme(theme, qapp)
    try:
        first = FirstRunView(ctx)
        qtbot.addWidget(first)
        first.resize(900 - 76, 570)
        first.show()
        qtbot.waitUntil(lambda: "needs" in first.facts.text() and "This machine" in first.fits.text(), timeout=10_000)
        qtbot.wait(50)
        assert first.grab().save(str(_shots(tmp_path_factory) / f"first-run-{theme}-900x600.png"))
        assert _check(first, first) == []
        for control in (first.download.button, first.open_button, first.more_button, first.badge):
            assert control.isVisible() and control.accessibleName()
    finally:
        apply_theme("light", qapp)
