"""`chats list|show|search|export|delete`: the window's conversations, from a terminal."""

from __future__ import annotations

import argparse
import json
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.context import AppContext
from desktop.core.conversations import ConversationStore, Message, NotFoundError, iso
from desktop.core.fsutil import atomic_write_text


def register(subparsers: Any) -> None:
    chats = subparsers.add_parser("chats", help="list, show, search, export or delete conversations")
    chats.set_defaults(handler=lambda args, ctx: _usage(chats))
    commands = chats.add_subparsers(dest="chats_command", metavar="ACTION")

    p = commands.add_parser("list", help="conversations, newest first")
    p.add_argument("--json", action="store_true", help="a JSON list of {id, title, updated, messages}")
    p.set_defaults(handler=_list)

    p = commands.add_parser("show", help="print one conversation")
    p.add_argument("id", metavar="ID")
    p.add_argument("--reasoning", action="store_true", help="include the model's reasoning")
    p.add_argument("--json", action="store_true", help="the same JSON as `export --format json`")
    p.set_defaults(handler=_show)

    p = commands.add_parser("search", help="conversations whose messages contain TEXT")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="a JSON list of {id, title, snippet}")
    p.set_defaults(handler=_search)

    p = commands.add_parser("export", help="write a conversation as Markdown or JSON")
    p.add_argument("id", metavar="ID")
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.set_defaults(handler=_export)

    p = commands.add_parser("delete", help="delete a conversation (cannot be undone from here)")
    p.add_argument("id", metavar="ID")
    p.set_defaults(handler=_delete)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _store(ctx: AppContext) -> ConversationStore:
    return ConversationStore(ctx.paths.conversations_db)


def _conv_id(raw: str) -> int:
    # Ids are integers; anything else cannot name a conversation, so say it the same way.
    try:
        return int(raw)
    except ValueError:
        raise NotFoundError(f"no conversation with id {raw}") from None


def _local(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    with _store(ctx) as store:
        convs = store.list()
    if args.json:
        print(json.dumps([{"id": c.id, "title": c.title, "updated": iso(c.updated), "messages": c.message_count}
                          for c in convs], ensure_ascii=False, indent=2))
        return 0
    if not convs:
        print("no conversations yet")
    for c in convs:
        print(f"{c.id:>5}  {_local(c.updated)}  {c.message_count:>4} msgs  {c.title or '(untitled)'}")
    return 0


def _show(args: argparse.Namespace, ctx: AppContext) -> int:
    conv_id = _conv_id(args.id)
    with _store(ctx) as store:
        if args.json:
            print(store.export_json(conv_id), end="")
            return 0
        conv, messages = store.get(conv_id), store.messages(conv_id)
    print(f"{conv.title or '(untitled)'}  (id {conv.id}, {conv.message_count} messages, "
          f"updated {_local(conv.updated)})")
    for msg in messages:
        print()
        print(_message_text(msg, with_reasoning=args.reasoning))
    return 0


def _message_text(msg: Message, *, with_reasoning: bool) -> str:
    if msg.role == "user":
        return "You:\n" + _indent(msg.text)
    details = ", ".join(x for x in (f"{msg.effort} effort" if msg.effort else "", msg.model or "") if x)
    state = {"partial": " [interrupted]", "cancelled": " [stopped]",
             "error": f" [error: {msg.error or 'unknown'}]"}.get(msg.status, "")
    lines = [f"Assistant{f' ({details})' if details else ''}{state}:"]
    if with_reasoning and msg.reasoning:
        lines += ["  Reasoning:", _indent(msg.reasoning, "  | ")]
    lines.append(_indent(msg.text))
    if msg.sources:
        lines.append("  Sources: " + "  ".join(
            f"[{s.get('n', '?')}] {s.get('path', '')}" + (f" p.{s['page']}" if s.get("page") is not None else "")
            for s in msg.sources))
    return "\n".join(lines)


def _indent(text: str, prefix: str = "  ") -> str:
    return textwrap.indent(text, prefix, lambda line: True)


def _search(args: argparse.Namespace, ctx: AppContext) -> int:
    with _store(ctx) as store:
        hits = store.search(args.text)
    if args.json:
        print(json.dumps([{"id": h.conversation_id, "title": h.title, "snippet": h.snippet} for h in hits],
                         ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print(f"no messages match {args.text!r}")
    for h in hits:
        print(f"{h.conversation_id:>5}  {h.title or '(untitled)'}\n       {h.snippet}")
    return 0


def _export(args: argparse.Namespace, ctx: AppContext) -> int:
    conv_id = _conv_id(args.id)
    with _store(ctx) as store:
        text = store.export_json(conv_id) if args.format == "json" else store.export_markdown(conv_id)
    if args.output is None:
        print(text, end="")
    else:
        atomic_write_text(args.output, text)
        print(f"wrote {args.output}")
    return 0


def _delete(args: argparse.Namespace, ctx: AppContext) -> int:
    conv_id = _conv_id(args.id)
    with _store(ctx) as store:
        deleted = store.delete(conv_id)
    title = deleted.conversation.title or "(untitled)"
    print(f"deleted conversation {conv_id}: {title} ({len(deleted.messages)} messages)")
    return 0
