"""The chat's model row: what answers (or why nothing does), the models, Open model…, Models….

The picker lists this computer's GGUF models and, when a remote engine is set in Settings, the
models that server lists, side by side. Loading a file goes through the engine (EngineBridge.load,
the backend's own load); a file that cannot be opened leaves the working model in use and the
banner says both (amber: the chat goes on). Choosing a remote model connects to the server first
(EngineBridge.connect_remote); while a remote engine answers, the row says where questions go.
Settings changes (engine, URL, model, timeout, a new API key) reconnect when they change what the
engine would be; the comparison runs on a worker, since the key is read from the keychain.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget
from shiboken6 import isValid

from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.tasks import run_in_background
from desktop.ui.theme import set_style_property

if TYPE_CHECKING:
    from desktop.engine.backend import LoadedModel
    from desktop.engine.remote import RemoteConfig
    from desktop.settings import Settings

LOCAL, REMOTE = "local", "remote"  # the kind of a picker item, beside its path or model id


class ModelBar(QWidget):
    sig_status = Signal(str)  # a short line for the window's status bar
    sig_models_requested = Signal()

    def __init__(self, hub: SettingsHub, engine: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._engine = engine
        self._pending_model: str | None = None  # chosen by the user: remembered once it loads
        self.loading = False
        self._recheck = False  # settings changed while connecting: compare again once it is done
        self._started = False  # the configured engine was asked for (after the first paint)
        self._choice = hub.settings.model.engine  # the engine choice last applied
        self.remote_models: tuple[str, ...] = ()  # what the configured server listed last
        # The URL whose models were asked for: asked once per URL, because llama-cpp-python's
        # server ends a streaming answer early when any other request (a model list) comes in.
        self._listed_url: str | None = None
        self.banner = QLabel()
        self.banner.setObjectName("modelBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setMargin(6)  # room inside the red or amber background of a problem
        self.destination = QLabel()
        self.destination.setObjectName("questionsGoTo")
        self.destination.setAccessibleName(self.tr("Where questions go"))
        self.destination.setTextFormat(Qt.TextFormat.PlainText)
        self.destination.hide()
        self.model_picker = QComboBox()
        self.model_picker.setAccessibleName(self.tr("Chat model"))
        self.model_picker.setToolTip(self.tr("Chat models on this computer and on the remote engine"))
        self.model_picker.activated.connect(self._picked_model)
        self.open_model_button = QPushButton(self.tr("Open model…"))
        self.open_model_button.setAccessibleName(self.tr("Open a GGUF model file"))
        self.open_model_button.clicked.connect(self.choose_model_file)
        self.models_button = QPushButton(self.tr("Models…"))
        self.models_button.setAccessibleName(self.tr("Manage models"))
        self.models_button.clicked.connect(self.sig_models_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.banner, 1)
        row.addWidget(self.destination)
        row.addWidget(self.model_picker)
        row.addWidget(self.open_model_button)
        row.addWidget(self.models_button)
        engine.sig_loaded.connect(self._on_loaded)
        engine.sig_load_failed.connect(self._on_load_failed)
        hub.sig_changed.connect(self._settings_changed)
        self.show_banner()

    # -- the picker -------------------------------------------------------------------------------
    def refresh_models(self) -> None:
        """List the installed chat models (and the current one, wherever it lives), then the
        remote engine's models as the server lists them (asked on a worker)."""
        self._fill_picker()
        self._list_remote_models()

    def _fill_picker(self) -> None:
        from desktop.core.catalog import Catalog

        paths = self._hub.ctx.paths
        current = self._hub.settings.model.chat_model_path
        # One entry per file: a model linked into the models folder is the file it points to.
        choices, selected = Catalog.for_window(paths.models_dir, paths.cache_dir).chat_choices(current)
        remote = self._engine.remote
        host = _hostname(self._hub.settings.model.remote_url)
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        for path, name in choices.items():
            self.model_picker.addItem(name, (LOCAL, path))
        if choices and self.remote_models:
            self.model_picker.insertSeparator(self.model_picker.count())
        for model_id in self.remote_models:
            self.model_picker.addItem(self.tr("{model} · {host}").format(model=model_id, host=host),
                                      (REMOTE, model_id))
        chosen = (REMOTE, remote.model) if remote is not None else (LOCAL, selected) if selected else None
        if chosen is not None:  # findData cannot match a tuple: Qt compares Python objects by identity
            count = self.model_picker.count()
            self.model_picker.setCurrentIndex(
                next((i for i in range(count) if self.model_picker.itemData(i) == chosen), 0))
        self.model_picker.setVisible(self.model_picker.count() > 0)
        self.model_picker.blockSignals(False)

    def _list_remote_models(self) -> None:
        model = self._hub.settings.model
        if model.engine != REMOTE or not model.remote_url.strip():
            self._listed_url = None
            if self.remote_models:
                self.remote_models = ()
                self._fill_picker()
            return
        if model.remote_url == self._listed_url:
            return
        self._listed_url = model.remote_url
        from desktop.engine.api_keys import ApiKeys
        from desktop.engine.remote import probe_engine

        url, timeout, keys = model.remote_url, model.remote_timeout_s, ApiKeys(self._hub.ctx.paths.config_dir)

        def listed() -> tuple[str, ...]:
            return probe_engine(url, keys.get(url.strip().rstrip("/")), timeout).models

        def show(models: tuple[str, ...]) -> None:
            if isValid(self) and url == self._hub.settings.model.remote_url:
                self.remote_models = models
                self._fill_picker()
                if not models:
                    self._listed_url = None  # nothing listed (down, wrong key): ask again next time

        def failed(_message: str) -> None:  # the banner says why when the engine is used
            if isValid(self):
                self._listed_url = None
        run_in_background(listed, on_done=show, on_failed=failed)

    def _picked_model(self, index: int) -> None:
        data = self.model_picker.itemData(index)
        if not data or self._engine.busy:
            return
        kind, value = data
        if kind == REMOTE:
            if self._engine.remote is None or self._engine.remote.model != value:
                self._hub.update("model", engine=REMOTE, remote_model=value)  # connects (_settings_changed)
            return
        if value != self._hub.settings.model.chat_model_path or self._engine.remote is not None:
            self.open_model(value)  # first: the load in flight tells _settings_changed to wait
            self._hub.update("model", engine=LOCAL)

    # -- loading and connecting -------------------------------------------------------------------
    def load_configured_model(self) -> None:
        """The engine Settings name: the remote engine, or this computer's chosen GGUF."""
        self._started = True
        if self._hub.settings.model.engine == REMOTE:
            self.connect_remote()
            return
        path = self._hub.settings.model.chat_model_path
        if path:
            self.load_model(path)
        self.show_banner()

    def connect_remote(self, config: RemoteConfig | None = None) -> None:
        """Send questions to the remote engine of the settings (checked on a worker first)."""
        from desktop.engine.factory import remote_config

        settings, config_dir = self._hub.settings, self._hub.ctx.paths.config_dir
        self.loading = True
        self.set_banner(self.tr("Connecting to {host}…").format(host=_hostname(settings.model.remote_url)),
                        error=False)
        self._engine.connect_remote(lambda: config or remote_config(settings, config_dir))

    def load_model(self, path: str) -> None:
        from desktop.core.chat import plan_load  # the planner's imports wait until a model loads

        self.loading = True
        self.set_banner(self.tr("Loading {name}…").format(name=Path(path).name), error=False)
        settings, paths = self._hub.settings, self._hub.ctx.paths
        self._engine.load(path, lambda: plan_load(path, settings, paths))

    def choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a gpt-oss model"),
                                              str(self._hub.ctx.paths.models_dir),
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.open_model(path)
            if self._hub.settings.model.engine != LOCAL:
                self._hub.update("model", engine=LOCAL)

    def open_model(self, path: str) -> None:
        """Load `path` and remember it as the chat model once it has loaded."""
        self._pending_model = path
        self.load_model(path)

    def _settings_changed(self, settings: Settings) -> None:
        """Apply an engine choice made in Settings or the picker, once the window has started one."""
        if not self._started or self._engine.closed:
            return
        if self.loading:
            self._recheck = True
            return
        chosen_before, self._choice = self._choice, settings.model.engine
        if settings.model.engine == LOCAL:
            if self._engine.remote is not None:  # back to this computer
                self.remote_models = ()
                if settings.model.chat_model_path:
                    self.load_model(settings.model.chat_model_path)
                else:
                    self.show_banner()
            elif chosen_before == REMOTE and self._engine.model is not None:
                # Remote was chosen but never answered: what the banner said about it no longer holds.
                self.remote_models = ()
                self._fill_picker()
                self._show_model(self._engine.model)
            return
        from desktop.engine.factory import remote_config

        config_dir, in_use = self._hub.ctx.paths.config_dir, self._engine.remote

        def wanted() -> RemoteConfig | None:
            return remote_config(settings, config_dir)

        def compare(config: RemoteConfig | None) -> None:
            if isValid(self) and config is not None and config != self._engine.remote and not self.loading:
                self.connect_remote(config)
        if in_use is None or _remote_fields(settings) != _remote_fields_of(in_use):
            self.refresh_models()
        run_in_background(wanted, on_done=compare,
                          on_failed=lambda message: self._not_connected(message) if isValid(self) else None)

    def _not_connected(self, message: str) -> None:
        """Remote chosen but unusable as set (no URL, no model): say so; what answers stays."""
        kept = self._engine.model
        self.set_banner(message if kept is None else self.tr("{reason}\nStill using {name}.").format(
            reason=message, name=kept.name), error=True, recoverable=kept is not None)

    def _on_loaded(self, model: LoadedModel) -> None:
        self.loading = False
        if self._pending_model == model.path:
            self._hub.update("model", chat_model_path=model.path)
            self._pending_model = None
        self.refresh_models()
        self._show_model(model)
        self._after_load()

    def _show_model(self, model: LoadedModel) -> None:
        """The banner and status line for what answers now."""
        remote = self._engine.remote
        self._show_destination(remote)
        if remote is not None:
            self.set_banner(self.tr("Model: {name} · remote engine · context {n_ctx} tokens").format(
                name=model.name, n_ctx=f"{model.n_ctx:,}"), error=False)
            self.sig_status.emit(self.tr("{name} on {host} ready").format(name=model.name, host=remote.hostname))
        else:
            self.set_banner(self.tr("Model: {name} · {placement} · context {n_ctx} tokens · loaded in {s} s").format(
                name=model.name, placement=model.placement, n_ctx=f"{model.n_ctx:,}", s=f"{model.load_s:.1f}"),
                error=False)
            self.sig_status.emit(self.tr("{name} ready").format(name=model.name))

    def _on_load_failed(self, message: str) -> None:
        self.loading = False
        self._pending_model = None
        kept = self._engine.model
        self._show_destination(self._engine.remote if kept is not None else None)
        if kept is not None:
            # The file or server was refused and the working model stayed: say both.
            self.set_banner(self.tr("{reason}\nStill using {name}: you can keep chatting.").format(
                reason=message, name=kept.name), error=True, recoverable=True)
            self.refresh_models()
            self.sig_status.emit(self.tr("Could not switch models; still using {name}.").format(name=kept.name))
        else:
            self.set_banner(message, error=True)
        self._after_load()

    def _after_load(self) -> None:
        if self._recheck:
            self._recheck = False
            self._settings_changed(self._hub.settings)

    def _show_destination(self, remote: RemoteConfig | None) -> None:
        """Privacy in the open: while a remote engine answers, say where questions go (host only)."""
        if remote is None:
            self.destination.hide()
            return
        self.destination.setText(self.tr("Questions go to {host}").format(host=remote.hostname))
        self.destination.setToolTip(self.tr("Your questions, the chat so far and the library passages found "
                                            "for them are sent to {url}").format(url=remote.base_url))
        self.destination.show()

    def show_banner(self) -> None:
        settings = self._hub.settings.model
        if self._engine.model is None and not settings.chat_model_path and settings.engine != REMOTE:
            self.set_banner(self.tr("No model yet. Choose a gpt-oss .gguf file with “Open model…” "
                                    "(for example gpt-oss-20b-mxfp4.gguf); the app remembers it."), error=False)

    def set_banner(self, text: str, error: bool, recoverable: bool = False) -> None:
        """Red when the chat cannot go on; amber (theme.py) when it can, as after a refused model."""
        self.banner.setText(text)
        sheet = "color: white; background: #b3261e;" if error and not recoverable else ""
        if self.banner.styleSheet() != sheet:
            self.banner.setStyleSheet(sheet)
        set_style_property(self.banner, "state", "warning" if error and recoverable else "error" if error else "")


def _hostname(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url.strip()).hostname or url.strip()
    except ValueError:
        return url.strip()


def _remote_fields(settings: Settings) -> tuple[str, str]:
    return settings.model.remote_url.strip().rstrip("/"), settings.model.remote_model.strip()


def _remote_fields_of(config: RemoteConfig) -> tuple[str, str]:
    return config.base_url, config.model
