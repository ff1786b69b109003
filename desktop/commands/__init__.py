"""CLI subcommands; each module exposes register(subparsers)."""

from desktop.commands import ask, chats

COMMAND_MODULES = [ask, chats]
