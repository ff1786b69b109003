"""Model downloads from the Hugging Face Hub that survive cancels, crashes and dropped connections.

huggingface-hub's own `hf_hub_download` writes to a process-unique temporary file, so after an
app restart a 12 GB download starts again from byte 0. Here the partial file has a stable name
in the models folder (`<file>.part`) with a sidecar (`<file>.part.json`) holding the identity
the Hub gave it (sha256, size, commit). The next attempt checks that identity and asks only for
the missing bytes with a Range request. The HTTP part uses huggingface-hub's public API only
(`hf_hub_url`, `get_hf_file_metadata`, `get_session`, `build_hf_headers`, `hf_raise_for_status`):
a streamed GET from where the partial ends, retried in place when the connection drops.

One writer per file, across processes: the download holds an OS lock on `<file>.lock` (filelock;
flock on Unix) from before it reads the partial until the file is in place. The window, a second
window and `models download` may all ask for the same model; the second one is told in one line
that another is downloading it, and never touches the first one's partial. The kernel drops the
lock when its process dies, however it dies, so a killed download never blocks the next one.
(`desktop.core.download_manager` makes a second request inside one process share the running job.)

The file is hashed while it is written (the partial's existing bytes are hashed once on resume),
checked against the Hub's sha256 (the X-Linked-Etag of an LFS file), and only then renamed into
place. A mismatch removes the file. TLS verification is huggingface-hub's default and never
turned off here. HF_ENDPOINT is read at each call, so a mirror set after start-up is honoured.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.errors import UserError
from desktop.core.fsutil import atomic_write_text
from desktop.core.hardware import format_bytes
from desktop.core.jobs import Cancelled, CancelToken, Progress, ProgressCallback

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
SIDECAR_SUFFIX = ".part.json"
LOCK_SUFFIX = ".lock"
# How long to wait for a lock before saying another download holds it: long enough to ride out the
# moment another process hands a finished download over, short enough to answer at once.
LOCK_WAIT_S = 0.5
# A dropped connection is retried in place this many times in a row without new bytes, as
# huggingface-hub's own downloader does, after a pause (cut short by cancel).
RETRIES = 5
RETRY_DELAY_S = 1.0
# Room kept free beyond the file itself, so a download never fills the disk to the last byte.
DISK_MARGIN = 256 * 2**20
_HASH_BLOCK = 8 * 2**20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
APP_LIBRARY = "gpt-oss-desktop"


@dataclass(frozen=True)
class DownloadProgress(Progress):
    """Progress of a download: bytes, and speed / time left once they can be estimated."""

    speed_bps: float | None = None
    eta_s: float | None = None


@dataclass(frozen=True)
class RemoteFile:
    repo_id: str
    filename: str
    revision: str
    url: str  # where the bytes are (the Hub's CDN, usually)
    size: int
    sha256: str
    commit: str | None


def hub_endpoint() -> str:
    """The Hub to talk to: HF_ENDPOINT if set (a mirror, a test server), else huggingface.co."""
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def _hub() -> Any:
    """huggingface_hub, imported on first use (it is slow to import and most runs never need it).

    Nothing here changes its settings: the app's entry point sets HF_HUB_DISABLE_TELEMETRY in the
    environment before huggingface-hub is first imported, its documented switch.
    """
    import huggingface_hub

    return huggingface_hub


def part_paths(dest: Path) -> tuple[Path, Path]:
    return dest.with_name(dest.name + PART_SUFFIX), dest.with_name(dest.name + SIDECAR_SUFFIX)


def lock_path(dest: Path) -> Path:
    return dest.with_name(dest.name + LOCK_SUFFIX)


def already_downloading_message(name: str) -> str:
    return (f"{name} is already being downloaded by another window or command; "
            "wait for it to finish, or pause it there first.")


@contextmanager
def owning(dest: Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the cross-process lock of `dest` (its partial, sidecar and final file) for the block.

    Raises UserError when another process, or another caller in this one, holds it. The lock is an
    OS lock on `<file>.lock`, so a process that dies (even by SIGKILL) leaves nothing that blocks.
    """
    from filelock import FileLock, Timeout

    path = lock_path(dest)
    lock = FileLock(path, timeout=wait_s)  # a new instance per call: two callers in one process exclude each other
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise UserError(already_downloading_message(dest.name)) from None
    except OSError as exc:  # a read-only or vanished models folder
        raise UserError(f"Cannot write in {path.parent}: {exc.strerror or exc}.") from None
    try:
        yield
    finally:
        # Unlinked while still held, so the models folder is left clean. A contender that opened this
        # file meanwhile finds it unlinked once it gets the lock, and filelock makes it start over on a
        # fresh file. (On Windows an open file cannot be unlinked; filelock removes it there on release.)
        with suppress(OSError):
            path.unlink()
        lock.release()


