"""What the agent loop needs from a set of tools, and the rules every tool result follows.

A tool's output is untrusted text: it is capped in size here, its harmony markers are
neutralised when it is rendered (desktop.core.harmony.ToolResultMessage), and each call has a time
limit that its runner enforces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from desktop.core.jobs import CancelToken
from desktop.tools.functions import FunctionTool

RESULT_LIMIT_CHARS = 16_000  # about 4k tokens: a tool cannot fill the context by itself
CALL_TIMEOUT_S = 60.0


class ToolFailure(Exception):
    """A call that could not give a result; the message (one line) goes to the model and the person."""


class ToolRunner(Protocol):
    def functions(self) -> Sequence[FunctionTool]: ...

    def call(self, name: str, arguments: dict[str, Any], cancel: CancelToken) -> str:
        """Run one call within the runner's time limit; raises ToolFailure with a one-line reason."""
        ...


# name, arguments -> whether the person allows this call
Approver = Callable[[str, dict[str, Any]], bool]


def cap_result(text: str, limit: int = RESULT_LIMIT_CHARS) -> str:
    """At most `limit` characters, saying how much was cut so the model does not take it as whole."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[output cut: {len(text):,} characters, only the first {limit:,} shown]"


@dataclass
class LocalFunctions:
    """Plain Python functions as tools (tests, and the API server's tools when it runs them here)."""

    tools: dict[str, tuple[FunctionTool, Callable[[dict[str, Any]], str]]]

    def functions(self) -> Sequence[FunctionTool]:
        return [tool for tool, _ in self.tools.values()]

    def call(self, name: str, arguments: dict[str, Any], cancel: CancelToken) -> str:
        try:
            return self.tools[name][1](arguments)
        except ToolFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - a tool's bug is the model's error message, not a crash
            raise ToolFailure(f"{name} failed: {exc}") from exc
