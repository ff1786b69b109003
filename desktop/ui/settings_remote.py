"""Settings for a remote engine (Model section) and a Milvus server (Library section).

Each box is a choice between this computer and a server, the server's address, a secret (API
key or token: kept in the keychain or a 0600 file by engine.api_keys, never in settings.json)
and "Test connection", which says in one sentence what answered, from a worker. The engine box
lists the server's models in an editable combo box (typed by hand when the server lists none).
A saved secret is announced through the hub (`replace_all`), so the chat reconnects with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.core.errors import UserError
from desktop.ui.settings_fields import CONTROL_WIDTH, ERROR_COLOURS, MUTED_COLOURS, tint, tr
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.tasks import run_in_background

if TYPE_CHECKING:
    from desktop.engine.api_keys import ApiKeys
    from desktop.settings import Settings
    from desktop.ui.settings_pane import SettingsPane

LABEL_WIDTH = 150  # the pane's label column
MODEL_BOX_WIDTH = 250  # "openai/gpt-oss-120b" fits; longer ids scroll in the box
LOCAL_ONLY_FIELDS = ("chat_model_path", "gpu_layers", "experts", "threads")  # hidden while remote


class _ServerBox(QWidget):
    """This computer or a server: the choice, the server's fields, its secret, Test connection."""

    section = ""
    mode_field = ""
    server_value = ""

    def __init__(self, hub: SettingsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        meta = self._meta(self.mode_field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        choice = QHBoxLayout()
        choice.setSpacing(16)  # the choices start where the pane's controls do
        heading = QLabel(tr(meta["label"]))
        heading.setMinimumWidth(LABEL_WIDTH)
        choice.addWidget(heading)
        self.group = QButtonGroup(self)
        self.choices: dict[str, QRadioButton] = {}
        for value in meta["choices"]:
            button = QRadioButton(tr(meta["names"][value]))
            button.setAccessibleName(tr(meta["names"][value]))
            self.group.addButton(button)
            self.choices[value] = button
            choice.addWidget(button)
            button.toggled.connect(lambda on, v=value: on and self._chosen(v))
        choice.addStretch(1)
        layout.addLayout(choice)
        self.help = QLabel(tr(meta["help"]))
        self.help.setWordWrap(True)
        layout.addWidget(self.help)
        self.details = QWidget()
        self.form = QFormLayout(self.details)
        self.form.setContentsMargins(0, 4, 0, 0)
        self.form.setHorizontalSpacing(16)
        self.form.setVerticalSpacing(12)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.details)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setClearButtonEnabled(True)
        self.secret.editingFinished.connect(self._save_secret)
        self.forget = _compact(QPushButton(self.tr("Forget")))
        self.forget.setAccessibleName(self.tr("Forget the kept secret"))
        self.forget.clicked.connect(self._forget_secret)
        self.forget.hide()  # shown once a secret is known to be kept
        self._muted: list[QLabel] = [self.help]
        self.secret_where = QLabel()
        self.test_button = _compact(QPushButton(self.tr("Test connection")))
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.setAccessibleName(self.tr("Connection test result"))
        self.testing = False
        # Secrets are read, kept and forgotten one at a time, in the order asked: a status read
        # started before a save must not land after it and say that nothing is kept.
        self._secrets = QThreadPool(self)
        self._secrets.setMaxThreadCount(1)
        self._restyle()
        hub.sig_changed.connect(self._on_changed)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        # The theme changed: recolour once the new palette is in place (as the pane does).
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            QTimer.singleShot(0, self, self._restyle)
        super().changeEvent(event)

    def _restyle(self) -> None:
        for label in self._muted:
            tint(label, MUTED_COLOURS)
        tint(self.error, ERROR_COLOURS)
        tint(self.test_result, ERROR_COLOURS if self.test_result.property("ok") is False else MUTED_COLOURS)

    # -- building helpers for the subclasses ---------------------------------------------------
    def _meta(self, name: str) -> Any:
        settings = getattr(self.hub.settings, self.section)
        return next(f.metadata for f in _fields(settings) if f.name == name)

    def _row(self, label: str, control: QWidget | QHBoxLayout, help_text: str = "",
             help_label: QLabel | None = None) -> None:
        """A row like the pane's own: the label in its column, the control, a muted line under it."""
        cell = QVBoxLayout()
        cell.setSpacing(2)
        if isinstance(control, QWidget):
            cell.addWidget(control)
        else:
            cell.addLayout(control)
        help_label = help_label or QLabel(help_text)
        help_label.setWordWrap(True)
        tint(help_label, MUTED_COLOURS)
        self._muted.append(help_label)
        cell.addWidget(help_label)
        heading = QLabel(label)
        heading.setMinimumWidth(LABEL_WIDTH)
        self.form.addRow(heading, cell)

    def _text_row(self, name: str, placeholder: str) -> QLineEdit:
        meta = self._meta(name)
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(tr(meta["label"]))
        edit.setAccessibleDescription(tr(meta["help"]))
        self._row(tr(meta["label"]), edit, tr(meta["help"]))
        return edit

    def _secret_row(self, label: str) -> None:
        self.secret.setAccessibleName(label)
        row = QHBoxLayout()
        row.addWidget(self.secret, 1)
        row.addWidget(self.forget)
        self._row(label, row, help_label=self.secret_where)

    def _test_row(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.test_result, 1)
        heading = QLabel()
        heading.setMinimumWidth(LABEL_WIDTH)
        self.form.addRow(heading, row)

    # -- behaviour -------------------------------------------------------------------------------
    def _settings(self) -> Any:
        return getattr(self.hub.settings, self.section)

    def _save(self, **changes: Any) -> bool:
        try:
            self.hub.update(self.section, **changes)
        except (ValueError, UserError) as exc:
            self._show_error(str(exc))
            return False
        self.error.hide()
        return True

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _chosen(self, value: str) -> None:
        if getattr(self._settings(), self.mode_field) != value:
            self._save(**{self.mode_field: value})
        self._show_mode()

    def _show_mode(self) -> None:
        self.details.setVisible(getattr(self._settings(), self.mode_field) == self.server_value)

    def _on_changed(self, _settings: object) -> None:
        if isValid(self):
            self.show_settings()

    def show_settings(self) -> None:
        """Show the saved values (after a change elsewhere, e.g. Restore defaults or the model picker)."""
        value = getattr(self._settings(), self.mode_field)
        button = self.choices.get(value)
        if button is not None and not button.isChecked():
            button.blockSignals(True)
            button.setChecked(True)
            button.blockSignals(False)
        self._show_mode()

    # -- the secret (never shown, never in settings.json) ---------------------------------------
    def _keys(self) -> ApiKeys:
        raise NotImplementedError

    def _secret_url(self) -> str:
        """The address the secret belongs to (raises UserError when none is usable yet)."""
        raise NotImplementedError

    def _save_secret(self) -> None:
        secret = self.secret.text().strip()
        if not secret:
            return
        try:
            url = self._secret_url()
        except UserError as exc:
            self._show_error(str(exc))
            return
        keys = self._keys()
        self._background(lambda: keys.set(url, secret), self._secret_saved, pool=self._secrets)

    def _secret_saved(self, where: str) -> None:
        self.secret.clear()
        self._show_secret_where(where)
        self.hub.replace_all(self.hub.settings)  # listeners re-read the secret: the chat reconnects

    def _forget_secret(self) -> None:
        try:
            url = self._secret_url()
        except UserError:
            return
        keys = self._keys()
        self._background(lambda: (keys.delete(url), None)[1], lambda _r: (self._show_secret_where(None),
                                                                       self.hub.replace_all(self.hub.settings)),
                         pool=self._secrets)

    def refresh_secret(self) -> None:
        """Say whether a secret is kept for the current address (read on a worker: the keychain)."""
        try:
            url = self._secret_url()
        except UserError:
            self._show_secret_where(None)
            return
        keys = self._keys()
        self._background(lambda: keys.where(url), self._show_secret_where, pool=self._secrets)

    def _show_secret_where(self, where: str | None) -> None:
        if where is None:
            self.secret_where.setText(self.tr("None kept for this address."))
        elif where == "keychain":
            self.secret_where.setText(self.tr("Kept in the system keychain, not in the settings file."))
        else:
            self.secret_where.setText(self.tr("Kept in {file}, readable by you only (no keychain here).")
                                      .format(file=where))
        self.forget.setVisible(where is not None)

    def _background(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
                    pool: QThreadPool | None = None) -> None:
        run_in_background(fn, on_done=lambda r: on_done(r) if isValid(self) else None,
                          on_failed=lambda m: self._show_error(m) if isValid(self) else None, pool=pool)

    # -- Test connection -------------------------------------------------------------------------
    def test_connection(self) -> None:
        if self.testing:
            return
        try:
            probe = self._probe()
        except UserError as exc:
            self._tested(False, str(exc))
            return
        self.testing = True
        self.test_button.setEnabled(False)
        self.test_result.setText(self.tr("Testing…"))
        tint(self.test_result, MUTED_COLOURS)
        run_in_background(probe, on_done=lambda r: self._probed(r) if isValid(self) else None,
                          on_failed=lambda m: self._tested(False, m) if isValid(self) else None)

    def _probe(self) -> Callable[[], Any]:
        """A function run on a worker that returns an object with `ok` and `message`."""
        raise NotImplementedError

    def _probed(self, result: Any) -> None:
        self._tested(result.ok, result.message)

    def _tested(self, ok: bool, message: str) -> None:
        self.testing = False
        self.test_button.setEnabled(True)
        self.test_result.setText(message)
        self.test_result.setProperty("ok", ok)
        tint(self.test_result, MUTED_COLOURS if ok else ERROR_COLOURS)


class EngineBox(_ServerBox):
    """Settings > Model: this computer's GGUF or a remote OpenAI-compatible engine."""

    section, mode_field, server_value = "model", "engine", "remote"

    def __init__(self, pane: SettingsPane, parent: QWidget | None = None) -> None:
        super().__init__(pane._hub, parent)
        self.pane = pane
        self.url = self._text_row("remote_url", "http://gpu-server.local:8000/v1")
        self.url.editingFinished.connect(self._url_finished)
        self._secret_row(self.tr("API key"))
        self.secret.setPlaceholderText(self.tr("Type a key to keep it (leave empty if the server needs none)"))
        meta = self._meta("remote_model")
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model.setFixedWidth(MODEL_BOX_WIDTH)  # a compact control like the pane's others
        self.model.setAccessibleName(tr(meta["label"]))
        self.model.setToolTip(tr(meta["help"]))
        self.model.lineEdit().setPlaceholderText(self.tr("Test connection lists the server's models"))
        self.model.activated.connect(lambda _i: self._model_finished())
        self.model.lineEdit().editingFinished.connect(self._model_finished)
        self._row(tr(meta["label"]), self.model, tr(meta["help"]))
        meta = self._meta("remote_timeout_s")
        self.timeout = QSpinBox()
        self.timeout.setRange(int(meta["min"]), int(meta["max"]))
        self.timeout.setSingleStep(int(meta.get("step", 1)))
        self.timeout.setSuffix(tr(meta["unit"]))
        self.timeout.setKeyboardTracking(False)
        self.timeout.setFixedWidth(CONTROL_WIDTH)
        self.timeout.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.timeout.setAccessibleName(tr(meta["label"]))
        self.timeout.setToolTip(tr(meta["help"]))
        self.timeout.valueChanged.connect(lambda v: self._save(remote_timeout_s=float(v)))
        self._row(tr(meta["label"]), self.timeout, tr(meta["help"]))
        self._test_row()
        self.show_settings()
        self.refresh_secret()

    def show_settings(self) -> None:
        super().show_settings()
        model = self._settings()
        for edit, value in ((self.url, model.remote_url),):
            if not edit.hasFocus() and edit.text() != value:
                edit.setText(value)
        if not self.model.lineEdit().hasFocus() and self.model.currentText() != model.remote_model:
            self.model.setEditText(model.remote_model)
        self.timeout.blockSignals(True)
        self.timeout.setValue(int(model.remote_timeout_s))
        self.timeout.blockSignals(False)
        remote = model.engine == "remote"
        form = self.pane.forms.get("model")
        for name in LOCAL_ONLY_FIELDS:  # GPU layers mean nothing for a server's model
            editor = self.pane.editors.get(("model", name))
            if form is not None and editor is not None:
                form.setRowVisible(editor, not remote)

    def _keys(self) -> ApiKeys:
        from desktop.engine.api_keys import ApiKeys

        return ApiKeys(self.hub.ctx.paths.config_dir)

    def _secret_url(self) -> str:
        from desktop.engine.remote import RemoteConfig

        url = self.url.text().strip()
        if not url:
            raise UserError(self.tr("Type the engine URL first: the key is kept for that server."))
        return RemoteConfig(url, "-").base_url

    def _url_finished(self) -> None:
        url = self.url.text().strip()
        if url == self._settings().remote_url:
            return
        if url:
            try:
                self._secret_url()
            except UserError as exc:
                self._show_error(str(exc))
                return
        if self._save(remote_url=url):
            self.refresh_secret()
            if url:
                self.test_connection()  # lists the models of the new server

    def _model_finished(self) -> None:
        text = self.model.currentText().strip()
        if text != self._settings().remote_model:
            self._save(remote_model=text)

    def _probe(self) -> Callable[[], Any]:
        from desktop.engine.remote import probe_engine

        url = self._secret_url()
        typed = self.secret.text().strip() or None
        keys, timeout = self._keys(), float(self.timeout.value())
        return lambda: probe_engine(url, typed or keys.get(url), timeout)

    def _probed(self, result: Any) -> None:
        super()._probed(result)
        if result.models:
            current = self.model.currentText().strip()
            self.model.blockSignals(True)
            self.model.clear()
            self.model.addItems(list(result.models))
            self.model.setEditText(current)
            self.model.blockSignals(False)
            if not current:  # the first listed model, so one click of Test connection is enough
                self.model.setCurrentIndex(0)
                self._model_finished()


class LibraryBox(_ServerBox):
    """Settings > Library: this computer's store or a Milvus server."""

    section, mode_field, server_value = "library", "location", "server"

    def __init__(self, pane: SettingsPane, parent: QWidget | None = None) -> None:
        super().__init__(pane._hub, parent)
        self.uri = self._text_row("server_uri", "http://milvus.local:19530")
        self.uri.editingFinished.connect(self._uri_finished)
        self._secret_row(self.tr("Token"))
        self.secret.setPlaceholderText(self.tr("user:password or an API key (leave empty if none)"))
        self.database = self._text_row("server_database", "default")
        self.database.editingFinished.connect(self._database_finished)
        self._test_row()
        self.show_settings()
        self.refresh_secret()

    def show_settings(self) -> None:
        super().show_settings()
        library = self._settings()
        for edit, value in ((self.uri, library.server_uri), (self.database, library.server_database)):
            if not edit.hasFocus() and edit.text() != value:
                edit.setText(value)

    def _keys(self) -> ApiKeys:
        from desktop.engine.api_keys import ApiKeys

        return ApiKeys.for_library(self.hub.ctx.paths.config_dir)

    def _secret_url(self) -> str:
        from desktop.engine.factory import server_uri

        uri = self.uri.text().strip()
        if not uri:
            raise UserError(self.tr("Type the Milvus URI first: the token is kept for that server."))
        return server_uri(uri)

    def _uri_finished(self) -> None:
        uri = self.uri.text().strip()
        if uri == self._settings().server_uri:
            return
        if uri:
            try:
                self._secret_url()
            except UserError as exc:
                self._show_error(str(exc))
                return
        if self._save(server_uri=uri):
            self.refresh_secret()

    def _database_finished(self) -> None:
        database = self.database.text().strip()
        if database != self._settings().server_database:
            self._save(server_database=database)

    def _probe(self) -> Callable[[], Any]:
        from desktop.engine.factory import probe_library

        uri = self._secret_url()
        typed = self.secret.text().strip() or None
        keys, database = self._keys(), self.database.text().strip()
        return lambda: probe_library(uri, typed or keys.get(uri), database)


def privacy_text(settings: Settings) -> str:
    """What leaves this computer, as the settings stand (Settings > Data & privacy)."""
    sent = []
    if settings.model.engine == "remote" and settings.model.remote_url.strip():
        sent.append(tr("your questions, the chat so far and the passages found for them go to the engine at "
                       "{host}").format(host=_host(settings.model.remote_url)))
    if settings.library.location == "server" and settings.library.server_uri.strip():
        sent.append(tr("your documents' passages and your searches go to the Milvus server at {host}")
                    .format(host=_host(settings.library.server_uri)))
    if not sent:
        return tr("Everything stays on this computer: no telemetry, no network except model downloads you start.")
    return tr("No telemetry. Chosen in Settings: {what}. Nothing else leaves this computer.").format(
        what="; ".join(sent))


def _host(url: str) -> str:
    try:
        return urlsplit(url.strip()).hostname or url.strip()
    except ValueError:
        return url.strip()


def add_engine_box(pane: SettingsPane, _section: str, body: QVBoxLayout) -> None:
    pane.engine_box = EngineBox(pane)
    body.insertWidget(1, pane.engine_box)  # first, under the title: it decides what the rest means


def add_library_box(pane: SettingsPane, _section: str, body: QVBoxLayout) -> None:
    pane.library_box = LibraryBox(pane)
    body.insertWidget(1, pane.library_box)


def _fields(settings: object) -> tuple:
    from dataclasses import fields

    return fields(settings)


def _compact(button: QPushButton) -> QPushButton:
    button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return button
