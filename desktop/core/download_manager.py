"""One download job per destination file in this process; a second request attaches to the first.

The window starts downloads from more than one place (the first-run screen, the Models view), and
each used to run its own: two writers on one partial file. An app makes one DownloadManager (its
composition root does; there is no global one) and every place asks it:

    manager = DownloadManager()
    job = manager.start(dest, lambda cancel, progress: catalog.download(entry, cancel=cancel,
                                                                        on_progress=progress))
    stop = job.subscribe(on_progress=show, on_done=finished)   # the latest progress comes at once
    job.cancel()                                               # pauses it for every subscriber
    path = job.result()                                        # waits; raises its UserError/Cancelled

Asking again for the same `dest` while the job runs returns the same job. Once it has ended (done,
failed or cancelled) the next request starts a new one, which resumes from the partial file.
Other processes are kept off the file by `downloads.owning` (an OS lock); a download another
process is running fails here with the one-line UserError it raises.

Qt-free: the work and every callback run on the job's own thread; a window re-emits them as
signals to reach its GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from desktop.core import downloads
from desktop.core.errors import UserError
from desktop.core.jobs import Cancelled, CancelToken, Progress, ProgressCallback

log = logging.getLogger(__name__)

# What a job runs: fetch into the file, reporting progress and checking the token between chunks.
Work = Callable[[CancelToken, ProgressCallback], Path]
DoneCallback = Callable[["DownloadJob"], None]


class DownloadJob:
    """One running download that any number of subscribers watch; made by DownloadManager.start."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self._cancel = CancelToken()
        self._lock = threading.Lock()
        self._ended = threading.Event()
        self._progress: Progress | None = None
        self._listeners: list[tuple[ProgressCallback | None, DoneCallback | None]] = []
        self._result: Path | None = None
        self._error: BaseException | None = None

    # -- for subscribers -----------------------------------------------------------------------
    def subscribe(self, on_progress: ProgressCallback | None = None,
                  on_done: DoneCallback | None = None) -> Callable[[], None]:
        """Watch this job: `on_progress` gets the latest progress now (if any) and each one after;
        `on_done(job)` is called once when it ends (now, if it has). Returns `unsubscribe()`."""
        entry = (on_progress, on_done)
        with self._lock:
            ended, latest = self._ended.is_set(), self._progress
            if not ended:
                self._listeners.append(entry)
        if latest is not None and on_progress is not None:
            _call(on_progress, latest)
        if ended and on_done is not None:
            _call(on_done, self)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._listeners:
                    self._listeners.remove(entry)

        return unsubscribe

    def cancel(self) -> None:
        """Pause the download for everyone watching it (the partial file is kept for a resume)."""
        self._cancel.cancel()

    @property
    def progress(self) -> Progress | None:
        return self._progress

    @property
    def done(self) -> bool:
        return self._ended.is_set()

    @property
    def error(self) -> BaseException | None:
        """Why it ended without a file: a UserError, or Cancelled; None while running or on success."""
        return self._error

    def result(self, timeout: float | None = None) -> Path:
        """The verified file, once the job ends; raises its error. TimeoutError if still running."""
        if not self._ended.wait(timeout):
            raise TimeoutError(f"the download of {self.dest.name} is still running")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    # -- for the manager -----------------------------------------------------------------------
    def _run(self, work: Work, on_end: Callable[[DownloadJob], None]) -> None:
        try:
            self._result = work(self._cancel, self._publish)
        except BaseException as exc:  # handed to whoever waits on result(); also logged if unexpected
            self._error = exc
            if not isinstance(exc, (Cancelled, UserError)):
                log.exception("download of %s failed", self.dest.name)
        finally:
            on_end(self)
            with self._lock:
                self._ended.set()
                listeners, self._listeners = self._listeners, []
            for _, on_done in listeners:
                if on_done is not None:
                    _call(on_done, self)

    def _publish(self, progress: Progress) -> None:
        with self._lock:
            self._progress = progress
            listeners = list(self._listeners)
        for on_progress, _ in listeners:
            if on_progress is not None:
                _call(on_progress, progress)


class DownloadManager:
    """The downloads of one app: at most one job per destination file, each on its own thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[Path, DownloadJob] = {}
        self._threads: dict[DownloadJob, threading.Thread] = {}

    def start(self, dest: Path, work: Work) -> DownloadJob:
        """The job downloading `dest`: the running one if there is one (`work` is then not used),
        else a new job that runs `work(cancel_token, on_progress)` on its own thread."""
        key = _key(dest)
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                return job
            job = DownloadJob(dest)
            self._jobs[key] = job
            thread = threading.Thread(target=job._run, args=(work, self._ended), name=f"download {dest.name}",
                                      daemon=True)  # an app that quits without shutdown() is not held up
            self._threads[job] = thread
        thread.start()
        return job

    def download(self, remote: downloads.RemoteFile, dest: Path) -> DownloadJob:
        """start() for a file already resolved with downloads.resolve."""
        return self.start(dest, lambda cancel, progress: downloads.download(remote, dest, cancel=cancel,
                                                                            on_progress=progress))

    def job(self, dest: Path) -> DownloadJob | None:
        """The running job for `dest`, if any (a view rebuilt mid-download re-attaches with it)."""
        with self._lock:
            return self._jobs.get(_key(dest))

    def jobs(self) -> list[DownloadJob]:
        with self._lock:
            return list(self._jobs.values())

    def shutdown(self, timeout: float | None = None) -> None:
        """Pause every running job and wait for their threads (at app exit)."""
        with self._lock:
            threads = list(self._threads.items())
        for job, _ in threads:
            job.cancel()
        for _, thread in threads:
            thread.join(timeout)

    def _ended(self, job: DownloadJob) -> None:
        with self._lock:
            if self._jobs.get(_key(job.dest)) is job:
                del self._jobs[_key(job.dest)]
            self._threads.pop(job, None)


def _key(dest: Path) -> Path:
    # One file, however the caller spelled its path.
    return dest.expanduser().resolve()


def _call(callback: Callable[..., None], *args: object) -> None:
    # One subscriber's bug must not stop the download or the other subscribers.
    try:
        callback(*args)
    except Exception:
        log.exception("a download listener failed")
