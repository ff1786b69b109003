"""`gpt-oss-desktop ask "PROMPT"`: one question, answer streamed to stdout.

The turn runs like the window's: a TurnSession on an EngineService with the in-process llama.cpp
backend, so both save the same things the same way (`--chat`) and report the same channels.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from dataclasses import asdict, replace
from pathlib import Path

from desktop.commands import remote_options
from desktop.context import AppContext
from desktop.core import rag
from desktop.core.chat import plan_load, sampling_from_settings
from desktop.core.conversations import ConversationStore
from desktop.core.errors import UserError
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.events import Cancelled, DeltaEvent, Event, Failed, Finished, ToolCallEvent
from desktop.engine.remote import RemoteBackend
from desktop.engine.service import EngineService
from desktop.engine.turn import TurnSession
from desktop.settings import EFFORTS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ask", help="ask gpt-oss one question; the answer streams to stdout")
    parser.add_argument("prompt", help="the question")
    parser.add_argument("--model", help="GGUF file (default: the model chosen in the app)")
    parser.add_argument("--effort", choices=EFFORTS, help="reasoning effort (default: the app's setting)")
    parser.add_argument("--max-tokens", type=int, help="stop after this many tokens")
    parser.add_argument("--temperature", type=float, help="sampling temperature (0 = greedy)")
    parser.add_argument("--seed", type=int, help="sampling seed, for repeatable answers")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end instead of streaming")
    parser.add_argument("--quiet", action="store_true", help="do not print the reasoning")
    parser.add_argument("--no-library", action="store_true", help="answer without searching the document library")
    parser.add_argument("--embedding-model", metavar="PATH",
                        help="the library's GGUF embedding model (default: the app's setting, else the one "
                             "the library was indexed with)")
    parser.add_argument("--chat", metavar="new|ID",
                        help="continue a saved conversation (or start one with 'new'), stored like the window's")
    parser.add_argument("--tools", metavar="NAME[,NAME]",
                        help="let the model use these tools: browser (it searches and reads the library itself) "
                             "and MCP servers")
    parser.add_argument("--approve-tools", action="store_true", help="allow every tool call without asking")
    remote_options.add_engine_options(parser)
    remote_options.add_library_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    settings = ctx.settings
    remote = remote_options.remote_config(args, ctx)  # None: the GGUF on this computer
    model_path = args.model or settings.model.chat_model_path
    if not model_path and remote is None:
        raise UserError("No model chosen: pass --model PATH (a gpt-oss .gguf file) or pick one in the app.")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise UserError("--max-tokens must be at least 1.")
    effort = args.effort or settings.reasoning.effort
    sampling = sampling_from_settings(settings, args.max_tokens)
    if args.temperature is not None:
        sampling = replace(sampling, temperature=args.temperature)
    if args.seed is not None:
        sampling = replace(sampling, seed=args.seed)

    from desktop.commands import ask_tools  # the tool loop, and the library as the model's browser

    browse = ask_tools.wants_browser(args, ctx, remote)  # library.mode = "browse"
    if args.tools or browse:
        return ask_tools.run(args, ctx, model_path, effort, sampling, remote, browse=browse)
    load_plan = plan_load(model_path, settings, ctx.paths) if remote is None else None
    backend = LlamaCppBackend() if remote is None else RemoteBackend(remote)
    engine = EngineService(backend)
    store: ConversationStore | None = None
    conversation_id: int | None = None
    library = None
    try:
        if args.chat:  # before the model loads: a mistyped id is said at once
            store, conversation_id = _conversation(ctx, args.chat)
        # The library before the model: a library held by the open window is said at once.
        if not args.no_library:  # the options' library, else the Milvus server Settings chose
            library = _open_library(ctx, *remote_options.library_location(args, ctx), args.embedding_model)
        model = (remote_options.connect(backend) if isinstance(backend, RemoteBackend)
                 else backend.load(model_path, lambda: load_plan).result())
        retrieve = None
        if library is not None:
            top_k = settings.library.top_k
            retrieve = lambda question: rag.sources_from_hits(library.search(question, top_k=top_k))  # noqa: E731
        session = TurnSession(engine, store, conversation_id)
        session.start(args.prompt, sampling, effort=effort, instructions=settings.reasoning.system_prompt,
                      model=model.name, retrieve=retrieve,
                      on_event=None if args.json else _Printer(args.quiet))
        outcome = _wait(session)
    finally:
        engine.close()
        if library is not None:
            library.close()
        if store is not None:
            store.close()
    if isinstance(outcome, Failed):
        if args.json and (session.answer or session.reasoning):  # a stream cut mid-answer: keep it
            print(json.dumps({"answer": session.answer, "reasoning": session.reasoning,
                              "finish_reason": "interrupted", "error": outcome.message}, ensure_ascii=False))
        raise UserError(outcome.message)
    assert isinstance(outcome, Finished) and session.result is not None
    result = session.result
    for warning in result.source_warnings + ([session.save_error] if session.save_error else []):
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps({
            "answer": result.answer,
            "reasoning": result.reasoning,
            "commentary": result.commentary,
            "tool_calls": [{"recipient": c.recipient, "arguments": c.arguments, "content_type": c.content_type}
                           for c in result.tool_calls],
            "finish_reason": result.finish_reason,
            "usage": {"prompt_tokens": result.stats.prompt_tokens, "completion_tokens": result.stats.tokens},
            "effort": effort,
            "prompt": result.prompt,
            "model": str(model.path),
            "stats": {**result.stats.as_dict(), "reasoning_s": round(result.reasoning_s, 3)},
            "sources": [asdict(source) for source in result.sources],
            "library_notice": result.library_notice,
            **({"conversation_id": session.conversation_id} if store else {}),
        }, ensure_ascii=False))
    else:
        sys.stdout.write("\n")
        sys.stdout.flush()
    return 0


def _wait(session: TurnSession) -> Event | None:
    """Wait for the turn; Ctrl-C stops it (saved as stopped with its text) and is passed on."""
    try:
        while (outcome := session.wait(timeout=0.5)) is None:
            pass
    except KeyboardInterrupt:
        session.cancel()
        session.wait()
        raise
    if isinstance(outcome, Cancelled):  # only Ctrl-C cancels here
        raise KeyboardInterrupt
    return outcome


def _conversation(ctx: AppContext, chat: str) -> tuple[ConversationStore, int]:
    """`ask --chat new|ID`: the window's store; the turn is saved the way the window saves it."""
    if chat != "new" and not chat.isdigit():
        raise UserError(f"--chat takes 'new' or a conversation id, not {chat!r}.")
    store = ConversationStore(ctx.paths.conversations_db)
    try:
        conversation_id = store.create().id if chat == "new" else store.get(int(chat)).id  # NotFoundError: a UserError
    except BaseException:
        store.close()
        raise
    return store, conversation_id


