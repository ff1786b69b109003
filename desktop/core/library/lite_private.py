"""The library's Milvus Lite server, answering this app alone: the one seam into Lite's server.

Lite's public server (`milvus-lite server`, `start_server_in_thread`) listens on a TCP port and
asks for no credentials, so any local user or program could list, read or drop the library's
collections. This serves the same servicer behind a gRPC interceptor that asks every call for a
secret the app makes afresh each time it starts the store and hands to the child over its stdin
(never the command line, which `ps` shows to every user, and never a file). pymilvus sends it
as its `token`: the `authorization` metadata, base64-encoded. A call without it, or with another,
is answered UNAUTHENTICATED before Lite sees it.

Lite's server builder (`_build_server`) is private and takes no interceptors, so the server is
built here from Lite's servicer class, which Lite documents as internal. That ties this module to
one exact Lite version, PINNED_VERSION, which `pyproject.toml` pins; a test fails when the
installed version differs. The fast search path (`lite_search`) is written for the same one.
"""

from __future__ import annotations

import base64
import hmac
import logging
from collections.abc import Callable
from concurrent import futures
from typing import TYPE_CHECKING, Any

import grpc

if TYPE_CHECKING:
    from milvus_lite import MilvusLite

PINNED_VERSION = "3.2.2"
# As Lite's own `_build_server` sets them (Milvus standalone's message limit).
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
WORKERS = 10
REFUSED = "this Milvus Lite server answers the app that started it only"

log = logging.getLogger(__name__)


def installed_version() -> str:
    import milvus_lite  # (its own constant: a frozen bundle may carry no package metadata)

    return milvus_lite.__version__


def authorization(secret: str) -> bytes:
    """The `authorization` metadata pymilvus sends for `token=secret`."""
    return base64.b64encode(secret.encode("utf-8"))


def start(data_dir: str, secret: str, host: str = "127.0.0.1") -> tuple[grpc.Server, MilvusLite, int]:
    """Open `data_dir` and serve it on `host` (a free port) to callers with `secret` only.

    Returns (server, db, port), as Lite's `start_server_in_thread` does; the caller stops the
    server, then closes the db. Raises Lite's `DataDirLockedError` when another process has it.
    """
    from milvus_lite import MilvusLite
    from milvus_lite.adapter.grpc import MilvusServicer
    from pymilvus.grpc_gen import milvus_pb2_grpc

    if installed_version() != PINNED_VERSION:
        log.warning("Milvus Lite %s is installed; the library's server was written for %s",
                    installed_version(), PINNED_VERSION)
    db = MilvusLite(data_dir)
    try:
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=WORKERS),
            interceptors=[RequireSecret(secret)],
            options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                     ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)])
        milvus_pb2_grpc.add_MilvusServiceServicer_to_server(MilvusServicer(db), server)
        port = server.add_insecure_port(f"{host}:0")
        server.start()
    except BaseException:
        db.close()  # release the folder's lock: the app may try again
        raise
    return server, db, port


class RequireSecret(grpc.ServerInterceptor):
    """Lets a call through only when its `authorization` metadata carries the secret."""

    def __init__(self, secret: str) -> None:
        self._expected = authorization(secret)

    def intercept_service(self, continuation: Callable, handler_call_details: Any) -> Any:
        for key, value in handler_call_details.invocation_metadata or ():
            if key == "authorization":
                given = value.encode("latin-1") if isinstance(value, str) else bytes(value)
                if hmac.compare_digest(given, self._expected):  # no timing hint to a guesser
                    return continuation(handler_call_details)
        return _refusal(continuation(handler_call_details))


def _refuse(_request: Any, context: grpc.ServicerContext) -> None:
    context.abort(grpc.StatusCode.UNAUTHENTICATED, REFUSED)


def _refusal(handler: grpc.RpcMethodHandler | None) -> grpc.RpcMethodHandler:
    """A handler of the same shape as the method's (a streaming method needs a streaming one)."""
    streaming_in = bool(handler and handler.request_streaming)
    streaming_out = bool(handler and handler.response_streaming)
    if streaming_in and streaming_out:
        return grpc.stream_stream_rpc_method_handler(_refuse)
    if streaming_in:
        return grpc.stream_unary_rpc_method_handler(_refuse)
    if streaming_out:
        return grpc.unary_stream_rpc_method_handler(_refuse)
    return grpc.unary_unary_rpc_method_handler(_refuse)
