"""`bench api` runs end to end and reports the figures the issue asks for (no speed is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_api_bench_reports_both_paths_and_parallel_streams(tiny_gpt_oss: Path, app_home: Path) -> None:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(app_home)}
    out = subprocess.run([sys.executable, "-m", "desktop", "bench", "api", "--model", str(tiny_gpt_oss),
                          "--tokens", "30", "--runs", "1", "--json"], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    api = json.loads(out.stdout.strip().splitlines()[-1])["api"]
    assert api["api_tokens_per_s"] > 0 and api["app_tokens_per_s"] > 0
    assert api["ratio"] == round(api["api_tokens_per_s"] / api["app_tokens_per_s"], 4)
    assert api["tokens"] == 30  # the random tiny model never ends a turn: every answer runs to the limit
    assert isinstance(api["ttft_overhead_ms"], float)
    parallel = api["parallel"]
    assert parallel["streams"] == 4 and parallel["aggregate_tokens_per_s"] > 0 and parallel["single_tokens_per_s"] > 0
    assert "[bench api" in out.stderr  # progress on stderr, the figures alone on stdout


def test_api_bench_refuses_nonsense_counts(tiny_gpt_oss: Path, app_home: Path) -> None:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(app_home)}
    out = subprocess.run([sys.executable, "-m", "desktop", "bench", "api", "--model", str(tiny_gpt_oss),
                          "--streams", "0"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1 and out.stderr.strip().splitlines()[-1].startswith("error: ")
