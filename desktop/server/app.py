"""The Starlette app: routes, OpenAI-shaped errors, the key check, limits and CORS."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from desktop.server.chat import chat_completions
from desktop.server.embeddings import create_embeddings
from desktop.server.errors import ApiError
from desktop.server.params import read_json
from desktop.server.responses import create_response
from desktop.server.state import ServerConfig, ServerState

log = logging.getLogger(__name__)
_STARTED = int(time.time())


def build_app(state: ServerState, config: ServerConfig) -> Starlette:
    def endpoint(handler: Callable[[ServerState, dict[str, Any]], Awaitable[Any]]):
        async def run(request: Request) -> Response:
            body = await read_json(request, config.max_body_bytes)
            result = await _unless_client_leaves(request, handler(state, body))
            if result is _GONE:
                return Response(status_code=499)  # nginx's "client closed request"; no one reads it
            if isinstance(result, dict):
                return JSONResponse(result)
            return StreamingResponse(result, media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        return run

    async def models(_request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [_model(name) for name in state.models()]})

    async def one_model(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in state.models():
            raise ApiError(404, f"The model '{name}' does not exist here.", "model_not_found", "model")
        return JSONResponse(_model(name))

    routes = [
        Route("/v1/models", models, methods=["GET"]),
        Route("/v1/models/{name:path}", one_model, methods=["GET"]),
        Route("/v1/chat/completions", endpoint(chat_completions), methods=["POST"]),
        Route("/v1/responses", endpoint(create_response), methods=["POST"]),
        Route("/v1/embeddings", endpoint(create_embeddings), methods=["POST"]),
    ]
    middleware = [Middleware(_Guard, api_key=config.api_key, max_connections=config.max_connections)]
    if config.cors_origins:
        # Outermost, so a browser's preflight (which carries no key) is answered here.
        middleware.insert(0, Middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                                        allow_methods=["GET", "POST", "OPTIONS"],
                                        allow_headers=["Authorization", "Content-Type"]))
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _crash})


_GONE = object()


async def _unless_client_leaves(request: Request, work: Awaitable[Any]) -> Any:
    """Run `work`; if the client disconnects first, cancel it (its generation stops within one
    token) instead of answering no one. A stream's own disconnects are watched by its response."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # its generation is cancelled on the engine as it unwinds
    if task.cancelled():
        return _GONE
    return task.result()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": _STARTED, "owned_by": "local"}


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "There is no such endpoint; the API lives under /v1 (see GET /v1/models).",
               405: "This endpoint does not take that HTTP method."}.get(exc.status_code, str(exc.detail))
    return ApiError(exc.status_code, message, "not_found" if exc.status_code == 404 else "invalid_request").response()


async def _crash(_request: Request, exc: Exception) -> Response:
    log.exception("API request failed", exc_info=exc)
    return ApiError(500, f"The server failed on this request: {type(exc).__name__}.", "server_error").response()


class _Guard:
    """The API key (when one is set) and the cap on open requests, before any route runs."""

    def __init__(self, app: ASGIApp, api_key: str | None, max_connections: int) -> None:
        self.app = app
        self.api_key = api_key.encode() if api_key else None
        self.max_connections = max_connections
        self.open = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.api_key is not None and not self._authorised(scope):
            await _send(ApiError(401, "Incorrect or missing API key: send 'Authorization: Bearer KEY'.",
                                 "invalid_api_key"), scope, receive, send)
            return
        if self.open >= self.max_connections:
            await _send(ApiError(503, f"The server is busy ({self.max_connections} requests open); try again shortly.",
                                 "server_busy"), scope, receive, send)
            return
        self.open += 1  # one event loop: no other coroutine runs between the check and this
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1

    def _authorised(self, scope: Scope) -> bool:
        assert self.api_key is not None
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = header.partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self.api_key)


async def _send(error: ApiError, scope: Scope, receive: Receive, send: Send) -> None:
    await error.response()(scope, receive, send)
