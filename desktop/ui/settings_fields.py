"""One editor per setting, chosen from the field's metadata (desktop.settings).

Numbers are spin boxes with their unit and range, a mode value shown as a word ("Auto", not -1);
choices are combo boxes with readable names; model files are a path with Browse… that is checked
as it is typed (the file must exist and hold the right kind of GGUF) and saved only when valid.
Every editor has a short explanation under it and an error line that says why a value was refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.core.model_files import check_model_file
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.tasks import run_in_background

CONTROL_WIDTH = 200  # spin boxes and combo boxes: wide enough for "131072 tokens", no wider
PATH_CHECK_DELAY_MS = 300  # a path is checked when typing pauses this long


# Text colours with a contrast of at least 4.5:1 on both themes' window and base colours.
ERROR_COLOURS = {"light": QColor("#b3261e"), "dark": QColor("#ff8a80")}
MUTED_COLOURS = {"light": QColor("#5f6368"), "dark": QColor("#a9adb3")}


def tint(label: QLabel, colours: dict[str, QColor]) -> None:
    """Colour a label's text for the current theme, through its palette (not a style sheet, which
    would restyle the label and its neighbours on every palette change). Call again on a theme change."""
    palette = QPalette(QApplication.palette())  # the theme's, not a parent's that may not follow yet
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    palette.setColor(QPalette.ColorRole.WindowText, colours["dark" if dark else "light"])
    label.setPalette(palette)


def tr(text: str) -> str:
    """Settings metadata is plain English in a Qt-free module; it is translated where shown."""
    return QCoreApplication.translate("Settings", text)


class FieldEditor(QWidget):
    """One setting: its control, an explanation under it, and an inline error line."""

    def __init__(self, hub: SettingsHub, section: str, name: str, metadata: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub, self.section, self.name, self.metadata = hub, section, name, metadata
        self.label_text = tr(metadata.get("label", name))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.row = QHBoxLayout()
        layout.addLayout(self.row)
        self.editor = self._build_editor()
        self.editor.setAccessibleName(self.label_text)
        self.help = QLabel(tr(metadata.get("help", "")))
        self.help.setObjectName("fieldHelp")
        self.help.setWordWrap(True)
        self.editor.setAccessibleDescription(self.help.text())
        layout.addWidget(self.help)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(self.tr("{0} error").format(self.label_text))
        self.error.hide()
        layout.addWidget(self.error)
        self.restyle()

    def restyle(self) -> None:
        """Text colours for the current theme (the pane calls this when the theme changes)."""
        tint(self.help, MUTED_COLOURS)
        tint(self.error, ERROR_COLOURS)

    # Built per kind of value; subclasses override.
    def _build_editor(self) -> QWidget:
        editor = QLineEdit()
        editor.editingFinished.connect(self.commit)
        self.row.addWidget(editor, 1)
        return editor

    @property
    def has_error(self) -> bool:
        return not self.error.isHidden()

    @property
    def busy(self) -> bool:
        """True while a typed value is still being checked (the pane leaves it alone)."""
        return False

    def current_value(self) -> Any:
        return getattr(getattr(self.hub.settings, self.section), self.name)

    def show_value(self, value: Any) -> None:
        self.editor.blockSignals(True)
        self._set(value)
        self.editor.blockSignals(False)

    def _set(self, value: Any) -> None:
        self.editor.setText("" if value is None else str(value))

    def value(self) -> Any:
        return self.editor.text()

    def commit(self) -> bool:
        """Save the shown value; on refusal show why and keep the saved value."""
        try:
            value = self.value()
            if value != self.current_value():
                self.hub.update(self.section, **{self.name: value})
        except ValueError as exc:
            self.show_error(str(exc))
            return False
        self.clear_error()
        return True

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def clear_error(self) -> None:
        self.error.hide()
        self.error.setText("")


class NumberEditor(FieldEditor):
    """A spin box with the field's range, unit and step; the minimum may read as a word ("Auto")."""

    def _build_editor(self) -> QWidget:
        meta = self.metadata
        is_float = isinstance(self.current_value(), float)
        box: QAbstractSpinBox
        if is_float:
            box = QDoubleSpinBox()
            box.setDecimals(int(meta.get("decimals", 2)))
        else:
            box = QSpinBox()
        box.setRange(meta["min"], meta["max"])
        box.setSingleStep(meta.get("step", 1))
        box.setSuffix(tr(meta.get("unit", "")))
        if "special" in meta:
            box.setSpecialValueText(tr(meta["special"]))
        box.setKeyboardTracking(False)  # save the finished number, not every keystroke of it
        box.setFixedWidth(CONTROL_WIDTH)
        box.setAlignment(Qt.AlignmentFlag.AlignRight)
        box.valueChanged.connect(lambda _v: self.commit())
        self.row.addWidget(box)
        self.row.addStretch(1)
        return box

    def _set(self, value: Any) -> None:
        self.editor.setValue(value)

    def value(self) -> Any:
        value = self.editor.value()
        return round(value, self.editor.decimals()) if isinstance(self.editor, QDoubleSpinBox) else int(value)


