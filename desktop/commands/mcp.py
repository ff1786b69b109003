"""`gpt-oss-desktop mcp add|list|remove|import`: the MCP servers whose tools `ask --tools` offers.

They are kept in `mcp.json` in the app's config folder, in the shape other desktop apps use.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.context import AppContext
from desktop.core.errors import UserError
from desktop.tools import mcp_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("mcp", help="set up MCP servers whose tools gpt-oss may call")
    commands = parser.add_subparsers(dest="mcp_command", metavar="ACTION", required=True)

    add = commands.add_parser("add", help="add a server: mcp add NAME -- COMMAND [ARGS...], or --url URL")
    add.add_argument("name", help="a short name; its tools are called NAME__TOOL")
    add.add_argument("--url", help="a streamable-HTTP server's address instead of a command")
    add.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="environment for the command")
    add.add_argument("command_line", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    add.set_defaults(handler=_add)

    listing = commands.add_parser("list", help="the servers, whether they start, and their tools")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(handler=_list)

    remove = commands.add_parser("remove", help="remove a server")
    remove.add_argument("name")
    remove.set_defaults(handler=_remove)

    imported = commands.add_parser("import", help="add the servers of another app's file (an mcpServers JSON)")
    imported.add_argument("file", type=Path)
    imported.set_defaults(handler=_import)


def _path(ctx: AppContext) -> Path:
    return ctx.paths.config_dir / mcp_config.FILE_NAME


def _add(args: argparse.Namespace, ctx: AppContext) -> int:
    servers = mcp_config.load(_path(ctx))
    mcp_config.check_name(args.name, servers)
    command = _options_before_command(args, list(args.command_line))
    if bool(command) == bool(args.url):
        raise UserError("Give the server's command after -- (mcp add NAME -- COMMAND [ARGS...]) or --url URL, "
                        "not both.")
    env = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--env takes KEY=VALUE, not {item!r}.")
        env[key] = value
    if command and ("/" in command[0] or "\\" in command[0]) and Path(command[0]).exists():
        # Absolute, so it runs from any folder; not resolved: a venv's python is a link that must stay one.
        command[0] = str(Path(command[0]).absolute())
    entry = {"url": args.url} if args.url else {"command": command[0], "args": command[1:], "env": env}
    servers.update(mcp_config.parse({"mcpServers": {args.name: entry}}, "the command line"))
    mcp_config.save(_path(ctx), servers)
    print(f"added MCP server {args.name!r}: {servers[args.name].describe()}")
    return 0


def _options_before_command(args: argparse.Namespace, words: list[str]) -> list[str]:
    """argparse hands everything after NAME over as the command; options written before `--`
    (`mcp add NAME --env K=V -- COMMAND`) are taken out here, everything after `--` is the command's."""
    if "--" not in words:
        return words
    at = words.index("--")
    options, command = words[:at], words[at + 1:]
    while options:
        option = options.pop(0)
        if option not in ("--env", "--url") or not options:
            raise UserError(f"Unexpected {option!r} before --; the options are --env KEY=VALUE and --url URL.")
        value = options.pop(0)
        if option == "--env":
            args.env.append(value)
        else:
            args.url = value
    return command


def _remove(args: argparse.Namespace, ctx: AppContext) -> int:
    servers = mcp_config.load(_path(ctx))
    if args.name not in servers:
        raise UserError(f"No MCP server named {args.name!r} (configured: {', '.join(servers) or 'none'}).")
    del servers[args.name]
    mcp_config.save(_path(ctx), servers)
    print(f"removed MCP server {args.name!r}")
    return 0


def _import(args: argparse.Namespace, ctx: AppContext) -> int:
    incoming = mcp_config.load(args.file) if args.file.exists() else None
    if incoming is None:
        raise UserError(f"{args.file} does not exist.")
    servers = mcp_config.load(_path(ctx))
    for name in incoming:
        mcp_config.check_name(name, servers)  # a clash is said before anything is written
        servers[name] = incoming[name]
    mcp_config.save(_path(ctx), servers)
    print(f"imported {len(incoming)} MCP server(s): {', '.join(incoming) or 'none'}")
    return 0


def _list(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.tools.mcp_client import McpTools

    servers = mcp_config.load(_path(ctx))
    rows = []
    with McpTools(list(servers.values()), log_dir=ctx.paths.log_dir) as tools:
        statuses = tools.start()
        for name, server in servers.items():
            state = tools.servers[name]
            rows.append({"name": name, "command": server.describe(), "status": statuses[name],
                         "tools": [{"name": t.name, "description": t.description or ""} for t in state.tools]})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print("No MCP servers; add one with: gpt-oss-desktop mcp add NAME -- COMMAND [ARGS...]")
    for row in rows:
        print(f"{row['name']}: {row['command']} [{row['status']}]")
        for tool in row["tools"]:
            first = tool["description"].splitlines()[0] if tool["description"] else ""
            print(f"  {row['name']}__{tool['name']}  {first}")
    sys.stdout.flush()
    return 0
