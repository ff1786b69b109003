"""The UI's single owner of settings: validates, saves atomically and tells every pane."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.context import AppContext
from desktop.settings import Settings


class SettingsHub(QObject):
    sig_changed = Signal(object)  # Settings, after it was saved

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx

    @property
    def settings(self) -> Settings:
        return self._ctx.settings

    @property
    def ctx(self) -> AppContext:
        return self._ctx

    def update(self, section: str, **changes: Any) -> Settings:
        """Apply and save; raises ValueError (with a human message) when a value is out of range."""
        updated = self._ctx.settings.with_section(section, **changes)
        if updated != self._ctx.settings:
            self._ctx.update_settings(updated)
            self.sig_changed.emit(updated)
        return updated

    def replace_all(self, settings: Settings) -> None:
        self._ctx.update_settings(settings)
        self.sig_changed.emit(settings)