def busy(dest: Path) -> bool:
    """Whether a download of `dest` is running now, in this process or another."""
    if not dest.parent.is_dir():
        return False
    try:
        with owning(dest, wait_s=0):
            return False
    except UserError:
        return True


def partial_bytes(dest: Path) -> int:
    """Bytes already downloaded for `dest` (0 when nothing is waiting to be resumed)."""
    part, sidecar = part_paths(dest)
    try:
        return part.stat().st_size if sidecar.exists() else 0
    except FileNotFoundError:
        return 0


def discard_partial(dest: Path) -> None:
    """Delete a paused download; UserError (and nothing deleted) while one is running."""
    with owning(dest):
        _remove_partial(dest)


def _remove_partial(dest: Path) -> None:
    """Only with the lock of `dest` held."""
    for path in part_paths(dest):
        path.unlink(missing_ok=True)


def resolve(repo_id: str, filename: str, revision: str = "main", *, timeout: float = 15.0) -> RemoteFile:
    """Ask the Hub where the file is and what it is (size, sha256). Raises UserError when it cannot."""
    hub = _hub()
    endpoint = hub_endpoint()
    url = hub.hf_hub_url(repo_id, filename, revision=revision, endpoint=endpoint)
    try:
        # No automatic retries: offline must be said at once, not after a minute of backoff.
        meta = hub.get_hf_file_metadata(url, timeout=timeout, endpoint=endpoint, library_name=APP_LIBRARY)
    except Exception as exc:
        raise hub_error(exc, f"{repo_id}/{filename}") from None
    if meta.size is None:
        raise UserError(f"The model hub did not say how big {filename} is; not downloading it.")
    sha = (meta.etag or "").lower()
    if not _SHA256.match(sha):
        # Only LFS files carry their sha256 as the etag; anything else cannot be verified.
        raise UserError(f"The model hub gave no sha256 for {filename}, so it cannot be verified; not downloading it.")
    return RemoteFile(repo_id, filename, revision, meta.location or url, int(meta.size), sha, meta.commit_hash)


