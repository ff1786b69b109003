"""desktop/engine serves the CLI and the API server too: it must import without Qt."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import desktop.engine


def test_no_engine_module_imports_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(desktop.engine.__path__, "desktop.engine.")]
    assert {"desktop.engine.service", "desktop.engine.turn", "desktop.engine.backend"} <= set(modules)
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
