"""Every tool call is the person's to allow: once, always for this tool, or not.

`ToolApproval` remembers "always" per tool for the life of the turn's client (a window session,
one `ask`), and asks through whatever the client has: a dialog, a terminal, or nothing (then the
call is refused: a tool never runs unseen).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import Enum
from typing import Any


class Decision(Enum):
    ONCE = "once"
    ALWAYS = "always"
    DENY = "deny"


# (function name, arguments) -> the person's decision
Ask = Callable[[str, dict[str, Any]], Decision]


class ToolApproval:
    """An Approver (desktop.tools.runner): call it with a function's name and arguments."""

    def __init__(self, ask: Ask | None, *, approve_all: bool = False) -> None:
        self._ask = ask
        self.approve_all = approve_all
        self._always: set[str] = set()
        self._lock = threading.Lock()  # one question at a time

    def __call__(self, name: str, arguments: dict[str, Any]) -> bool:
        with self._lock:
            if self.approve_all or name in self._always:
                return True
            if self._ask is None:
                return False
            decision = self._ask(name, arguments)
            if decision is Decision.ALWAYS:
                self._always.add(name)
            return decision is not Decision.DENY
