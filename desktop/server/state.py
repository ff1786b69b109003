"""What the server serves: the engine and the models' names, the embedder, defaults, limits."""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.embeddings import Embedder
from desktop.core.runtime import Sampling
from desktop.engine.service import EngineService, RequestHandle
from desktop.server.errors import ApiError
from desktop.server.store import ResponseStore
from desktop.settings import ApiSettings

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024  # a long conversation with pasted files fits; a runaway upload does not
DEFAULT_MAX_CONNECTIONS = 16  # open HTTP requests at once, streams included; more get a 503
ALL_INTERFACES = "0.0.0.0"  # what "this computer and the network" binds to
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def model_name(path: str | Path) -> str:
    """A model's API name: its file name without `.gguf`."""
    return Path(path).name.removesuffix(".gguf")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8000  # 0: any free port
    api_key: str | None = None  # required off loopback
    cors_origins: tuple[str, ...] = ()  # browser pages allowed to call the API; none by default
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_connections: int = DEFAULT_MAX_CONNECTIONS

    def check(self) -> None:
        """Raises ValueError (one line) for a configuration that must not serve."""
        if not self.api_key and not is_loopback(self.host):
            raise ValueError(f"Serving on {self.host} (beyond this computer) needs an API key.")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"The port must be from 0 to 65535, not {self.port}.")

    @classmethod
    def from_settings(cls, api: ApiSettings, api_key: str | None) -> ServerConfig:
        """The window's API settings as a server configuration; ValueError (one line) when they
        cannot serve. The network always needs the key, whatever the key setting says."""
        network = api.access == "network"
        config = cls(host=ALL_INTERFACES if network else "127.0.0.1", port=api.port,
                     api_key=api_key if network or api.key == "required" else None,
                     cors_origins=parse_origins(api.cors_origins),
                     max_body_bytes=api.max_body_mb * 1024 * 1024, max_connections=api.max_connections)
        if config.api_key is None and api.key == "required":
            raise ValueError("There is no API key yet: generate one.")
        config.check()
        return config


def parse_origins(text: str) -> tuple[str, ...]:
    """Web page origins separated by spaces or commas; ValueError names the first that is not one."""
    origins = tuple(part.rstrip("/") for part in re.split(r"[\s,]+", text.strip()) if part)
    for origin in origins:
        if origin == "*":
            raise ValueError("'*' would let every web page use the model: list the pages' origins instead.")
        if not _ORIGIN.fullmatch(origin):
            raise ValueError(f"'{origin}' is not a web page origin like http://localhost:3000 "
                             "(scheme, host and port only).")
    return origins


class Activity:
    """Which API requests wait for the engine and which run on it, told to a listener on every
    change (the window shows it; called on the engine's or the server's thread). It also holds
    their handles, so that stopping the API ends its own requests and no one else's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[int, str] = {}
        self._handles: dict[int, RequestHandle] = {}
        self.closed = False
        self.listener: Callable[[int, int], None] | None = None  # (running, waiting)

    def update(self, request_id: int, state: str | None) -> None:
        """state: "waiting", "running", or None when the request ended."""
        with self._lock:
            if state is None:
                if self._states.pop(request_id, None) is None:
                    return
            else:
                self._states[request_id] = state
            running = sum(1 for s in self._states.values() if s == "running")
            waiting = len(self._states) - running
        listener = self.listener
        if listener is not None:
            listener(running, waiting)

    def track(self, handle: RequestHandle) -> None:
        with self._lock:
            closed = self.closed
            if not closed:
                self._handles[handle.id] = handle
        if closed:  # submitted while the API was stopping
            handle.cancel()

    def untrack(self, handle: RequestHandle) -> None:
        with self._lock:
            self._handles.pop(handle.id, None)

    def cancel_all(self) -> None:
        with self._lock:
            self.closed = True
            handles = list(self._handles.values())
        for handle in handles:
            handle.cancel()


@dataclass
class ServerState:
    engine: EngineService | None
    chat_model: str | None  # None: no chat model loaded (requests get a 503)
    store: ResponseStore
    embedder: Embedder | None = None
    embedding_model: str | None = None
    sampling: Sampling = field(default_factory=Sampling)
    default_effort: str = "medium"
    activity: Activity = field(default_factory=Activity)

    def engine_or_503(self) -> EngineService:
        if self.engine is None or self.chat_model is None:
            raise ApiError(503, "No chat model is loaded.", "model_not_loaded")
        return self.engine

    def chat_model_for(self, requested: object) -> str:
        """The chat model a request names (or the loaded one when it names none)."""
        self._check_name(requested)
        if self.chat_model is None:
            raise ApiError(503, "No chat model is loaded.", "model_not_loaded")
        if requested is not None and requested == self.embedding_model and requested != self.chat_model:
            raise ApiError(400, f"'{requested}' is an embedding model; it cannot chat.", "model_not_chat", "model")
        return self.chat_model

    def embedding_model_for(self, requested: object) -> Embedder:
        self._check_name(requested)
        if self.embedder is None or self.embedding_model is None:
            raise ApiError(503, "No embedding model is loaded (serve --embedding-model PATH).", "model_not_loaded")
        if requested is not None and requested == self.chat_model and requested != self.embedding_model:
            raise ApiError(400, f"'{requested}' is a chat model; use '{self.embedding_model}' for embeddings.",
                           "model_not_embedding", "model")
        return self.embedder

    def models(self) -> list[str]:
        return [name for name in (self.chat_model, self.embedding_model) if name]

    def _check_name(self, requested: object) -> None:
        if requested is None:
            return
        if not isinstance(requested, str):
            raise ApiError(400, "'model' must be a string.", "invalid_request", "model")
        if requested not in self.models():
            raise ApiError(404, f"The model '{requested}' does not exist here; GET /v1/models lists the models served.",
                           "model_not_found", "model")
