"""The CLI flows in a network namespace: they pass and reach nothing but loopback.

The full proof (the window too, and an explicit download that must say it is offline) is
`python -m tests.harness.offline_proof`; this is its quick mode. It needs Linux network and mount
namespaces (unshare(1)): as root, or as a normal user through a user namespace; where the kernel
allows neither, it fails with one line saying why.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.harness.offline_proof import run_offline_proof


def test_cli_flows_make_no_network_attempt(tmp_path: Path, tiny_gpt_oss: Path, tiny_bert_gguf: Path) -> None:
    args = argparse.Namespace(workdir=str(tmp_path / "proof"), chat_model=str(tiny_gpt_oss),
                              embedding_model=str(tiny_bert_gguf), no_route=False, quick=True)
    report = run_offline_proof(args)
    failed = [(f["flow"], f["rc"], f["stderr_tail"]) for f in report["flows"] if f["rc"] != 0 and f["flow"] != "canary"]
    assert failed == []
    assert report["flows_total"] >= 5
    assert report["canary_detected"]  # the recorders do see an attempt when there is one
    assert report["non_loopback_attempts"] == 0, report["attempt_samples"]
    assert report["files_outside_data_folder"] == []
    assert report["logs_with_content"] == []
