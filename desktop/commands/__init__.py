"""CLI subcommands; each module exposes register(subparsers)."""

from desktop.commands import ask, bench, chats

COMMAND_MODULES = [ask, chats, bench]
