"""A conversation as API clients send it, rendered as one harmony prompt.

Chat Completions messages and Responses input items both become `Message`s; the rendering is the
app's own (desktop.core.harmony, desktop.tools.functions). System and developer messages become
the developer message's instructions (the harmony system message is the model's own: identity,
date, reasoning effort, and where tool calls go). Reasoning is kept only for tool calls after the
last user message (the turn in progress), as the model was trained; earlier turns' is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.core import harmony
from desktop.server.errors import bad_request
from desktop.tools.functions import FunctionTool

_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_OPEN_ASSISTANT = "<|start|>assistant"


@dataclass(frozen=True)
class ToolCallOut:
    """A call the assistant made earlier, as the client sends it back."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Message:
    role: str  # system | developer | user | assistant | tool
    content: str = ""
    reasoning: str = ""
    tool_calls: tuple[ToolCallOut, ...] = ()
    tool_name: str = ""  # role "tool": the function whose result this is


def check_name(name: object, where: str, param: str | None = None) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise bad_request(f"{where} must be a function name (letters, digits, _ and -; at most 64).", param=param)
    return name


@dataclass(frozen=True)
class ToolChoice:
    """What `tool_choice` asks: "auto" (the model decides), "required" (some call), or one named
    function. "none" is kept out earlier: it renders no tools at all."""

    mode: str = "auto"  # auto | required | function
    name: str = ""  # mode "function": the function the call must go to

    @property
    def forces_call(self) -> bool:
        return self.mode != "auto"


def parse_tools(value: Any, choice: Any, *, nested: bool) -> tuple[FunctionTool, ...]:
    """Function tools from `tools` (Chat Completions nests them under `function`; Responses does not).

    With tool_choice "none" the model is shown no tools; parse_tool_choice reads the rest."""
    if value is None or choice == "none":
        return ()
    if not isinstance(value, list):
        raise bad_request("'tools' must be a list of function tools.", param="tools")
    tools = []
    for index, entry in enumerate(value):
        spec = entry.get("function") if nested and isinstance(entry, dict) else entry
        if not isinstance(entry, dict) or entry.get("type") != "function" or not isinstance(spec, dict):
            raise bad_request(f"'tools[{index}]' must be a function tool ({{\"type\": \"function\", ...}}); "
                              "other tool types are not supported.", param="tools")
        description = spec.get("description") or ""
        parameters = spec.get("parameters")
        if not isinstance(description, str) or not isinstance(parameters, dict | None):
            raise bad_request(f"'tools[{index}]' needs a string description and an object of parameters.",
                              param="tools")
        tools.append(FunctionTool(check_name(spec.get("name"), f"'tools[{index}].name'"), description, parameters))
    return tuple(tools)


def parse_tool_choice(choice: Any, tools: Sequence[FunctionTool], *, nested: bool) -> ToolChoice:
    """`tool_choice`: "auto", "none", "required", or a named function (Chat Completions:
    {"type": "function", "function": {"name": N}}; Responses: {"type": "function", "name": N})."""
    if choice in (None, "auto", "none"):
        return ToolChoice()
    if choice == "required":
        if not tools:
            raise bad_request("'tool_choice' 'required' needs at least one function in 'tools'.",
                              param="tool_choice")
        return ToolChoice("required")
    named = choice.get("function") if nested and isinstance(choice, dict) else choice
    if not isinstance(choice, dict) or choice.get("type") != "function" or not isinstance(named, dict):
        raise bad_request("'tool_choice' must be 'auto', 'none', 'required' or a function "
                          "({\"type\": \"function\", ...} naming one of 'tools').", param="tool_choice")
    name = check_name(named.get("name"), "The function 'tool_choice' names", "tool_choice")
    if name not in {tool.name for tool in tools}:
        raise bad_request(f"'tool_choice' names '{name}', which is not one of 'tools'.", param="tool_choice")
    return ToolChoice("function", name)


def render(messages: Sequence[Message], *, effort: str, today: date, tools: Sequence[FunctionTool] = ()) -> str:
    """The harmony prompt, ending with `<|start|>assistant` (the model writes next)."""
    instructions = "\n\n".join(m.content for m in messages if m.role in ("system", "developer") and m.content)
    head = harmony.render_prompt((), effort=effort, instructions=instructions, today=today, tools=tools)
    parts = [head.removesuffix(_OPEN_ASSISTANT)]
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    for index, message in enumerate(messages):
        if message.role == "user":
            parts.append(harmony.render_turn(harmony.Turn("user", message.content)))
        elif message.role == "assistant":
            if message.content:
                parts.append(harmony.render_turn(harmony.Turn("assistant", message.content)))
            reasoning = message.reasoning if index > last_user else ""
            for call in message.tool_calls:
                parts.append(harmony.CallMessage(f"functions.{call.name}", call.arguments, reasoning).render())
                reasoning = ""  # the thought goes once, before the first call
        elif message.role == "tool":
            parts.append(harmony.ToolResultMessage(f"functions.{message.tool_name}", message.content).render())
    parts.append(_OPEN_ASSISTANT)
    return "".join(parts)
