"""Where the app keeps its files: the OS's proper places, or one folder for portable use and tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "gpt-oss-desktop"
HOME_ENV = "GPT_OSS_DESKTOP_HOME"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def from_environment(cls) -> AppPaths:
        """`GPT_OSS_DESKTOP_HOME=/dir` puts everything under one folder; else platformdirs."""
        home = os.environ.get(HOME_ENV)
        if home:
            return cls.under(Path(home))
        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            config_dir=Path(dirs.user_config_dir),
            data_dir=Path(dirs.user_data_dir),
            cache_dir=Path(dirs.user_cache_dir),
            log_dir=Path(dirs.user_log_dir),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        root = root.expanduser().resolve()
        return cls(root / "config", root / "data", root / "cache", root / "logs")

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def conversations_db(self) -> Path:
        return self.data_dir / "conversations.sqlite3"

    @property
    def library_db(self) -> Path:
        # Milvus Lite stores a collection as a directory at this path.
        return self.data_dir / "library.db"

    def ensure(self) -> AppPaths:
        for directory in (self.config_dir, self.data_dir, self.cache_dir, self.log_dir, self.models_dir):
            directory.mkdir(parents=True, exist_ok=True)
        return self
