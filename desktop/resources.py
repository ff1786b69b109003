"""Where bundled files (icons, the .desktop entry) are, from a source checkout or a frozen app."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller unpacks data files here
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def icon_paths(up_to: int | None = None) -> list[Path]:
    """The app icon's PNG sizes, smallest first (Qt picks the right one per screen); `up_to`: only
    those of at most that many pixels."""
    sized = sorted((int(p.stem.split("-")[1]), p) for p in resource_path("icons").glob("app-*.png"))
    return [path for size, path in sized if up_to is None or size <= up_to]
