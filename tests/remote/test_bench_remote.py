"""`bench remote` against llama-cpp-python's own server with the tiny model: both paths measured."""

from __future__ import annotations

import json
from pathlib import Path

from tests.remote.servers import LlamaCppServer, cli


def test_bench_remote_measures_the_app_and_a_plain_client_on_one_server(tiny_gpt_oss: Path, tmp_path: Path,
                                                                         app_home: Path) -> None:
    server = LlamaCppServer(tiny_gpt_oss, tmp_path, alias="tiny")
    try:
        out = cli("bench", "remote", "--engine-url", server.url, "--engine-model", "tiny", "--tokens", "32",
                  "--runs", "2", "--json", "--time-limit", "300", home=app_home)
    finally:
        server.kill()
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)["remote"]
    assert figures["model"] == "tiny" and len(figures["app_runs"]) == len(figures["plain_runs"]) == 2
    assert figures["app_tokens_per_s"] > 0 and figures["plain_client_tokens_per_s"] > 0
    assert figures["ratio"] == round(figures["app_tokens_per_s"] / figures["plain_client_tokens_per_s"], 3)
    assert "[bench remote" in out.stderr  # progress on stderr


def test_bench_remote_against_nothing_is_one_line(app_home: Path) -> None:
    out = cli("bench", "remote", "--engine-url", "http://127.0.0.1:9/v1", "--engine-model", "tiny", home=app_home)
    assert out.returncode == 1 and out.stderr.strip().startswith("error: Cannot reach the engine at 127.0.0.1:9")
