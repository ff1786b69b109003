"""The Library pane: drop files or folders, watch them being indexed, remove them.

A centred column (theme.LIST_WIDTH at most) like the chat's and the Settings': a title, the drop
zone (real drag and drop of file URLs; the whole empty state while there are no documents, a slim
strip once there are), the toolbar (adding on the left, Remove on the right), then a card with the
filter and a sortable table (name | type | pages | chunks | status | watched, the file being
indexed shown as "indexing 42 %") over the overall progress (files, chunks, ETA) and Cancel.
Everything feeds the library thread (`LibraryService`). Watched folders are rescanned every minute
while the pane is idle.

Without an embedding model the pane shows its set-up card (desktop.ui.library_setup): what the
user adds meanwhile is kept as "waiting" rows and indexed as soon as the model is set.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.core.catalog import Catalog
from desktop.core.library import AddReport, IndexProgress
from desktop.settings import Settings
from desktop.ui.download_jobs import DownloadJobs
from desktop.ui.library_setup import LibrarySetup
from desktop.ui.library_table import NAME, STATUS, DocumentFilter, DocumentTable, DropZone
from desktop.ui.library_worker import DocumentList, LibraryService
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.theme import LIST_WIDTH, SPACE_L, SPACE_M, SPACE_S, SPACE_XL, centred

__all__ = ["DocumentTable", "DropZone", "LibraryPane"]

RESCAN_INTERVAL_MS = 60_000


class LibraryPane(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 service: LibraryService | None = None, hub: SettingsHub | None = None,
                 jobs: DownloadJobs | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # The window passes its hub so every pane hears of the model chosen here, and its
        # downloads so the Models view shows the same download as the set-up card.
        self.hub = hub or SettingsHub(ctx, self)
        self.jobs = jobs or DownloadJobs(self)
        self.service = service or LibraryService(ctx, self)
        self.model = DocumentTable(self)
        self.view_model = DocumentFilter(self)
        self.view_model.setSourceModel(self.model)
        self._waiting: list[str] = []
        self._ready = False
        self._embedding_model = ctx.settings.library.embedding_model_path
        self._build(Catalog.for_window(ctx.paths.models_dir, ctx.paths.cache_dir))
        self.service.sig_documents.connect(self._show_documents)
        self.service.sig_progress.connect(self._show_progress)
        self.service.sig_finished.connect(self._finished)
        self.service.sig_failed.connect(self._failed)
        self.service.sig_ready.connect(self._on_ready)
        self.hub.sig_changed.connect(self._settings_changed)
        self._rescan_timer = QTimer(self, interval=RESCAN_INTERVAL_MS, timeout=self._rescan_if_idle)
        self._rescan_timer.start()
        self.status.setText(self.tr("Opening the library..."))
        self._show_setup()
        self.service.open()

    # ── layout ───────────────────────────────────────────────────────────────────────────

    def _build(self, catalog: Catalog) -> None:
        self.setup = LibrarySetup(catalog, self.jobs, self)
        self.setup.sig_model_ready.connect(self.use_embedding_model)
        self.drop_zone = DropZone()
        self.drop_zone.sig_dropped.connect(self.add_paths)

        column = QWidget()
        column.setObjectName("libraryColumn")
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, SPACE_XL, 0, SPACE_L)
        layout.setSpacing(SPACE_L)
        layout.addLayout(self._header())
        layout.addWidget(self.setup)
        layout.addWidget(self.drop_zone, 1)
        layout.addLayout(self._toolbar())
        self.documents_card = self._documents_card()
        layout.addWidget(self.documents_card, 1)
        layout.addLayout(self._progress_row())
        self.status = QLabel("")  # body text, not a caption: it carries the library's errors too
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._column_layout = layout

        centred(self, column, LIST_WIDTH)
        self._set_running(False)
        self._filter_changed()

    def _header(self) -> QVBoxLayout:
        # The rail's own word for this pane (one word, translated once).
        title = QLabel(QCoreApplication.translate("MainWindow", "Library"))
        title.setObjectName("paneTitle")
        subtitle = QLabel(self.tr("Documents the chat can search and cite. They are read and indexed on this "
                                  "computer; the files stay where they are."))
        subtitle.setObjectName("paneSubtitle")
        subtitle.setWordWrap(True)
        header = QVBoxLayout()
        header.setSpacing(2)
        header.addWidget(title)
        header.addWidget(subtitle)
        return header

    def _toolbar(self) -> QHBoxLayout:
        """Adding on the left (files, a folder, watching folders), taking away on the right."""
        self.add_files_button = QPushButton(self.tr("Add files..."))
        self.add_files_button.setAccessibleName(self.tr("Add files to the library"))
        self.add_folder_button = QPushButton(self.tr("Add folder..."))
        self.add_folder_button.setAccessibleName(self.tr("Add a folder to the library"))
        self.remove_button = QPushButton(self.tr("Remove..."))
        self.remove_button.setAccessibleName(self.tr("Remove selected documents"))
        self.remove_button.setEnabled(False)
        self.watch_box = QCheckBox(self.tr("Watch added folders for changes"))
        self.watch_box.setToolTip(self.tr("Folders added while this is on are checked for new and changed files "
                                          "every minute"))
        self.add_files_button.clicked.connect(self._choose_files)
        self.add_folder_button.clicked.connect(self._choose_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.setSpacing(SPACE_S)
        buttons.addWidget(self.add_files_button)
        buttons.addWidget(self.add_folder_button)
        buttons.addSpacing(SPACE_M)
        buttons.addWidget(self.watch_box)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        return buttons

    def _documents_card(self) -> QFrame:
        """The filter and count over the table, the run's progress under it, in one card."""
        card = QFrame()
        card.setObjectName("paneCard")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter by name or folder"))
        self.filter_edit.setAccessibleName(self.tr("Filter documents"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(320)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.errors_only = QCheckBox(self.tr("Errors only"))
        self.errors_only.toggled.connect(self._filter_changed)
        self.shown_label = QLabel()
        self.shown_label.setObjectName("paneCaption")
        filters = QHBoxLayout()
        filters.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_S)
        filters.setSpacing(SPACE_S)
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.errors_only)
        filters.addStretch(1)
        filters.addWidget(self.shown_label)

        self.table = QTableView()
        self.table.setObjectName("documentTable")
        self.table.setModel(self.view_model)
        self.table.setAccessibleName(self.tr("Documents"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
        self.table.setShowGrid(False)  # a quiet line under each row (theme.py) reads better than a grid
        self.table.setWordWrap(False)  # one line per document; the whole error is in the tooltip
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the columns share the width
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 2 * SPACE_M)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setMinimumSectionSize(56)
        for column in range(self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.installEventFilter(self)  # Delete on the table removes (after asking)

        layout = QVBoxLayout(card)
        layout.setContentsMargins(1, 1, 1, SPACE_S)  # inside the card's border
        layout.setSpacing(0)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        return card

    def _progress_row(self) -> QHBoxLayout:
        """The run's progress: outside the table's card, so a first drop on the empty pane shows it."""
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(self.tr("Indexing progress"))
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("paneCaption")
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel indexing"))
        self.cancel_button.clicked.connect(self.service.cancel)
        row = QHBoxLayout()
        row.setSpacing(SPACE_S)
        row.addWidget(self.progress, 1)
        row.addWidget(self.progress_label)
        row.addWidget(self.cancel_button)
        return row

    # ── actions ──────────────────────────────────────────────────────────────────────────

    def add_paths(self, paths: list[str]) -> None:
        if not self._model_usable() or not self._ready or self.service.busy:
            # Nothing is lost: the paths wait (shown in the table) until the model is there, the
            # library is open, or the run in progress has ended.
            self._waiting += [path for path in paths if path not in self._waiting]
            self._show_waiting()
            self.status.setText(self._idle_text() if not self.service.busy else self.tr(
                "Indexing is running: {0} item(s) will be added when it ends.").format(len(self._waiting)))
            return
        self._set_running(True)
        self.status.setText(self.tr("Adding {0} item(s)...").format(len(paths)))
        self.service.add(paths, watch=self.watch_box.isChecked())

    def use_embedding_model(self, path: str) -> None:
        """A checked embedding model was chosen in the set-up card: save it; the library re-opens."""
        self.hub.update("library", embedding_model_path=path)

    def selected_paths(self) -> list[str]:
        rows = {self.view_model.mapToSource(index).row() for index in self.table.selectionModel().selectedRows()}
        return [self.model.record(row).path for row in sorted(rows)]

    def remove_selected(self) -> None:
        """Remove the selected documents after the user confirms (the files on disk stay)."""
        paths = self.selected_paths()
        if not paths:
            return
        waiting = [path for path in paths if path in self._waiting]
        indexed = [path for path in paths if path not in self._waiting]
        names = Path(paths[0]).name if len(paths) == 1 else self.tr("{0} documents").format(len(paths))
        question = self.tr("Remove {0} from the library? The files on disk are not touched; you can add "
                           "them again later.").format(names)
        if not self.confirm(self.tr("Remove from library"), question):
            return
        if waiting:
            self._waiting = [path for path in self._waiting if path not in waiting]
            self._show_waiting()
        if indexed:
            self.service.remove(indexed)
        self.status.setText(self.tr("Removed {0}.").format(names))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (watched is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.matches(QKeySequence.StandardKey.Delete)):
            self.remove_selected()
            return True
        return super().eventFilter(watched, event)

    def shutdown(self) -> None:
        self._rescan_timer.stop()
        self.service.shutdown()

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Add files to the library"))
        if paths:
            self.add_paths(paths)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder to the library"))
        if folder:
            self.add_paths([folder])

    def _rescan_if_idle(self) -> None:
        # The watched folders as last sent by the library thread: no catalog query on this thread.
        if not self.service.busy and self.service.library is not None and self.model.watched:
            self._set_running(True)
            self.service.rescan_watched()

    def confirm(self, title: str, text: str) -> bool:
        """Ask before removing. A method, not a stored bound method: that would make the pane a
        reference cycle, freed by whichever thread's garbage collection finds it (a crash for Qt)."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        remove = box.addButton(self.tr("Remove"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is remove

    # ── embedding model ──────────────────────────────────────────────────────────────────

    def _model_usable(self) -> bool:
        path = self.ctx.settings.library.embedding_model_path
        return bool(path) and Path(path).expanduser().is_file()

    def _show_setup(self) -> None:
        path = self.ctx.settings.library.embedding_model_path
        usable = self._model_usable()
        if not usable:
            self.setup.refresh(missing=path)
        self.setup.setVisible(not usable)

    def _settings_changed(self, settings: Settings) -> None:
        model = settings.library.embedding_model_path
        if model != self._embedding_model:
            # Another embedding model is another vector space: the library re-opens on its collection.
            self._embedding_model = model
            self._ready = False
            self._show_setup()
            self.status.setText(self.tr("Opening the library..."))
            self.service.open()

    def _on_ready(self) -> None:
        self._ready = True
        self.status.setText(self._idle_text())
        self._add_waiting()

    def _add_waiting(self) -> None:
        """Start on what waited, once the model is set, the library open and no run going."""
        if self._waiting and self._model_usable() and self._ready and not self.service.busy:
            waiting, self._waiting = self._waiting, []
            self._show_waiting()
            self.add_paths(waiting)

    def _show_waiting(self) -> None:
        reason = (self.tr("waiting for the embedding model") if not self._model_usable()
                  else self.tr("waiting to be added"))
        self.model.set_waiting(self._waiting, reason)
        self._filter_changed()

    # ── updates from the library thread ──────────────────────────────────────────────────

    def _show_documents(self, documents: DocumentList) -> None:
        self.model.set_records(documents.records, documents.watched)
        self._filter_changed()

    def _show_progress(self, progress: IndexProgress) -> None:
        fraction = progress.fraction or 0.0
        self.progress.setValue(int(fraction * 1000))
        eta = self.tr(" · ETA {0}").format(_duration(progress.eta_s)) if progress.eta_s else ""
        self.progress_label.setText(self.tr("files {0}/{1} · chunks {2}").format(
            progress.files_done, progress.files_total, progress.chunks_done) + eta)
        self.model.set_progress(progress.current, progress.current_fraction)

    def _finished(self, report: AddReport) -> None:
        self._set_running(False)
        self.model.set_progress(None, 0.0)
        parts = [self.tr("{0} indexed ({1} chunks)").format(len(report.indexed), report.chunks)]
        for items, text in ((report.unchanged, self.tr("{0} unchanged")), (report.failed, self.tr("{0} with errors")),
                            (report.skipped, self.tr("{0} skipped")), (report.removed, self.tr("{0} removed"))):
            if items:
                parts.append(text.format(len(items)))
        summary = self.tr("Cancelled: {0}.") if report.cancelled else self.tr("Done: {0}.")
        self.status.setText(summary.format(", ".join(parts)))
        self._add_waiting()

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self.status.setText(message)
        self._add_waiting()

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.cancel_button.setVisible(running)
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        if not running:
            self.progress.setValue(0)
            self.progress_label.setText("")

    def _filter_changed(self, *_args) -> None:
        self.view_model.set_text(self.filter_edit.text())
        self.view_model.set_errors_only(self.errors_only.isChecked())
        self._show_empty_state(self.model.rowCount() == 0)
        shown, total = self.view_model.rowCount(), self.model.rowCount()
        self.shown_label.setText(self.tr("{0} of {1} shown").format(shown, total) if shown != total
                                 else self.tr("%n item(s)", "", total))

    def _show_empty_state(self, empty: bool) -> None:
        """No documents: the drop target fills the pane (it says what it reads); else the table does."""
        self.drop_zone.set_compact(not empty)
        self.documents_card.setVisible(not empty)
        self.remove_button.setVisible(not empty)
        layout = self._column_layout
        layout.setStretchFactor(self.drop_zone, 1 if empty else 0)

    def _selection_changed(self, *_args) -> None:
        self.remove_button.setEnabled(self.table.selectionModel().hasSelection())

    def _idle_text(self) -> str:
        if self._model_usable() and not self._ready:
            return self.tr("Opening the library...")
        if not self._model_usable():
            if self._waiting:
                return self.tr("{0} item(s) wait for the embedding model: set it up above and they are indexed "
                               "at once.").format(len(self._waiting))
            return self.tr("Set up the embedding model above to start your library.")
        return self.tr("Ready.")


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"
