"""Turn what the user dropped (files and folders) into the list of files to index.

Folders are walked recursively without following symbolic links to folders (no loops). Hidden
files and folders, dependency folders and unsupported types are reported as skipped with a
reason, never silently dropped; a hidden folder is reported once rather than file by file.
Only regular files are read: a FIFO or device would block or never end.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.documents import document_kind

# Folders of installed dependencies or build output: thousands of files nobody asks about.
_DEPENDENCY_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "bower_components"})


@dataclass
class ScanResult:
    files: list[Path] = field(default_factory=list)  # supported regular files, in walk order
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)  # given paths that do not exist
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # folders we could not list
    folders: list[Path] = field(default_factory=list)  # folders walked (for removal detection)


def absolute(path: str | os.PathLike[str]) -> Path:
    """The canonical form used as a document's key: absolute, symlinks resolved."""
    return Path(path).expanduser().resolve()


def scan(paths: Iterable[str | os.PathLike[str]]) -> ScanResult:
    result = ScanResult()
    seen: set[Path] = set()
    for given in paths:
        path = absolute(given)
        if path in seen:
            continue
        seen.add(path)
        try:
            info = path.stat()
        except FileNotFoundError:
            result.missing.append(path)
            continue
        except OSError as exc:
            result.unreadable.append((path, _reason(exc)))
            continue
        if stat.S_ISDIR(info.st_mode):
            result.folders.append(path)
            _walk(path, result, seen)
        else:
            _classify(path, info.st_mode, result, explicit=True)
    return result


def _walk(root: Path, result: ScanResult, seen: set[Path]) -> None:
    def on_error(exc: OSError) -> None:
        result.unreadable.append((Path(exc.filename or root), _reason(exc)))

    for folder, dirs, files in os.walk(root, onerror=on_error):
        base = Path(folder)
        dirs.sort()
        for name in list(dirs):
            if name.startswith("."):
                result.skipped.append((base / name, "hidden folder"))
                dirs.remove(name)
            elif name in _DEPENDENCY_DIRS:
                result.skipped.append((base / name, "dependency folder"))
                dirs.remove(name)
        for name in sorted(files):
            path = base / name
            if path in seen:
                continue
            seen.add(path)
            try:
                mode = path.lstat().st_mode
                if stat.S_ISLNK(mode):
                    mode = path.stat().st_mode
            except OSError as exc:
                if isinstance(exc, FileNotFoundError):
                    result.missing.append(path)
                else:
                    result.unreadable.append((path, _reason(exc)))
                continue
            _classify(path, mode, result, explicit=False)


def _classify(path: Path, mode: int, result: ScanResult, *, explicit: bool) -> None:
    if not stat.S_ISREG(mode):
        result.skipped.append((path, "not a regular file"))
    elif path.name.startswith(".") and not explicit:
        result.skipped.append((path, "hidden file"))
    elif document_kind(path) is None:
        result.skipped.append((path, f"unsupported type ({path.suffix or 'no extension'})"))
    else:
        result.files.append(path)


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)
