"""`gpt-oss-desktop ask "PROMPT"`: one question, answer streamed to stdout."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from dataclasses import asdict, replace

from desktop.context import AppContext
from desktop.core import harmony, rag
from desktop.core.chat import ChatRequest, plan_load, run_chat, sampling_from_settings
from desktop.core.conversations import ConversationStore
from desktop.core.errors import UserError
from desktop.core.harmony import Delta
from desktop.core.runtime import ChatRuntime
from desktop.settings import EFFORTS


PARTIAL_SAVE_S = 1.0


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
    parser.add_argument("--chat", metavar="new|ID",
                        help="continue a saved conversation (or start one with 'new'), stored like the window's")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    settings = ctx.settings
    model_path = args.model or settings.model.chat_model_path
    if not model_path:
        raise UserError("No model chosen: pass --model PATH (a gpt-oss .gguf file) or pick one in the app.")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise UserError("--max-tokens must be at least 1.")
    effort = args.effort or settings.reasoning.effort
    sampling = sampling_from_settings(settings, args.max_tokens)
    if args.temperature is not None:
        sampling = replace(sampling, temperature=args.temperature)
    if args.seed is not None:
        sampling = replace(sampling, seed=args.seed)

    options, _fit = plan_load(model_path, settings, ctx.paths)
    runtime = ChatRuntime(model_path, options)
    saved = _SavedChat(ctx, args.chat) if args.chat else None
    history = saved.history() if saved else ()
    library = None if args.no_library else _open_library(ctx)
    retrieve = None
    if library is not None:
        top_k = settings.library.top_k
        retrieve = lambda question: rag.sources_from_hits(library.search(question, top_k=top_k))  # noqa: E731
    request = ChatRequest((*history, harmony.Turn("user", args.prompt)), effort=effort,
                          instructions=settings.reasoning.system_prompt, today=datetime.date.today(),
                          keep_from=saved.keep_from if saved else 0, retrieve=retrieve)
    printer = None if args.json else _printer(args.quiet)
    if saved:
        saved.start(args.prompt, effort, runtime.model_name)
    try:
        result = run_chat(runtime, request, sampling, on_deltas=saved.follow(printer) if saved else printer)
    except KeyboardInterrupt:
        if saved:
            saved.fail("stopped", status="cancelled")
        raise
    except Exception as exc:
        if saved:
            saved.fail(str(exc) or type(exc).__name__)
        raise
    finally:
        runtime.close()
        if library is not None:
            library.close()
    for warning in result.source_warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if saved:
        saved.finish(result)
    if args.json:
        print(json.dumps({
            "answer": result.answer,
            "reasoning": result.reasoning,
            "effort": effort,
            "prompt": result.prompt,
            "model": str(runtime.info.path),
            "stats": {**result.stats.as_dict(), "reasoning_s": round(result.reasoning_s, 3)},
            "sources": [asdict(source) for source in result.sources],
            **({"conversation_id": saved.conversation_id} if saved else {}),
        }, ensure_ascii=False))
    else:
        sys.stdout.write("\n")
        sys.stdout.flush()
    return 0


def _open_library(ctx: AppContext):
    """The document library when one is set up and has documents; None otherwise (with a warning
    when it exists but cannot be opened, e.g. while the window holds it)."""
    if not ctx.settings.library.embedding_model_path or not (ctx.paths.data_dir / "library.sqlite3").exists():
        return None
    from desktop.core.library import Library

    try:
        library = Library.open(ctx)
        if not any(d.status == "indexed" for d in library.documents()):
            library.close()
            return None
        library.load()
    except UserError as exc:
        print(f"warning: answering without the library: {exc}", file=sys.stderr)
        return None
    return library


class _SavedChat:
    """`ask --chat`: the same store and the same saving rhythm as the window."""

    def __init__(self, ctx: AppContext, chat: str) -> None:
        self.store = ConversationStore(ctx.paths.conversations_db)
        if chat == "new":
            self.conversation_id = self.store.create().id
        elif chat.isdigit():
            self.conversation_id = self.store.get(int(chat)).id  # NotFoundError is a UserError
        else:
            raise UserError(f"--chat takes 'new' or a conversation id, not {chat!r}.")
        self.messages = self.store.messages(self.conversation_id)
        answers = [m for m in self.messages if m.role == "assistant"]
        self.keep_from = int(answers[-1].stats.get("dropped_turns", 0) or 0) if answers else 0
        self.message_id: int | None = None
        self.answer = self.reasoning = ""
        self._saved_at = 0.0

    def history(self) -> tuple[harmony.Turn, ...]:
        return tuple(harmony.Turn(m.role, m.text) for m in self.messages)

    def start(self, question: str, effort: str, model: str) -> None:
        self.store.add_user_message(self.conversation_id, question)
        self.message_id = self.store.start_assistant_message(self.conversation_id, effort, model).id

    def follow(self, printer):
        def on_deltas(deltas: list[Delta]) -> None:
            for delta in deltas:
                if delta.channel == "final":
                    self.answer += delta.text
                else:
                    self.reasoning += delta.text
            if printer:
                printer(deltas)
            now = time.monotonic()
            if now - self._saved_at >= PARTIAL_SAVE_S:  # a crash loses at most the last second
                self.store.update_partial(self.message_id, self.answer, self.reasoning)
                self._saved_at = now
        return on_deltas

    def finish(self, result) -> None:
        stats = {**result.stats.as_dict(), "reasoning_s": round(result.reasoning_s, 2),
                 "dropped_turns": result.dropped_turns}
        self.store.finish_assistant_message(self.message_id, result.answer, result.reasoning, stats=stats,
                                            sources=[asdict(s) for s in result.sources],
                                            status="cancelled" if result.cancelled else "complete")
        self.store.close()

    def fail(self, error: str, status: str = "error") -> None:
        if self.message_id is not None:
            self.store.finish_assistant_message(self.message_id, self.answer, self.reasoning,
                                                status=status, error=error if status == "error" else None)
        self.store.close()


def _printer(quiet: bool):
    def show(deltas: list[Delta]) -> None:
        for delta in deltas:
            if delta.channel == "final":
                sys.stdout.write(delta.text)
                sys.stdout.flush()
            elif not quiet:
                sys.stderr.write(delta.text)
                sys.stderr.flush()
    return show
