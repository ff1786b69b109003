"""The Settings pane, built from the settings' own field definitions (labels, ranges, choices).

A value is saved only when valid; otherwise the field shows why and the file keeps the old value.
Model settings take effect after a reload, which the pane offers instead of doing silently.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, replace
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
    QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from desktop.settings import Settings
from desktop.ui.settings_hub import SettingsHub

SECTION_TITLES = {
    "model": "Model & runtime",
    "reasoning": "Reasoning",
    "sampling": "Sampling",
    "library": "Library",
    "appearance": "Appearance",
}
PATH_FIELDS = {"chat_model_path", "embedding_model_path"}
MULTILINE_FIELDS = {"system_prompt"}


class _FieldEditor(QWidget):
    """One setting: an editor plus an inline error line."""

    def __init__(self, hub: SettingsHub, section: str, name: str, metadata: Any, parent: QWidget) -> None:
        super().__init__(parent)
        self.hub, self.section, self.name, self.metadata = hub, section, name, metadata
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        layout.addLayout(row)
        label = metadata.get("label", name)
        if "choices" in metadata:
            self.editor: QWidget = QComboBox()
            self.editor.addItems(list(metadata["choices"]))
            self.editor.currentTextChanged.connect(lambda _t: self.commit())
        elif name in MULTILINE_FIELDS:
            self.editor = QPlainTextEdit()
            self.editor.setFixedHeight(90)
            self.editor.textChanged.connect(self.commit)
        else:
            self.editor = QLineEdit()
            self.editor.editingFinished.connect(self.commit)
        self.editor.setAccessibleName(label)
        row.addWidget(self.editor, 1)
        if name in PATH_FIELDS:
            browse = QPushButton("Browse…")
            browse.setAccessibleName(f"Browse for {label}")
            browse.clicked.connect(self._browse)
            row.addWidget(browse)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setAccessibleName(f"{label} error")
        self.error.hide()
        layout.addWidget(self.error)

    def current_value(self) -> Any:
        return getattr(getattr(self.hub.settings, self.section), self.name)

    def show_value(self, value: Any) -> None:
        editor = self.editor
        editor.blockSignals(True)
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QPlainTextEdit):
            if editor.toPlainText() != (value or ""):
                editor.setPlainText(value or "")
        else:
            editor.setText("" if value is None else str(value))
        editor.blockSignals(False)

    def _text(self) -> str:
        if isinstance(self.editor, QComboBox):
            return self.editor.currentText()
        if isinstance(self.editor, QPlainTextEdit):
            return self.editor.toPlainText()
        return self.editor.text().strip()

    def parse(self) -> Any:
        text = self._text()
        current = self.current_value()
        if self.name in PATH_FIELDS:
            return text or None
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            return text
        try:
            return int(text) if isinstance(current, int) else float(text)
        except ValueError:
            kind = "a whole number" if isinstance(current, int) else "a number"
            raise ValueError(f"{self.metadata.get('label', self.name)} must be {kind}.") from None

    def commit(self) -> bool:
        try:
            value = self.parse()
            if value != self.current_value():
                self.hub.update(self.section, **{self.name: value})
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        self.error.hide()
        return True

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a GGUF file", str(self.hub.ctx.paths.models_dir),
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.editor.setText(path)
            self.commit()


class SettingsPane(QWidget):
    sig_reload_requested = Signal()  # the user confirmed reloading the model with new settings
    sig_models_requested = Signal()  # "Manage models…"

    def __init__(self, hub: SettingsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self.editors: dict[tuple[str, str], _FieldEditor] = {}
        content = QWidget()
        column = QVBoxLayout(content)
        self.reload_notice = QWidget()
        notice_row = QHBoxLayout(self.reload_notice)
        notice_row.addWidget(QLabel("Model settings changed: they apply when the model is reloaded."))
        reload_button = QPushButton("Reload model now")
        reload_button.clicked.connect(self._reload)
        notice_row.addWidget(reload_button)
        self.reload_notice.hide()
        column.addWidget(self.reload_notice)
        for section_field in fields(Settings):
            column.addWidget(self._section_box(section_field.name))
        column.addWidget(self._data_box())
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._last = hub.settings
        hub.sig_changed.connect(self._on_changed)
        self._show(hub.settings)

    def _section_box(self, section: str) -> QGroupBox:
        box = QGroupBox(SECTION_TITLES.get(section, section.capitalize()))
        form = QFormLayout(box)
        section_type = type(getattr(self._hub.settings, section))
        for f in fields(section_type):
            editor = _FieldEditor(self._hub, section, f.name, f.metadata, box)
            self.editors[(section, f.name)] = editor
            form.addRow(f.metadata.get("label", f.name), editor)
        if section == "model":
            manage = QPushButton("Manage models…")
            manage.setAccessibleName("Manage models")
            manage.clicked.connect(self.sig_models_requested)
            form.addRow("", manage)
        restore = QPushButton("Restore defaults")
        restore.setAccessibleName(f"Restore {SECTION_TITLES.get(section, section)} defaults")
        restore.clicked.connect(lambda _c=False, s=section: self.restore_defaults(s))
        form.addRow("", restore)
        return box

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Data & privacy")
        form = QFormLayout(box)
        folder = self._hub.ctx.paths.data_dir
        path_label = QLabel(str(folder))
        path_label.setAccessibleName("Data folder")
        open_button = QPushButton("Open folder")
        open_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        form.addRow("Data folder", path_label)
        form.addRow("", open_button)
        form.addRow("", QLabel("Everything stays on this computer: no telemetry, no network "
                               "except model downloads you start."))
        return box

    def restore_defaults(self, section: str) -> None:
        defaults = type(getattr(self._hub.settings, section))()
        values = {f.name: getattr(defaults, f.name) for f in fields(defaults)
                  if f.default is not MISSING and f.name not in PATH_FIELDS}
        self._hub.update(section, **values)

    def _on_changed(self, settings: Settings) -> None:
        # Choosing another model loads it at once; only the runtime knobs wait for a reload.
        if replace(settings.model, chat_model_path=None) != replace(self._last.model, chat_model_path=None):
            self.reload_notice.show()
        self._last = settings
        self._show(settings)

    def _show(self, settings: Settings) -> None:
        for (section, name), editor in self.editors.items():
            if not editor.error.isVisible():
                editor.show_value(getattr(getattr(settings, section), name))

    def _reload(self) -> None:
        self.reload_notice.hide()
        self.sig_reload_requested.emit()
