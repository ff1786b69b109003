"""The Library pane: drop files or folders, watch them being indexed, remove them.

A drop zone (real drag and drop of file URLs) and Add files / Add folder buttons feed the
library thread (`LibraryService`); a table shows name | type | pages | chunks | status | watched,
with the file being indexed shown as "indexing 42 %", and an overall progress bar with files,
chunks and ETA, plus Cancel. Watched folders are rescanned every minute while the pane is idle.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QFileDialog, QFrame, QHBoxLayout, QHeaderView, QLabel, QProgressBar,
    QPushButton, QTableView, QVBoxLayout, QWidget,
)

from desktop.context import AppContext
from desktop.core.library import INDEXED, INDEXING, AddReport, DocumentRecord, IndexProgress
from desktop.ui.library_worker import DocumentList, LibraryService

RESCAN_INTERVAL_MS = 60_000
COLUMNS = ("Name", "Type", "Pages", "Chunks", "Status", "Watched")


class DropZone(QFrame):
    """Accepts drops of local files and folders; anything else (web links, text) is refused."""

    sig_dropped = Signal(object)  # list[str] of local paths

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(72)
        self.setAccessibleName("Drop zone")
        label = QLabel("Drop files or folders here")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)

    @staticmethod
    def local_paths(event: QDropEvent | QDragEnterEvent) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        urls = mime.urls()
        if not urls or not all(url.isLocalFile() for url in urls):
            return []
        return [url.toLocalFile() for url in urls]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self.local_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.sig_dropped.emit(paths)


class DocumentTable(QAbstractTableModel):
    """Rows from the library's DocumentRecords plus the live progress of the file being indexed."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._records: list[DocumentRecord] = []
        self._watched: list[str] = []
        self._current: str | None = None
        self._fraction = 0.0

    def set_records(self, records: list[DocumentRecord], watched: list[str]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._watched = watched
        self.endResetModel()

    def set_progress(self, current: str | None, fraction: float) -> None:
        old = self._current
        self._current, self._fraction = current, fraction
        for path in {old, current} - {None}:
            row = self.row_of(path)
            if row is not None:
                index = self.index(row, 4)
                self.dataChanged.emit(index, index)

    @property
    def watched(self) -> list[str]:
        return self._watched

    def row_of(self, path: str) -> int | None:
        for row, record in enumerate(self._records):
            if record.path == path:
                return row
        return None

    def record(self, row: int) -> DocumentRecord:
        return self._records[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self._records[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return record.path if index.column() != 4 else (record.error or record.path)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return record.name
        if column == 1:
            return record.kind or ""
        if column == 2:
            return "" if record.pages is None else str(record.pages)
        if column == 3:
            return str(record.chunks) if record.status == INDEXED else ""
        if column == 4:
            return self.status_text(record)
        return "yes" if self._is_watched(record.path) else ""

    def status_text(self, record: DocumentRecord) -> str:
        if record.path == self._current:
            return f"indexing {int(self._fraction * 100)} %"
        if record.status == INDEXING:
            return "indexing"
        if record.error and record.status != INDEXED:
            return f"{record.status}: {record.error}"
        return record.status

    def _is_watched(self, path: str) -> bool:
        return any(path == folder or path.startswith(folder.rstrip(os.sep) + os.sep) for folder in self._watched)


class LibraryPane(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 service: LibraryService | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = service or LibraryService(ctx, self)
        self.model = DocumentTable(self)
        self._build()
        self.service.sig_documents.connect(self._show_documents)
        self.service.sig_progress.connect(self._show_progress)
        self.service.sig_finished.connect(self._finished)
        self.service.sig_failed.connect(self._failed)
        self.service.sig_ready.connect(lambda: self.status.setText(self._idle_text()))
        self._rescan_timer = QTimer(self, interval=RESCAN_INTERVAL_MS, timeout=self._rescan_if_idle)
        self._rescan_timer.start()
        self.status.setText("Opening the library...")
        self.service.open()

    # ── layout ───────────────────────────────────────────────────────────────────────────

    def _build(self) -> None:
        self.drop_zone = DropZone()
        self.drop_zone.sig_dropped.connect(self.add_paths)
        self.add_files_button = QPushButton("Add files...")
        self.add_folder_button = QPushButton("Add folder...")
        self.remove_button = QPushButton("Remove")
        self.watch_box = QCheckBox("Watch added folders for changes")
        self.add_files_button.clicked.connect(self._choose_files)
        self.add_folder_button.clicked.connect(self._choose_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        for widget in (self.add_files_button, self.add_folder_button, self.remove_button):
            buttons.addWidget(widget)
        buttons.addWidget(self.watch_box)
        buttons.addStretch(1)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Documents")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel("")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.service.cancel)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.cancel_button)
        self._set_running(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.drop_zone)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addLayout(progress_row)
        layout.addWidget(self.status)

    # ── actions ──────────────────────────────────────────────────────────────────────────

    def add_paths(self, paths: list[str]) -> None:
        if self.service.busy:
            self.status.setText("Indexing is running; drop again when it has finished, or Cancel it.")
            return
        self._set_running(True)
        self.status.setText(f"Adding {len(paths)} item{'s' if len(paths) != 1 else ''}...")
        self.service.add(paths, watch=self.watch_box.isChecked())

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        if rows:
            self.service.remove([self.model.record(row).path for row in rows])

    def shutdown(self) -> None:
        self._rescan_timer.stop()
        self.service.shutdown()

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add files to the library")
        if paths:
            self.add_paths(paths)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the library")
        if folder:
            self.add_paths([folder])

    def _rescan_if_idle(self) -> None:
        # The watched folders as last sent by the library thread: no catalog query on this thread.
        if not self.service.busy and self.service.library is not None and self.model.watched:
            self._set_running(True)
            self.service.rescan_watched()

    # ── updates from the library thread ──────────────────────────────────────────────────

    def _show_documents(self, documents: DocumentList) -> None:
        self.model.set_records(documents.records, documents.watched)

    def _show_progress(self, progress: IndexProgress) -> None:
        fraction = progress.fraction or 0.0
        self.progress.setValue(int(fraction * 1000))
        eta = f" · ETA {_duration(progress.eta_s)}" if progress.eta_s else ""
        self.progress_label.setText(
            f"files {progress.files_done}/{progress.files_total} · chunks {progress.chunks_done}{eta}")
        self.model.set_progress(progress.current, progress.current_fraction)

    def _finished(self, report: AddReport) -> None:
        self._set_running(False)
        self.model.set_progress(None, 0.0)
        parts = [f"{len(report.indexed)} indexed ({report.chunks} chunks)"]
        if report.unchanged:
            parts.append(f"{len(report.unchanged)} unchanged")
        if report.failed:
            parts.append(f"{len(report.failed)} with errors")
        if report.skipped:
            parts.append(f"{len(report.skipped)} skipped")
        if report.removed:
            parts.append(f"{len(report.removed)} removed")
        self.status.setText(("Cancelled: " if report.cancelled else "Done: ") + ", ".join(parts) + ".")

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self.status.setText(message)

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        if not running:
            self.progress.setValue(0)
            self.progress_label.setText("")

    def _idle_text(self) -> str:
        if not self.ctx.settings.library.embedding_model_path:
            return ("No embedding model is set: choose one in Settings > Library before adding "
                    "documents.")
        return "Ready."


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"

