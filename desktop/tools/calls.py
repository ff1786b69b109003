"""Reading a tool call as real models write it: tolerant of what gpt-oss gets wrong.

The recipient may sit before or after the channel (the parser finds it in either place), the
`<|constrain|>json` may be missing, the namespace may be left out (`to=get_weather`), and the
arguments may not be JSON at all. Nothing here raises: a call that cannot be run becomes a
`CallError` whose message goes back to the model as the tool's answer, so it can try again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from desktop.tools.functions import FUNCTIONS_NAMESPACE

_FENCE = re.compile(r"\A\s*```(?:json)?\s*(.*?)\s*```\s*\Z", re.S)


@dataclass(frozen=True)
class ReadCall:
    name: str  # the function's name, without the namespace
    arguments: dict[str, Any]


@dataclass(frozen=True)
class CallError:
    name: str  # what the model called, as written
    message: str  # for the model: what was wrong and what it can call


def read_call(recipient: str, arguments: str, known: Collection[str]) -> ReadCall | CallError:
    """The function and its arguments, or why the call cannot run (one line for the model)."""
    name = recipient.strip().removeprefix(f"{FUNCTIONS_NAMESPACE}.")
    if name not in known:
        offered = ", ".join(sorted(known)) or "none"
        return CallError(name, f"Error: there is no function {recipient!r}. Functions you can call: {offered}.")
    parsed = parse_arguments(arguments)
    if isinstance(parsed, str):
        return CallError(name, f"Error: the arguments of {name} are not valid: {parsed}. "
                               "Send one JSON object, e.g. {\"key\": \"value\"}.")
    return ReadCall(name, parsed)


def parse_arguments(text: str) -> dict[str, Any] | str:
    """A JSON object from the call's text; an empty text is no arguments. Else the reason (str)."""
    text = text.strip()
    if not text:
        return {}
    fenced = _FENCE.match(text)  # models sometimes wrap JSON in a Markdown code fence
    if fenced:
        text = fenced.group(1)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{exc.msg} at character {exc.pos + 1}"
    if not isinstance(value, dict):
        return f"expected a JSON object, got {type(value).__name__}"
    return value
