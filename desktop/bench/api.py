"""The local API against the app's own path: same model, same engine, same run.

The app path is what the window does: a request on the EngineService, its events heard by the
client. The API path is what an editor does: `POST /v1/chat/completions` with `stream: true` over
loopback HTTP to the server running on that same engine, read line by line. Both are timed by
their client, from the request to the first text and to the end; runs alternate (app, API, app,
API...) so drift on a shared machine hits both alike. Same prompt and seed, so the same tokens.

Parallel streams: N API clients at once on an engine that decodes N requests in one llama.cpp
batch (`serve --parallel N`, desktop/core/batch_decode.py); `single_tokens_per_s` is one API
stream alone on the same engine. `bench parallel` measures the same without the HTTP layer.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from desktop.bench.progress import BenchProgress
from desktop.core import harmony
from desktop.core.chat import ChatRequest
from desktop.core.runtime import LoadOptions, Sampling
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.events import DeltaEvent, Failed, Finished
from desktop.engine.service import EngineService, Priority
from desktop.server.runner import ApiServer
from desktop.server.state import ServerConfig, ServerState, model_name
from desktop.server.store import ResponseStore

PROMPT_TEXT = "Write a long, detailed essay about the history of mechanical clocks."


@dataclass
class Timing:
    ttft_s: float  # request to the first text, as the client sees it
    total_s: float  # request to the end
    tokens: int

    @property
    def tokens_per_s(self) -> float:
        """Decode speed: the tokens after the first over the time after the first text."""
        decode = self.total_s - self.ttft_s
        return (self.tokens - 1) / decode if self.tokens > 1 and decode > 0 else 0.0


def _app_run(engine: EngineService, sampling: Sampling) -> Timing:
    started = time.perf_counter()
    handle = engine.submit(ChatRequest((harmony.Turn("user", PROMPT_TEXT),)), sampling, priority=Priority.API)
    first = 0.0
    for event in handle.events(timeout=600):
        if isinstance(event, DeltaEvent) and not first:
            first = time.perf_counter()
        elif isinstance(event, Failed):
            raise RuntimeError(event.message)
    outcome = handle.outcome
    assert isinstance(outcome, Finished)
    return Timing(first - started, time.perf_counter() - started, outcome.stats.tokens)


def _api_run(http: httpx.Client, sampling: Sampling) -> Timing:
    body = {"messages": [{"role": "user", "content": PROMPT_TEXT}], "stream": True,
            "max_tokens": sampling.max_tokens, "seed": sampling.seed, "temperature": sampling.temperature,
            "stream_options": {"include_usage": True}}
    started = time.perf_counter()
    first = 0.0
    tokens = 0
    with http.stream("POST", "/chat/completions", json=body) as response:
        if response.status_code != 200:
            raise RuntimeError(f"the API answered {response.status_code}: {response.read().decode()}")
        for line in response.iter_lines():
            if not line.startswith("data: {"):
                continue
            chunk = json.loads(line[6:])
            if "error" in chunk:
                raise RuntimeError(chunk["error"]["message"])
            if chunk.get("usage"):
                tokens = chunk["usage"]["completion_tokens"]
            delta = chunk["choices"][0]["delta"] if chunk["choices"] else {}
            if not first and (delta.get("content") or delta.get("reasoning_content")):
                first = time.perf_counter()
    return Timing(first - started, time.perf_counter() - started, tokens)


def bench_api(model: str, options: LoadOptions, tokens: int = 256, runs: int = 3, streams: int = 4,
              progress: BenchProgress | None = None) -> dict:
    progress = progress or BenchProgress("api")
    progress.note(f"loading {model}")
    backend = LlamaCppBackend(parallel=streams)  # as `serve --parallel N` runs it
    backend.load(model, lambda: (options, None)).result()
    engine = EngineService(backend)
    sampling = Sampling(max_tokens=tokens, seed=7)
    with tempfile.TemporaryDirectory() as scratch:
        state = ServerState(engine, model_name(model), ResponseStore(Path(scratch)), sampling=sampling)
        server = ApiServer(state, ServerConfig(port=0, max_connections=streams + 4))
        try:
            server.start()
            with httpx.Client(base_url=server.base_url, timeout=600) as http:
                progress.note("warm-up: one request each way (prompt read once, then reused by both)")
                _app_run(engine, sampling)
                _api_run(http, sampling)
                app: list[Timing] = []
                api: list[Timing] = []
                for run in range(runs):
                    app.append(_app_run(engine, sampling))
                    api.append(_api_run(http, sampling))
                    progress.note(f"run {run + 1}/{runs}: app {app[-1].tokens_per_s:.1f} tok/s, "
                                  f"API {api[-1].tokens_per_s:.1f} tok/s ({api[-1].tokens} tokens)")
                single = _api_run(http, sampling)
                progress.note(f"{streams} API streams at once")
                parallel = _parallel(server.base_url, sampling, streams)
        finally:
            engine.close()
            server.stop()
    app_rate = statistics.median(t.tokens_per_s for t in app)
    api_rate = statistics.median(t.tokens_per_s for t in api)
    return {
        "api_tokens_per_s": round(api_rate, 2),
        "app_tokens_per_s": round(app_rate, 2),
        "ratio": round(api_rate / app_rate, 4) if app_rate else 0.0,
        "ttft_overhead_ms": round((statistics.median(t.ttft_s for t in api)
                                   - statistics.median(t.ttft_s for t in app)) * 1000, 2),
        "app_ttft_ms": round(statistics.median(t.ttft_s for t in app) * 1000, 2),
        "api_ttft_ms": round(statistics.median(t.ttft_s for t in api) * 1000, 2),
        "tokens": statistics.median(t.tokens for t in api),
        "runs": runs,
        "parallel": {
            "streams": streams,
            "aggregate_tokens_per_s": round(parallel, 2),
            "single_tokens_per_s": round(single.tokens / single.total_s if single.total_s else 0.0, 2),
            "batched": streams > 1,
        },
    }


def _parallel(base_url: str, sampling: Sampling, streams: int) -> float:
    """Tokens of N concurrent API streams over the time from the first request to the last end."""
    timings: list[Timing] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with httpx.Client(base_url=base_url, timeout=600) as http:
                timings.append(_api_run(http, sampling))
        except BaseException as exc:  # noqa: BLE001 - re-raised below, on the bench's thread
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(streams)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"a parallel stream failed: {errors[0]}")
    return sum(t.tokens for t in timings) / elapsed if elapsed else 0.0
