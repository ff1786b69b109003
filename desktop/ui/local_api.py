"""The window's local OpenAI-compatible API: started, restarted and stopped as Settings → Local API
says, over the window's own EngineService (one model for the chat and the API, never a second).

The server itself is Qt-free and lives in a layer the window does not import; the composition
root hands the window a factory (`ApiFactory`, desktop.server.hosted.HostedApi). Starting binds a
socket, reads the key from the keychain and may load the embedding model, and stopping waits for
open requests: all of it runs on a worker, one change at a time, the latest settings winning.

Signals (on the UI thread):
  sig_status(ApiStatus)   off / starting / serving (with its URL) / failed (with one sentence)
  sig_activity(int, int)  API requests running on the model, and waiting for it
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from desktop.settings import ApiSettings, Settings
from desktop.ui.local_api_key import LocalApiKey

if TYPE_CHECKING:
    from desktop.core.runtime import Sampling
    from desktop.engine.service import EngineService
    from desktop.ui.engine_bridge import EngineBridge
    from desktop.ui.settings_hub import SettingsHub

log = logging.getLogger(__name__)


class ApiHost(Protocol):
    """One running API server (desktop.server.hosted.HostedApi); its methods may block briefly."""

    @property
    def base_url(self) -> str: ...
    @property
    def port(self) -> int | None: ...
    def start(self) -> str: ...
    def stop(self) -> None: ...
    def set_chat_model(self, path: str | None) -> None: ...
    def set_defaults(self, sampling: Sampling, effort: str) -> None: ...


class ApiFactory(Protocol):
    def __call__(self, engine: EngineService, api: ApiSettings, api_key: str | None, data_dir: Path,
                 embedding_model: str | None = None,
                 on_activity: Callable[[int, int], None] | None = None) -> ApiHost: ...


@dataclass(frozen=True)
class ApiStatus:
    state: str  # off | starting | serving | failed | unavailable
    url: str = ""  # what clients use, e.g. http://127.0.0.1:8080/v1
    port: int | None = None
    key: str | None = None  # None: no key asked for
    key_where: str = ""  # "keychain" or the file holding it
    message: str = ""  # failed: one sentence for the person
    network: bool = False  # other computers may connect too


@dataclass(frozen=True)
class _Target:
    api: ApiSettings
    embedding_model: str | None
    key: str | None


class LocalApiController(QObject):
    sig_status = Signal(object)
    sig_activity = Signal(int, int)

    def __init__(self, hub: SettingsHub, engine: EngineBridge, factory: ApiFactory | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._engine = engine
        self._factory = factory
        self.keys = LocalApiKey(hub.ctx.paths.config_dir)
        self.status = ApiStatus("off" if factory is not None else "unavailable")
        self.activity = (0, 0)
        self._want: ApiSettings | None = None  # None: off
        self._embedding_model: str | None = None  # the library's, served on /v1/embeddings
        self._key_changes = 0  # bumped by Regenerate: the worker makes a new key, then restarts
        self._keys_made = 0  # the _key_changes the worker has made a key for
        self._shared = threading.Lock()  # _want, _key_changes, _host, _model_path between threads
        self._applying = threading.Lock()  # one start/stop at a time, on a worker
        self._host: ApiHost | None = None
        self._applied: _Target | None = None
        self._model_path: str | None = None
        self._started = False
        self._closed = False
        self.sig_activity.connect(self._remember_activity)
        self.sig_status.connect(self._remember_status)
        hub.sig_changed.connect(self._settings_changed)
        engine.sig_loaded.connect(lambda model: self._model_changed(model.path))
        engine.sig_load_failed.connect(lambda _message: self._model_changed(
            engine.model.path if engine.model is not None else None))

    # -- the UI thread ----------------------------------------------------------------------------
    def begin(self) -> None:
        """Serve if the settings say so (called once the window is up: the first frame never waits)."""
        self._started = True
        self._settings_changed(self._hub.settings)

    def regenerate_key(self) -> None:
        """A new key; the API restarts with it (clients holding the old one are refused)."""
        with self._shared:
            self._key_changes += 1
        self._apply_later()

    def shutdown(self, timeout: float = 15.0) -> None:
        """Stop serving before the window's engine closes: the API's requests end, the port is free."""
        self._closed = True
        with self._shared:
            self._want = None
        worker = threading.Thread(target=self._apply, name="local-api-stop", daemon=True)
        worker.start()
        worker.join(timeout)

    def _settings_changed(self, settings: Settings) -> None:
        if not self._started or self._closed or self._factory is None:
            return
        with self._shared:
            host = self._host
            self._want = settings.api if settings.api.access != "off" else None
            self._embedding_model = settings.library.embedding_model_path
        if host is not None:
            self._set_defaults(host, settings)
        self._apply_later()

    def _model_changed(self, path: str | None) -> None:
        with self._shared:
            self._model_path = path
            host = self._host
        if host is not None:
            host.set_chat_model(path)

    def _apply_later(self) -> None:
        threading.Thread(target=self._apply, name="local-api", daemon=True).start()

    def _remember_activity(self, running: int, waiting: int) -> None:
        self.activity = (running, waiting)

    def _remember_status(self, status: ApiStatus) -> None:
        self.status = status

    # -- a worker ------------------------------------------------------------------------------
    def _apply(self) -> None:
        """Bring the server to the latest wanted state (several workers may queue here; each
        applies whatever is wanted when its turn comes, so the last change always wins)."""
        with self._applying:
            with self._shared:
                want, key_changes, embedding = self._want, self._key_changes, self._embedding_model
            try:
                target = None if want is None else _Target(want, embedding, self._key(want, key_changes))
            except Exception as exc:  # noqa: BLE001 - a keychain that fails writing a new key
                log.exception("the local API key could not be kept")
                self._stop_host()
                self._applied = None
                self.sig_status.emit(ApiStatus("failed", message=self.tr(
                    "The API key could not be saved: {reason}").format(reason=exc)))
                return
            if target == self._applied and (target is None or self._host is not None):
                return
            self._stop_host()
            self._applied = target
            if target is None:
                self.sig_status.emit(ApiStatus("off"))
                return
            self.sig_status.emit(ApiStatus("starting", key=target.key, key_where=self.keys.where))
            self.sig_status.emit(self._start(target))

    def _key(self, api: ApiSettings, key_changes: int) -> str | None:
        """The key clients must send, or None when none is asked for (loopback, key turned off)."""
        if key_changes != self._keys_made:
            self._keys_made = key_changes
            key = self.keys.regenerate()
        elif api.access == "network" or api.key == "required":
            key = self.keys.get_or_create()
        else:
            return None
        return key if api.access == "network" or api.key == "required" else None

    def _start(self, target: _Target) -> ApiStatus:
        assert self._factory is not None
        api = target.api
        try:
            host = self._factory(self._engine.service, api, target.key, self._hub.ctx.paths.data_dir,
                                 target.embedding_model, on_activity=self.sig_activity.emit)
            with self._shared:
                host.set_chat_model(self._model_path)
            self._set_defaults(host, self._hub.settings)
            url = host.start()
        except ValueError as exc:  # settings that must not serve (an origin that is not one)
            return ApiStatus("failed", key=target.key, key_where=self.keys.where, message=str(exc))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                message = self.tr("Port {port} is in use by another program: choose another port, "
                                  "or Any free port.").format(port=api.port)
            else:
                message = self.tr("The local API could not start: {reason}").format(reason=exc)
            return ApiStatus("failed", key=target.key, key_where=self.keys.where, message=message)
        except Exception as exc:  # noqa: BLE001 - the window must hear about any failure
            log.exception("the local API failed to start")
            return ApiStatus("failed", key=target.key, key_where=self.keys.where,
                             message=self.tr("The local API could not start: {reason}").format(reason=exc))
        with self._shared:
            self._host = host
        # The address clients use: on the network too, this computer reaches it on loopback.
        url = url.replace("://0.0.0.0:", "://127.0.0.1:")
        return ApiStatus("serving", url=url, port=host.port, key=target.key, key_where=self.keys.where,
                         network=api.access == "network")

    def _stop_host(self) -> None:
        with self._shared:
            host, self._host = self._host, None
        if host is not None:
            try:
                host.stop()
            except Exception:  # noqa: BLE001 - stopping must never take the window down
                log.exception("the local API did not stop cleanly")
            self.sig_activity.emit(0, 0)

    def _set_defaults(self, host: ApiHost, settings: Settings) -> None:
        from desktop.core.chat import sampling_from_settings

        host.set_defaults(sampling_from_settings(settings), settings.reasoning.effort)


class ApiIndicator(QPushButton):
    """The status bar's word on the API: "API on :8080", "· answering" while an API request uses
    the model, "· 2 waiting" behind it; hidden while the API is off. A click opens its settings."""

    def __init__(self, controller: LocalApiController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFlat(True)
        self.setAccessibleName(self.tr("Local API"))
        self.setToolTip(self.tr("Settings → Local API"))
        self._controller = controller
        controller.sig_status.connect(self._refresh)
        controller.sig_activity.connect(self._refresh)
        self._refresh()

    def _refresh(self, *_args: object) -> None:
        status = self._controller.status
        running, waiting = self._controller.activity
        if status.state == "serving":
            text = self.tr("API on :{port}").format(port=status.port)
            if running:
                text += self.tr(" · answering")
            if waiting:
                text += self.tr(" · {n} waiting").format(n=waiting)
            self.setToolTip(self.tr("Serving on {url} (Settings → Local API)").format(url=status.url))
        elif status.state == "failed":
            text = self.tr("API not serving")
            self.setToolTip(status.message)
        else:
            text = ""
        self.setText(text)
        self.setVisible(bool(text))
