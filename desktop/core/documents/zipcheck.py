"""Open a ZIP-based document (DOCX, EPUB) only after checking it cannot explode in memory."""

from __future__ import annotations

import zipfile
from pathlib import Path

from desktop.core.documents.model import (
    MAX_CONTAINER_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    MIB,
    DocumentError,
    check_size,
)

MAX_MEMBERS = 20_000


def open_checked_zip(path: Path, what: str) -> zipfile.ZipFile:
    """A ZipFile whose declared uncompressed total is within limits.

    The declared sizes bound what zipfile will ever return (it stops reading a member at its
    declared size and fails the CRC check when the data lies), so checking them up front is
    enough to refuse a zip bomb before anything is decompressed.
    """
    check_size(path, MAX_CONTAINER_BYTES, f"{what} files")
    try:
        # is_zipfile itself raises on some headers (fuzzing: "zipfiles that span multiple disks").
        if not zipfile.is_zipfile(path):
            raise DocumentError(f"not a valid {what} file (it is not a ZIP container)")
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise DocumentError(f"damaged {what} file ({exc})") from exc
    except NotImplementedError as exc:  # found by fuzzing: "zip file version 23.5"
        raise DocumentError(f"unsupported {what} file ({exc})") from exc
    members = archive.infolist()
    total = sum(info.file_size for info in members)
    if len(members) > MAX_MEMBERS or total > MAX_UNCOMPRESSED_BYTES:
        archive.close()
        raise DocumentError(
            f"refused: unpacks to {total / MIB:.0f} MB in {len(members)} parts "
            f"(limit {MAX_UNCOMPRESSED_BYTES // MIB} MB); possibly a zip bomb")
    return archive


def read_member(archive: zipfile.ZipFile, name: str, what: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError as exc:
        raise DocumentError(f"damaged {what} file: {name} is missing") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise DocumentError(f"damaged {what} file ({exc})") from exc
    except NotImplementedError as exc:  # a compression method zipfile lacks
        raise DocumentError(f"unsupported {what} file ({exc})") from exc
    except RuntimeError as exc:  # "File ... is encrypted, password required"
        raise DocumentError(f"encrypted {what} file ({exc})") from exc
