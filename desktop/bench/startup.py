"""Cold start of the window: process start to the event loop running with the window shown."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

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
