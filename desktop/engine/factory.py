"""Where questions and documents go, as the settings say: the window's engine and library store.

`WindowBackend` is the window's one ChatBackend. It runs each request on the engine chosen in
Settings > Model: the in-process llama.cpp backend, made only when a GGUF is loaded (a person on
a remote engine never loads llama.cpp), or a RemoteBackend on an OpenAI-compatible server.
Switching is a load: a local model file, or `use_remote(config)`, which checks the server first
and keeps the engine in use when it cannot be reached. The engine let go of is closed on a
thread of its own (its requests end as they would), so memory held by a local model is freed.

`remote_config` and `library_target` read the settings and the kept secrets (keychain or 0600
file); both may wait on the keychain, so callers run them off the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from desktop.core.errors import UserError
from desktop.engine.api_keys import ApiKeys
from desktop.engine.backend import LoadedModel
from desktop.engine.remote import RemoteBackend, RemoteConfig
from desktop.settings import Settings

if TYPE_CHECKING:
    from desktop.engine.backend import Job, LlamaCppBackend

LIBRARY_PROBE_TIMEOUT_S = 5.0


def remote_config(settings: Settings, config_dir: Path) -> RemoteConfig | None:
    """The remote engine Settings > Model names, with its kept API key; None for this computer.

    Raises UserError (one sentence) when remote is chosen but the URL or model is not usable."""
    model = settings.model
    if model.engine != "remote":
        return None
    if not model.remote_url.strip():
        raise UserError("Remote engine is chosen but has no URL: set it in Settings > Model.")
    if not model.remote_model.strip():
        raise UserError("Remote engine is chosen but no model: pick one in Settings > Model.")
    config = RemoteConfig(model.remote_url, model.remote_model.strip(), timeout_s=model.remote_timeout_s,
                          context_length=model.context_length)
    key = ApiKeys(config_dir).get(config.base_url)
    return RemoteConfig(config.base_url, config.model, key, config.timeout_s, config.context_length)


def server_uri(uri: str, database: str = "") -> str:
    """The Milvus URI with the database in its path (where pymilvus reads it); one sentence when
    the URI is not a server's or names another database than the Database field."""
    uri, database = uri.strip().rstrip("/"), database.strip()
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https", "tcp", "grpc") or not parts.hostname:
        raise UserError(f"The Milvus URI must start with http:// or https:// and name a host "
                        f"(e.g. http://milvus.local:19530), not {uri!r}.")
    in_uri = parts.path.strip("/")
    if database and in_uri and in_uri != database:
        raise UserError(f"The URI names database {in_uri!r} and the Database field {database!r}: keep one.")
    if database and not in_uri:
        return f"{uri}/{database}"
    return uri


def library_target(settings: Settings, config_dir: Path) -> tuple[str, str | None] | None:
    """(URI with database, kept token) of the Milvus server Settings > Library names; None when
    the library is on this computer."""
    library = settings.library
    if library.location != "server":
        return None
    if not library.server_uri.strip():
        raise UserError("Milvus server is chosen but has no URI: set it in Settings > Library.")
    uri = server_uri(library.server_uri, library.server_database)
    return uri, ApiKeys.for_library(config_dir).get(server_uri(library.server_uri))


@dataclass(frozen=True)
class LibraryProbe:
    ok: bool
    message: str


def probe_library(uri: str, token: str | None, database: str = "",
                  timeout_s: float = LIBRARY_PROBE_TIMEOUT_S) -> LibraryProbe:
    """Connect to a Milvus server once and list its collections: one sentence on what happened."""
    try:
        target = server_uri(uri, database)
    except UserError as exc:
        return LibraryProbe(False, str(exc))
    from pymilvus import MilvusClient  # pymilvus and gRPC load only when a server is tested

    where = urlsplit(target).netloc
    db = urlsplit(target).path.strip("/") or "default"
    try:
        client = MilvusClient(target, token=token or "", timeout=timeout_s)
    except Exception as exc:  # noqa: BLE001 - pymilvus raises its own kinds; each becomes a sentence
        reason = " ".join((getattr(exc, "message", None) or str(exc)).split())
        return LibraryProbe(False, f"Cannot reach the Milvus server at {where} within {timeout_s:g} s: {reason}")
    try:
        names = client.list_collections(timeout=timeout_s)
    except Exception as exc:  # noqa: BLE001
        reason = " ".join((getattr(exc, "message", None) or str(exc)).split())
        lowered = reason.lower()
        if any(word in lowered for word in ("auth", "password", "token", "credential", "permission")):
            return LibraryProbe(False, f"The Milvus server at {where} refused the token: {reason}")
        return LibraryProbe(False, f"The Milvus server at {where} answered with an error: {reason}")
    finally:
        client.close()
    count = len(names)
    return LibraryProbe(True, f"Reached the Milvus server at {where} (database {db}): "
                              f"{count} collection{'s' if count != 1 else ''}.")


class WindowBackend:
    """A ChatBackend over the engine chosen in Settings (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local: LlamaCppBackend | None = None
        self._remote: RemoteBackend | None = None
        self._current: Any = None  # the backend new requests go to

    @property
    def capacity(self) -> int:
        current = self._current
        return current.capacity if current is not None else 1

    @property
    def remote(self) -> RemoteConfig | None:
        """The remote engine in use, or None while this computer's model answers."""
        current = self._current
        return current.config if isinstance(current, RemoteBackend) else None

    def load(self, path: str | Path, plan: Callable[[], Any]) -> Future[LoadedModel]:
        """Load a GGUF into this computer's engine and send the next requests to it."""
        from desktop.engine.backend import LlamaCppBackend  # llama.cpp loads with the first GGUF

        with self._lock:
            if self._local is None:
                self._local = LlamaCppBackend()
            local = self._local
        future = local.load(path, plan)

        def loaded(done: Future[LoadedModel]) -> None:
            if done.exception() is None:
                with self._lock:
                    self._current, remote, self._remote = local, self._remote, None
                _close_later(remote)
        future.add_done_callback(loaded)
        return future

    def use_remote(self, config: RemoteConfig) -> LoadedModel:
        """Check the server and model, then send the next requests there and free the local model.

        Raises UserError (one sentence) and keeps the engine in use when the server fails."""
        backend = RemoteBackend(config)
        try:
            model = backend.connect()
        except BaseException:
            backend.close()
            raise
        with self._lock:
            old_remote, self._remote = self._remote, backend
            local, self._local = self._local, None
            self._current = backend
        _close_later(old_remote)
        _close_later(local)
        return LoadedModel(path=model.id, name=model.id, n_ctx=model.n_ctx, load_s=0.0,
                           placement=f"remote engine at {config.host}")

    def start(self, job: Job) -> None:
        current = self._current
        if current is None:
            job.failed("No model is loaded.")
            return
        current.start(job)

    def close(self) -> None:
        with self._lock:
            backends = [b for b in (self._local, self._remote) if b is not None]
            self._local = self._remote = self._current = None
        for backend in backends:
            backend.close()


def _close_later(backend: Any) -> None:
    """Close an engine let go of without waiting for its last requests on the caller's thread."""
    if backend is not None:
        threading.Thread(target=backend.close, name="engine-close", daemon=True).start()
