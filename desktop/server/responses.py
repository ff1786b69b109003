"""POST /v1/responses: the API gpt-oss was built around, on the engine, streamed or not.

Output items are a reasoning item (its text under `content` as `reasoning_text`), the answer as
a message item, and function calls. `previous_response_id` continues a stored conversation
(ResponseStore); `instructions` apply to this request only, as in OpenAI's API.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool

from desktop.server import params
from desktop.server.chat import text_content
from desktop.server.errors import ApiError, bad_request
from desktop.server.forced_call import generate_call
from desktop.server.generation import Outcome, Piece, function_name, generate
from desktop.server.messages import Message, ToolCallOut, check_name, parse_tool_choice, parse_tools, render
from desktop.server.state import ServerState
from desktop.server.store import new_response_id

_MESSAGE_ROLES = ("user", "system", "developer", "assistant")


def parse_input(value: Any, earlier: list[Message]) -> list[Message]:
    if isinstance(value, str):
        return [Message("user", value)]
    if not isinstance(value, list) or not value:
        raise bad_request("'input' must be a string or a non-empty list of items.", param="input")
    names = {c.call_id: c.name for m in earlier for c in m.tool_calls}
    messages: list[Message] = []
    thought = ""  # a reasoning item goes with the call or answer that follows it
    for index, item in enumerate(value):
        where = f"input[{index}]"
        if not isinstance(item, dict):
            raise bad_request(f"'{where}' must be an object.", param="input")
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if role not in _MESSAGE_ROLES:
                raise bad_request(f"'{where}.role' must be one of {', '.join(_MESSAGE_ROLES)}, not {role!r}.",
                                  param="input")
            text = text_content(item.get("content"), f"{where}.content")
            messages.append(Message(role, text, thought if role == "assistant" else ""))
            thought = ""
        elif kind == "function_call":
            call_id, arguments = item.get("call_id"), item.get("arguments", "")
            if not isinstance(call_id, str) or not isinstance(arguments, str):
                raise bad_request(f"'{where}' needs a string call_id and string arguments.", param="input")
            call = ToolCallOut(call_id, check_name(item.get("name"), f"'{where}.name'"), arguments)
            names[call_id] = call.name
            messages.append(Message("assistant", reasoning=thought, tool_calls=(call,)))
            thought = ""
        elif kind == "function_call_output":
            call_id, output = item.get("call_id"), item.get("output")
            if not isinstance(output, str):
                raise bad_request(f"'{where}.output' must be a string.", param="input")
            if call_id not in names:
                raise bad_request(f"'{where}.call_id' does not name an earlier function call.", param="input")
            messages.append(Message("tool", output, tool_name=names[call_id]))
        elif kind == "reasoning":
            parts = item.get("content") or []
            if not isinstance(parts, list):
                raise bad_request(f"'{where}.content' must be a list of reasoning_text parts.", param="input")
            thought += "".join(p.get("text", "") for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))
        else:
            raise bad_request(f"'{where}.type' {kind!r} is not supported; use message, function_call, "
                              "function_call_output or reasoning.", param="input")
    return messages


async def create_response(state: ServerState, body: dict[str, Any]):
    """The response dict, or an async iterator of SSE events when `stream` is true."""
    model = state.chat_model_for(body.get("model"))
    tools = parse_tools(body.get("tools"), body.get("tool_choice"), nested=False)
    choice = parse_tool_choice(body.get("tool_choice"), tools, nested=False)
    earlier: list[Message] = []
    previous = params.optional(body, "previous_response_id", str, "a response id")
    if previous is not None:
        found = await run_in_threadpool(state.store.conversation, previous)
        if found is None:
            raise ApiError(404, f"Previous response with id '{previous}' not found.", "previous_response_not_found",
                           "previous_response_id")
        earlier = found
    new = parse_input(body.get("input"), earlier)
    instructions = params.optional(body, "instructions", str, "a string") or ""
    reasoning = params.optional(body, "reasoning", dict, "an object") or {}
    effort = params.effort(reasoning.get("effort"), "reasoning.effort", state.default_effort)
    sampling = params.sampling(body, state.sampling, ("max_output_tokens",))
    stream = params.optional(body, "stream", bool, "true or false") or False
    keep = params.optional(body, "store", bool, "true or false")
    conversation = [*earlier, *new]
    prompt = render([Message("developer", instructions), *conversation] if instructions else conversation,
                    effort=effort, today=date.today(), tools=tools)
    reply = _Reply(state, model, body, previous, conversation, keep is not False)
    engine = state.engine_or_503()
    pieces = (generate_call(engine, prompt, sampling, choice, tools, state.activity) if choice.forces_call
              else generate(engine, prompt, sampling, activity=state.activity))
    if stream:
        first = await anext(pieces)
        return reply.stream(first, pieces)
    async for item in pieces:
        if isinstance(item, Outcome):
            return await reply.finish(item)
    raise ApiError(500, "The generation ended without a result.", "generation_failed")


class _Reply:
    def __init__(self, state: ServerState, model: str, body: dict[str, Any], previous: str | None,
                 conversation: list[Message], keep: bool) -> None:
        self.state = state
        self.id = new_response_id()
        self.created = int(time.time())
        self.model = model
        self.body = body
        self.previous = previous
        self.conversation = conversation
        self.keep = keep
        self.sequence = 0

    def response(self, status: str, output: list[dict[str, Any]], outcome: Outcome | None = None) -> dict[str, Any]:
        incomplete = outcome is not None and outcome.finish_reason == "length"
        return {
            "id": self.id, "object": "response", "created_at": self.created, "model": self.model,
            "status": "incomplete" if incomplete and status == "completed" else status,
            "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
            "error": None, "instructions": self.body.get("instructions"), "output": output,
            "previous_response_id": self.previous, "parallel_tool_calls": False,
            "tool_choice": self.body.get("tool_choice") or "auto",
            "tools": self.body.get("tools") or [], "temperature": self.body.get("temperature"), "top_p": self.body.get("top_p"),
            "max_output_tokens": self.body.get("max_output_tokens"),
            "reasoning": {"effort": (self.body.get("reasoning") or {}).get("effort"), "summary": None},
            "store": self.keep, "text": {"format": {"type": "text"}}, "truncation": "disabled",
            "metadata": {},
            "usage": None if outcome is None else {
                "input_tokens": outcome.prompt_tokens, "output_tokens": outcome.completion_tokens,
                "total_tokens": outcome.prompt_tokens + outcome.completion_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0}},
        }

    async def finish(self, outcome: Outcome, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The completed response (with `items` already streamed, or built from the outcome); stored."""
        items = items if items is not None else _items(outcome)
        response = self.response("completed", items, outcome)
        if self.keep:
            calls = tuple(ToolCallOut(i["call_id"], i["name"], i["arguments"]) for i in items
                          if i["type"] == "function_call")
            answer = Message("assistant", outcome.content, outcome.reasoning, calls)
            await run_in_threadpool(self.state.store.save, self.id, [*self.conversation, answer], response)
        return response

    def event(self, kind: str, **fields: Any) -> str:
        data = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    async def stream(self, first: Piece | Outcome, rest: AsyncIterator[Piece | Outcome]) -> AsyncIterator[str]:
        yield self.event("response.created", response=self.response("in_progress", []))
        yield self.event("response.in_progress", response=self.response("in_progress", []))
        items: list[dict[str, Any]] = []
        open_item: dict[str, Any] | None = None
        item: Piece | Outcome | None = first
        try:
            while item is not None:
                if isinstance(item, Piece):
                    if open_item is None or open_item["kind"] != item.kind:
                        if open_item is not None:
                            for line in self._close(open_item, items):
                                yield line
                        open_item = {"kind": item.kind, "item": _reasoning_item("") if item.kind == "reasoning"
                                     else _message_item("")}
                        for line in self._open(open_item, len(items)):
                            yield line
                    yield self._delta(open_item, len(items), item.text)
                else:
                    if open_item is not None:
                        for line in self._close(open_item, items):
                            yield line
                        open_item = None
                    for call in item.tool_calls:
                        call_item = _call_item(function_name(call), call.arguments)
                        for line in self._call(call_item, len(items)):
                            yield line
                        items.append(call_item)
                    response = await self.finish(item, items)
                    kind = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
                    yield self.event(kind, response=response)
                item = await anext(rest, None)
        except ApiError as exc:
            yield self.event("error", code=exc.code, message=exc.message, param=exc.param)
        finally:
            await rest.aclose()  # a client that left cancels its request here

    def _open(self, open_item: dict[str, Any], index: int) -> list[str]:
        item = open_item["item"]
        lines = [self.event("response.output_item.added", output_index=index, item=_empty(item))]
        if item["type"] == "message":
            lines.append(self.event("response.content_part.added", item_id=item["id"], output_index=index,
                                    content_index=0, part={"type": "output_text", "text": "", "annotations": []}))
        return lines

    def _delta(self, open_item: dict[str, Any], index: int, text: str) -> str:
        item = open_item["item"]
        item["content"][0]["text"] += text
        kind = "response.reasoning_text.delta" if item["type"] == "reasoning" else "response.output_text.delta"
        extra = {} if item["type"] == "reasoning" else {"logprobs": []}
        return self.event(kind, item_id=item["id"], output_index=index, content_index=0, delta=text, **extra)

    def _close(self, open_item: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
        item, index = open_item["item"], len(items)
        part = item["content"][0]
        item["status"] = "completed"
        if item["type"] == "reasoning":
            lines = [self.event("response.reasoning_text.done", item_id=item["id"], output_index=index,
                                content_index=0, text=part["text"])]
        else:
            lines = [self.event("response.output_text.done", item_id=item["id"], output_index=index,
                                content_index=0, text=part["text"], logprobs=[]),
                     self.event("response.content_part.done", item_id=item["id"], output_index=index,
                                content_index=0, part=part)]
        lines.append(self.event("response.output_item.done", output_index=index, item=item))
        items.append(item)
        return lines

    def _call(self, item: dict[str, Any], index: int) -> list[str]:
        return [self.event("response.output_item.added", output_index=index, item={**item, "arguments": "",
                                                                                     "status": "in_progress"}),
                self.event("response.function_call_arguments.delta", item_id=item["id"], output_index=index,
                           delta=item["arguments"]),
                self.event("response.function_call_arguments.done", item_id=item["id"], output_index=index,
                           arguments=item["arguments"], name=item["name"]),
                self.event("response.output_item.done", output_index=index, item=item)]


def _items(outcome: Outcome) -> list[dict[str, Any]]:
    items = []
    if outcome.reasoning:
        items.append(_reasoning_item(outcome.reasoning))
    if outcome.content:
        items.append(_message_item(outcome.content))
    items += [_call_item(function_name(c), c.arguments) for c in outcome.tool_calls]
    for item in items:
        item["status"] = "completed"
    return items


def _reasoning_item(text: str) -> dict[str, Any]:
    return {"type": "reasoning", "id": "rs_" + secrets.token_hex(12), "summary": [],
            "content": [{"type": "reasoning_text", "text": text}], "status": "in_progress"}


def _message_item(text: str) -> dict[str, Any]:
    return {"type": "message", "id": "msg_" + secrets.token_hex(12), "role": "assistant", "status": "in_progress",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}


def _call_item(name: str, arguments: str) -> dict[str, Any]:
    return {"type": "function_call", "id": "fc_" + secrets.token_hex(12), "call_id": "call_" + secrets.token_hex(12),
            "name": name, "arguments": arguments, "status": "completed"}


def _empty(item: dict[str, Any]) -> dict[str, Any]:
    """An item as announced before its text streams."""
    if item["type"] == "message":
        return {**item, "content": []}
    return {**item, "content": [{"type": "reasoning_text", "text": ""}]}
