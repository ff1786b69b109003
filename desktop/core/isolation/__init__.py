"""Run code on untrusted input in a long-lived child process with a memory and a time cap.

A parser bug can hang, eat all memory or kill its process (a C library's abort or segfault).
Run in the app's process, that takes the window with it; run here, it costs one file:

    worker = IsolatedWorker(memory_mb=3072, timeout_s=60)
    result = worker.run("package.module:function", "/path/to/file")   # JSON in, JSON out
    # ChildFailure(kind="crash" | "memory" | "timeout" | "oversize" | "start"): the child is
    # gone (killed if need be) and the next run() starts a fresh one.
    # JobRaised(type_name, message): the function raised; the child lives on.
    worker.children_started; worker.close()

The child is the app itself with a hidden argument (`ARGUMENT`), so the frozen bundle works
too: there `sys.executable` is the app and `python -m` does not exist.
"""

from desktop.core.isolation.child import ARGUMENT
from desktop.core.isolation.worker import ChildFailure, IsolatedWorker, JobRaised

__all__ = ["ARGUMENT", "ChildFailure", "IsolatedWorker", "JobRaised"]
