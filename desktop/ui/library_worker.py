"""The library thread: one long-lived QThread owns the Library's writer side and its embedder.

`LibraryService` is the UI-thread handle. Requests travel by queued signals; results come back
as signals. Searches do not go through this thread: `service.library.search()` is safe from any
worker (it has its own query embedder), so a question is answered while a folder is indexing.
Cancel is a CancelToken set from the UI thread; indexing stops within one batch.

Signals (all delivered on the UI thread):
    sig_ready()                    the library is open and its collection loaded
    sig_documents(DocumentList)    the documents and watched folders (after each change); read on
                                   this thread, so the UI never waits on the catalog's lock
    sig_progress(IndexProgress)    during add/rescan, throttled to >= 1 % or >= 100 ms
    sig_finished(AddReport)        an add/rescan ended (also when cancelled)
    sig_failed(str)                a one-line reason; the thread keeps running
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.context import AppContext
from desktop.core.errors import UserError
from desktop.core.jobs import CancelToken
from desktop.core.library import INDEXED, DocumentRecord, IndexProgress, Library
from desktop.ui.tasks import ProgressRelay

log = logging.getLogger(__name__)

DOCUMENTS_INTERVAL_S = 1.0  # during a run, the table is refreshed at most this often
_NOT_OPENED = object()


@dataclass(frozen=True)
class DocumentList:
    records: list[DocumentRecord] = field(default_factory=list)
    watched: list[str] = field(default_factory=list)

    @property
    def indexed(self) -> int:
        return sum(1 for record in self.records if record.status == INDEXED)


class _Worker(QObject):
    sig_ready = Signal()
    sig_documents = Signal(object)
    sig_finished = Signal(object)
    sig_failed = Signal(str)

    def __init__(self, ctx: AppContext, progress: ProgressRelay) -> None:
        super().__init__()
        self._ctx = ctx
        self._progress = progress
        self.library: Library | None = None
        self._target: tuple[str, str | None] | None = None  # the server (URI, token) opened; None: local
        self._last_documents = 0.0

    @Slot()
    def open(self) -> None:
        self._guard(self._open)

    def _open(self) -> None:
        self._close()
        # The panes stop showing the old library's documents, also when the new one cannot open.
        self.sig_documents.emit(DocumentList())
        from desktop.engine.factory import library_target  # reads the keychain: on this thread

        self._target = library_target(self._ctx.settings, self._ctx.paths.config_dir)
        uri, token = self._target or (None, None)
        self.library = Library.open(self._ctx, uri=uri, token=token)  # None: this computer's store
        try:
            self._emit_documents()
            self.library.load()  # the slow part of start-up, here rather than in the first question
        except Exception:
            if uri is not None:  # a server that cannot be reached is no library: the chat goes without
                self._close()
            raise
        self.sig_ready.emit()

    @Slot()
    def recheck(self) -> None:
        """Re-open when the server's kept token changed (read here: the keychain may be slow)."""
        def run() -> None:
            from desktop.engine.factory import library_target

            if self.library is not None and library_target(self._ctx.settings, self._ctx.paths.config_dir) != self._target:
                self._open()
        self._guard(run)

    @Slot(object, bool, object)
    def add(self, paths: list[str], watch: bool, cancel: CancelToken) -> None:
        self._guard(lambda: self._finish(self._require().add(paths, cancel, self._report, watch=watch)))

    @Slot(object)
    def rescan(self, cancel: CancelToken) -> None:
        self._guard(lambda: self._finish(self._require().rescan_watched(cancel, self._report)))

    @Slot(object)
    def remove(self, paths: list[str]) -> None:
        def run() -> None:
            for path in paths:
                self._require().remove(path)
            self._emit_documents()
        self._guard(run)

    @Slot(str, bool)
    def set_watched(self, folder: str, watched: bool) -> None:
        def run() -> None:
            self._require().set_watched(folder, watched)
            self._emit_documents()
        self._guard(run)

    @Slot()
    def refresh(self) -> None:
        self._guard(self._emit_documents)

    @Slot()
    def close(self) -> None:
        self._guard(self._close)

    def _report(self, progress: IndexProgress) -> None:
        self._progress.report(progress)
        now = time.monotonic()
        if now - self._last_documents >= DOCUMENTS_INTERVAL_S:
            self._emit_documents()

    def _finish(self, report) -> None:
        self._emit_documents()
        self.sig_finished.emit(report)

    def _emit_documents(self) -> None:
        if self.library is not None:
            self._last_documents = time.monotonic()
            self.sig_documents.emit(DocumentList(self.library.documents(), self.library.watched_folders()))

    def _require(self) -> Library:
        if self.library is None:
            raise UserError("The library is not open yet.")
        return self.library

    def _close(self) -> None:
        if self.library is not None:
            self.library.close()
            self.library = None

    def _guard(self, fn) -> None:
        try:
            fn()
        except UserError as exc:
            self.sig_failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the library thread must survive anything
            log.exception("library task failed")
            self.sig_failed.emit(f"Library error: {exc}")


