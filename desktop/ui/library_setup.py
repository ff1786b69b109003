"""The Library's set-up card: getting an embedding model without leaving the pane.

Shown while no usable embedding model is set. One click downloads the catalog's embedding model
(the Models view's own DownloadControl, on the window's
shared DownloadJobs so the Models view shows the same download), uses it when it is already downloaded, or takes a file
the user picks. Whatever arrives is checked from its GGUF header (it must be an embedding model)
before `sig_model_ready(path)` is emitted; a wrong file gets a one-line reason and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget
from shiboken6 import isValid

from desktop.core.catalog import EMBEDDING, Catalog
from desktop.core.model_files import check_model_file
from desktop.ui.download_jobs import DownloadJobs
from desktop.ui.models_view import DownloadControl
from desktop.ui.settings_fields import ERROR_COLOURS, tint
from desktop.ui.tasks import run_in_background
from desktop.ui.theme import RADIUS_M, SPACE_L, SPACE_S, SPACE_XL


class LibrarySetup(QFrame):
    """Download / use / choose an embedding model; emits the path once it is checked."""

    sig_model_ready = Signal(str)  # a checked embedding GGUF

    def __init__(self, catalog: Catalog, jobs: DownloadJobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("librarySetup")
        self.setAccessibleName(self.tr("Library set-up"))
        self.catalog = catalog
        self.entry = catalog.recommended(EMBEDDING)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_XL, SPACE_L, SPACE_XL, SPACE_L)
        layout.setSpacing(SPACE_S)
        self.title = QLabel(self.tr("Set up the library"))
        self.title.setObjectName("paneTitle")  # the theme's heading size
        layout.addWidget(self.title)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.download: DownloadControl | None = None
        # Shown and hidden through a plain holder: the control's notice restyles itself on every
        # palette change, and showing it directly inside a hidden parent set that off without end.
        self.download_holder = QWidget(self)
        holder = QVBoxLayout(self.download_holder)
        holder.setContentsMargins(0, 0, 0, 0)
        if self.entry is not None:  # a custom catalog may list no embedding model
            self.download = DownloadControl(jobs.job(catalog, self.entry), self.download_holder)
            self.download.sig_finished.connect(self.check)
            holder.addWidget(self.download)
        self.use_button = QPushButton(self.tr("Use {0}").format(self.entry.title if self.entry else ""))
        self.use_button.setAccessibleName(self.tr("Use the downloaded embedding model"))
        self.use_button.clicked.connect(self._use_installed)
        self.choose_button = QPushButton(self.tr("Choose a file…"))
        self.choose_button.setAccessibleName(self.tr("Choose an embedding model file"))
        self.choose_button.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.download_holder, 1)
        row.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignTop)
        for button in (self.use_button, self.choose_button):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("setupMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        tint(self.message, ERROR_COLOURS)
        self.refresh()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        # Painted, not style-sheeted: a style sheet here restyles the download control's notice,
        # which restyles itself on every palette change, without end.
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 1.5))
        painter.setBrush(self.palette().color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), RADIUS_M, RADIUS_M)
        painter.end()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            QTimer.singleShot(0, lambda: tint(self.message, ERROR_COLOURS) if isValid(self) else None)
        super().changeEvent(event)

    def refresh(self, missing: str | None = None) -> None:
        """Re-read what is installed; `missing` names a configured file that is gone."""
        offer = self.tr("Get {0}, or choose").format(self.entry.title) if self.entry else self.tr("Choose")
        intro = self.tr("Documents are searched with a small embedding model that runs on this computer. "
                        "{0} a GGUF embedding model you have; what you add waits in the list below and is "
                        "indexed as soon as the model is ready.").format(offer)
        if missing:
            intro = self.tr("The embedding model {0} is missing.").format(missing) + " " + intro
        self.intro.setText(intro)
        installed = self.entry is not None and self.catalog.installed_path(self.entry) is not None
        self.use_button.setVisible(installed)
        self.download_holder.setVisible(not installed and self.download is not None)
        if self.download is not None:
            self.download.refresh()

    def check(self, path: str) -> None:
        """Check `path` off the UI thread; emit it when it is an embedding model, else say why."""
        self.message.hide()
        self._set_enabled(False)
        run_in_background(lambda: check_model_file(path, EMBEDDING),
                          on_done=lambda _info: self._checked(path, None),
                          on_failed=lambda reason: self._checked(path, reason))

    def _checked(self, path: str, problem: str | None) -> None:
        if not isValid(self):
            return
        self._set_enabled(True)
        if problem:
            self.message.setText(problem)
            self.message.show()
            return
        self.sig_model_ready.emit(str(Path(path).expanduser()))

    def _set_enabled(self, enabled: bool) -> None:
        for button in (self.use_button, self.choose_button):
            button.setEnabled(enabled)

    def _use_installed(self) -> None:
        path = self.catalog.installed_path(self.entry) if self.entry else None
        if path is None:
            self.refresh()
        else:
            self.check(str(path))

    def choose_file(self) -> str | None:
        """The file dialog (tests assign a plain function instead: no reference back to the card)."""
        return self._file_dialog()

    def _choose(self) -> None:
        path = self.choose_file()
        if path:
            self.check(path)

    def _file_dialog(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose an embedding model"),
                                              str(self.catalog.models_dir),
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        return path or None
