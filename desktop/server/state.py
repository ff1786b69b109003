"""What the server serves: the engine and the models' names, the embedder, defaults, limits."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.embeddings import Embedder
from desktop.core.runtime import Sampling
from desktop.engine.service import EngineService
from desktop.server.errors import ApiError
from desktop.server.store import ResponseStore

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024  # a long conversation with pasted files fits; a runaway upload does not
DEFAULT_MAX_CONNECTIONS = 16  # open HTTP requests at once, streams included; more get a 503


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


@dataclass
class ServerState:
    engine: EngineService | None
    chat_model: str | None  # None: no chat model loaded (requests get a 503)
    store: ResponseStore
    embedder: Embedder | None = None
    embedding_model: str | None = None
    sampling: Sampling = field(default_factory=Sampling)
    default_effort: str = "medium"

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
