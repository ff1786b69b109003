"""Headless subcommands over the same services as the window.

Each module in desktop/commands/ adds its subcommands with `register(subparsers)` and sets
`handler(args, ctx) -> int` on them. A UserError becomes one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from desktop import __version__
from desktop.context import AppContext
from desktop.core.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    from desktop.commands import COMMAND_MODULES

    parser = argparse.ArgumentParser(
        prog="gpt-oss-desktop",
        description="Private, offline chat with gpt-oss. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"gpt-oss-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def run_cli(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.handler(args, AppContext.load())
    except UserError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
