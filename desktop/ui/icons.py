"""The bundled line icons (Lucide, ISC licence: resources/icons/lucide/), in the theme's colours.

Lucide draws with `stroke="currentColor"`, which Qt's SVG renderer paints black. Each icon is
recoloured by writing its SVG with the colour in place to the cache folder, once per colour and
icon version, and handed to Qt as a file: Qt's own SVG icon engine then draws it at whatever size
and device pixel ratio a screen asks for (crisp at 200 %), only when it is painted. That costs the
first frame ~3 ms; rasterising pixmaps up front through an image reader cost ~8-17 ms.
"""

from __future__ import annotations

import hashlib
import logging
import os
from functools import cache
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from desktop.resources import resource_path

log = logging.getLogger(__name__)

ICON_SET = "lucide"


class UnknownIconError(LookupError):
    pass


@cache
def svg_source(name: str) -> str:
    """The bundled SVG text of `name` (e.g. "settings")."""
    path = resource_path("icons", ICON_SET, f"{name}.svg")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnknownIconError(f"no bundled icon named {name!r} (looked for {path})") from None


def recoloured_file(name: str, colour: str, cache_dir: Path) -> Path:
    """An SVG file of icon `name` drawn in `colour` (e.g. "#5f6368"), written once."""
    source = svg_source(name)
    version = hashlib.sha256(source.encode("utf-8")).hexdigest()[:10]
    path = cache_dir / f"{name}-{version}-{colour.lstrip('#').lower()}.svg"
    data = source.replace("currentColor", colour).encode("utf-8")
    try:
        if path.stat().st_size == len(data):
            return path
    except FileNotFoundError:
        cache_dir.mkdir(parents=True, exist_ok=True)
    # A cache file, remade whenever it is missing or torn: renamed into place whole, but not
    # fsynced (eight fsyncs cost a first launch ~80 ms on a busy disk).
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def themed_icon(name: str, colour: str, checked_colour: str, cache_dir: Path) -> QIcon:
    """Icon `name` in `colour`, and in `checked_colour` when its button is checked (state On).

    A cache folder that cannot be written gives the plain icon (painted black) and a log line,
    never a failed window."""
    icon = QIcon()
    try:
        icon.addFile(str(recoloured_file(name, colour, cache_dir)), QSize(), QIcon.Mode.Normal, QIcon.State.Off)
        icon.addFile(str(recoloured_file(name, checked_colour, cache_dir)), QSize(), QIcon.Mode.Normal,
                     QIcon.State.On)
    except OSError as exc:
        log.warning("cannot write recoloured icons to %s: %s", cache_dir, exc)
        icon = QIcon(str(resource_path("icons", ICON_SET, f"{name}.svg")))
    return icon