def _open_library(ctx: AppContext, uri: str | None = None, token: str | None = None,
                  embedding_model: str | None = None):
    """The document library when one is set up and has documents; None otherwise (with a warning
    when it exists but cannot be opened, e.g. while the window holds it, its server is down, or
    the embedding model it was indexed with is gone)."""
    if embedding_model and not Path(embedding_model).expanduser().is_file():
        raise UserError(f"Embedding model not found: {embedding_model}")
    if not uri and not (ctx.paths.data_dir / "library.sqlite3").exists():
        return None
    from desktop.core.library import Library, LibraryInUse

    library = None
    try:
        library = Library.open(ctx, embedding_model=embedding_model, uri=uri, token=token)
        if library.embedding_model is None or (
                not uri and not any(d.status == "indexed" for d in library.documents())):
            library.close()  # no model set, given or remembered: there is no library to search
            return None
        library.check_model()  # a remembered model that was moved or deleted: one line, below
        library.load()
    except LibraryInUse:  # its documents were asked for: no silent answer without them
        if library is not None:
            library.close()
        raise UserError("The library is in use by the open window; close the window, or pass "
                        "--no-library to answer without it.") from None
    except UserError as exc:
        if library is not None:
            library.close()
        print(f"warning: answering without the library: {exc}", file=sys.stderr)
        return None
    return library


class _Printer:
    """Streams the answer to stdout; reasoning and commentary go to stderr, each under its label
    once the other has been shown, so a reader (or a script reading stdout) never mixes them."""

    _LABELS = {"analysis": "[reasoning] ", "commentary": "[commentary] "}

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._side_channel: str | None = None  # the stderr channel written last
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, DeltaEvent):
                self._delta(event.channel, event.text)
            elif isinstance(event, ToolCallEvent) and not self.quiet:
                call = event.call
                sys.stderr.write(f"\n[tool call] {call.recipient} {call.arguments} (ask does not run tools)\n")
                sys.stderr.flush()

    def _delta(self, channel: str, text: str) -> None:
        if channel == "final":
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        if self.quiet:
            return
        if channel != self._side_channel:
            if self._side_channel is not None or channel != "analysis":
                sys.stderr.write(("\n" if self._side_channel else "") + self._LABELS.get(channel, f"[{channel}] "))
            self._side_channel = channel
        sys.stderr.write(text)
        sys.stderr.flush()
