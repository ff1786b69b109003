"""The window's first frame imports nothing it does not draw: llama.cpp, numpy (gguf, the planner,
embeddings), Milvus, the Markdown renderer and the hub client load after it is on screen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from desktop.context import AppContext

HEAVY = ("llama_cpp", "numpy", "gguf", "pymilvus", "pygments", "markdown_it", "huggingface_hub",
         "desktop.engine.backend", "desktop.core.runtime")

# A fresh interpreter, as at launch: what is imported when the window is first exposed, and
# after the configured model has loaded (the check can see an import when there is one).
_SCRIPT = """
import json, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from desktop.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub
HEAVY = %r
seen = {}
class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Expose and obj.isWindowType() and obj.isExposed() and "exposed" not in seen:
            seen["exposed"] = [m for m in HEAVY if m in sys.modules]
        return False
watch = Watch()
app.installEventFilter(watch)
window = MainWindow(SettingsHub(AppContext.load()))
window.engine.sig_loaded.connect(lambda _m: (seen.__setitem__("loaded", [m for m in HEAVY if m in sys.modules]),
                                             app.quit()))
window.engine.sig_load_failed.connect(lambda message: (seen.__setitem__("loaded", message), app.quit()))
window.show()
app.exec()
window.close()
print(json.dumps(seen))
"""


# Through the launcher itself, with no model: the first-run screen. The single-instance message
# channel (QtNetwork) and the rotating log (logging.handlers) are set up after the first paint.
LAUNCH_DEFERRED = ("PySide6.QtNetwork", "logging.handlers", "filelock", "PySide6.QtSvg")
_LAUNCH_SCRIPT = """
import json, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
WATCHED = %r
seen = {}
def poll():
    if all(m in sys.modules for m in WATCHED[:2]):
        seen["after"] = [m for m in WATCHED if m in sys.modules]
        app.quit()
    else:
        QTimer.singleShot(20, poll)
class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Expose and obj.isWindowType() and obj.isExposed() and "exposed" not in seen:
            seen["exposed"] = [m for m in WATCHED if m in sys.modules]
            QTimer.singleShot(0, poll)
        return False
watch = Watch()
app.installEventFilter(watch)
QTimer.singleShot(60_000, app.quit)
from desktop.ui.launch import launch_window
launch_window()
print(json.dumps(seen))
"""


def test_the_launcher_shows_the_window_before_its_messaging_and_log_rotation_load() -> None:
    watched = (*LAUNCH_DEFERRED, *HEAVY)
    done = subprocess.run([sys.executable, "-c", _LAUNCH_SCRIPT % (watched,)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["exposed"] == []
    # Once the window is on screen, it answers later launches and rotates its log.
    assert {"PySide6.QtNetwork", "logging.handlers"} <= set(seen["after"])
    assert "filelock" not in seen["after"] and "PySide6.QtSvg" not in seen["after"]


def test_the_window_is_exposed_before_the_engine_and_model_code_is_imported(tiny_gpt_oss: Path) -> None:
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss)))
    done = subprocess.run([sys.executable, "-c", _SCRIPT % (HEAVY,)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["exposed"] == []
    # The model then loads as before, and with it the engine's imports.
    assert {"llama_cpp", "numpy", "desktop.engine.backend"} <= set(seen["loaded"])
