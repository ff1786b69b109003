"""The window reads the model catalog once: its panes, its downloads and the Models view share it."""

from __future__ import annotations

import pytest

from desktop.context import AppContext
from desktop.core.catalog import Catalog
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub


def test_the_window_builds_one_catalog(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Catalog] = []
    original = Catalog.__init__

    def counting(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(Catalog, "__init__", counting)
    win = MainWindow(SettingsHub(AppContext.load()))
    qtbot.addWidget(win)
    win.show()
    win.chat.refresh_models()  # the chat's model list, as after a download
    win.open_models()  # the Models view, with its download rows
    win.open_models()  # shown again: the same view
    assert len(built) == 1, f"{len(built)} catalogs"
    assert win.models_view.catalog is built[0]
    win.close()
