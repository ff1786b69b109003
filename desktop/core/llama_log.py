"""llama.cpp's own log lines go to Python logging (debug level), not to the terminal.

Without this, every load prints lines such as "llama_kv_cache_iswa: using full-size SWA cache"
on stderr, in the middle of what `ask` and the benches mean to print. llama-cpp-python only hides
them by redirecting the whole process's stdout/stderr during a load, which also swallows whatever
another thread prints at that moment. One callback, set once through llama.cpp's public
`llama_log_set`, replaces both: the lines are kept (`--debug` shows them) and nothing else is
touched. The first error line of each thread is remembered so a failed load can say why (the
first is the cause: "bad GGUF version", "failed to allocate buffer"; later ones only repeat it).
"""

from __future__ import annotations

import ctypes
import logging
import threading
from types import ModuleType

log = logging.getLogger("desktop.llama_cpp")

_LEVEL_ERROR = 4  # enum ggml_log_level: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5
_lock = threading.Lock()
_callback = None  # the C function pointer must live as long as llama.cpp may call it: forever
_per_thread = threading.local()  # a line still in pieces ("." progress dots) and the first error


def _on_log(level: int, text: bytes | None, _user_data: object) -> None:
    state = _per_thread
    piece = (text or b"").decode("utf-8", errors="replace")
    pending = getattr(state, "pending", "") + piece
    if not pending.endswith("\n"):
        state.pending = pending  # llama.cpp ends most lines itself; progress dots come alone
        return
    state.pending = ""
    for line in pending.splitlines():
        if not line.strip():
            continue
        if level == _LEVEL_ERROR and not getattr(state, "first_error", ""):
            state.first_error = _without_function_name(line.strip())
        log.debug("%s", line)


def route_to_logging(llama_cpp: ModuleType) -> None:
    """Install the callback (once per process; later calls do nothing)."""
    global _callback
    with _lock:
        if _callback is not None:
            return
        _callback = llama_cpp.llama_log_callback(_on_log)
        llama_cpp.llama_log_set(_callback, ctypes.c_void_p(0))


def _without_function_name(line: str) -> str:
    # "gguf_init_from_reader: bad GGUF version: 0" -> "bad GGUF version: 0"
    head, sep, rest = line.partition(": ")
    return rest if sep and head.isidentifier() and rest else line


def take_first_error() -> str:
    """The first error line llama.cpp logged on this thread since the last call, or ""."""
    line = getattr(_per_thread, "first_error", "")
    _per_thread.first_error = ""
    return line
