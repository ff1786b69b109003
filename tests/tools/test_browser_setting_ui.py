"""Settings → Library offers "Search once" or "Let the model browse" (library.mode), saved for the
window's chats and `ask` alike; real Qt offscreen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox

from desktop.context import AppContext
from desktop.settings import load_settings
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.settings_pane import SettingsPane
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)


def test_the_library_section_offers_browsing(qtbot, app_home: Path) -> None:
    hub = SettingsHub(AppContext.load())
    pane = SettingsPane(hub)
    qtbot.addWidget(pane)
    pane.show()
    box = next(w for w in pane.findChildren(QComboBox) if w.accessibleName() == "Library use")
    assert [box.itemText(i) for i in range(box.count())] == ["Search once", "Let the model browse"]
    assert box.currentText() == "Search once" and hub.settings.library.mode == "search"
    box.setCurrentIndex(1)
    qtbot.waitUntil(lambda: hub.settings.library.mode == "browse", timeout=5_000)
    qtbot.waitUntil(lambda: load_settings(AppContext.load().paths.settings_file).library.mode == "browse",
                    timeout=5_000)
    pane.restore_buttons["library"].click()
    assert hub.settings.library.mode == "search" and box.currentText() == "Search once"


def test_the_library_switch_chooses_search_once_or_browse(qtbot, tmp_path: Path, tiny_gpt_oss: Path,
                                                          tiny_bert_gguf: Path) -> None:
    from PySide6.QtCore import Qt

    from desktop.ui.main_window import MainWindow

    doc = tmp_path / "heat-pump.md"
    doc.write_text("# Heat pump\n\nThe defrost cycle runs every 90 minutes.\n", encoding="utf-8")
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss))
                        .with_section("library", embedding_model_path=str(tiny_bert_gguf)))
    hub = SettingsHub(ctx)
    window = MainWindow(hub)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.library_service.library is not None, timeout=30_000)
    window.library.add_paths([str(doc)])
    qtbot.waitUntil(lambda: "1 documents" in window.chat.use_library.text(), timeout=60_000)
    choice = window.chat.composer.library_mode
    assert choice.isVisible() and choice.isEnabled() and choice.currentText() == "Search once"
    assert choice.accessibleName() == "How the library is used"
    choice.setFocus()
    qtbot.keyClick(choice, Qt.Key.Key_Down)  # the person picks "Let the model browse" from the keyboard
    assert hub.settings.library.mode == "browse"
    assert load_settings(ctx.paths.settings_file).library.mode == "browse"  # ask follows it too
    hub.update("library", mode="search")  # changed in Settings → Library: the switch shows it
    assert choice.currentText() == "Search once"
    window.chat.use_library.setChecked(False)  # no library for this chat: nothing to choose
    assert not choice.isEnabled()