class LibraryService(QObject):
    """UI-thread handle on the library thread (see the module docstring for the signals)."""

    sig_ready = Signal()
    sig_documents = Signal(object)
    sig_progress = Signal(object)
    sig_finished = Signal(object)
    sig_failed = Signal(str)

    _sig_open = Signal()
    _sig_recheck = Signal()
    _sig_add = Signal(object, bool, object)
    _sig_rescan = Signal(object)
    _sig_remove = Signal(object)
    _sig_watch = Signal(str, bool)
    _sig_refresh = Signal()
    _sig_close = Signal()

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay = ProgressRelay(self)
        self._relay.sig_progress.connect(self.sig_progress)
        self._thread = QThread()
        self._thread.setObjectName("library")
        self._worker = _Worker(ctx, self._relay)
        self._worker.moveToThread(self._thread)
        for signal, slot in ((self._sig_open, self._worker.open), (self._sig_recheck, self._worker.recheck),
                             (self._sig_add, self._worker.add),
                             (self._sig_rescan, self._worker.rescan), (self._sig_remove, self._worker.remove),
                             (self._sig_watch, self._worker.set_watched),
                             (self._sig_refresh, self._worker.refresh), (self._sig_close, self._worker.close)):
            signal.connect(slot)
        for name in ("sig_ready", "sig_documents", "sig_finished", "sig_failed"):
            getattr(self._worker, name).connect(getattr(self, name))
        self.sig_finished.connect(self._clear_busy)
        self.sig_failed.connect(self._clear_busy)
        self.sig_ready.connect(self._opened)
        self.sig_failed.connect(self._open_failed)
        self._ctx = ctx
        self._cancel: CancelToken | None = None
        # The embedding model the library was last opened with (or is opening with), so that two
        # listeners of one settings change (the pane and the window) open it once, not twice.
        self._opened_with: object = _NOT_OPENED
        self._opening = False
        self._thread.start()

    @property
    def library(self) -> Library | None:
        """The open Library, for searches from any worker thread (None until opened)."""
        return self._worker.library

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def open(self) -> None:
        """Open (or re-open, after the embedding model or the store changed in Settings) and load.

        A request for the model and store already open, or being opened, is dropped.
        """
        library = self._ctx.settings.library
        server = (library.server_uri, library.server_database) if library.location == "server" else None
        wanted = (library.embedding_model_path, server)
        if wanted == self._opened_with:
            if server is not None and not self._opening:
                self._sig_recheck.emit()  # the same server, perhaps with a new token: the thread compares
            return
        self._opened_with = wanted
        self._opening = True
        self._sig_open.emit()

    def add(self, paths: list[str], watch: bool = False) -> None:
        self._cancel = CancelToken()
        self._sig_add.emit(list(paths), watch, self._cancel)

    def rescan_watched(self) -> None:
        self._cancel = CancelToken()
        self._sig_rescan.emit(self._cancel)

    def remove(self, paths: list[str]) -> None:
        self._sig_remove.emit(list(paths))

    def set_watched(self, folder: str, watched: bool) -> None:
        self._sig_watch.emit(folder, watched)

    def refresh(self) -> None:
        self._sig_refresh.emit()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Stop indexing (within one batch), close the library on its thread, end the thread."""
        self.cancel()
        self._sig_close.emit()
        self._thread.quit()
        self._thread.wait(timeout_ms)

    def _clear_busy(self, *_args) -> None:
        self._cancel = None

    def _opened(self) -> None:
        self._opening = False

    def _open_failed(self, _message: str) -> None:
        if self._opening:  # the next open() tries again
            self._opening = False
            self._opened_with = _NOT_OPENED
