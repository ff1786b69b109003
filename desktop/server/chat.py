"""POST /v1/chat/completions: OpenAI's Chat Completions on the engine, streamed or not.

Reasoning comes back apart from the answer, under both names clients read: `reasoning_content`
(vLLM, llama-server) and `reasoning` (LM Studio, OpenRouter), in stream deltas too.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from desktop.server import params
from desktop.server.errors import ApiError, bad_request
from desktop.server.forced_call import generate_call
from desktop.server.generation import Outcome, Piece, function_name, generate
from desktop.server.messages import Message, ToolCallOut, check_name, parse_tool_choice, parse_tools, render
from desktop.server.state import ServerState

ROLES = ("system", "developer", "user", "assistant", "tool")


def parse_messages(value: Any) -> list[Message]:
    if not isinstance(value, list) or not value:
        raise bad_request("'messages' must be a non-empty list of messages.", param="messages")
    names: dict[str, str] = {}  # tool_call_id -> function name, from the assistant's calls
    messages: list[Message] = []
    for index, item in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(item, dict):
            raise bad_request(f"'{where}' must be an object with a role and content.", param="messages")
        role = item.get("role")
        if role not in ROLES:
            raise bad_request(f"'{where}.role' must be one of {', '.join(ROLES)}, not {role!r}.", param="messages")
        content = text_content(item.get("content"), f"{where}.content")
        if role == "assistant":
            reasoning = item.get("reasoning_content") or item.get("reasoning") or ""
            if not isinstance(reasoning, str):
                raise bad_request(f"'{where}.reasoning_content' must be a string.", param="messages")
            calls = _tool_calls(item.get("tool_calls"), where)
            names.update((c.call_id, c.name) for c in calls)
            messages.append(Message("assistant", content, reasoning, calls))
        elif role == "tool":
            call_id = item.get("tool_call_id")
            name = item.get("name") or (names.get(call_id) if isinstance(call_id, str) else None)
            if not name:
                raise bad_request(f"'{where}.tool_call_id' does not name a tool call of an earlier assistant message.",
                                  param="messages")
            messages.append(Message("tool", content, tool_name=check_name(name, f"'{where}.name'")))
        else:
            messages.append(Message(role, content))
    return messages


def text_content(value: Any, where: str) -> str:
    """A message's text: a string, or a list of text parts (other parts are refused)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for part in value:
            if not isinstance(part, dict) or part.get("type") not in ("text", "input_text", "output_text") \
                    or not isinstance(part.get("text"), str):
                raise bad_request(f"'{where}' may only hold text parts; this model reads text only.")
            texts.append(part["text"])
        return "".join(texts)
    raise bad_request(f"'{where}' must be a string or a list of text parts.")


def _tool_calls(value: Any, where: str) -> tuple[ToolCallOut, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise bad_request(f"'{where}.tool_calls' must be a list.", param="messages")
    calls = []
    for call in value:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("arguments", ""), str):
            raise bad_request(f"'{where}.tool_calls' entries need a function with a name and string arguments.",
                              param="messages")
        call_id = call.get("id") if isinstance(call.get("id"), str) else ""
        calls.append(ToolCallOut(call_id, check_name(function.get("name"), f"'{where}.tool_calls[].function.name'"),
                                 function.get("arguments", "")))
    return tuple(calls)


async def chat_completions(state: ServerState, body: dict[str, Any]):
    """Returns the response dict, or an async iterator of SSE lines when `stream` is true."""
    model = state.chat_model_for(body.get("model"))
    messages = parse_messages(body.get("messages"))
    tools = parse_tools(body.get("tools"), body.get("tool_choice"), nested=True)
    choice = parse_tool_choice(body.get("tool_choice"), tools, nested=True)
    n = params.positive_int(body, "n")
    if n is not None and n != 1:
        raise bad_request("'n' must be 1: this server writes one answer per request.", param="n")
    effort = params.effort(body.get("reasoning_effort"), "reasoning_effort", state.default_effort)
    sampling = params.sampling(body, state.sampling, ("max_completion_tokens", "max_tokens"))
    stops = params.stop_strings(body)
    stream = params.optional(body, "stream", bool, "true or false") or False
    options = params.optional(body, "stream_options", dict, "an object") or {}
    prompt = render(messages, effort=effort, today=date.today(), tools=tools)
    reply = _Reply(model)
    engine = state.engine_or_503()
    pieces = (generate_call(engine, prompt, sampling, choice, tools, state.activity) if choice.forces_call
              else generate(engine, prompt, sampling, stops, state.activity))
    if stream:
        first = await anext(pieces)  # a request that fails at once gets its HTTP status, not a broken stream
        return reply.stream(first, pieces, bool(options.get("include_usage")))
    async for item in pieces:
        if isinstance(item, Outcome):
            return reply.whole(item)
    raise ApiError(500, "The generation ended without a result.", "generation_failed")


class _Reply:
    def __init__(self, model: str) -> None:
        self.id = "chatcmpl-" + secrets.token_hex(12)
        self.created = int(time.time())
        self.model = model

    def whole(self, outcome: Outcome) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": outcome.content or None}
        if outcome.reasoning:
            message["reasoning_content"] = message["reasoning"] = outcome.reasoning
        if outcome.tool_calls:
            message["tool_calls"] = [{k: v for k, v in _call(i, c).items() if k != "index"}
                                     for i, c in enumerate(outcome.tool_calls)]
        return {"id": self.id, "object": "chat.completion", "created": self.created, "model": self.model,
                "choices": [{"index": 0, "message": message, "finish_reason": outcome.finish_reason,
                             "logprobs": None}],
                "usage": _usage(outcome)}

    async def stream(self, first: Piece | Outcome, rest: AsyncIterator[Piece | Outcome],
                     include_usage: bool) -> AsyncIterator[str]:
        yield self._chunk({"role": "assistant", "content": ""})
        item: Piece | Outcome | None = first
        try:
            while item is not None:
                if isinstance(item, Piece):
                    if item.kind == "reasoning":
                        yield self._chunk({"reasoning_content": item.text, "reasoning": item.text})
                    else:
                        yield self._chunk({"content": item.text})
                else:
                    if item.tool_calls:
                        yield self._chunk({"tool_calls": [_call(i, c) for i, c in enumerate(item.tool_calls)]})
                    yield self._chunk({}, item.finish_reason)
                    if include_usage:
                        yield _sse({"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                                    "model": self.model, "choices": [], "usage": _usage(item)})
                item = await anext(rest, None)
        except ApiError as exc:  # after the headers went out: the error travels in the stream
            yield _sse(exc.body())
        finally:
            await rest.aclose()  # a client that left cancels its request here
        yield "data: [DONE]\n\n"

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> str:
        return _sse({"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]})


def _call(index: int, call) -> dict[str, Any]:
    return {"index": index, "id": "call_" + secrets.token_hex(12), "type": "function",
            "function": {"name": function_name(call), "arguments": call.arguments}}


def _usage(outcome: Outcome) -> dict[str, int]:
    return {"prompt_tokens": outcome.prompt_tokens, "completion_tokens": outcome.completion_tokens,
            "total_tokens": outcome.prompt_tokens + outcome.completion_tokens}


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
