"""Cold start of the window: process start to the event loop running with the window shown.

`display=True` measures on a real X display (Xvfb will do) from launch to the first expose event
of the app's window, taken through the app's own launcher, side by side with a bare PySide6
window: runs alternate, medians reported. The time comes from the child's expose event (an event
filter on the application), not from polling the display. Each run starts from an empty app home (a
first run) or from a fresh copy of a given one (e.g. a returning user's: a model set, saved chats).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from desktop.bench.progress import BenchProgress
from desktop.core.errors import UserError

# Runs in a fresh interpreter: imports, QApplication, the window, then quits from the event loop
# (so "interactive" means the first event-loop turn after show()).
_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from desktop.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub
window = MainWindow(SettingsHub(AppContext.load()))
window.show()
QTimer.singleShot(0, app.quit)
app.exec()
window.engine.shutdown()
"""


# The expose watch: prints the monotonic clock (one clock for every process on Linux) and the
# main thread's CPU time so far, and exits.
_EXPOSE_WATCH = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
class _Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Expose and obj.isWindowType() and obj.isExposed():
            sys.stdout.write(repr(time.monotonic()) + " " + repr(time.thread_time()) + "\\n")
            sys.stdout.flush()
            os._exit(0)
        return False
_watch = _Watch()
app.installEventFilter(_watch)
"""
_APP_WINDOW = _EXPOSE_WATCH + """
from desktop.ui.launch import launch_window
launch_window()
"""
_BARE_WINDOW = _EXPOSE_WATCH + """
from PySide6.QtWidgets import QMainWindow
window = QMainWindow()
window.resize(1100, 720)
window.show()
app.exec()
"""


def _time_to_expose(script: str, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from launch to the first expose, and the main thread's CPU seconds by then."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not done.stdout.strip():
        raise UserError(f"the window did not show: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
    exposed, cpu = (float(field) for field in done.stdout.split()[-2:])
    return exposed - started, cpu


def bench_startup_display(runs: int, progress: BenchProgress, home: Path | None = None) -> dict[str, float]:
    if not os.environ.get("DISPLAY"):
        raise UserError("bench startup --display needs an X display, e.g. `Xvfb :99 &` then DISPLAY=:99.")
    if home is not None and not home.is_dir():
        raise UserError(f"--home {home} is not a folder.")
    app_s, bare_s, app_cpu, bare_cpu = [], [], [], []
    for run in range(1, runs + 1):
        with tempfile.TemporaryDirectory() as scratch:
            # A copy per run: the window writes to its home (log, window state, caches).
            home_copy = shutil.copytree(home, Path(scratch) / "home") if home is not None else Path(scratch)
            env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home_copy), "QT_QPA_PLATFORM": "xcb"}
            for script, walls, cpus in ((_BARE_WINDOW, bare_s, bare_cpu), (_APP_WINDOW, app_s, app_cpu)):
                wall, cpu = _time_to_expose(script, env)
                walls.append(wall)
                cpus.append(cpu)
        progress.note(f"run {run}/{runs}: app window {app_s[-1]:.3f} s, bare PySide6 window {bare_s[-1]:.3f} s")
    app, bare = statistics.median(app_s), statistics.median(bare_s)
    # On a shared, busy machine the medians drift with the load. The fastest run of each is the
    # least disturbed one, and the main thread's CPU time to the first expose hardly depends on
    # the load at all: both ratios are given too, with every run's figures.
    return {"app_expose_s_median": round(app, 3), "bare_expose_s_median": round(bare, 3),
            "ratio": round(app / bare, 2), "ratio_of_fastest": round(min(app_s) / min(bare_s), 2),
            "cpu_ratio": round(statistics.median(app_cpu) / statistics.median(bare_cpu), 2),
            "app_cpu_s_median": round(statistics.median(app_cpu), 3),
            "bare_cpu_s_median": round(statistics.median(bare_cpu), 3),
            "app_expose_s": [round(s, 3) for s in app_s], "bare_expose_s": [round(s, 3) for s in bare_s],
            "runs": runs, "bytecode_cached": not os.environ.get("PYTHONDONTWRITEBYTECODE"),
            "home": str(home) if home is not None else "empty (first run)"}


def bench_startup(runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "GPT_OSS_DESKTOP_HOME": home}
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", _SCRIPT], env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    return {"cold_start_s_median": statistics.median(times), "cold_start_s_min": min(times), "runs": runs}
