"""The double-click app for Linux: build the bundle, start it offscreen, see its window.

Slow (a PyInstaller build takes minutes): deselected by default, run with `uv run pytest -m slow`.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_linux_bundle_starts_and_shows_its_window() -> None:
    if not (ROOT / "dist" / "gpt-oss-desktop" / "gpt-oss-desktop").exists():
        subprocess.run(["bash", "installers/linux/build.sh"], cwd=ROOT, check=True, timeout=1800)
    out = subprocess.run(["bash", "installers/linux/smoke.sh"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "app still running: OK" in out.stdout
    size_mib = int(re.search(r"bundle size: (\d+) MiB", out.stdout).group(1))
    assert size_mib < 1500  # llama.cpp, Qt, Milvus Lite and PDFium, without the unused Qt modules
