"""`ask --tools NAME[,NAME]`: one question with MCP servers' tools, run through the tool loop.

Each call is approved: `--approve-tools` allows them all; otherwise the person is asked on the
terminal, and without a terminal the call is refused (the model hears so and answers anyway).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from dataclasses import asdict
from typing import Any

from desktop.context import AppContext
from desktop.core import harmony, rag
from desktop.core.chat import ChatRequest, plan_load
from desktop.core.errors import UserError
from desktop.core.runtime import Sampling
from desktop.engine.agent import AgentResult, AgentTurn, ToolStep, describe_arguments
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.events import DeltaEvent, Event
from desktop.engine.service import EngineService
from desktop.tools import mcp_config
from desktop.tools.approval import Decision, ToolApproval
from desktop.tools.mcp_client import McpTools

BUILT_IN = {"browser": "The browser tool (the library as gpt-oss's own browser) is not available yet; "
                       "--tools takes MCP server names for now (see: gpt-oss-desktop mcp list)."}


def chosen_servers(ctx: AppContext, names: str) -> list[mcp_config.ServerConfig]:
    """The servers `--tools` names, checked before the model loads: a typo is said at once."""
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        raise UserError("--tools takes one or more MCP server names, separated by commas.")
    for name in wanted:
        if name in BUILT_IN:
            raise UserError(BUILT_IN[name])
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


def approval(approve_all: bool) -> ToolApproval:
    if approve_all:
        return ToolApproval(None, approve_all=True)
    if sys.stdin.isatty():
        return ToolApproval(terminal_ask)

    def refuse(name: str, arguments: dict[str, Any]) -> Decision:
        print(f"warning: refused {name}: no terminal to ask; pass --approve-tools to allow tool calls",
              file=sys.stderr)
        return Decision.DENY
    return ToolApproval(refuse)


def run(args: argparse.Namespace, ctx: AppContext, model_path: str, effort: str, sampling: Sampling,
        remote: object | None = None) -> int:
    from desktop.commands.ask import _open_library, _Printer

    if remote is not None:
        raise UserError("--tools runs with the model on this computer for now, not with --engine-url.")
    if args.chat:
        raise UserError("--tools cannot be combined with --chat yet: turns with tool calls are not saved.")
    servers = chosen_servers(ctx, args.tools)
    load_plan = plan_load(model_path, ctx.settings, ctx.paths)
    tools = McpTools(servers, log_dir=ctx.paths.log_dir)
    backend = LlamaCppBackend()
    engine = EngineService(backend)
    library = None
    printer = None if args.json else _Printer(args.quiet)
    try:
        for name, status in tools.start().items():
            if status != "running":
                print(f"warning: MCP server {name!r} is not available ({status}); going on without it",
                      file=sys.stderr)
        library = None if args.no_library else _open_library(ctx, args.library_uri, args.library_token,
                                                             args.embedding_model)
        model = backend.load(model_path, lambda: load_plan).result()
        retrieve = None
        if library is not None:
            top_k = ctx.settings.library.top_k
            retrieve = lambda question: rag.sources_from_hits(library.search(question, top_k=top_k))  # noqa: E731
        request = ChatRequest((harmony.Turn("user", args.prompt),), effort=effort,
                              instructions=ctx.settings.reasoning.system_prompt, today=datetime.date.today(),
                              retrieve=retrieve)
        agent = AgentTurn(engine, tools, approval(args.approve_tools))

        def on_event(event: Event) -> None:
            if printer is not None and isinstance(event, DeltaEvent):  # calls are shown with their result
                printer(event)

        def on_step(step: ToolStep) -> None:
            if not args.json and not args.quiet:
                first = step.result.splitlines()[0] if step.result else ""
                sys.stderr.write(f"\n[tool] {step.name} {describe_arguments(step.arguments)} -> {step.status}: "
                                 f"{first[:200]}\n")
                sys.stderr.flush()

        try:
            out = agent.run(request, sampling, on_event=on_event, on_step=on_step)
        except KeyboardInterrupt:
            agent.cancel()
            raise
    finally:
        engine.close()
        tools.close()
        if library is not None:
            library.close()
    return _report(args, out, effort, str(model.path))


def _report(args: argparse.Namespace, out: AgentResult, effort: str, model: str) -> int:
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
        }, ensure_ascii=False, default=str))
    else:
        sys.stdout.write("\n")
        sys.stdout.flush()
    return 0
