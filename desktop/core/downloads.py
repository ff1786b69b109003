"""Model downloads from the Hugging Face Hub that survive cancels, crashes and dropped connections.

huggingface-hub's own `hf_hub_download` writes to a process-unique temporary file, so after an
app restart a 12 GB download starts again from byte 0. Here the partial file has a stable name
in the models folder (`<file>.part`) with a sidecar (`<file>.part.json`) holding the identity
the Hub gave it (sha256, size, commit). The next attempt checks that identity and asks only for
the missing bytes with a Range request; huggingface-hub does the HTTP part (`get_hf_file_metadata`,
`hf_hub_url`, `file_download.http_get`, which also retries a dropped connection in place).

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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.errors import UserError
from desktop.core.fsutil import atomic_write_text
from desktop.core.hardware import format_bytes
from desktop.core.jobs import CancelToken, Cancelled, Progress, ProgressCallback

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
SIDECAR_SUFFIX = ".part.json"
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
    import huggingface_hub
    from huggingface_hub import constants

    # No telemetry: huggingface-hub otherwise fetches an "agent harness" list to tag its user agent.
    constants.HF_HUB_DISABLE_TELEMETRY = True
    return huggingface_hub


def part_paths(dest: Path) -> tuple[Path, Path]:
    return dest.with_name(dest.name + PART_SUFFIX), dest.with_name(dest.name + SIDECAR_SUFFIX)


def partial_bytes(dest: Path) -> int:
    """Bytes already downloaded for `dest` (0 when nothing is waiting to be resumed)."""
    part, sidecar = part_paths(dest)
    try:
        return part.stat().st_size if sidecar.exists() else 0
    except FileNotFoundError:
        return 0


def discard_partial(dest: Path) -> None:
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
    partial is kept), connection lost (kept), checksum mismatch (the file is removed).
    """
    cancel = cancel or CancelToken()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part, sidecar = part_paths(dest)
    identity = {"repo_id": remote.repo_id, "filename": remote.filename, "revision": remote.revision,
                "sha256": remote.sha256, "size": remote.size, "commit": remote.commit}
    have = _usable_partial(part, sidecar, identity)
    check_disk(dest.parent, remote.size - have, disk_free=disk_free)
    atomic_write_text(sidecar, json.dumps(identity, indent=2))

    meter = _Meter(remote.size, have, on_progress)
    hasher = _hash_existing(part, have, cancel, meter)
    with open(part, "ab") as handle:
        writer = _Writer(handle, hasher, cancel, meter)
        try:
            _fetch(remote, writer, have)
        except Cancelled:
            raise
        except Exception as exc:
            raise _download_error(exc, remote, part, writer.position) from None
        finally:
            writer.flush_quietly()
        hash_valid = writer.hash_valid

    _verify_and_finish(remote, part, sidecar, dest, hasher.hexdigest() if hash_valid else None, cancel, meter)
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
    if isinstance(exc, OSError) and "Consistency check failed" in str(exc):
        return UserError(f"The model hub sent {remote.filename} short ({got}). Download again to resume.")
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


def _fetch(remote: RemoteFile, writer: _Writer, have: int) -> None:
    from huggingface_hub import file_download

    headers = _hub().utils.build_hf_headers(token=False, library_name=APP_LIBRARY)
    file_download.http_get(remote.url, writer, resume_size=have, headers=headers, expected_size=remote.size,
                           displayed_filename=remote.filename, tqdm_class=_NoBar)


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


def _verify_and_finish(remote: RemoteFile, part: Path, sidecar: Path, dest: Path, digest: str | None,
                       cancel: CancelToken, meter: _Meter) -> None:
    size = part.stat().st_size
    if size != remote.size:
        if size > remote.size:
            discard_partial(dest)
        raise UserError(f"The download of {remote.filename} ended early ({format_bytes(size)} of "
                        f"{format_bytes(remote.size)}). Download again to resume.")
    if digest is None:  # the server restarted mid-way without a range: hash the file afresh
        digest = _hash_existing(part, size, cancel, meter).hexdigest()
    if digest != remote.sha256:
        discard_partial(dest)
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


class _Writer:
    """The file object http_get writes into: hashes, counts, and checks for cancel between chunks."""

    def __init__(self, handle: Any, hasher: Any, cancel: CancelToken, meter: _Meter) -> None:
        self._handle = handle
        self._hasher = hasher
        self._cancel = cancel
        self._meter = meter
        self.position = meter.done
        self.hash_valid = True

    def write(self, chunk: bytes) -> int:
        self._cancel.raise_if_cancelled()
        written = write_chunk(self._handle, chunk)
        self._hasher.update(chunk)
        self.position += written
        self._meter.add(written)
        return written

    def tell(self) -> int:
        return self._handle.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def truncate(self, size: int | None = None) -> int:
        # http_get rewinds when a server ignores the Range header and sends the whole file.
        result = self._handle.truncate(size)
        self.hash_valid = False
        self.position = self._handle.tell()
        self._meter.restart(self.position)
        return result

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


class _NoBar:
    """Stands in for tqdm: progress goes through our callback, never to the terminal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass
