"""The CLI as a user runs it: a subprocess with its own app home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_version(app_home: Path) -> None:
    out = _run("--version", home=app_home)
    assert out.returncode == 0 and out.stdout.startswith("gpt-oss-desktop ")


def test_ask_json_reports_answer_prompt_and_stats(tiny_gpt_oss: Path, app_home: Path) -> None:
    out = _run("ask", "What is 2+2?", "--model", str(tiny_gpt_oss), "--effort", "high",
               "--max-tokens", "24", "--json", home=app_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"answer", "reasoning", "effort", "prompt", "stats", "model"} <= data.keys()
    assert data["effort"] == "high"
    assert "Reasoning: high" in data["prompt"]
    assert data["prompt"].endswith("<|start|>user<|message|>What is 2+2?<|end|><|start|>assistant")
    assert data["stats"]["tokens"] == 24 and data["stats"]["tokens_per_s"] > 0
    assert data["stats"]["ttft_ms"] > 0
    assert "<|" not in data["answer"] + data["reasoning"]


def test_effort_changes_the_rendered_prompt(tiny_gpt_oss: Path, app_home: Path) -> None:
    prompts = {}
    for effort in ("low", "medium"):
        out = _run("ask", "hi", "--model", str(tiny_gpt_oss), "--effort", effort, "--max-tokens", "2",
                   "--json", home=app_home)
        prompts[effort] = json.loads(out.stdout)["prompt"]
    assert "Reasoning: low" in prompts["low"] and "Reasoning: medium" in prompts["medium"]


def test_ask_streams_answer_to_stdout(tiny_gpt_oss: Path, app_home: Path) -> None:
    out = _run("ask", "hi", "--model", str(tiny_gpt_oss), "--max-tokens", "30", "--quiet", home=app_home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
    assert "<|" not in out.stdout


@pytest.mark.parametrize(("kind", "expected"), [
    ("not_gguf", "is not a GGUF model file"),
    ("truncated", "is truncated"),
    ("other_arch", "this app chats with gpt-oss"),
])
def test_bad_model_is_one_line_and_exit_1(bad_models: dict[str, Path], app_home: Path, kind: str,
                                          expected: str) -> None:
    out = _run("ask", "hi", "--model", str(bad_models[kind]), home=app_home)
    assert out.returncode == 1
    assert expected in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_no_model_configured_says_what_to_do(app_home: Path) -> None:
    out = _run("ask", "hi", home=app_home)
    assert out.returncode == 1 and "--model" in out.stderr
