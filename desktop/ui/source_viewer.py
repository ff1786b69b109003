"""Open a cited source at its place: a PDF at its page in the system's viewer, a text document in a
small built-in viewer scrolled to the quoted passage (no editor can be told where to scroll).

Only plain-text formats are shown here, read as text with a size cap: nothing is parsed or run.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.markdown import plain_text

# Formats whose bytes are the text the library indexed, so the quoted passage can be found in them.
TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".text", ".rst", ".log", ".csv", ".tsv", ".json",
                           ".yaml", ".yml", ".toml", ".ini", ".cfg", ".py", ".sh"})
MAX_VIEW_BYTES = 8 * 1024 * 1024  # larger text files go to the system's app


def open_document(path: str, page: int | None = None) -> bool:
    """Open a file in the OS's default app, at its page where the viewer understands #page=N."""
    url = QUrl.fromLocalFile(path)
    if page:
        url.setFragment(f"page={page}")
    return QDesktopServices.openUrl(url)


def open_source(source: dict, parent: QWidget) -> SourceViewer | None:
    """Show `source` (a stored source: path, page, excerpt) at its place; explain when it cannot be."""
    path = Path(str(source.get("path", "")))
    tr = parent.tr
    if not path.is_file():
        QMessageBox.information(parent, tr("Source not found"),
                                tr("{name} was moved or deleted after it was indexed. It was at:\n{path}").format(
                                    name=path.name, path=path))
        return None
    if path.suffix.lower() in TEXT_SUFFIXES and path.stat().st_size <= MAX_VIEW_BYTES:
        viewer = SourceViewer(path, str(source.get("excerpt", "")), parent)
        viewer.show()
        return viewer
    if not open_document(str(path), source.get("page")):
        QMessageBox.information(parent, tr("No app for this file"),
                                tr("No app on this computer opens {name}. It is at:\n{path}").format(
                                    name=path.name, path=path))
    return None


class SourceViewer(QDialog):
    """A text document, read-only, with the cited passage selected and scrolled into view."""

    def __init__(self, path: Path, excerpt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setWindowTitle(self.tr("{name} (source)").format(name=path.name))
        self.setAccessibleName(self.tr("Source document"))
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        self.where = QLabel(str(path))
        self.where.setObjectName("messageStatus")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("Document text"))
        self.text.setPlainText(path.read_text(encoding="utf-8", errors="replace"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        external = QPushButton(self.tr("Open in default app"))
        external.setAccessibleName(self.tr("Open this document in the system's default app"))
        external.clicked.connect(lambda: open_document(str(path)))
        buttons.addButton(external, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.where)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.found = self._select(excerpt)

    def selected_text(self) -> str:
        return self.text.textCursor().selectedText()

    def _select(self, excerpt: str) -> bool:
        """Select the passage: its first line as written, else its first words as plain text."""
        lines = [line.strip() for line in excerpt.splitlines() if line.strip()]
        candidates = [lines[0][:120]] if lines else []
        words = plain_text(excerpt).split()
        candidates += [" ".join(words[:8]), " ".join(words[:3])]
        document: QTextDocument = self.text.document()
        for needle in filter(None, candidates):
            found: QTextCursor = document.find(needle)
            if not found.isNull():
                self.text.setTextCursor(found)
                self.text.centerCursor()
                return True
        return False
