"""What every command and window needs: where files live and the current settings."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.paths import AppPaths
from desktop.settings import Settings, load_settings, save_settings


@dataclass
class AppContext:
    paths: AppPaths
    settings: Settings

    @classmethod
    def load(cls, paths: AppPaths | None = None) -> AppContext:
        paths = (paths or AppPaths.from_environment()).ensure()
        return cls(paths=paths, settings=load_settings(paths.settings_file))

    def update_settings(self, settings: Settings) -> None:
        save_settings(self.paths.settings_file, settings)
        self.settings = settings
