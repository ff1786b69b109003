"""desktop/server runs headless (`serve` on a machine without a display): it must import without Qt."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import desktop.server


def test_no_server_module_imports_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(desktop.server.__path__, "desktop.server.")]
    assert {"desktop.server.app", "desktop.server.runner", "desktop.server.chat"} <= set(modules)
    script = (
        "import importlib, sys\n"
        f"for name in {[*modules, 'desktop.commands.serve']!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
