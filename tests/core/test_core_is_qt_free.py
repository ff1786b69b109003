"""desktop/core is the domain: it must import without Qt (the CLI and services depend on it)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import desktop.core


def test_no_core_module_imports_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(desktop.core.__path__, "desktop.core.")]
    assert "desktop.core.runtime" in modules and "desktop.core.harmony" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6'))\n"
        "print(qt)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
