"""`gpt-oss-desktop serve --model PATH`: the local OpenAI-compatible API without a window.

Loads the chat model (and, if given, the embedding model) once, serves it until Ctrl+C or SIGTERM,
and prints exactly one line on stdout when ready: `Serving on http://HOST:PORT/v1`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from desktop.context import AppContext
from desktop.core.batch_decode import MAX_SLOTS
from desktop.core.chat import plan_load, sampling_from_settings
from desktop.core.errors import UserError
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.service import EngineService


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="serve the model on a local OpenAI-compatible API (/v1)")
    parser.add_argument("--model", help="chat GGUF file (default: the model chosen in the app)")
    parser.add_argument("--embedding-model", help="embedding GGUF for /v1/embeddings (default: the app's "
                        "setting, else the model the library was indexed with)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; any other needs --api-key)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--api-key", help="key clients must send as 'Authorization: Bearer KEY'")
    parser.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                        help="a web page origin allowed to call the API (repeatable; none by default)")
    parser.add_argument("--parallel", type=int, default=1, metavar="N",
                        help="requests decoded together in one batch (default 1); each keeps the whole "
                             "context length, so the KV cache takes N times the memory")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.server.runner import ApiServer
    from desktop.server.state import ServerConfig, ServerState, is_loopback, model_name, parse_origins
    from desktop.server.store import ResponseStore

    settings = ctx.settings
    model_path = args.model or settings.model.chat_model_path
    if not model_path:
        raise UserError("No model chosen: pass --model PATH (a gpt-oss .gguf file) or pick one in the app.")
    if not Path(model_path).expanduser().is_file():
        raise UserError(f"Model not found: {model_path}")
    if not 1 <= args.parallel <= MAX_SLOTS:
        raise UserError(f"--parallel must be between 1 and {MAX_SLOTS} (got {args.parallel}).")
    if not args.api_key and not is_loopback(args.host):
        raise UserError(f"Serving on {args.host} makes the model reachable from other computers: "
                        "pass --api-key KEY, or keep the default host 127.0.0.1.")
    try:
        # The limits are the app's (Settings → Local API); where and with which key, the command line's.
        limits = settings.api
        config = ServerConfig(host=args.host, port=args.port, api_key=args.api_key or None,
                              cors_origins=parse_origins(" ".join(args.cors_origin)),
                              max_body_bytes=limits.max_body_mb * 1024 * 1024,
                              max_connections=limits.max_connections)
        config.check()
    except ValueError as exc:
        raise UserError(str(exc)) from None
    embedding_path = args.embedding_model or settings.library.embedding_model_path or _library_model(ctx)
    if embedding_path and not args.embedding_model and not Path(embedding_path).is_file():
        # The library's model was moved or deleted: chat still serves; /v1/embeddings says why not.
        print(f"warning: serving without embeddings: {embedding_path} is missing", file=sys.stderr)
        embedding_path = None

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    load_plan = plan_load(model_path, settings, ctx.paths)
    backend = LlamaCppBackend(parallel=args.parallel)
    engine = EngineService(backend)
    embedder = None
    server = None
    try:
        backend.load(model_path, lambda: load_plan).result()
        if embedding_path:
            from desktop.core.embeddings import Embedder

            embedder = Embedder(embedding_path)
        state = ServerState(engine, model_name(model_path), ResponseStore(ctx.paths.data_dir / "api-responses"),
                            embedder, model_name(embedding_path) if embedding_path else None,
                            sampling_from_settings(settings), settings.reasoning.effort)
        state.store.clean()  # responses stored past their age or the caps go before the first request
        server = ApiServer(state, config)
        try:
            url = server.start()
        except OSError as exc:
            raise UserError(str(exc)) from None
        print(f"Serving on {url}", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    finally:
        if server is not None:
            server.stop_listening()  # no new requests once the engine is going
        engine.close()  # ends running streams within one token
        if server is not None:
            server.stop()
        if embedder is not None:
            embedder.close()
    print("stopped", file=sys.stderr)
    return 0


def _library_model(ctx: AppContext) -> str | None:
    """The embedding model this computer's library remembers (read without opening the library)."""
    from desktop.core.library.catalog import remembered_model
    from desktop.core.library.namespace import catalog_path

    remembered = remembered_model(catalog_path(ctx.paths.data_dir, str(ctx.paths.library_db)))
    return remembered.path if remembered else None
