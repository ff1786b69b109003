"""The long reliability runs, as tests: minutes each, so marked slow (run with `-m slow`).

Their figures are printed (`-s`) for the README's reliability section.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from desktop.bench.sandbox import Task, run_isolated
from tests.fixtures.chat_models import write_tiny_gpt_oss
from tests.harness.crash_harness import run_crash_harness
from tests.harness.soak import run_long_conversation, run_soak
from tests.reliability.hostile_corpus import MIB, write_hostile_documents
from tests.reliability.hostile_gguf import write_header_mutants

pytestmark = pytest.mark.slow


def test_crash_harness_51_trials(tmp_path: Path) -> None:
    report = run_crash_harness(argparse.Namespace(trials=51, seed=1, download_mb=24, workdir=str(tmp_path)))
    print(json.dumps({k: report[k] for k in ("trials", "failures", "by_scenario", "seconds")}))
    assert report["trials"] == 51
    assert report["failed"] == []
    assert all(row["killed_mid_run"] >= row["trials"] // 2 for row in report["by_scenario"].values())


def test_full_size_hostile_corpus(tmp_path: Path) -> None:
    # Huge single lines near the 32 MB text limit; the default test run uses 4 MB ones.
    files = write_hostile_documents(tmp_path / "hostile", huge=30 * MIB)
    outcomes = run_isolated([Task(str(p), "documents", vanish=c == "vanish") for p, c in files.items()],
                            timeout_s=120, memory_mb=4096)
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(json.dumps({"files": len(files), "slowest_s": slowest.seconds, "slowest": Path(slowest.path).name,
                      "peak_rss_mb": max(o.peak_rss_mb for o in outcomes)}))
    assert [o for o in outcomes if o.status not in ("ok", "error")] == []


def test_300_gguf_header_mutants(tmp_path: Path) -> None:
    valid = write_tiny_gpt_oss(tmp_path / "valid.gguf")
    paths = write_header_mutants(valid, tmp_path / "mutants", count=300, max_flips=6, seed=3)
    checked = run_isolated([Task(str(p), "gguf") for p in paths], timeout_s=60, memory_mb=2048)
    passed = [o.path for o in checked if o.status == "ok"]
    loaded = run_isolated([Task(p, "llama") for p in passed], timeout_s=60, memory_mb=8192)
    print(json.dumps({"mutants": len(paths), "refused_by_check": len(paths) - len(passed),
                      "loaded": sum(o.status == "ok" for o in loaded),
                      "refused_by_llama_cpp": sum(o.status == "error" for o in loaded)}))
    assert [o for o in checked + loaded if o.status not in ("ok", "error")] == []


def test_thousand_turn_conversation() -> None:
    report = run_long_conversation(argparse.Namespace(turns=1000))
    print(json.dumps(report))
    assert report["intact"] and report["search_found"]
    assert report["last_prompt_tokens"] <= report["n_ctx"] - 1024


def test_soak_ten_minutes() -> None:
    report = run_soak(argparse.Namespace(minutes=10))
    print(json.dumps(report))
    assert report["cycles"] >= 50
    # A leak of even 1 KB per cycle would show as ~1 MB per 1,000 cycles; allow noise below 20.
    assert report["rss_mb"]["mb_per_1000_cycles"] < 20
