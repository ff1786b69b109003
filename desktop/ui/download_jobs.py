"""One download per destination file, shared by every view that shows it.

The first-run screen and the Models view both offer the recommended model. Each used to own its
download, so two clicks ran two downloads into one `.part` file. Now the window builds one
`DownloadJobs` and passes it to both; `job(catalog, entry)` hands out the same `DownloadJob`
for the same destination, and every view mirrors it. A job outlives the view that started it
and stops (keeping its partial file for a resume) when the window that owns `DownloadJobs` goes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from desktop.core.jobs import Cancelled, CancelToken, Progress
from desktop.ui.tasks import ProgressRelay, run_in_background

if TYPE_CHECKING:  # the catalog (huggingface-hub's helpers, the planner) loads when a download is asked for
    from desktop.core.catalog import Catalog, CatalogEntry

_CANCELLED = object()


class DownloadJob(QObject):
    """The download of one catalog file: start, cancel, progress, outcome.

    Signals:
        sig_progress(object): a Progress (throttled), while running.
        sig_changed(): started, stopping, paused, failed or finished.
        sig_finished(str): the verified file's path.
        sig_failed(str): one line saying what went wrong (the partial file stays when it can).
    """

    sig_progress = Signal(object)
    sig_changed = Signal()
    sig_finished = Signal(str)
    sig_failed = Signal(str)

    def __init__(self, catalog: Catalog, entry: CatalogEntry, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog, self.entry = catalog, entry
        self._cancel: CancelToken | None = None
        self.last_progress: Progress | None = None
        self.error: str | None = None  # the last failure, until the next start
        self._relay = ProgressRelay(self)
        self._relay.sig_progress.connect(self._on_progress)

    @property
    def running(self) -> bool:
        return self._cancel is not None

    @property
    def stopping(self) -> bool:
        return self._cancel is not None and self._cancel.cancelled

    def start(self) -> None:
        if self.running:
            return
        token = self._cancel = CancelToken()
        self.error = None
        self.last_progress = None
        self.sig_changed.emit()

        def work() -> Any:
            try:
                return self.catalog.download(self.entry, cancel=token, on_progress=self._relay.report)
            except Cancelled:
                return _CANCELLED

        run_in_background(work, on_done=self._done, on_failed=self._failed)

    def cancel(self) -> None:
        if self._cancel is not None and not self._cancel.cancelled:
            self._cancel.cancel()
            self.sig_changed.emit()

    def _on_progress(self, progress: Progress) -> None:
        if self.running:
            self.last_progress = progress
            self.sig_progress.emit(progress)

    def _done(self, result: Any) -> None:
        if not isValid(self):
            return
        self._cancel = None
        self.sig_changed.emit()
        if result is not _CANCELLED:
            self.sig_finished.emit(str(result))

    def _failed(self, message: str) -> None:
        if not isValid(self):
            return
        self._cancel = None
        self.error = message
        self.sig_changed.emit()
        self.sig_failed.emit(message)


class DownloadJobs(QObject):
    """The window's downloads, one per destination file. Built once by the window, passed to views."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[Path, DownloadJob] = {}
        jobs = self._jobs  # the slot must not need `self`: it runs while the object is torn down
        self.destroyed.connect(lambda *_: _stop_all(jobs))

    def job(self, catalog: Catalog, entry: CatalogEntry) -> DownloadJob:
        """The job that downloads `entry` into `catalog`'s models folder (made on first ask)."""
        key = _key(catalog.path(entry))
        job = self._jobs.get(key)
        if job is None:
            job = self._jobs[key] = DownloadJob(catalog, entry, self)
        return job

    def running(self) -> list[DownloadJob]:
        return [job for job in self._jobs.values() if job.running]



def _stop_all(jobs: dict[Path, DownloadJob]) -> None:
    # The window is going: stop between chunks; the partial files stay for the next time.
    for job in list(jobs.values()):
        token = job._cancel
        if token is not None:
            token.cancel()


def _key(path: Path) -> Path:
    # One folder, matched without case: a file renamed by case on the Hub is still the same download.
    return Path(str(path.parent.resolve()), path.name.lower())
