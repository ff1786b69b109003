"""Composition root: `gpt-oss-desktop` with no arguments opens the window, else runs the CLI."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any


def main(argv: Sequence[str] | None = None) -> int:
    # huggingface-hub otherwise contacts the hub to tag its user agent; the app never phones home.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    args = list(sys.argv[1:] if argv is None else argv)
    from desktop.core.library.lite_server import ARGUMENT

    if args[:1] == [ARGUMENT] and len(args) == 3:  # the library's store, started by the app
        from desktop.core.library.lite_server import serve

        return serve(args[1], int(args[2]))
    from desktop.core.isolation.child import ARGUMENT as WORKER_ARGUMENT

    if args[:1] == [WORKER_ARGUMENT] and len(args) == 3:  # untrusted files are read in it
        from desktop.core.isolation.child import serve as serve_worker

        return serve_worker(int(args[1]), int(args[2]))
    if not args or args == ["--debug"]:
        import gc

        gc.disable()  # from the first import on; the window turns it back on after its first paint
        from desktop.ui.launch import launch_window

        return launch_window(debug=bool(args), api_factory=_hosted_api)
    from desktop.cli import run_cli

    return run_cli(args)


def _hosted_api(*args: Any, **kwargs: Any) -> Any:
    """desktop.ui.local_api.ApiFactory: the window's local API server (HostedApi), whose modules
    (uvicorn, starlette) load only when the API is turned on, never with the window."""
    from desktop.server.hosted import HostedApi

    return HostedApi(*args, **kwargs)
