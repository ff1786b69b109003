"""The chat's model row: what is loaded (or why not), the installed models, Open model…, Models….

Loading goes through the engine (EngineBridge.load, the backend's own load); a file that cannot
be opened leaves the working model in use and the banner says both (amber: the chat goes on).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.settings_hub import SettingsHub

if TYPE_CHECKING:
    from desktop.engine.backend import LoadedModel


class ModelBar(QWidget):
    sig_status = Signal(str)  # a short line for the window's status bar
    sig_models_requested = Signal()

    def __init__(self, hub: SettingsHub, engine: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._engine = engine
        self._pending_model: str | None = None  # chosen by the user: remembered once it loads
        self.loading = False
        self.banner = QLabel()
        self.banner.setObjectName("modelBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setMargin(6)  # room inside the red or amber background of a problem
        self.model_picker = QComboBox()
        self.model_picker.setAccessibleName(self.tr("Chat model"))
        self.model_picker.setToolTip(self.tr("Installed chat models"))
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
        row.addWidget(self.model_picker)
        row.addWidget(self.open_model_button)
        row.addWidget(self.models_button)
        engine.sig_loaded.connect(self._on_loaded)
        engine.sig_load_failed.connect(self._on_load_failed)
        self.show_banner()

    def refresh_models(self) -> None:
        """List the installed chat models (and the current one, wherever it lives)."""
        from desktop.core.catalog import Catalog

        paths = self._hub.ctx.paths
        current = self._hub.settings.model.chat_model_path
        # One entry per file: a model linked into the models folder is the file it points to.
        choices, selected = Catalog.for_window(paths.models_dir, paths.cache_dir).chat_choices(current)
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        for path, name in choices.items():
            self.model_picker.addItem(name, path)
        if selected:
            self.model_picker.setCurrentIndex(self.model_picker.findData(selected))
        self.model_picker.setVisible(bool(choices))
        self.model_picker.blockSignals(False)

    def _picked_model(self, index: int) -> None:
        path = self.model_picker.itemData(index)
        if path and path != self._hub.settings.model.chat_model_path and not self._engine.busy:
            self.open_model(path)

    def load_configured_model(self) -> None:
        path = self._hub.settings.model.chat_model_path
        if path:
            self.load_model(path)
        self.show_banner()

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

    def open_model(self, path: str) -> None:
        """Load `path` and remember it as the chat model once it has loaded."""
        self._pending_model = path
        self.load_model(path)

    def _on_loaded(self, model: LoadedModel) -> None:
        self.loading = False
        if self._pending_model == model.path:
            self._hub.update("model", chat_model_path=model.path)
            self._pending_model = None
            self.refresh_models()
        self.set_banner(self.tr("Model: {name} · {placement} · context {n_ctx} tokens · loaded in {s} s").format(
            name=model.name, placement=model.placement, n_ctx=f"{model.n_ctx:,}", s=f"{model.load_s:.1f}"),
            error=False)
        self.sig_status.emit(self.tr("{name} ready").format(name=model.name))

    def _on_load_failed(self, message: str) -> None:
        self.loading = False
        self._pending_model = None
        kept = self._engine.model
        if kept is not None:
            # The file was refused and the working model stayed loaded: say both.
            self.set_banner(self.tr("{reason}\nStill using {name}: you can keep chatting.").format(
                reason=message, name=kept.name), error=True, recoverable=True)
            self.refresh_models()
            self.model_picker.setCurrentIndex(max(0, self.model_picker.findData(kept.path)))
            self.sig_status.emit(self.tr("Could not open that model; still using {name}.").format(name=kept.name))
        else:
            self.set_banner(message, error=True)

    def show_banner(self) -> None:
        if self._engine.model is None and not self._hub.settings.model.chat_model_path:
            self.set_banner(self.tr("No model yet. Choose a gpt-oss .gguf file with “Open model…” "
                                    "(for example gpt-oss-20b-mxfp4.gguf); the app remembers it."), error=False)

    def set_banner(self, text: str, error: bool, recoverable: bool = False) -> None:
        """Red when the chat cannot go on; amber (theme.py) when it can, as after a refused model."""
        self.banner.setText(text)
        self.banner.setProperty("state", "warning" if error and recoverable else "error" if error else "")
        self.banner.setStyleSheet("color: white; background: #b3261e;" if error and not recoverable else "")
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
