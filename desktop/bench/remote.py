"""`bench remote`: decode tokens/s of a remote engine through the app vs a plain streaming client.

Both paths send the same request body to the same server, one after the other, alternating, and
count the same way: streamed chunks that carry text (one a token on llama.cpp's servers and vLLM),
or the server's own completion-token count where it reports usage; speed is tokens after the
first over the time from the first to the last. The plain client is httpx reading the SSE lines
and decoding their JSON, nothing more; the app's path is EngineService -> RemoteBackend ->
channel parsing -> batched delta events. The ratio says what the app costs (goal >= 0.97).
On a machine whose cores are busy with other work the server's own speed swings from run to
run; the CPU time this process spends per token on each path (`*_cpu_us_per_token`) shows the
client-side cost apart from that noise.
"""

from __future__ import annotations

import json
import statistics
import time

import httpx

from desktop.bench.progress import BenchProgress
from desktop.core import harmony
from desktop.core.chat import ChatRequest
from desktop.core.errors import UserError
from desktop.core.runtime import Sampling
from desktop.engine.events import Finished
from desktop.engine.remote import RemoteBackend, RemoteConfig
from desktop.engine.service import EngineService

PROMPT = "Write a long story about a lighthouse keeper and the sea."


def bench_remote(config: RemoteConfig, tokens: int, runs: int, progress: BenchProgress) -> dict:
    if tokens < 2 or runs < 1:
        raise UserError("--tokens must be at least 2 and --runs at least 1.")
    backend = RemoteBackend(config)
    model = backend.connect()
    engine = EngineService(backend)
    sampling = Sampling(temperature=0.0, top_k=1, max_tokens=tokens, seed=1)
    request = ChatRequest((harmony.Turn("user", PROMPT),), effort="low")
    body = backend.request_body(request, sampling, [{"role": "user", "content": PROMPT}])
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    app: list[float] = []
    plain: list[float] = []
    cpu = {"app": [0.0, 0], "plain": [0.0, 0]}  # CPU seconds of this process, tokens
    try:
        with httpx.Client(base_url=config.base_url, headers=headers, timeout=config.timeout_s,
                          trust_env=False) as client:
            progress.note(f"warm-up on {config.host} ({model.id})")
            _plain_run(client, body)
            for run in range(runs):
                progress.note(f"run {run + 1}/{runs}: the app")
                started = time.process_time()
                speed, count = _app_run(engine, request, sampling)
                app.append(speed)
                cpu["app"][0] += time.process_time() - started
                cpu["app"][1] += count
                progress.note(f"run {run + 1}/{runs}: a plain client")
                started = time.process_time()
                speed, count = _plain_run(client, body)
                plain.append(speed)
                cpu["plain"][0] += time.process_time() - started
                cpu["plain"][1] += count
    finally:
        engine.close()
    app_tps, plain_tps = statistics.median(app), statistics.median(plain)
    return {
        "engine": config.host, "model": model.id, "tokens": tokens, "runs": runs,
        "app_tokens_per_s": round(app_tps, 2), "plain_client_tokens_per_s": round(plain_tps, 2),
        "ratio": round(app_tps / plain_tps, 3) if plain_tps else 0.0,
        "app_runs": [round(x, 2) for x in app], "plain_runs": [round(x, 2) for x in plain],
        **{f"{path}_cpu_us_per_token": round(1e6 * seconds / max(1, count), 1)
           for path, (seconds, count) in cpu.items()},
    }


def _app_run(engine: EngineService, request: ChatRequest, sampling: Sampling) -> tuple[float, int]:
    outcome = engine.submit(request, sampling).wait()
    if not isinstance(outcome, Finished):
        raise UserError(f"the app's run failed: {getattr(outcome, 'message', outcome)}")
    return outcome.stats.tokens_per_s, outcome.stats.tokens


def _plain_run(client: httpx.Client, body: dict) -> tuple[float, int]:
    chunks, usage_tokens = 0, 0
    first = last = 0.0
    with client.stream("POST", "/chat/completions", json=body) as response:
        if response.status_code != 200:
            response.read()
            raise UserError(f"the plain client's run failed ({response.status_code}): {response.text[:200]}")
        for line in response.iter_lines():
            if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                continue
            chunk = json.loads(line[5:])
            if chunk.get("usage"):
                usage_tokens = int(chunk["usage"].get("completion_tokens") or 0)
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content") or delta.get("reasoning_content") or delta.get("reasoning"):
                    last = time.perf_counter()
                    first = first or last
                    chunks += 1
    count = usage_tokens or chunks
    return ((count - 1) / (last - first) if count > 1 and last > first else 0.0), count