def hub_error(exc: Exception, what: str) -> UserError:
    """One line a person can act on, for whatever huggingface-hub or the network raised."""
    from huggingface_hub import errors as hf_errors

    endpoint = hub_endpoint()
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, hf_errors.OfflineModeIsEnabled):
        return UserError("Downloads are switched off (HF_HUB_OFFLINE is set).")
    if isinstance(exc, hf_errors.GatedRepoError):
        return UserError(f"{what} needs a Hugging Face account with access granted; it cannot be downloaded here.")
    if isinstance(exc, (hf_errors.RepositoryNotFoundError, hf_errors.RevisionNotFoundError)):
        return UserError(f"The model hub has no repository for {what}.")
    if isinstance(exc, hf_errors.EntryNotFoundError):
        return UserError(f"The model hub has no file {what}.")
    if isinstance(exc, hf_errors.HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", "?")
        return UserError(f"The model hub refused the request for {what} (HTTP {status}).")
    if _is_network_error(exc):
        return UserError(f"Can't reach the model hub ({endpoint}) — are you offline? Connect to the internet "
                         "and try again, or import a GGUF file you already have.")
    return UserError(f"Download of {what} failed: {exc}")


def _is_network_error(exc: BaseException) -> bool:
    import httpx2

    return isinstance(exc, (httpx2.TransportError, ConnectionError, TimeoutError))


def check_disk(dest_dir: Path, needed: int, *, disk_free: Callable[[Path], int] | None = None) -> None:
    """Refuse to start a download the disk cannot hold (with the size in the message)."""
    path = dest_dir
    while not path.exists() and path.parent != path:
        path = path.parent
    free = (disk_free or (lambda p: shutil.disk_usage(p).free))(path)
    if free < needed + DISK_MARGIN:
        raise UserError(f"Not enough disk space: this download needs {format_bytes(needed + DISK_MARGIN)} free "
                        f"in {dest_dir}, and {format_bytes(free)} is free.")


def download(remote: RemoteFile, dest: Path, *, cancel: CancelToken | None = None,
             on_progress: ProgressCallback | None = None,
             disk_free: Callable[[Path], int] | None = None) -> Path:
    """Download `remote` to `dest`, resuming a partial download; returns `dest` once verified.

    Raises Cancelled (the partial is kept), or UserError with a message: offline, disk full (the
    partial is kept), connection lost (kept), checksum mismatch (the file is removed), already
    being downloaded by another window or command (nothing touched).
    """
    cancel = cancel or CancelToken()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with owning(dest):
        if dest.is_file() and dest.stat().st_size == remote.size:
            # Whoever held the lock before us finished it (a download is renamed in only once verified).
            if on_progress is not None:
                on_progress(DownloadProgress(remote.size, remote.size, "Already downloaded"))
            return dest
        return _download_owned(remote, dest, cancel, on_progress, disk_free)


def _download_owned(remote: RemoteFile, dest: Path, cancel: CancelToken, on_progress: ProgressCallback | None,
                    disk_free: Callable[[Path], int] | None) -> Path:
    part, sidecar = part_paths(dest)
    identity = {"repo_id": remote.repo_id, "filename": remote.filename, "revision": remote.revision,
                "sha256": remote.sha256, "size": remote.size, "commit": remote.commit}
    have = _usable_partial(part, sidecar, identity)
    check_disk(dest.parent, remote.size - have, disk_free=disk_free)
    atomic_write_text(sidecar, json.dumps(identity, indent=2))

    meter = _Meter(remote.size, have, on_progress)
    hasher = _hash_existing(part, have, cancel, meter)
    with open(part, "ab") as handle:
        writer = _PartWriter(handle, hasher, cancel, meter)
        try:
            _fetch(remote, writer, cancel)
        except Cancelled:
            raise
        except Exception as exc:
            raise _download_error(exc, remote, part, writer.position) from None
        finally:
            writer.flush_quietly()

    _verify_and_finish(remote, part, sidecar, dest, writer.hexdigest(), meter)
    meter.report(force=True, message="Verified")
    return dest


def _download_error(exc: Exception, remote: RemoteFile, part: Path, position: int) -> UserError:
    """What to tell the person; in every case but a bad checksum the partial file stays for a resume."""
    got = f"{format_bytes(position)} of {format_bytes(remote.size)}"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UserError(f"The disk is full: {remote.filename} stopped at {got}. "
                         "Free some space and download again to resume.")
    if _is_network_error(exc):
        return UserError(f"The connection to the model hub was lost at {got}. Download again to resume from there.")
    if isinstance(exc, OSError) and exc.filename is None and exc.errno is not None:
        return UserError(f"Could not write {part.name}: {exc.strerror or exc}.")
    return hub_error(exc, f"{remote.repo_id}/{remote.filename}")


def _usable_partial(part: Path, sidecar: Path, identity: dict[str, Any]) -> int:
    """Bytes of a partial download that belong to this exact file; anything else is discarded."""
    try:
        size = part.stat().st_size
    except FileNotFoundError:
        sidecar.unlink(missing_ok=True)
        return 0
    try:
        recorded = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    same = isinstance(recorded, dict) and all(recorded.get(k) == identity[k] for k in ("sha256", "size"))
    if not same or size > identity["size"]:
        # A partial of an older version of the file, or of unknown origin: start over.
        log.info("discarding partial download %s (not the file the Hub serves now)", part)
        part.unlink(missing_ok=True)
        return 0
    return size


def _fetch(remote: RemoteFile, writer: _PartWriter, cancel: CancelToken) -> None:
    """Stream the bytes `writer` lacks with a Range GET; a dropped connection resumes in place."""
    import httpx2
    from huggingface_hub import constants, get_session
    from huggingface_hub.utils import build_hf_headers

    # identity: the ranges are of the file itself, never of a compressed form of it.
    headers = build_hf_headers(token=False, library_name=APP_LIBRARY, headers={"Accept-Encoding": "identity"})
    transient = (httpx2.NetworkError, httpx2.TimeoutException, httpx2.RemoteProtocolError)
    tries_left = RETRIES
    while writer.position < remote.size:
        start = writer.position
        asked = {**headers, "Range": f"bytes={start}-"} if start else headers
        try:
            with get_session().stream("GET", remote.url, headers=asked,
                                      timeout=constants.HF_HUB_DOWNLOAD_TIMEOUT) as response:
                _check_response(response, remote, start)
                if start and response.status_code == 200:
                    writer.restart()  # the server ignored the Range header and sends the whole file
                for chunk in response.iter_bytes():
                    writer.write(chunk)
                    tries_left = RETRIES  # bytes arrived: the connection works again
        except transient as exc:
            if tries_left == 0:
                raise
            tries_left -= 1
            log.info("download of %s interrupted at %d bytes (%s); resuming", remote.filename, writer.position, exc)
            if cancel.wait(RETRY_DELAY_S):
                raise Cancelled() from None
            continue
        if writer.position == start:  # ended cleanly with nothing: asking again would loop forever
            got = f"{format_bytes(start)} of {format_bytes(remote.size)}"
            raise UserError(f"The model hub sent {remote.filename} short ({got}). Download again to resume.")


def _check_response(response: Any, remote: RemoteFile, start: int) -> None:
    """HTTP errors as huggingface-hub's exceptions; a 206 must start where the partial ends."""
    from huggingface_hub import hf_raise_for_status

    if response.status_code >= 400:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) < 2**20:
            response.read()  # the error's body names the problem; a huge one is not worth reading
        hf_raise_for_status(response)
    if start and response.status_code == 206:
        match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
        if match is None or int(match[1]) != start:
            raise UserError(f"The model hub answered a resume of {remote.filename} with the wrong bytes "
                            f"({response.headers.get('Content-Range')!r}); try again later.")


