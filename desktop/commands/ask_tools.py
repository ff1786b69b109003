"""`ask --tools NAME[,NAME]`: one question with tools, run through the tool loop.

NAME is `browser` (the library as gpt-oss's own browser tool: it searches, opens and cites the
documents itself) or an MCP server. With the setting `library.mode` = "browse", a plain `ask` uses
the browser too, instead of sending the best passages with the question.

With `--chat`, the turn is saved like the window's, tool steps included (name, arguments,
result, how it went).

Each MCP call is approved: `--approve-tools` allows them all; otherwise the person is asked on the
terminal, and without a terminal the call is refused (the model hears so and answers anyway). The
browser only reads the library on this computer, so its calls are not put to the person.

With `--engine-url` (or a remote engine chosen in Settings) the loop runs on that server: MCP tools
go to it as OpenAI `tools` and each result comes back to it as a `tool` message; the library is
searched once instead of browsed, as a server renders its own prompt, without the browser's section.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from desktop.commands import remote_options
from desktop.context import AppContext
from desktop.core import rag
from desktop.core.chat import plan_load
from desktop.core.conversations import ConversationStore
from desktop.core.errors import UserError
from desktop.core.runtime import Sampling
from desktop.engine.agent import AgentResult, ToolStep, describe_arguments
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.events import Cancelled, DeltaEvent, Event
from desktop.engine.remote import RemoteBackend, RemoteConfig
from desktop.engine.service import EngineService
from desktop.engine.tool_turn import StepEvent, ToolTurnSession
from desktop.tools import mcp_config
from desktop.tools.approval import Decision, ToolApproval
from desktop.tools.browser import NAMESPACE as BROWSER
from desktop.tools.browser import LibraryBrowser
from desktop.tools.citations import CitationStream
from desktop.tools.mcp_client import McpTools
from desktop.tools.runner import LocalFunctions

NO_LIBRARY = ("--tools browser reads the document library, and there is no library with indexed documents "
              "here; add some first: gpt-oss-desktop library add PATH")
NO_REMOTE_BROWSING = ("warning: browsing the library is not available with a remote engine; "
                      "searching it once instead")


def wants_browser(args: argparse.Namespace, ctx: AppContext, remote: RemoteConfig | None) -> bool:
    """Whether a plain `ask` browses the library (`library.mode` = "browse"), where it can."""
    if args.no_library or ctx.settings.library.mode != "browse":
        return False
    if remote is not None:
        print(NO_REMOTE_BROWSING, file=sys.stderr)
        return False
    return True


def chosen_tools(ctx: AppContext, names: str) -> tuple[bool, list[mcp_config.ServerConfig]]:
    """(the browser, the MCP servers) that `--tools` names, checked before the model loads."""
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        raise UserError("--tools takes one or more MCP server names or browser, separated by commas.")
    return BROWSER in wanted, chosen_servers(ctx, [n for n in wanted if n != BROWSER])


def chosen_servers(ctx: AppContext, wanted: list[str]) -> list[mcp_config.ServerConfig]:
    """The servers named, checked before the model loads: a typo is said at once."""
    if not wanted:
        return []
    servers = mcp_config.load(ctx.paths.config_dir / mcp_config.FILE_NAME)
    unknown = [n for n in wanted if n not in servers]
    if unknown:
        have = ", ".join(servers) or "none yet; add one with: gpt-oss-desktop mcp add NAME -- COMMAND"
        raise UserError(f"No MCP server named {', '.join(map(repr, unknown))} (configured: {have}).")
    return [servers[n] for n in dict.fromkeys(wanted)]


def terminal_ask(name: str, arguments: dict[str, Any]) -> Decision:
    sys.stderr.write(f"\nAllow {name} {describe_arguments(arguments)}? [o]nce / [a]lways / [N]o: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return {"o": Decision.ONCE, "once": Decision.ONCE, "y": Decision.ONCE, "yes": Decision.ONCE,
            "a": Decision.ALWAYS, "always": Decision.ALWAYS}.get(answer, Decision.DENY)


class MainThreadAsk:
    """Questions of the turn's thread asked on the main thread, where Ctrl-C lands: a question
    read on another thread could not be interrupted, and Ctrl-C there left `ask` hanging."""

    def __init__(self, ask: Callable[[str, dict[str, Any]], Decision] = terminal_ask) -> None:
        self._ask = ask
        self._questions: queue.SimpleQueue[tuple[str, dict[str, Any], queue.SimpleQueue[Decision]]] = (
            queue.SimpleQueue())

    def __call__(self, name: str, arguments: dict[str, Any]) -> Decision:  # the turn's thread
        answer: queue.SimpleQueue[Decision] = queue.SimpleQueue()
        self._questions.put((name, arguments, answer))
        return answer.get()

    def serve(self, session: ToolTurnSession) -> Event | None:  # the main thread
        """Wait for the turn, asking its questions; Ctrl-C stops it (saved as stopped) and is passed on."""
        try:
            while (outcome := session.wait(timeout=0.1)) is None:
                try:
                    name, arguments, answer = self._questions.get_nowait()
                except queue.Empty:
                    continue
                try:
                    answer.put(self._ask(name, arguments))
                except BaseException:
                    session.cancel()  # first: the turn sees it stopped, so the "no" below runs nothing
                    answer.put(Decision.DENY)
                    raise
        except KeyboardInterrupt:
            session.cancel()
            session.wait()
            raise
        if isinstance(outcome, Cancelled):  # only Ctrl-C cancels here
            raise KeyboardInterrupt
        return outcome


def approval(approve_all: bool, on_terminal: MainThreadAsk | None = None) -> ToolApproval:
    if approve_all:
        return ToolApproval(None, approve_all=True)
    if sys.stdin.isatty():
        return ToolApproval(on_terminal or terminal_ask)

    def refuse(name: str, arguments: dict[str, Any]) -> Decision:
        print(f"warning: refused {name}: no terminal to ask; pass --approve-tools to allow tool calls",
              file=sys.stderr)
        return Decision.DENY
    return ToolApproval(refuse)


def run(args: argparse.Namespace, ctx: AppContext, model_path: str, effort: str, sampling: Sampling,
        remote: RemoteConfig | None = None, *, browse: bool = False) -> int:
    """`browse`: use the browser though `--tools` does not name it (library.mode = "browse")."""
    from desktop.commands.ask import _conversation, _open_library, _Printer

    named_browser, servers = chosen_tools(ctx, args.tools) if args.tools else (False, [])
    if named_browser and args.no_library:
        raise UserError("--tools browser reads the document library; it cannot be combined with --no-library.")
    if named_browser and remote is not None and ctx.settings.library.mode != "browse":  # else said already
        print(NO_REMOTE_BROWSING, file=sys.stderr)
    load_plan = plan_load(model_path, ctx.settings, ctx.paths) if remote is None else None
    tools = McpTools(servers, log_dir=ctx.paths.log_dir) if servers else LocalFunctions({})
    backend = LlamaCppBackend() if remote is None else RemoteBackend(remote)
    engine = EngineService(backend)
    library = None
    store: ConversationStore | None = None
    conversation_id: int | None = None
    printer = None if args.json else _Printer(args.quiet)
    try:
        if args.chat:  # before the servers and the model: a mistyped id is said at once
            store, conversation_id = _conversation(ctx, args.chat)
        if not args.no_library:  # the options' library, else the Milvus server Settings chose
            library = _open_library(ctx, *remote_options.library_location(args, ctx), args.embedding_model)
        if named_browser and library is None:
            raise UserError(NO_LIBRARY)
        browser = (LibraryBrowser(library) if library is not None and (named_browser or browse) and remote is None
                   else None)
        for name, status in (tools.start().items() if isinstance(tools, McpTools) else ()):
            if status != "running":
                print(f"warning: MCP server {name!r} is not available ({status}); going on without it",
                      file=sys.stderr)
        model = (remote_options.connect(backend) if isinstance(backend, RemoteBackend)
                 else backend.load(model_path, lambda: load_plan).result())
        retrieve = None
        if library is not None and browser is None:  # the browser searches for itself
            top_k = ctx.settings.library.top_k
            retrieve = lambda question: rag.sources_from_hits(library.search(question, top_k=top_k))  # noqa: E731
        asker = MainThreadAsk()
        session = ToolTurnSession(engine, store, conversation_id, tools=tools,
                                  approve=approval(args.approve_tools, asker), browser=browser)

        # The browser's citations reach the terminal as [n], as the JSON's answer has them.
        cited = CitationStream(browser) if browser is not None and printer is not None else None

        def on_event(event: Event) -> None:
            if isinstance(event, StepEvent):
                on_step(event.step)
                return
            if printer is None or not isinstance(event, DeltaEvent):  # calls are shown with their result
                return
            if cited is not None and event.channel == "final":
                event = replace(event, text=cited.feed(event.text))
            printer(event)

        def on_step(step: ToolStep) -> None:
            if not args.json and not args.quiet:
                first = step.result.splitlines()[0] if step.result else ""
                sys.stderr.write(f"\n[tool] {step.name} {describe_arguments(step.arguments)} -> {step.status}: "
                                 f"{first[:200]}\n")
                sys.stderr.flush()

        session.start(args.prompt, sampling, effort=effort, instructions=ctx.settings.reasoning.system_prompt,
                      model=model.name, retrieve=retrieve, on_event=on_event)
        asker.serve(session)  # Ctrl-C stops the turn at whatever step it is (saved as stopped) and is passed on
        out = session.agent_result
        assert out is not None
    finally:
        engine.close()
        if isinstance(tools, McpTools):
            tools.close()
        if library is not None:
            library.close()
        if store is not None:
            store.close()
    if cited is not None:
        sys.stdout.write(cited.finish())
    if session.save_error:
        print(f"warning: {session.save_error}", file=sys.stderr)
    return _report(args, out, effort, str(model.path), conversation_id)


def _report(args: argparse.Namespace, out: AgentResult, effort: str, model: str,
            conversation_id: int | None = None) -> int:
    if out.status == "failed":
        raise UserError(out.error or "the turn failed")
    if out.status == "cancelled":
        raise KeyboardInterrupt
    result = out.result
    assert result is not None
    if out.status == "step_limit":
        print(f"warning: {out.error}", file=sys.stderr)
    for warning in result.source_warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps({
            "answer": result.answer,
            "reasoning": out.reasoning,
            "commentary": result.commentary,
            "tool_calls": [{"name": s.name, "arguments": s.arguments, "result": s.result, "status": s.status}
                           for s in out.steps],
            "finish_reason": "step_limit" if out.status == "step_limit" else result.finish_reason,
            "usage": {"prompt_tokens": result.stats.prompt_tokens, "completion_tokens": result.stats.tokens},
            "effort": effort,
            "prompt": result.prompt,
            "model": model,
            "steps": [{"prompt_tokens": p, "reused_tokens": r}
                      for p, r in zip(out.step_prompt_tokens, out.step_reused_tokens)],
            "stats": {**result.stats.as_dict(), "reasoning_s": round(result.reasoning_s, 3)},
            "sources": [asdict(source) for source in result.sources],
            **({"conversation_id": conversation_id} if conversation_id is not None else {}),
        }, ensure_ascii=False, default=str))
    else:
        sys.stdout.write("\n")
        sys.stdout.flush()
        if out.steps and any(s.name.startswith("browser.") for s in out.steps) and result.sources:
            print("Sources: " + "  ".join(f"[{s.n}] {s.label}" for s in result.sources), file=sys.stderr)
    return 0
