"""The double-click app: its resources, its last-resort error dialog, and the Linux bundle itself.

The bundle test is slow (a PyInstaller build takes minutes): deselected by default, run it with
`uv run pytest -m slow tests/e2e/test_bundle.py`. GPT_OSS_DESKTOP_BUNDLE=dist/gpt-oss-desktop
reuses a bundle built before instead of building one.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from desktop import resources
from tests.fixtures.corpus import TOPICS, write_corpus
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_BUDGET_MIB = 600  # 474 MiB measured: llama.cpp, Qt, Milvus Lite (pyarrow, faiss), PDFium


def _entry() -> ModuleType:
    spec = importlib.util.spec_from_file_location("frozen_entry", ROOT / "installers" / "entry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_resources_are_found_from_a_checkout_and_when_frozen(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = [int(path.stem.split("-")[1]) for path in resources.icon_paths()]
    assert sizes == sorted(sizes) and {16, 32, 48, 256, 512} <= set(sizes)
    assert resources.resource_path("gpt-oss-desktop.desktop").is_file()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)  # what PyInstaller sets
    assert resources.resource_path("icons", "app.ico") == tmp_path / "resources" / "icons" / "app.ico"


def test_icon_containers_hold_png_images() -> None:
    icons = ROOT / "resources" / "icons"
    ico = (icons / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind) == (0, 1) and count >= 5
    for index in range(count):
        *_, length, offset = struct.unpack_from("<BBBBHHII", ico, 6 + 16 * index)
        assert ico[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(ico)
    icns = (icons / "app.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)
    assert {b"ic07", b"ic08", b"ic09", b"ic10"} <= set(re.findall(rb"ic\d\d", icns))
    desktop_entry = (ROOT / "resources" / "gpt-oss-desktop.desktop").read_text()
    assert "Exec=gpt-oss-desktop" in desktop_entry and "Icon=gpt-oss-desktop" in desktop_entry


def test_a_failure_before_the_window_becomes_a_dialog_and_a_log(app_home: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    import desktop.app

    def broken(argv: object = None) -> int:
        raise ImportError("libllama.so: cannot open shared object file")

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(desktop.app, "main", broken)
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda parent, title, text: shown.append((title, text))))
    monkeypatch.setattr(sys, "argv", ["gpt-oss-desktop"])
    assert _entry().main() == 1
    [(title, text)] = shown
    assert title == "gpt-oss-desktop could not start" and "libllama.so: cannot open" in text
    assert "libllama.so" in (app_home / "logs" / "startup-error.log").read_text()


def test_a_failing_command_prints_instead_of_opening_a_dialog(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    import desktop.app

    def broken(argv: object = None) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(desktop.app, "main", broken)
    monkeypatch.setattr(sys, "argv", ["gpt-oss-desktop", "chats", "list"])
    assert _entry().main() == 1
    assert "RuntimeError: disk on fire" in capsys.readouterr().err


def _frozen(app: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(app), *args], capture_output=True, text=True, env=env, timeout=180)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_linux_bundle_starts_chats_and_indexes(tiny_gpt_oss: Path, tiny_bert_gguf: Path, tmp_path: Path) -> None:
    bundle = Path(os.environ.get("GPT_OSS_DESKTOP_BUNDLE", ROOT / "dist" / "gpt-oss-desktop"))
    if "GPT_OSS_DESKTOP_BUNDLE" not in os.environ:
        subprocess.run(["bash", "installers/linux/build.sh"], cwd=ROOT, check=True, timeout=1700)
    smoke = subprocess.run(["bash", "installers/linux/smoke.sh", str(bundle)], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "app still running: OK" in smoke.stdout
    size_mib = int(re.search(r"bundle size: (\d+) MiB", smoke.stdout).group(1))
    assert size_mib < BUNDLE_BUDGET_MIB

    # The window opens before llama.cpp or Milvus Lite load: prove the bundle carries them too.
    app = bundle / "gpt-oss-desktop"
    answer = _frozen(app, "ask", "hi", "--model", str(tiny_gpt_oss), "--max-tokens", "4", "--json",
                     home=tmp_path / "home")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["stats"]["tokens"] == 4

    docs = tmp_path / "docs"  # Markdown, text, PDF (PDFium) and DOCX (python-docx)
    write_corpus(docs, {name: TOPICS[name] for name in ("heat-pump", "router", "sourdough", "tax")})
    embedder = ["--embedding-model", str(tiny_bert_gguf)]
    added = _frozen(app, "library", "add", str(docs), *embedder, home=tmp_path / "home")
    assert added.returncode == 0 and "4 indexed" in added.stderr, added.stderr
    found = _frozen(app, "library", "search", "defrost cycle", *embedder, home=tmp_path / "home")
    assert found.returncode == 0 and "heat-pump.md" in found.stdout, found.stderr
