"""Run file readers on untrusted files in a child process with a time and memory cap per file.

A parser bug can hang, eat all memory, or kill the process (a C library's abort or segfault).
In a test that takes pytest with it. The reliability benches and tests run each reader here, in
the same capped child the app reads documents in (`desktop.core.isolation`): `RLIMIT_AS` (or the
app's memory watch where there is none), at most `timeout_s` per file, and a crash or hang
recorded against the file that was being read, after which a new child goes on with the rest.

    outcomes = run_isolated([Task(path, "documents")], timeout_s=20, memory_mb=3072)
    outcome.status in {"ok", "error", "bug", "crash", "hang"}

"ok": read fine. "error": refused with the app's own error type (a message for the user).
"bug": any other exception (the app would show a raw exception text). "crash": the child died
(signal, exit code, or over its memory cap). "hang": over `timeout_s`.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.core.isolation import ChildFailure, IsolatedWorker, JobRaised

JOB = "desktop.bench.sandbox:run_task"


@dataclass(frozen=True)
class Task:
    path: str
    worker: str  # a key of READERS
    vanish: bool = False  # truncate and delete the file while it is being read


@dataclass
class Outcome:
    path: str
    worker: str
    status: str
    message: str = ""
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


def run_isolated(tasks: list[Task], *, timeout_s: float = 20.0, memory_mb: int = 3072) -> list[Outcome]:
    """Run every task, in order; never raises because of what a file does to its reader."""
    outcomes: list[Outcome] = []
    with IsolatedWorker(memory_mb=memory_mb, timeout_s=timeout_s) as worker:
        for task in tasks:
            began = time.monotonic()
            try:
                status, message, seconds, peak = worker.run(JOB, asdict(task))
            except ChildFailure as failure:
                status = "hang" if failure.kind == "timeout" else "crash"
                message = (f"no result after {timeout_s:.0f} s" if status == "hang"
                           else f"{failure}: {failure.stderr_tail}")
                seconds, peak = time.monotonic() - began, 0.0
            except JobRaised as raised:  # run_task catches everything; this is its own bug
                status, message, seconds, peak = "bug", str(raised), time.monotonic() - began, 0.0
            outcomes.append(Outcome(task.path, task.worker, status, message[:500], seconds, peak))
    return outcomes


# ── in the child ──────────────────────────────────────────────────────────────────────────

def run_task(fields: dict) -> tuple[str, str, float, float]:
    task = Task(**fields)
    _reset_peak_rss()
    began = time.monotonic()
    if task.vanish:
        threading.Thread(target=_vanish, args=(Path(task.path),), daemon=True).start()
    status, message = _read(task)
    return status, message[:500], round(time.monotonic() - began, 4), _peak_rss_mb()


def _read(task: Task) -> tuple[str, str]:
    try:
        if task.worker not in READERS:
            raise ValueError(f"unknown worker {task.worker!r}")
        return READERS[task.worker](Path(task.path))
    except MemoryError:
        return "bug", "MemoryError escaped the reader"
    except Exception as exc:  # noqa: BLE001 - reported, that is the point
        return "bug", f"{type(exc).__name__}: {exc}"


def _read_document(path: Path) -> tuple[str, str]:
    from desktop.core.documents import DocumentError, chunk_document, load_document

    try:
        document = load_document(path)
        chunks = chunk_document(document, lambda text: len(text.split()), target_tokens=200,
                                overlap_tokens=20)
    except DocumentError as exc:
        return "error", str(exc)
    return "ok", f"{len(document.text)} chars, {len(chunks)} chunks"


def _check_gguf(path: Path) -> tuple[str, str]:
    from desktop.core.errors import UserError
    from desktop.core.gguf_check import inspect_gguf, require_chat_model

    try:
        require_chat_model(inspect_gguf(path))
    except UserError as exc:
        return "error", str(exc)
    return "ok", "passes the pre-load check"


def _load_llama(path: Path) -> tuple[str, str]:
    import llama_cpp

    try:
        llm = llama_cpp.Llama(model_path=str(path), n_ctx=256, n_threads=1, verbose=False)
    except ValueError as exc:
        return "error", str(exc)
    try:
        tokens = llm.tokenize(b"hello", add_bos=False)
        llm.eval(tokens)
    finally:
        llm.close()
    return "ok", "loaded and evaluated a prompt"


def _vanish(path: Path) -> None:
    # Races the reader on purpose: shrink the file, then take it away.
    time.sleep(0.0005)
    try:
        os.truncate(path, 0)
        path.unlink()
    except OSError:
        pass


def _reset_peak_rss() -> None:
    # Linux: "5" resets this process's peak RSS (VmHWM), so each file gets its own figure.
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


READERS = {"documents": _read_document, "gguf": _check_gguf, "llama": _load_llama}


def _peak_rss_mb() -> float:
    """Peak RSS of this process since the last reset. Not ru_maxrss: on Linux that survives
    fork + exec, so a child of a 700 MB pytest reported 700 MB before reading anything."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
