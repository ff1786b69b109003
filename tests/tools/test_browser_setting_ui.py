"""Settings → Library offers "Search once" or "Let the model browse" (library.mode), saved for the
window's chats and `ask` alike; real Qt offscreen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox

from desktop.context import AppContext
from desktop.settings import load_settings
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.settings_pane import SettingsPane


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
