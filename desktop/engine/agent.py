"""The tool loop: generate -> call -> result -> generate again, until the model answers.

Each step is one request on the EngineService, so the engine's thread is free while a tool runs
(or while the person decides whether to allow it), and Stop cancels whichever part is running.
The prompt of each step is the previous one plus the call (with the reasoning that led to it) and
the tool's answer, as the harmony format guide shows: it only grows, so llama.cpp reuses the KV
cache of everything it has read (`step_reused_tokens`). The reasoning stays within the chain of
calls; the turn keeps only its answer, so the next question's prompt drops it, as the model expects.
On a remote engine (desktop.engine.remote) the same chain goes as OpenAI messages: each call an
assistant message with its `tool_calls`, each result a `tool` message with the call's id.

Two kinds of tools: functions (`to=functions.NAME`: MCP servers, the API's tools), each call
approved by the person, and the library as gpt-oss's built-in browser (`to=browser.search|open|
find`, desktop.tools.browser), described in the system message as harmony does. The browser only
reads the person's own library, on this computer, so its calls are not put to them; its citations
(`【cursor†Lstart-Lend】`) become the answer's numbered sources.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from desktop.core import harmony
from desktop.core.chat import ChatRequest, TurnResult
from desktop.core.errors import UserError
from desktop.core.jobs import CancelToken
from desktop.core.runtime import Sampling
from desktop.engine.events import Cancelled, DeltaEvent, Event, Failed, Finished, ToolCallEvent
from desktop.engine.service import EngineService, Priority, RequestHandle
from desktop.tools.browser import NAMESPACE as BROWSER
from desktop.tools.browser import BrowserError, LibraryBrowser, system_section
from desktop.tools.calls import CallError, parse_arguments, read_call
from desktop.tools.citations import number_citations
from desktop.tools.runner import RESULT_LIMIT_CHARS, Approver, ToolFailure, ToolRunner, cap_result

MAX_STEPS = 8  # generations in one turn (so at most 7 rounds of calls); a model that loops stops here


@dataclass(frozen=True)
class ToolStep:
    """One call of the turn, as the person and `ask --json` see it."""

    name: str  # the function as the model called it ("browser.search" for the browser's)
    arguments: dict[str, Any] | str  # parsed, or the raw text when it was not a JSON object
    result: str  # what went back to the model
    status: str  # ok | error | denied | cancelled


@dataclass
class AgentResult:
    status: str  # complete | cancelled | failed | step_limit
    result: TurnResult | None  # the last step's result (its answer is the turn's answer)
    steps: list[ToolStep] = field(default_factory=list)
    reasoning: str = ""  # every step's reasoning, in order
    step_reused_tokens: list[int] = field(default_factory=list)  # KV prefix kept, per step
    step_prompt_tokens: list[int] = field(default_factory=list)
    error: str | None = None


class AgentTurn:
    """One turn with tools. `run` blocks its caller's thread; `cancel` may come from any thread."""

    def __init__(self, engine: EngineService, tools: ToolRunner, approve: Approver, *,
                 max_steps: int = MAX_STEPS, result_limit_chars: int = RESULT_LIMIT_CHARS,
                 browser: LibraryBrowser | None = None) -> None:
        """`browser`: the library as the model's browser for this turn (None: no browser)."""
        if max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        self.engine = engine
        self.tools = tools
        self.approve = approve
        self.max_steps = max_steps
        self.result_limit_chars = result_limit_chars
        self.browser = browser
        self.cancel_token = CancelToken()
        self._lock = threading.Lock()
        self._handle: RequestHandle | None = None

    def cancel(self) -> None:
        self.cancel_token.cancel()
        with self._lock:
            handle = self._handle
        if handle is not None:
            handle.cancel()

    def run(self, request: ChatRequest, sampling: Sampling, *, priority: Priority = Priority.INTERACTIVE,
            cache_key: str | None = None, on_event: Callable[[Event], None] | None = None,
            on_step: Callable[[ToolStep], None] | None = None) -> AgentResult:
        out = self._run(request, sampling, priority, cache_key, on_event, on_step)
        if self.browser is not None and out.result is not None and out.result.answer:
            # The browser's citations become [n] after the sources the turn already has.
            result = out.result
            result.answer, cited = number_citations(result.answer, self.browser, len(result.sources) + 1)
            result.sources = [*result.sources, *cited]
        return out

    def _run(self, request: ChatRequest, sampling: Sampling, priority: Priority, cache_key: str | None,
             on_event: Callable[[Event], None] | None, on_step: Callable[[ToolStep], None] | None) -> AgentResult:
        functions = tuple(self.tools.functions())
        known = {f.name for f in functions}
        request = replace(request, tools=functions, chain=(),
                          system_tools=system_section() if self.browser is not None else "")
        out = AgentResult("complete", None)

        def forward(event: Event) -> None:
            # Deltas and calls of every step; a step's end is not the turn's end.
            if on_event is not None and isinstance(event, (DeltaEvent, ToolCallEvent)):
                on_event(event)

        for step_no in range(1, self.max_steps + 1):
            if self.cancel_token.cancelled:
                out.status = "cancelled"
                return out
            with self._lock:
                self._handle = self.engine.submit(request, sampling, priority=priority, on_event=forward,
                                                  cache_key=cache_key)
                handle = self._handle
            if self.cancel_token.cancelled:
                handle.cancel()
            outcome = handle.wait()
            if isinstance(outcome, Failed):
                out.status, out.error = "failed", outcome.message
                return out
            result = outcome.result if isinstance(outcome, (Finished, Cancelled)) else None
            if result is not None:
                out.result = result
                out.reasoning = "\n\n".join(p for p in (out.reasoning, result.reasoning) if p)
                out.step_reused_tokens.append(result.stats.reused_tokens)
                out.step_prompt_tokens.append(result.stats.prompt_tokens)
            if isinstance(outcome, Cancelled) or result is None:
                out.status = "cancelled"
                return out
            if not result.tool_calls:
                return out  # the answer
            if step_no == self.max_steps:  # no step left to read a result: the call is not run
                out.status = "step_limit"
                out.error = f"stopped at the step limit ({self.max_steps} steps); the model still wanted a tool"
                return out
            chain = list(request.chain)
            for i, call in enumerate(result.tool_calls):
                step = self._run_call(call, known)
                out.steps.append(step)
                if on_step is not None:
                    on_step(step)
                # The reasoning goes back once, before the first call it led to.
                chain.append(harmony.CallMessage(call.recipient, call.arguments,
                                                 reasoning=result.reasoning if i == 0 else "",
                                                 content_type=call.content_type, channel=call.channel))
                chain.append(harmony.ToolResultMessage(call.recipient, step.result, channel=call.channel))
                if step.status == "cancelled":
                    out.status = "cancelled"
                    return out
            request = replace(request, chain=tuple(chain))
        raise AssertionError("unreachable: the step limit returns inside the loop")

    def _run_call(self, call: harmony.ToolCall, known: set[str]) -> ToolStep:
        if self.browser is not None and call.recipient.strip().startswith(f"{BROWSER}."):
            return self._run_browser(call.recipient.strip(), call.arguments)
        read = read_call(call.recipient, call.arguments, known)
        if isinstance(read, CallError):
            return ToolStep(read.name, call.arguments, read.message, "error")
        if self.cancel_token.cancelled:
            return ToolStep(read.name, read.arguments, "Error: the person stopped the turn.", "cancelled")
        allowed = self.approve(read.name, read.arguments)
        if self.cancel_token.cancelled:  # Stop pressed while the person was being asked (the question is dropped)
            return ToolStep(read.name, read.arguments, "Error: the person stopped the turn.", "cancelled")
        if not allowed:
            return ToolStep(read.name, read.arguments, "Error: the person did not allow this call.", "denied")
        try:
            text = self.tools.call(read.name, read.arguments, self.cancel_token)
        except ToolFailure as exc:
            status = "cancelled" if self.cancel_token.cancelled else "error"
            return ToolStep(read.name, read.arguments, f"Error: {exc}", status)
        return ToolStep(read.name, read.arguments, cap_result(text, self.result_limit_chars), "ok")


    def _run_browser(self, recipient: str, arguments: str) -> ToolStep:
        assert self.browser is not None
        parsed = parse_arguments(arguments)
        if isinstance(parsed, str):
            return ToolStep(recipient, arguments, f"Error: the arguments of {recipient} are not valid: {parsed}. "
                                                  "Send one JSON object, e.g. {\"query\": \"...\"}.", "error")
        if self.cancel_token.cancelled:
            return ToolStep(recipient, parsed, "Error: the person stopped the turn.", "cancelled")
        try:
            text = self.browser.call(recipient.removeprefix(f"{BROWSER}."), parsed)
        except BrowserError as exc:
            return ToolStep(recipient, parsed, f"Error: {exc}", "error")
        except UserError as exc:  # the library closed or its store failed: the model hears it, the turn goes on
            return ToolStep(recipient, parsed, f"Error: the library could not be read: {exc}", "error")
        return ToolStep(recipient, parsed, cap_result(text, self.result_limit_chars), "ok")


def describe_arguments(arguments: dict[str, Any] | str) -> str:
    """Arguments on one line, for an approval question or a log."""
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
