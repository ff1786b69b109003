"""Command-line options for a remote engine and a library on a Milvus server, shared by commands."""

from __future__ import annotations

import argparse

from desktop.context import AppContext
from desktop.core.errors import UserError
from desktop.engine.api_keys import ApiKeys
from desktop.engine.backend import LoadedModel
from desktop.engine.remote import DEFAULT_TIMEOUT_S, RemoteBackend, RemoteConfig


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("remote engine (an OpenAI-compatible server instead of a GGUF here)")
    group.add_argument("--engine-url", metavar="URL",
                       help="the server's base URL as OpenAI clients take it, e.g. http://gpu-box:8000/v1")
    group.add_argument("--engine-model", metavar="ID", help="the model id the server lists in /v1/models")
    group.add_argument("--api-key", metavar="KEY",
                       help="the server's API key (default: the one kept for this URL in the keychain)")
    group.add_argument("--timeout", type=float, metavar="S", default=DEFAULT_TIMEOUT_S,
                       help=f"give up when the server stays silent this long (default {DEFAULT_TIMEOUT_S:g} s)")


def add_library_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--library-uri", metavar="URI",
                        help="a Milvus server (e.g. http://milvus:19530) instead of this computer's library")
    parser.add_argument("--library-token", metavar="T", help="the Milvus server's token (user:password or API key)")


def remote_config(args: argparse.Namespace, ctx: AppContext) -> RemoteConfig | None:
    """The remote engine the options name, else the one Settings > Model chose unless `--model`
    names a GGUF; None when the GGUF here is used."""
    if not args.engine_url:
        if args.engine_model:
            raise UserError("--engine-model needs --engine-url (the server's base URL).")
        if getattr(args, "model", None):
            return None
        from desktop.engine.factory import remote_config as chosen_in_settings

        return chosen_in_settings(ctx.settings, ctx.paths.config_dir)
    if not args.engine_model:
        raise UserError("--engine-url needs --engine-model (the model id the server lists in /v1/models).")
    if args.timeout is None or not args.timeout > 0:
        raise UserError("--timeout must be more than 0 seconds.")
    config = RemoteConfig(args.engine_url, args.engine_model, timeout_s=args.timeout,
                          context_length=ctx.settings.model.context_length)
    key = args.api_key or ApiKeys(ctx.paths.config_dir).get(config.base_url)
    return RemoteConfig(config.base_url, config.model, key, config.timeout_s, config.context_length)


def connect(backend: RemoteBackend) -> LoadedModel:
    """Check the server and the model; what `ask` reports as its model."""
    model = backend.connect()
    return LoadedModel(path=model.id, name=model.id, n_ctx=model.n_ctx, load_s=0.0,
                       placement=f"remote engine at {backend.config.host}")


def library_location(args: argparse.Namespace, ctx: AppContext) -> tuple[str | None, str | None]:
    """(URI, token) of the library the options name, else of the Milvus server Settings > Library
    chose; (None, None) for this computer's library. A server's kept token is used when none is given."""
    from desktop.engine.factory import library_target, server_uri

    if args.library_uri:
        token = args.library_token
        if token is None and "://" in args.library_uri:
            token = ApiKeys.for_library(ctx.paths.config_dir).get(server_uri(args.library_uri))
        return args.library_uri, token
    target = library_target(ctx.settings, ctx.paths.config_dir)
    return target if target is not None else (None, None)
