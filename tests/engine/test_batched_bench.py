"""`bench parallel` end to end, where Qt cannot be imported (a headless GPU box): the figures it
promises, its progress lines, its time limit, its bad input (no speed is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# The bench as a headless box runs it: any import of PySide6 fails, as where it is not installed.
_WITHOUT_QT = ("import sys; sys.modules['PySide6'] = None; sys.argv[0] = 'gpt-oss-desktop'; "
               "from desktop.app import main; raise SystemExit(main())")


def _bench(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", _WITHOUT_QT, "bench", "parallel", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_the_parallel_bench_reports_its_figures_without_qt(tiny_gpt_oss: Path, app_home: Path) -> None:
    done = _bench("--model", str(tiny_gpt_oss), "--streams", "4", "--tokens", "12", "--runs", "2", "--ctx", "512",
                  "--json", home=app_home)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)["parallel"]
    assert figures["streams"] == 4
    for key in ("aggregate_tokens_per_s", "single_tokens_per_s", "lone_stream_tokens_per_s_batched_engine",
                "lone_stream_tokens_per_s_classic"):
        assert figures[key] > 0, key
    assert figures["ratio"] == pytest.approx(figures["aggregate_tokens_per_s"] / figures["single_tokens_per_s"],
                                             rel=1e-3)
    assert figures["lone_ratio"] == pytest.approx(figures["lone_stream_tokens_per_s_batched_engine"]
                                                  / figures["lone_stream_tokens_per_s_classic"], rel=1e-3)
    assert set(figures["aggregate_by_streams"]) == {"1", "2", "4"}
    assert figures["most_sequences_in_one_decode"] == 4
    steps = [line for line in done.stderr.splitlines() if line.startswith("[bench parallel")]
    assert any("run 2/2: aggregate" in line for line in steps)


def test_the_parallel_bench_stops_at_its_time_limit_and_refuses_bad_counts(tiny_gpt_oss: Path,
                                                                            app_home: Path) -> None:
    stopped = _bench("--model", str(tiny_gpt_oss), "--tokens", "400", "--runs", "50", "--ctx", "1024",
                     "--time-limit", "1", home=app_home)
    assert stopped.returncode == 1 and stopped.stdout == ""
    assert "ran past its time limit" in stopped.stderr and "Traceback" not in stopped.stderr
    for bad in (("--streams", "1"), ("--streams", "65"), ("--tokens", "1")):
        refused = _bench("--model", str(tiny_gpt_oss), *bad, home=app_home)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert "--streams between 2 and 64" in refused.stderr
