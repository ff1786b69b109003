"""Shared fixtures: generated tiny models, an isolated app home, Qt offscreen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before any Qt import: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.fixtures.chat_models import (  # noqa: E402
    write_not_gguf,
    write_other_arch_gguf,
    write_tiny_gpt_oss,
    write_truncated_gguf,
)
from tests.fixtures.fake_hub import fake_hub, offline_hub_endpoint  # noqa: E402,F401


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def tiny_gpt_oss(model_dir: Path) -> Path:
    """A ~250 KB random-weight gpt-oss GGUF that llama.cpp loads in ~0.1 s."""
    return write_tiny_gpt_oss(model_dir / "tiny-gpt-oss.gguf", n_ctx_train=32768)


@pytest.fixture(scope="session")
def bad_models(model_dir: Path, tiny_gpt_oss: Path) -> dict[str, Path]:
    return {
        "not_gguf": write_not_gguf(model_dir / "notes.gguf"),
        "truncated": write_truncated_gguf(model_dir / "half-downloaded.gguf", tiny_gpt_oss),
        "truncated_header": write_truncated_gguf(model_dir / "cut-header.gguf", tiny_gpt_oss, cut="header"),
        "other_arch": write_other_arch_gguf(model_dir / "tiny-llama.gguf"),
    }


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own GPT_OSS_DESKTOP_HOME: nothing touches the real user folders."""
    home = tmp_path / "home"
    monkeypatch.setenv("GPT_OSS_DESKTOP_HOME", str(home))
    return home
