"""The Library's table and drop zone: documents as rows, sorted and filtered, and a drop target.

`DocumentTable` holds the library's DocumentRecords, the live progress of the file being indexed
and the paths waiting for an embedding model; `DocumentFilter` sorts it (numbers as numbers) and
filters it ("errors only", text in the name or path) and colours each status from the theme;
`DropZone` takes file and folder drops and lights up while something droppable is over it: the
pane's whole empty state while the library has no documents, a slim strip above them afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QDragEnterEvent, QDragLeaveEvent, QDropEvent, QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.core.documents import document_kind
from desktop.core.library import INDEXED, INDEXING, DocumentRecord
from desktop.ui.theme import RADIUS_M, SPACE_L, SPACE_S, SPACE_XL, colours, is_dark, set_style_property

WAITING = "waiting"  # added while no embedding model was set: indexed once there is one
SKIPPED = "skipped"  # the library's word for a file of a type it does not read
COLUMNS = (QT_TRANSLATE_NOOP("Library", "Name"), QT_TRANSLATE_NOOP("Library", "Type"),
           QT_TRANSLATE_NOOP("Library", "Pages"), QT_TRANSLATE_NOOP("Library", "Chunks"),
           QT_TRANSLATE_NOOP("Library", "Status"), QT_TRANSLATE_NOOP("Library", "Watched"))
NAME, KIND, PAGES, CHUNKS, STATUS, WATCHED = range(len(COLUMNS))
SORT_ROLE = Qt.ItemDataRole.UserRole  # numbers for the number columns, so 10 sorts after 9
# Numbers line up on their last digit, on the reading direction's trailing side.
NUMBER_ALIGNMENT = int(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
# The library's status words, listed for the translation tools (the library stores them in English).
STATUS_WORDS = (QT_TRANSLATE_NOOP("Library", "indexed"), QT_TRANSLATE_NOOP("Library", "error"),
                QT_TRANSLATE_NOOP("Library", "skipped"))
# Its own sheet, from palette roles (so it follows the theme without a restyle): dashed while idle,
# solid accent and tinted while a drop is over it.
DROP_STYLE = ("QFrame#dropZone { background: palette(base); border: 2px dashed palette(placeholder-text); "
              f"border-radius: {RADIUS_M}px; }} QFrame#dropZone QLabel {{ background: transparent; }}"
              "QFrame#dropZone[dragActive=\"true\"] { border: 2px solid palette(highlight); "
              "background: rgba(43, 99, 217, 0.16); }")


def _tr(text: str) -> str:
    return QCoreApplication.translate("Library", text)


def waiting_record(path: str) -> DocumentRecord:
    """A row for a file or folder that waits for the embedding model."""
    kind = "folder" if os.path.isdir(path) else document_kind(Path(path))
    return DocumentRecord(path=path, doc_id=0, kind=kind, status=WAITING, error=None, chunks=0, pages=None,
                          size=None, mtime_ns=None, content_hash=None, model=None, updated_at=0.0)


def has_problem(record: DocumentRecord) -> bool:
    """Errors and skipped files: what "Errors only" shows."""
    return bool(record.error) and record.status not in (INDEXED, INDEXING, WAITING)


def status_colour(record: DocumentRecord, current: bool) -> QColor | None:
    """The theme's colour for a status (None: the table's text colour). Errors read as errors and
    the file being indexed in the accent's hue; each is held to 4.5:1 on the table's rows, selected or
    not, by the tests. What waits or was skipped is set in italics instead: the theme's grey falls
    under 4.5:1 on a selected row."""
    c = colours(is_dark())
    if current or record.status == INDEXING:
        return QColor(c.badge_text)  # the accent's hue, dark enough to read on a selected row too
    if record.status in (WAITING, SKIPPED):
        return None
    if record.error and record.status != INDEXED:
        return QColor(c.error)
    return None


def status_is_quiet(record: DocumentRecord) -> bool:
    return record.status in (WAITING, SKIPPED)


class DropZone(QFrame):
    """Accepts drops of local files and folders; anything else (web links, text) is refused.

    Dashed while idle, solid accent and tinted while a drop is over it (theme.py draws both)."""

    sig_dropped = Signal(object)  # list[str] of local paths

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setStyleSheet(DROP_STYLE)
        self.setProperty("dragActive", False)
        self.setAccessibleName(self.tr("Drop zone"))
        self.title = QLabel(self.tr("Drop files or folders here"))
        self.title.setObjectName("dropTitle")
        self.formats = QLabel(self.tr("PDF, Word, EPUB, Markdown, HTML, text and source code"))
        self.formats.setObjectName("dropFormats")
        self.hint = QLabel(self.tr("Folders are read with everything inside them. The files stay where they are: "
                                   "the library keeps a searchable index of them on this computer."))
        self.hint.setObjectName("dropFormats")
        for label in (self.title, self.formats, self.hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleDescription(self.formats.text())
        # Full: the labels stacked in the middle of the empty pane; compact: one line above the table.
        self._full = QVBoxLayout()
        self._full.setSpacing(SPACE_S)
        self._line = QHBoxLayout()
        self._line.setSpacing(SPACE_S)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_XL, SPACE_S, SPACE_XL, SPACE_S)
        layout.addLayout(self._full)
        layout.addLayout(self._line)
        self.compact: bool | None = None
        self.set_compact(False)

    def set_compact(self, compact: bool) -> None:
        """Compact while the library has documents: the table needs the room."""
        if compact == self.compact:
            return
        self.compact = compact
        self.setProperty("compact", compact)
        for box in (self._full, self._line):
            while box.count():
                box.takeAt(0)  # the labels stay the zone's children
        shown = (self.title, self.formats) if compact else (self.title, self.formats, self.hint)
        target = self._line if compact else self._full
        target.addStretch(1)
        for label in shown:
            target.addWidget(label)
        target.addStretch(1)
        self.hint.setVisible(not compact)
        for label in (self.title, self.formats):
            label.setWordWrap(not compact)  # on one line, a wrapping label asks for a height it then leaves empty
        margin = (SPACE_L, SPACE_S) if compact else (SPACE_XL, SPACE_L)
        self.layout().setContentsMargins(margin[0], margin[1], margin[0], margin[1])
        self.setMinimumHeight(0 if compact else 140)
        self.style().unpolish(self)  # a dynamic property only restyles after a re-polish
        self.style().polish(self)
        for label in (self.title, self.formats):
            self.style().unpolish(label)
            self.style().polish(label)

    @staticmethod
    def local_paths(event: QDropEvent | QDragEnterEvent) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        urls = mime.urls()
        if not urls or not all(url.isLocalFile() for url in urls):
            return []
        return [url.toLocalFile() for url in urls]

    @property
    def highlighted(self) -> bool:
        return bool(self.property("dragActive"))

    def _highlight(self, on: bool) -> None:
        if set_style_property(self, "dragActive", on):
            self.update()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self.local_paths(event):
            event.acceptProposedAction()
            self._highlight(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self._highlight(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self._highlight(False)
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
        self._waiting: list[DocumentRecord] = []
        self._waiting_reason = ""
        self._watched: list[str] = []
        self._current: str | None = None
        self._fraction = 0.0

    def set_records(self, records: list[DocumentRecord], watched: list[str]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._watched = watched
        self.endResetModel()

    def set_waiting(self, paths: list[str], reason: str = "") -> None:
        """Rows for paths not yet handed to the library; `reason` is their status text."""
        self.beginResetModel()
        self._waiting = [waiting_record(path) for path in paths]
        self._waiting_reason = reason or _tr("waiting")
        self.endResetModel()

    def set_progress(self, current: str | None, fraction: float) -> None:
        old = self._current
        self._current, self._fraction = current, fraction
        for path in {old, current} - {None}:
            row = self.row_of(path)
            if row is not None:
                index = self.index(row, STATUS)
                self.dataChanged.emit(index, index)

    @property
    def watched(self) -> list[str]:
        return self._watched

    def _rows(self) -> list[DocumentRecord]:
        return self._records + self._waiting

    def row_of(self, path: str) -> int | None:
        for row, record in enumerate(self._rows()):
            if record.path == path:
                return row
        return None

    def record(self, row: int) -> DocumentRecord:
        return self._rows()[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._records) + len(self._waiting)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _tr(COLUMNS[section])
        if role == Qt.ItemDataRole.TextAlignmentRole and section in (PAGES, CHUNKS):
            return NUMBER_ALIGNMENT  # over their numbers
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self.record(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole:
            # The full path on every cell; the status cell adds the reason of an error.
            return f"{record.path}\n{record.error}" if column == STATUS and record.error else record.path
        if role == SORT_ROLE:
            return self._sort_key(record, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PAGES, CHUNKS):
            return NUMBER_ALIGNMENT
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return status_colour(record, record.path == self._current)
        if role == Qt.ItemDataRole.FontRole and column == STATUS and status_is_quiet(record):
            font = QFont()
            font.setItalic(True)
            return font
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == NAME:
            return record.name
        if column == KIND:
            return record.kind or ""
        if column == PAGES:
            return "" if record.pages is None else str(record.pages)
        if column == CHUNKS:
            return str(record.chunks) if record.status == INDEXED else ""
        if column == STATUS:
            return self.status_text(record)
        return _tr("yes") if self._is_watched(record.path) else ""

    def _sort_key(self, record: DocumentRecord, column: int):
        if column == PAGES:
            return -1 if record.pages is None else record.pages
        if column == CHUNKS:
            return record.chunks if record.status == INDEXED else -1
        if column == WATCHED:
            return int(self._is_watched(record.path))
        value = {NAME: record.name, KIND: record.kind or "", STATUS: self.status_text(record)}[column]
        return value.casefold()

    def status_text(self, record: DocumentRecord) -> str:
        if record.path == self._current:
            return _tr("indexing {0} %").format(int(self._fraction * 100))
        if record.status == WAITING:
            return self._waiting_reason
        if record.status == INDEXING:
            return _tr("indexing")
        if record.error and record.status != INDEXED:
            return f"{_tr(record.status)}: {record.error}"
        return _tr(record.status)

    def _is_watched(self, path: str) -> bool:
        return any(path == folder or path.startswith(folder.rstrip(os.sep) + os.sep) for folder in self._watched)


class DocumentFilter(QSortFilterProxyModel):
    """Sorts by SORT_ROLE; keeps rows whose name or path holds the text, and only problems if asked."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._text = ""
        self._errors_only = False

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_errors_only(self, on: bool) -> None:
        self.beginFilterChange()
        self._errors_only = on
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802
        record = self.sourceModel().record(source_row)
        if self._errors_only and not has_problem(record):
            return False
        return not self._text or self._text in record.path.casefold()
