"""The Settings pane, built from the settings' own field definitions (labels, ranges, units, help).

A readable column (at most READABLE_WIDTH px, centred) of sections; each section is a card with
its title and a compact "Restore defaults" beside it, then one row per field (desktop.ui.
settings_fields). A value is saved only when valid; otherwise the field shows why and the file
keeps the old value. Model settings take effect after a reload, which the pane offers instead of
doing silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.settings import Settings
from desktop.ui.settings_fields import FieldEditor, editor_for, tr
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.theme import centred

READABLE_WIDTH = 720
# Plain labels show "&" as it is; only titles drawn by buttons or group boxes would eat it.
SECTION_TITLES = {
    "model": QT_TRANSLATE_NOOP("Settings", "Model & runtime"),
    "reasoning": QT_TRANSLATE_NOOP("Settings", "Reasoning"),
    "sampling": QT_TRANSLATE_NOOP("Settings", "Sampling"),
    "library": QT_TRANSLATE_NOOP("Settings", "Library"),
    "appearance": QT_TRANSLATE_NOOP("Settings", "Appearance"),
    "api": QT_TRANSLATE_NOOP("Settings", "Local API"),
}
MULTILINE_FIELDS = {"system_prompt"}


def _remote_engine_box(pane: SettingsPane, section: str, body: QVBoxLayout) -> None:
    from desktop.ui.settings_remote import add_engine_box  # built with the pane, after the first frame

    add_engine_box(pane, section, body)


def _library_server_box(pane: SettingsPane, section: str, body: QVBoxLayout) -> None:
    from desktop.ui.settings_remote import add_library_box

    add_library_box(pane, section, body)


def _local_api_panel(pane: SettingsPane, section: str, body: QVBoxLayout) -> None:
    from desktop.ui.settings_local_api import add_local_api_panel

    add_local_api_panel(pane, section, body)


# Widgets a section needs beyond one editor per field: section name -> a function that builds
# them into the section's card (`body`). Fields whose metadata says "own_editor" get no editor of
# the pane's; the section's extras edit them.
SECTION_EXTRAS: dict[str, Callable[[SettingsPane, str, QVBoxLayout], None]] = {
    "model": _remote_engine_box,
    "library": _library_server_box,
    "api": _local_api_panel,
}
CARD_STYLE = ("QFrame#settingsSection { background: palette(base); border: 1px solid palette(mid); "
              "border-radius: 10px; }")


def _card(title: str) -> tuple[QFrame, QHBoxLayout, QVBoxLayout]:
    """A section card: (frame, its header row holding the title, its body)."""
    card = QFrame()
    card.setObjectName("settingsSection")
    card.setStyleSheet(CARD_STYLE)
    card.setAccessibleName(title)
    body = QVBoxLayout(card)
    body.setContentsMargins(20, 14, 20, 16)
    body.setSpacing(10)
    header = QHBoxLayout()
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    heading.setTextFormat(Qt.TextFormat.PlainText)
    font = heading.font()
    font.setPointSizeF(font.pointSizeF() * 1.25)
    font.setBold(True)
    heading.setFont(font)
    header.addWidget(heading, 1)
    body.addLayout(header)
    return card, header, body


def _compact(button: QPushButton) -> QPushButton:
    button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return button


class SettingsPane(QWidget):
    sig_reload_requested = Signal()  # the user confirmed reloading the model with new settings
    sig_models_requested = Signal()  # "Manage models…"

    def __init__(self, hub: SettingsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self.editors: dict[tuple[str, str], FieldEditor] = {}
        self.restore_buttons: dict[str, QPushButton] = {}
        self.sections: dict[str, QFrame] = {}
        self.forms: dict[str, QFormLayout] = {}  # each section's rows, for extras that show or hide some
        self.column = QWidget()
        self.column.setObjectName("settingsColumn")
        column = QVBoxLayout(self.column)
        column.setContentsMargins(0, 20, 0, 24)
        column.setSpacing(16)
        column.addWidget(self._reload_notice())
        for section_field in fields(Settings):
            column.addWidget(self._section_card(section_field.name))
        column.addWidget(self._tools_card())
        column.addWidget(self._data_card())
        column.addStretch(1)
        content = QWidget()
        centred(content, self.column, READABLE_WIDTH)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._last = hub.settings
        hub.sig_changed.connect(self._on_changed)
        self._show(hub.settings)

    # ── building ─────────────────────────────────────────────────────────────────────────

    def _reload_notice(self) -> QWidget:
        self.reload_notice = QFrame()
        self.reload_notice.setObjectName("reloadNotice")
        row = QHBoxLayout(self.reload_notice)
        text = QLabel(self.tr("Model settings changed: they apply when the model is reloaded."))
        text.setWordWrap(True)
        row.addWidget(text, 1)
        reload_button = _compact(QPushButton(self.tr("Reload model now")))
        reload_button.clicked.connect(self._reload)
        row.addWidget(reload_button)
        self.reload_notice.hide()
        return self.reload_notice

    def _section_card(self, section: str) -> QFrame:
        title = tr(SECTION_TITLES.get(section, section.capitalize()))
        card, header, body = _card(title)
        restore = _compact(QPushButton(self.tr("Restore defaults")))
        restore.setAccessibleName(self.tr("Restore {0} defaults").format(title))
        restore.setToolTip(self.tr("Put every {0} setting back to its default (model files stay)").format(title))
        restore.clicked.connect(lambda _c=False, s=section: self.restore_defaults(s))
        header.addWidget(restore, 0, Qt.AlignmentFlag.AlignTop)
        self.restore_buttons[section] = restore
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(12)
        for f in fields(type(getattr(self._hub.settings, section))):
            if f.metadata.get("own_editor"):
                continue
            editor = editor_for(self._hub, section, f.name, f.metadata, f.name in MULTILINE_FIELDS, card)
            self.editors[(section, f.name)] = editor
            label = QLabel(editor.label_text.replace("&", "&&"))  # a buddy label reads & as a mnemonic
            label.setBuddy(editor.editor)
            label.setMinimumWidth(150)
            form.addRow(label, editor)
        body.addLayout(form)
        if section == "model":
            manage = _compact(QPushButton(self.tr("Manage models…")))
            manage.setAccessibleName(self.tr("Manage models"))
            manage.clicked.connect(self.sig_models_requested)
            body.addWidget(manage, 0, Qt.AlignmentFlag.AlignLeft)
        self.forms[section] = form
        extras = SECTION_EXTRAS.get(section)
        if extras is not None:
            extras(self, section, body)
        self.sections[section] = card
        return card

    def _tools_card(self) -> QFrame:
        from desktop.tools.mcp_config import FILE_NAME
        from desktop.ui.settings_tools import ToolsCard

        paths = self._hub.ctx.paths
        card = ToolsCard(paths.config_dir / FILE_NAME, paths.log_dir, self)
        card.setStyleSheet(CARD_STYLE)
        self.sections["tools"] = card
        return card

    def _data_card(self) -> QFrame:
        card, _header, body = _card(self.tr("Data & privacy"))
        folder = self._hub.ctx.paths.data_dir
        where = QLabel(self.tr("Your chats, documents index and models are kept in:"))
        where.setWordWrap(True)
        path_label = QLabel(str(folder))
        path_label.setAccessibleName(self.tr("Data folder"))
        path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        path_label.setWordWrap(True)
        open_button = _compact(QPushButton(self.tr("Open folder")))
        open_button.setAccessibleName(self.tr("Open data folder"))
        open_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        privacy = self.privacy = QLabel()  # says where questions and documents go (_show)
        privacy.setWordWrap(True)
        for widget in (where, path_label):
            body.addWidget(widget)
        body.addWidget(open_button, 0, Qt.AlignmentFlag.AlignLeft)
        body.addWidget(privacy)
        self.sections["data"] = card
        return card

    # ── behaviour ────────────────────────────────────────────────────────────────────────

    def restore_defaults(self, section: str) -> None:
        """Defaults for the section's values (model files stay chosen); any error shown is cleared."""
        defaults = type(getattr(self._hub.settings, section))()
        values = {f.name: getattr(defaults, f.name) for f in fields(defaults)
                  if f.default is not MISSING and "path" not in f.metadata}
        self._hub.update(section, **values)
        current = getattr(self._hub.settings, section)
        for (editor_section, name), editor in self.editors.items():
            if editor_section == section:
                editor.clear_error()
                editor.show_value(getattr(current, name))

    def _on_changed(self, settings: Settings) -> None:
        # Choosing another model (or engine) applies at once; only the runtime knobs wait for a reload.
        knobs = [f.name for f in fields(settings.model)
                 if f.name != "chat_model_path" and not f.metadata.get("own_editor")]
        # A remote engine takes them at once (the model row reconnects), so no reload is offered.
        if settings.model.engine != "remote" and any(
                getattr(settings.model, name) != getattr(self._last.model, name) for name in knobs):
            self.reload_notice.show()
        self._last = settings
        self._show(settings)

    def _show(self, settings: Settings) -> None:
        from desktop.ui.settings_remote import privacy_text

        self.privacy.setText(privacy_text(settings))
        for (section, name), editor in self.editors.items():
            if not editor.has_error and not editor.busy:
                editor.show_value(getattr(getattr(settings, section), name))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        # The theme changed: recolour the help and errors once the theme is fully applied (the
        # palette change arrives while the colour scheme switches, before the new palette is set).
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            # The pane is the timer's context: a pane deleted before the timer fires cancels it
            # (a bare bound method would run on a deleted pane's labels and crash).
            QTimer.singleShot(0, self, self._restyle)
        super().changeEvent(event)

    def _restyle(self) -> None:
        for editor in self.editors.values():
            if isValid(editor):
                editor.restyle()

    def _reload(self) -> None:
        self.reload_notice.hide()
        self.sig_reload_requested.emit()
