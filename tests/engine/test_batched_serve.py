"""`serve --parallel N` as a user starts it: N API clients decode together and each gets the answer
it gets alone; a bad N is one line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import openai

from tests.server.serving import serving

QUESTIONS = ("Hello there.", "What is a clock?", "Name a colour.", "Count to three.")


def _ask(base_url: str, question: str) -> tuple[str, str, int]:
    client = openai.OpenAI(base_url=base_url, api_key="not-needed-on-loopback", max_retries=0, timeout=120)
    stream = client.chat.completions.create(model="tiny-gpt-oss", stream=True, temperature=0, max_tokens=40,
                                            messages=[{"role": "user", "content": question}],
                                            stream_options={"include_usage": True})
    content, reasoning, tokens = [], [], 0
    for chunk in stream:
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
        if chunk.choices:
            delta = chunk.choices[0].delta
            content.append(delta.content or "")
            reasoning.append(getattr(delta, "reasoning_content", None) or "")
    return "".join(content), "".join(reasoning), tokens


def test_four_api_clients_at_once_each_get_their_lone_answer(tiny_gpt_oss: Path, tmp_path: Path) -> None:
    with serving("--model", str(tiny_gpt_oss), "--parallel", "4", home=tmp_path / "home") as served:
        together: dict[str, tuple[str, str, int]] = {}
        errors: list[BaseException] = []

        def ask(question: str) -> None:
            try:
                together[question] = _ask(served.base_url, question)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=ask, args=(q,)) for q in QUESTIONS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not errors
        alone = {q: _ask(served.base_url, q) for q in QUESTIONS}
    assert together == alone
    assert all(tokens == 40 and (content or reasoning) for content, reasoning, tokens in together.values())


def test_a_parallel_count_out_of_range_is_one_line(tiny_gpt_oss: Path, tmp_path: Path) -> None:
    for count in ("0", "65"):
        done = subprocess.run([sys.executable, "-m", "desktop", "serve", "--model", str(tiny_gpt_oss),
                               "--parallel", count, "--port", "0"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "GPT_OSS_DESKTOP_HOME": str(tmp_path / "home")})
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.strip().count("\n") == 0 and "--parallel must be between 1 and 64" in done.stderr
