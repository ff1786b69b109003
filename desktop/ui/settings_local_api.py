"""What Settings → Local API shows beyond its fields: where it serves (with Copy), the key (shown,
Copy, Regenerate, where it is kept) and a status line that says in one sentence why it is not
serving (a port in use, an origin that is not one).

The Settings pane builds this panel into the section's card (SECTION_EXTRAS); the window then
attaches the LocalApiController, whose status the panel follows.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.local_api import ApiStatus, LocalApiController
from desktop.ui.settings_fields import ERROR_COLOURS, MUTED_COLOURS, tint


def _compact(button: QPushButton) -> QPushButton:
    button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return button


class LocalApiPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: LocalApiController | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)

        self.status_line = QLabel()
        self.status_line.setObjectName("apiStatus")
        self.status_line.setWordWrap(True)
        self.status_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_line.setAccessibleName(self.tr("Local API status"))
        self.copy_url = _compact(QPushButton(self.tr("Copy address")))
        self.copy_url.setAccessibleName(self.tr("Copy the API address"))
        self.copy_url.clicked.connect(lambda: self._copy(self._status.url))
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_line, 1)
        status_row.addWidget(self.copy_url, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(status_row)

        self.key_field = QLineEdit()
        self.key_field.setReadOnly(True)
        self.key_field.setAccessibleName(self.tr("API key"))
        self.copy_key = _compact(QPushButton(self.tr("Copy key")))
        self.copy_key.setAccessibleName(self.tr("Copy the API key"))
        self.copy_key.clicked.connect(lambda: self._copy(self.key_field.text()))
        self.regenerate = _compact(QPushButton(self.tr("Regenerate")))
        self.regenerate.setAccessibleName(self.tr("Make a new API key"))
        self.regenerate.setToolTip(self.tr("Make a new key; clients using the old one are refused"))
        self.regenerate.clicked.connect(self._regenerate)
        self.key_row = QWidget()
        key_layout = QHBoxLayout(self.key_row)
        key_layout.setContentsMargins(0, 0, 0, 0)
        key_label = QLabel(self.tr("Key"))
        key_label.setBuddy(self.key_field)
        key_layout.addWidget(key_label)
        key_layout.addWidget(self.key_field, 1)
        key_layout.addWidget(self.copy_key)
        key_layout.addWidget(self.regenerate)
        layout.addWidget(self.key_row)
        self.key_note = QLabel()
        self.key_note.setWordWrap(True)
        layout.addWidget(self.key_note)
        self._status = ApiStatus("off")
        self.show_status(self._status)

    def attach(self, controller: LocalApiController) -> None:
        self.controller = controller
        controller.sig_status.connect(self.show_status)
        self.show_status(controller.status)

    def show_status(self, status: ApiStatus) -> None:
        self._status = status
        text = {
            "off": self.tr("The local API is off. Choose who may use it above to serve the loaded model."),
            "starting": self.tr("Starting the local API…"),
            "serving": self.tr("Serving on {url}").format(url=status.url),
            "unavailable": self.tr("The local API is not part of this window."),
        }.get(status.state, status.message)
        self.status_line.setText(text)
        if status.state == "serving":  # the address people copy reads as text, not as a hint
            self.status_line.setPalette(QApplication.palette())
        else:
            tint(self.status_line, ERROR_COLOURS if status.state == "failed" else MUTED_COLOURS)
        self.copy_url.setVisible(status.state == "serving")
        self.key_row.setVisible(bool(status.key))
        self.key_field.setText(status.key or "")
        self.key_note.setVisible(bool(status.key) or status.state == "serving")
        if status.key:
            where = (self.tr("It is kept in the system keychain.") if status.key_where == "keychain" else
                     self.tr("It is kept in {file}, readable only by you.").format(file=status.key_where))
            self.key_note.setText(self.tr("Clients send it as 'Authorization: Bearer KEY'. {where}")
                                  .format(where=where))
        else:
            self.key_note.setText(self.tr("No key is asked for: any program on this computer may use the API."))
        if status.network:
            self.key_note.setText(self.key_note.text() + " " + self.tr(
                "Other computers use this computer's network address in place of 127.0.0.1."))
        tint(self.key_note, MUTED_COLOURS)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        # The theme changed: recolour once the new palette is in place (as the pane's editors do).
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            QTimer.singleShot(0, self, lambda: self.show_status(self._status))
        super().changeEvent(event)

    def _copy(self, text: str) -> None:
        if text:
            QGuiApplication.clipboard().setText(text)

    def _regenerate(self) -> None:
        if self.controller is None:
            return
        answer = QMessageBox.question(
            self, self.tr("Make a new API key?"),
            self.tr("Programs using the current key will be refused until they are given the new one."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self.controller.regenerate_key()


def add_local_api_panel(pane: QWidget, section: str, body: QVBoxLayout) -> None:
    """SECTION_EXTRAS entry of the api section: the panel goes under the section's fields; the
    window finds it (`findChild(LocalApiPanel)`) and attaches its controller."""
    panel = LocalApiPanel(pane)
    panel.setObjectName(f"{section}Extras")
    body.addWidget(panel)


def reveal(card: QWidget) -> None:
    """Scroll the Settings pane so that the card shows."""
    parent = card.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if isinstance(parent, QScrollArea):
        parent.ensureWidgetVisible(card, 0, 0)