def _hash_existing(part: Path, have: int, cancel: CancelToken, meter: _Meter) -> Any:
    hasher = hashlib.sha256()
    if have == 0:
        return hasher
    done = 0
    with open(part, "rb") as handle:
        while done < have:
            cancel.raise_if_cancelled()
            block = handle.read(min(_HASH_BLOCK, have - done))
            if not block:
                break
            hasher.update(block)
            done += len(block)
            meter.report(message=f"Checking the {format_bytes(have)} already downloaded")
    return hasher


def _verify_and_finish(remote: RemoteFile, part: Path, sidecar: Path, dest: Path, digest: str,
                       meter: _Meter) -> None:
    size = part.stat().st_size
    if size != remote.size:
        if size > remote.size:
            _remove_partial(dest)
        raise UserError(f"The download of {remote.filename} ended early ({format_bytes(size)} of "
                        f"{format_bytes(remote.size)}). Download again to resume.")
    if digest != remote.sha256:
        _remove_partial(dest)
        raise UserError(f"{remote.filename} failed its checksum (sha256 {digest[:12]}…, the hub says "
                        f"{remote.sha256[:12]}…), so it was deleted. Download it again.")
    os.replace(part, dest)
    if os.name == "posix":
        fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(fd)  # make the rename itself survive a power cut
        finally:
            os.close(fd)
    sidecar.unlink(missing_ok=True)


class _PartWriter:
    """Appends to the partial file: hashes, counts, and checks for cancel between chunks."""

    def __init__(self, handle: Any, hasher: Any, cancel: CancelToken, meter: _Meter) -> None:
        self._handle = handle
        self._hasher = hasher
        self._cancel = cancel
        self._meter = meter
        self.position = meter.done

    def write(self, chunk: bytes) -> None:
        self._cancel.raise_if_cancelled()
        written = write_chunk(self._handle, chunk)
        self._hasher.update(chunk)
        self.position += written
        self._meter.add(written)

    def restart(self) -> None:
        """Empty the partial: the server sends the file from byte 0."""
        self._handle.seek(0)
        self._handle.truncate(0)
        self._hasher = hashlib.sha256()
        self.position = 0
        self._meter.restart(0)

    def hexdigest(self) -> str:
        return self._hasher.hexdigest()

    def flush_quietly(self) -> None:
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError:
            pass


def write_chunk(handle: Any, chunk: bytes) -> int:
    """The one place bytes hit the disk (tests replace it to simulate a full disk)."""
    return handle.write(chunk)


class _Meter:
    """Bytes, speed over the last few seconds, and time left; reports through the callback."""

    WINDOW_S = 5.0

    def __init__(self, total: int, done: int, callback: ProgressCallback | None) -> None:
        self.total = total
        self.done = done
        self._callback = callback
        self._samples: deque[tuple[float, int]] = deque([(time.monotonic(), done)])

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        self._samples.append((now, self.done))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.WINDOW_S:
            self._samples.popleft()
        self.report()

    def restart(self, done: int) -> None:
        self.done = done
        self._samples = deque([(time.monotonic(), done)])

    def speed(self) -> float | None:
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 - t0 > 0.2 and b1 > b0 else None

    def report(self, *, force: bool = False, message: str | None = None) -> None:
        if self._callback is None:
            return
        speed = self.speed()
        eta = (self.total - self.done) / speed if speed else None
        if message is None:
            message = f"{format_bytes(self.done)} of {format_bytes(self.total)}"
            if speed:
                message += f" · {format_bytes(speed)}/s · {format_duration(eta)} left"
        self._callback(DownloadProgress(self.done, self.total, message, speed, eta))


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
