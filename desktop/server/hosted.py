"""The API as the window runs it: one more client of the window's own EngineService.

The window never imports the server (the two are independent layers); the composition root
hands it `HostedApi` as a factory, and the window drives it through start / stop and the
set_* methods. Every method may block briefly (binding, loading the embedding model, waiting for
open requests), so the window calls them on a worker, never on its UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from desktop.core.runtime import Sampling
from desktop.engine.service import EngineService
from desktop.server.runner import ApiServer
from desktop.server.state import ServerConfig, ServerState, model_name
from desktop.server.store import ResponseStore
from desktop.settings import ApiSettings

log = logging.getLogger(__name__)

RESPONSES_FOLDER = "api-responses"


class HostedApi:
    """Raises ValueError (one line) for settings that must not serve."""

    def __init__(self, engine: EngineService, api: ApiSettings, api_key: str | None, data_dir: Path,
                 embedding_model: str | None = None,
                 on_activity: Callable[[int, int], None] | None = None) -> None:
        self.config = ServerConfig.from_settings(api, api_key)
        store = ResponseStore(Path(data_dir) / RESPONSES_FOLDER)
        self.state = ServerState(engine, None, store)
        self.state.activity.listener = on_activity
        self._embedding_path = embedding_model
        self._server = ApiServer(self.state, self.config)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def port(self) -> int | None:
        return self._server.port

    def start(self) -> str:
        """Listen; the base URL. OSError (one line) when the port is taken or the host refused."""
        self.state.store.clean()  # stored responses past their age or the cap go before the first request
        self._load_embedder()
        try:
            return self._server.start()
        except BaseException:
            self._server.stop()  # a server thread that started but never answered ends too
            self._close_embedder()
            raise

    def stop(self) -> None:
        """Stop listening and end the open requests (their generations stop within one token)."""
        self._server.stop_listening()
        self.state.activity.cancel_all()
        self._server.stop()
        self._close_embedder()  # after the open requests ended: none is embedding now

    def set_chat_model(self, path: str | None) -> None:
        """The chat model the engine has loaded (None while none is: requests get a 503)."""
        self.state.chat_model = model_name(path) if path else None

    def set_defaults(self, sampling: Sampling, effort: str) -> None:
        self.state.sampling = sampling
        self.state.default_effort = effort

    def _load_embedder(self) -> None:
        """/v1/embeddings serves the library's model (its own small copy, on the CPU); without one,
        or when it cannot load, chat still serves and /v1/embeddings says none is loaded."""
        path = self._embedding_path
        if not path or not Path(path).is_file():
            return
        from desktop.core.embeddings import Embedder

        try:
            self.state.embedder = Embedder(path)
        except Exception:  # noqa: BLE001 - see above
            log.exception("the API could not load the embedding model %s", path)
            return
        self.state.embedding_model = model_name(path)

    def _close_embedder(self) -> None:
        embedder, self.state.embedder, self.state.embedding_model = self.state.embedder, None, None
        if embedder is not None:
            embedder.close()
