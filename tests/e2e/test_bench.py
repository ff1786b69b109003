"""The benchmarks run end to end and report the figures they promise (no speed is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)


def _bench(*args: str, home: Path) -> dict:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-m", "desktop", "bench", *args, "--json"], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_decode_bench_compares_app_and_llama_loop(tiny_gpt_oss: Path, app_home: Path) -> None:
    decode = _bench("decode", "--model", str(tiny_gpt_oss), "--tokens", "40", "--runs", "1", home=app_home)["decode"]
    assert decode["app_tokens_per_s"] > 0 and decode["llama_tokens_per_s"] > 0
    assert decode["ratio"] == round(decode["app_tokens_per_s"] / decode["llama_tokens_per_s"], 4)
    assert decode["app_path"].startswith("Qt LLM thread")


def test_followup_and_prefill_benches(tiny_gpt_oss: Path, app_home: Path) -> None:
    followup = _bench("followup", "--model", str(tiny_gpt_oss), "--turns", "3", "--ctx", "4096",
                      home=app_home)["followup"]
    assert followup["turns"] == 3 and followup["history_tokens_at_last_turn"] > 300
    assert followup["ttft_ms_turn_1"] > 0 and followup["ttft_ms_last_turn_without_reuse"] > 0
    prefill = _bench("prefill", "--model", str(tiny_gpt_oss), "--lengths", "256", "--runs", "1",
                     home=app_home)["prefill"]
    assert abs(prefill["256"]["prompt_tokens"] - 256) <= 16


def test_library_and_indexing_stall_benches(tiny_bert_gguf: Path, app_home: Path) -> None:
    library = _bench("library", "--embedding-model", str(tiny_bert_gguf), "--documents", "12",
                     "--paragraphs", "5", "--queries", "3", home=app_home)["library"]
    assert library["documents"] == 12 and library["chunks"] >= 12
    assert library["index_chunks_per_s"] > 0 and library["raw_embed_chunks_per_s"] > 0
    assert library["reopen_and_load_s"] > 0 and library["first_search_after_reopen_ms"] > 0
    stall = _bench("ui-indexing", "--embedding-model", str(tiny_bert_gguf), "--documents", "12",
                   home=app_home)["ui-indexing"]
    assert stall["chunks"] == library["chunks"]  # the same generated folder, indexed through the pane
    assert 0 < stall["heartbeat_gap_ms_p50"] <= stall["heartbeat_gap_ms_max"]


def test_store_bench_reports_scale_figures(app_home: Path) -> None:
    store = _bench("store", "--chunks", "2500", "--dim", "64", "--queries", "3", home=app_home)["store"]
    assert store["chunks"] == 2500 and store["insert_rows_per_s"] > 0
    assert store["exact_id_found_by_bm25"]  # a reference code in one chunk of 2,500 is found by keyword
    assert store["reopen_and_load_s"] > 0 and store["disk_mb"] > 0
    assert 0 < store["dense_search_ms_p50"] <= store["dense_search_ms_p95"]


def test_decode_bench_shows_progress_and_stops_at_its_time_limit(tiny_gpt_oss: Path, app_home: Path) -> None:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(app_home), "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "desktop", "bench", "decode", "--model", str(tiny_gpt_oss), "--tokens", "24"]
    shown = subprocess.run([*command, "--runs", "2"], capture_output=True, text=True, env=env, timeout=300)
    assert shown.returncode == 0, shown.stderr
    steps = [line for line in shown.stderr.splitlines() if line.startswith("[bench decode")]
    assert any("run 1/2: app" in line for line in steps) and any("run 2/2: llama.cpp loop" in line for line in steps)
    assert any("create_completion" in line for line in steps)
    # A limit far below one run: the bench stops between steps with one line, not a traceback.
    stopped = subprocess.run([*command, "--runs", "50", "--time-limit", "0.5"], capture_output=True, text=True,
                             env=env, timeout=300)
    assert stopped.returncode == 1
    assert "ran past its time limit" in stopped.stderr
    assert "Traceback" not in stopped.stderr and stopped.stdout == ""


def test_the_create_completion_comparison_stops_at_its_cap(tiny_gpt_oss: Path) -> None:
    # Its stream can hold text back for minutes, so the cap is read after every token, not chunk.
    from desktop.bench.decode import PROMPT_TEXT, _create_completion_run
    from desktop.core import harmony
    from desktop.core.runtime import LoadOptions, Sampling

    prompt = harmony.render_prompt((harmony.Turn("user", PROMPT_TEXT),), effort="low")
    speed, generated = _create_completion_run(str(tiny_gpt_oss), LoadOptions(n_ctx=4096), 4096, prompt,
                                              Sampling(max_tokens=3500, seed=1), cap_s=0.2)
    assert speed > 0 and 1 < generated < 3500


def test_store_bench_measures_a_server_uri_beside_the_lite_file(app_home: Path) -> None:
    store = _bench("store", "--server", "--chunks", "1500", "--dim", "64", "--queries", "3", home=app_home)["store"]
    assert store["exact_id_found_by_bm25_via_uri"]  # the rows really went to the server and back
    assert 0 < store["lite_file_hybrid_search_ms_p50"] and 0 < store["uri_hybrid_search_ms_p50"]
    assert store["hybrid_p50_uri_vs_file"] == round(store["uri_hybrid_search_ms_p50"]
                                                    / store["lite_file_hybrid_search_ms_p50"], 2)


def test_ui_bench_clicks_through_chats_in_a_home_of_its_own(tiny_gpt_oss: Path, app_home: Path) -> None:
    ui = _bench("ui", "--model", str(tiny_gpt_oss), "--tokens", "200", home=app_home)["ui"]
    assert ui["tokens"] > 0 and ui["store_calls_on_ui_thread"] == 0
    for click in ("new_chat", "search", "open_chat", "rename", "open_long_chat"):
        assert ui[f"{click}_gap_ms_max"] > 0, click  # each click measured on its own
    assert ui["open_long_chat_shown_ms"] > 0
    from desktop.paths import AppPaths

    database = AppPaths.under(app_home).conversations_db
    if database.exists():  # the user's chats are neither read nor written
        from desktop.core.conversations import ConversationStore

        with ConversationStore(database) as store:
            assert store.list() == []
