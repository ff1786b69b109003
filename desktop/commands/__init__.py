"""CLI subcommands; each module exposes register(subparsers) and imports heavy parts lazily."""

from desktop.commands import ask, bench, chats, library, mcp, models, serve

COMMAND_MODULES = [ask, chats, library, models, mcp, serve, bench]
