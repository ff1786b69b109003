"""Responses kept for `previous_response_id`: one JSON file per response in the data folder.

Each file holds the whole conversation up to and including that response's output, so a chain
of any length is read back with one file. Ids are generated here and checked against their
pattern before they name a file, so a request cannot reach outside the folder.

They do not pile up: a response older than MAX_AGE_DAYS goes, and past MAX_COUNT files or
MAX_BYTES the oldest go first (checked when the API starts and after every CLEAN_EVERY saves: a
check reads every file's size and age, ~40 ms at the cap here, too much for every response). A chain whose
start was removed still continues: each file holds its whole conversation.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import asdict
from pathlib import Path

from desktop.core.fsutil import atomic_write_text
from desktop.server.messages import Message, ToolCallOut

_ID = re.compile(r"resp_[0-9a-f]{32}")
MAX_AGE_DAYS = 30
MAX_COUNT = 2000
MAX_BYTES = 200 * 1024 * 1024
CLEAN_EVERY = 20  # saves between checks: the caps may be passed by this many files at most

log = logging.getLogger(__name__)


def new_response_id() -> str:
    return "resp_" + secrets.token_hex(16)


class ResponseStore:
    def __init__(self, folder: Path, *, max_age_days: float = MAX_AGE_DAYS, max_count: int = MAX_COUNT,
                 max_bytes: int = MAX_BYTES) -> None:
        self.folder = Path(folder)
        self.max_age_s = max_age_days * 86400
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._clean_lock = threading.Lock()  # two requests finishing at once clean once each, in turn
        self._saves = 0  # since the last clean

    def save(self, response_id: str, conversation: list[Message], response: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"conversation": [asdict(m) for m in conversation], "response": response}
        atomic_write_text(self._path(response_id), json.dumps(data, ensure_ascii=False))
        self._saves += 1
        if self._saves >= CLEAN_EVERY:
            self.clean(keep=response_id)

    def clean(self, keep: str | None = None) -> int:
        """Remove responses past their age, then the oldest past the count or size cap (never
        `keep`, the one just saved). Returns how many went."""
        with self._clean_lock:
            self._saves = 0
            entries = []
            try:
                with os.scandir(self.folder) as found:
                    for entry in found:
                        if entry.is_file() and _ID.fullmatch(entry.name.removesuffix(".json")) \
                                and entry.name.endswith(".json"):
                            stat = entry.stat()
                            entries.append((stat.st_mtime, stat.st_size, entry.name))
            except FileNotFoundError:
                return 0
            entries.sort(reverse=True)  # newest first
            cutoff = time.time() - self.max_age_s
            kept_count = kept_bytes = 0
            full = False  # once one response does not fit, every older one goes too
            doomed = []
            for mtime, size, name in entries:
                full = full or mtime < cutoff or kept_count >= self.max_count or kept_bytes + size > self.max_bytes
                if full and name != f"{keep}.json":
                    doomed.append(name)
                else:
                    kept_count += 1
                    kept_bytes += size
            for name in doomed:
                try:
                    (self.folder / name).unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:  # e.g. read-only: the next clean tries again
                    log.warning("could not remove the stored response %s: %s", name, exc)
            return len(doomed)

    def conversation(self, response_id: str) -> list[Message] | None:
        """The stored conversation of a response, or None if there is no such response."""
        if not _ID.fullmatch(response_id):
            return None
        try:
            data = json.loads(self._path(response_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return [Message(m["role"], m["content"], m["reasoning"],
                        tuple(ToolCallOut(**c) for c in m["tool_calls"]), m["tool_name"])
                for m in data["conversation"]]

    def _path(self, response_id: str) -> Path:
        return self.folder / f"{response_id}.json"
