"""`tool_choice` "required" or a named function: the answer must be a call.

The engine takes a rendered prompt and no grammar, so nothing can stop the model from answering
in words. What is done instead, in at most two generations on the engine:
1. The model runs as usual (its reasoning streams to the client; any answer text is held back).
   If it calls a function the choice allows, that call is the result.
2. Otherwise it is asked once more, its reasoning kept, with the call's harmony header already
   written (`<|start|>assistant<|channel|>commentary to=functions.NAME <|constrain|>json<|message|>`,
   as gpt-oss writes it itself): what it writes until `<|call|>` is the arguments. With "required"
   and several functions the header stops after `functions.` and the model names one.
A second answer that does not end in `<|call|>` with a JSON object, or names a function not
offered, is not passed off as a call: the request fails with a 500 that says so.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from desktop.core.harmony import ToolCall
from desktop.core.runtime import Sampling
from desktop.engine.service import EngineService
from desktop.server.errors import ApiError
from desktop.server.generation import Outcome, Piece, function_name, generate
from desktop.server.messages import ToolChoice
from desktop.server.state import Activity
from desktop.tools.functions import FunctionTool

_OPEN_ASSISTANT = "<|start|>assistant"


async def generate_call(engine: EngineService, prompt: str, sampling: Sampling, choice: ToolChoice,
                        tools: Sequence[FunctionTool], activity: Activity | None = None,
                        ) -> AsyncIterator[Piece | Outcome]:
    """As generation.generate, for a choice that forces a call: reasoning pieces, then an Outcome
    whose finish_reason is "tool_calls" (or "length" when the limit came first)."""
    allowed = {choice.name} if choice.mode == "function" else {tool.name for tool in tools}
    held: list[Piece] = []
    first: Outcome | None = None
    async for item in generate(engine, prompt, sampling, (), activity):
        if isinstance(item, Outcome):
            first = item
        elif item.kind == "reasoning":
            yield item
        else:
            held.append(item)  # an answer in words is not what was asked for; kept if it called
    assert first is not None
    calls = [call for call in first.tool_calls if function_name(call) in allowed]
    if calls or first.finish_reason == "length":
        for piece in held:
            yield piece
        yield replace(first, tool_calls=calls, finish_reason="tool_calls" if calls else first.finish_reason)
        return
    only = choice.name if choice.mode == "function" else (tools[0].name if len(tools) == 1 else "")
    header = f"{_OPEN_ASSISTANT}<|channel|>commentary to=functions.{only}"
    if only:
        header += " <|constrain|>json<|message|>"
    thought = f"<|channel|>analysis<|message|>{first.reasoning}<|end|>" if first.reasoning else ""
    again = prompt + thought + (header if thought else header.removeprefix(_OPEN_ASSISTANT))
    left = max(1, sampling.max_tokens - first.completion_tokens)
    text: list[str] = []
    second: Outcome | None = None
    async for item in generate(engine, again, replace(sampling, max_tokens=left), (), activity):
        if isinstance(item, Outcome):
            second = item
        else:
            text.append(item.text)
    assert second is not None
    call = _the_call(second, "".join(text), only, allowed)
    yield Outcome("tool_calls", first.reasoning, "", [call], first.prompt_tokens,
                  first.completion_tokens + second.completion_tokens)


def _the_call(outcome: Outcome, text: str, name: str, allowed: set[str]) -> ToolCall:
    calls = [call for call in outcome.tool_calls if function_name(call) in allowed]
    if calls:  # it closed the written header and wrote a whole call of its own
        return calls[0]
    wanted = f"'{name}'" if name else "one of " + ", ".join(sorted(allowed))
    if outcome.finish_reason != "tool_calls":
        raise ApiError(500, f"The model answered without calling {wanted}, although 'tool_choice' asked for a call.",
                       "tool_call_not_made")
    if not name:  # the header stopped after `functions.`: the model wrote the name, then its arguments
        name = next((n for n in sorted(allowed, key=len, reverse=True) if text.startswith(n)), "")
        if not name:
            raise ApiError(500, f"The model did not call {wanted}, although 'tool_choice' asked for a call.",
                           "tool_call_not_made")
        text = text[len(name):].lstrip().removeprefix("json")  # the `<|constrain|>json` marker's word
    try:
        arguments = json.loads(text)
    except ValueError:
        arguments = None
    if not isinstance(arguments, dict):
        raise ApiError(500, f"The model's call of '{name}' did not carry a JSON object of arguments.",
                       "tool_call_malformed")
    return ToolCall(f"functions.{name}", text.strip(), "json")
