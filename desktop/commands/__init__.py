"""CLI subcommands; each module exposes register(subparsers)."""

from desktop.commands import ask

COMMAND_MODULES = [ask]
