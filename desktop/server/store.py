"""Responses kept for `previous_response_id`: one JSON file per response in the data folder.

Each file holds the whole conversation up to and including that response's output, so a chain
of any length is read back with one file. Ids are generated here and checked against their
pattern before they name a file, so a request cannot reach outside the folder.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict
from pathlib import Path

from desktop.core.fsutil import atomic_write_text
from desktop.server.messages import Message, ToolCallOut

_ID = re.compile(r"resp_[0-9a-f]{32}")


def new_response_id() -> str:
    return "resp_" + secrets.token_hex(16)


class ResponseStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def save(self, response_id: str, conversation: list[Message], response: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"conversation": [asdict(m) for m in conversation], "response": response}
        atomic_write_text(self._path(response_id), json.dumps(data, ensure_ascii=False))

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
