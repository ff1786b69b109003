"""Which install this is, and where its catalog of a library lives.

A library on a Milvus server is shared: every install keeps its own catalog (SQLite, in its data
folder, one per server URI, so the laptop's own Lite library and a team server never mix) and
marks its chunks in the shared collection with its install id (see `store`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from desktop.core.library.store import is_lite_uri

INSTALL_ID_FILE = "install_id"


def install_id(data_dir: Path) -> str:
    """A random id made once per install (16 hex digits); says nothing about the machine or person."""
    path = data_dir / INSTALL_ID_FILE
    try:
        known = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        known = ""
    if len(known) == 16 and all(c in "0123456789abcdef" for c in known):
        return known
    new = secrets.token_hex(8)
    data_dir.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(new, encoding="ascii")
    os.replace(temp, path)
    return new


def catalog_path(data_dir: Path, uri: str) -> Path:
    """The local Lite library keeps its catalog's old name; each server gets one of its own."""
    if is_lite_uri(uri):
        return data_dir / "library.sqlite3"
    digest = hashlib.sha1(uri.strip().rstrip("/").encode("utf-8")).hexdigest()[:12]
    return data_dir / f"library-server-{digest}.sqlite3"
