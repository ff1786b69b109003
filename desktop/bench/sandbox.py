"""Run file readers on untrusted files in a child process with a time and memory cap per file.

A parser bug can hang, eat all memory, or kill the process (a C library's abort or segfault).
In the app that takes the user's window with it; in a test it takes pytest with it. Here each
batch runs in a child with `RLIMIT_AS` set, the parent waits at most `timeout_s` per file, and
a crash or hang is recorded against the file that was being read, after which a new child goes
on with the rest of the batch. The parent only ever sees JSON lines.

    outcomes = run_isolated([Task(path, "documents")], timeout_s=20, memory_mb=3072)
    outcome.status in {"ok", "error", "bug", "crash", "hang"}

"ok": read fine. "error": refused with the app's own error type (a message for the user).
"bug": any other exception (the app would show a raw exception text). "crash": the child died
(signal or exit code). "hang": over `timeout_s`.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

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
    """Run every task; never raises because of what a file does to its reader."""
    outcomes: list[Outcome] = []
    pending = list(tasks)
    while pending:
        done, pending = _run_child(pending, timeout_s, memory_mb)
        outcomes.extend(done)
    return outcomes


def _run_child(tasks: list[Task], timeout_s: float, memory_mb: int) -> tuple[list[Outcome], list[Task]]:
    """Run tasks until the end or the first crash/hang; return outcomes and what is left."""
    child_env = {**os.environ, "GGML_NO_BACKTRACE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop.bench.sandbox", str(memory_mb)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env,
        cwd=str(Path(__file__).resolve().parents[2]))
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stdin.write("\n".join(json.dumps(asdict(t)) for t in tasks) + "\n")
    proc.stdin.close()
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    stderr_tail: list[str] = []
    threading.Thread(target=_tail, args=(proc.stderr, stderr_tail), daemon=True).start()
    outcomes: list[Outcome] = []
    index = 0
    started = time.monotonic()  # the child's start-up counts against its first file
    while index < len(tasks):
        task = tasks[index]
        try:
            line = lines.get(timeout=max(0.0, started + timeout_s + 10 * (index == 0) - time.monotonic()))
        except queue.Empty:
            proc.kill()
            proc.wait()
            outcomes.append(Outcome(task.path, task.worker, "hang", f"no result after {timeout_s:.0f} s",
                                    time.monotonic() - started))
            return outcomes, tasks[index + 1:]
        if line is None:  # the child died
            code = proc.wait()
            reason = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
            outcomes.append(Outcome(task.path, task.worker, "crash",
                                    f"{reason}: {' '.join(stderr_tail)[-300:]}", time.monotonic() - started))
            return outcomes, tasks[index + 1:]
        message = json.loads(line)
        if "start" in message:
            started = time.monotonic()
            continue
        outcomes.append(Outcome(**message))
        index += 1
    proc.wait()
    return outcomes, []


def _pump(stream, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        if line.startswith("{"):
            lines.put(line)
    lines.put(None)


def _tail(stream, tail: list[str]) -> None:
    for line in stream:
        tail.append(line.strip())
        del tail[:-5]


# ── the child ───────────────────────────────────────────────────────────────────────────────

def _child(memory_mb: int) -> None:
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for raw in sys.stdin.read().splitlines():
        task = Task(**json.loads(raw))
        print(json.dumps({"start": task.path}), flush=True)
        _reset_peak_rss()
        began = time.monotonic()
        if task.vanish:
            threading.Thread(target=_vanish, args=(Path(task.path),), daemon=True).start()
        status, message = _read(task)
        print(json.dumps(asdict(Outcome(task.path, task.worker, status, message[:500],
                                        round(time.monotonic() - began, 4), _peak_rss_mb()))),
              flush=True)


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


if __name__ == "__main__":
    _child(int(sys.argv[1]))