class ChoiceEditor(FieldEditor):
    """A combo box of readable names; the stored value is the item's data."""

    def _build_editor(self) -> QWidget:
        box = QComboBox()
        names = self.metadata.get("names", {})
        for option in self.metadata["choices"]:
            box.addItem(tr(names.get(option, option)), option)
        box.setMinimumWidth(CONTROL_WIDTH)
        box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        box.currentIndexChanged.connect(lambda _i: self.commit())
        self.row.addWidget(box)
        self.row.addStretch(1)
        return box

    def _set(self, value: Any) -> None:
        self.editor.setCurrentIndex(max(0, self.editor.findData(value)))

    def value(self) -> Any:
        return self.editor.currentData()


class TextEditor(FieldEditor):
    """Several lines of free text (the instructions)."""

    def _build_editor(self) -> QWidget:
        editor = QPlainTextEdit()
        editor.setFixedHeight(90)
        editor.textChanged.connect(self.commit)
        self.row.addWidget(editor, 1)
        return editor

    def _set(self, value: Any) -> None:
        if self.editor.toPlainText() != (value or ""):
            self.editor.setPlainText(value or "")

    def value(self) -> Any:
        return self.editor.toPlainText()


class PathEditor(FieldEditor):
    """A model file: typed or picked with Browse…, checked while typing, saved once it is valid.

    The check reads the GGUF header on a worker (a 12 GB file's vocabulary takes a moment);
    only the answer for the text still in the box is applied.
    """

    def _build_editor(self) -> QWidget:
        editor = QLineEdit()
        editor.setPlaceholderText(self.tr("Not set"))
        editor.setClearButtonEnabled(True)
        editor.textChanged.connect(self._typed)
        editor.editingFinished.connect(self._check_now)
        self.row.addWidget(editor, 1)
        self.browse = QPushButton(self.tr("Browse…"))
        self.browse.setAccessibleName(self.tr("Browse for {0}").format(tr(self.metadata.get("label", self.name))))
        self.browse.clicked.connect(self._browse)
        self.row.addWidget(self.browse)
        self._timer = QTimer(self, singleShot=True, interval=PATH_CHECK_DELAY_MS, timeout=self._check_now)
        self._checked: str | None = None  # the text whose check is running or done
        self.checking = False
        return editor

    @property
    def busy(self) -> bool:
        return self._timer.isActive() or self.checking

    def _set(self, value: Any) -> None:
        self.editor.setText("" if value is None else str(value))
        self._checked = self.editor.text().strip()

    def value(self) -> Any:
        return self.editor.text().strip() or None

    def _typed(self, _text: str) -> None:
        self._timer.start()

    def _check_now(self) -> None:
        self._timer.stop()
        text = self.editor.text().strip()
        if text == self._checked and not self.checking:
            return
        self._checked = text
        if not text:
            self.checking = False
            self.commit()
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            self.checking = False
            self.show_error(self.tr("Type the full path of the file, or use Browse…"))
            return
        self.checking = True
        kind = self.metadata["path"]
        run_in_background(lambda: check_model_file(path, kind),
                          on_done=lambda _info, t=text: self._checked_ok(t),
                          on_failed=lambda message, t=text: self._checked_bad(t, message))

    def _checked_ok(self, text: str) -> None:
        if isValid(self) and text == self.editor.text().strip():
            self.checking = False
            self.commit()

    def _checked_bad(self, text: str, message: str) -> None:
        if isValid(self) and text == self.editor.text().strip():
            self.checking = False
            self.show_error(message)

    def _browse(self) -> None:
        start = self.editor.text().strip() or str(self.hub.ctx.paths.models_dir)
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a GGUF file"), start,
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.editor.setText(path)
            self._check_now()


def editor_for(hub: SettingsHub, section: str, name: str, metadata: Any, multiline: bool,
               parent: QWidget | None = None) -> FieldEditor:
    if "path" in metadata:
        return PathEditor(hub, section, name, metadata, parent)
    if "choices" in metadata:
        return ChoiceEditor(hub, section, name, metadata, parent)
    if "min" in metadata:
        return NumberEditor(hub, section, name, metadata, parent)
    if multiline:
        return TextEditor(hub, section, name, metadata, parent)
    return FieldEditor(hub, section, name, metadata, parent)
