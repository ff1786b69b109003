"""The capped worker child on real processes: reuse, failures that cost one job, no orphans."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import psutil
import pytest

from desktop.core.isolation import ChildFailure, IsolatedWorker, JobRaised

JOBS = "tests.core.isolation_jobs"


def test_one_child_serves_many_jobs() -> None:
    with IsolatedWorker(memory_mb=2048, timeout_s=60) as worker:
        pids = {worker.run(f"{JOBS}:child_pid") for _ in range(40)}
        assert worker.run(f"{JOBS}:echo", {"text": "naïve \ud800 ok", "pages": [1, 2]}) == {
            "text": "naïve \ud800 ok", "pages": [1, 2]}  # a lone surrogate survives the trip
        assert worker.children_started == 1 and len(pids) == 1
        assert psutil.Process(pids.pop()).ppid() == psutil.Process().pid


def test_a_job_that_raises_leaves_the_child_serving() -> None:
    with IsolatedWorker(memory_mb=2048, timeout_s=60) as worker:
        first = worker.run(f"{JOBS}:child_pid")
        with pytest.raises(JobRaised, match="ValueError: not this one"):
            worker.run(f"{JOBS}:refuse", "not this one")
        assert worker.run(f"{JOBS}:child_pid") == first and worker.children_started == 1


def test_a_reply_over_the_limit_ends_that_child_and_the_next_job_gets_a_new_one() -> None:
    with IsolatedWorker(memory_mb=2048, timeout_s=60, max_reply_bytes=1 << 20) as worker:
        with pytest.raises(ChildFailure) as failure:
            worker.run(f"{JOBS}:text_of", 2 << 20)
        assert failure.value.kind == "oversize"
        assert worker.run(f"{JOBS}:text_of", 1000) == "x" * 1000
        assert worker.children_started == 2


def test_a_job_over_its_time_is_ended() -> None:
    with IsolatedWorker(memory_mb=2048, timeout_s=1) as worker:
        with pytest.raises(ChildFailure) as failure:
            worker.run(f"{JOBS}:sleep", 600)
        assert failure.value.kind == "timeout"
        assert worker.run(f"{JOBS}:echo", 1) == 1 and worker.children_started == 2


@pytest.mark.parametrize("busy", [False, True])
def test_the_child_does_not_outlive_an_app_that_was_killed(busy: bool) -> None:
    # The app dies without closing anything: idle, the child sees its connection close; busy on
    # a hanging file, it ends itself at the job's time limit (plus a grace).
    app = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, sys, threading
        from desktop.core.isolation import IsolatedWorker
        worker = IsolatedWorker(memory_mb=2048, timeout_s=2)
        print(worker.run("{JOBS}:child_pid"), flush=True)
        if {busy}:
            threading.Thread(target=worker.run, args=("{JOBS}:sleep", 600), daemon=True).start()
            threading.Event().wait(0.5)
        os._exit(0)
    """)], stdout=subprocess.PIPE, text=True)
    child = psutil.Process(int(app.stdout.readline()))
    assert app.wait(timeout=60) == 0
    gone, alive = psutil.wait_procs([child], timeout=60)
    assert alive == [], "the worker child outlived the app"


def test_where_the_os_cannot_cap_a_child_its_memory_is_watched() -> None:
    # macOS and Windows: no RLIMIT_AS, so the app looks at the child's memory and ends it over
    # the cap. The same watch, on a real process holding 300 MB.
    from desktop.core.isolation.worker import MemoryWatch

    holder = subprocess.Popen([sys.executable, "-c", "x = bytearray(300 << 20); x[::4096] = b'1' * len(x[::4096]); "
                               "print(1, flush=True); input()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"1"
        assert MemoryWatch(holder.pid, 200, enforce=True).over()
        assert not MemoryWatch(holder.pid, 4096, enforce=True).over()
        linux = MemoryWatch(holder.pid, 200, enforce=False)  # Linux: the rlimit does the refusing
        assert not linux.over() and linux.near_cap()
    finally:
        holder.kill()
        holder.wait()
