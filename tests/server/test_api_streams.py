"""Streams and the engine behind them: a client that leaves frees the engine, the next request
runs; the cap on open requests; Ctrl+C stops `serve` cleanly. The server runs in this process
(real uvicorn on 127.0.0.1, real llama.cpp) so the test can see the engine's requests."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktop.core.runtime import LoadOptions, Sampling
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.events import Cancelled, Finished
from desktop.engine.service import EngineService, RequestHandle
from desktop.server.runner import ApiServer
from desktop.server.state import ServerConfig, ServerState, model_name
from desktop.server.store import ResponseStore
from tests.fixtures.scripted_chat_model import PLAIN, scripted_gpt_oss  # noqa: F401  (session fixture)
from tests.server.serving import serving

LONG = 20_000  # tokens the random tiny model would write if nothing stopped it (it never ends a turn)


class _WatchedEngine(EngineService):
    """The real engine; the test keeps the handles of what the server submits."""

    def __init__(self, backend: LlamaCppBackend) -> None:
        super().__init__(backend)
        self.handles: list[RequestHandle] = []

    def submit(self, *args, **kwargs) -> RequestHandle:  # type: ignore[override]
        handle = super().submit(*args, **kwargs)
        self.handles.append(handle)
        return handle


@pytest.fixture
def engine(tiny_gpt_oss: Path) -> Iterator[_WatchedEngine]:
    backend = LlamaCppBackend()
    backend.load(tiny_gpt_oss, lambda: (LoadOptions(n_ctx=32768), None)).result()
    engine = _WatchedEngine(backend)
    yield engine
    engine.close()


def _server(engine: EngineService, tmp_path: Path, **config) -> ApiServer:
    model = model_name(engine.backend.model.path)  # type: ignore[attr-defined]
    state = ServerState(engine, model, ResponseStore(tmp_path / "responses"), sampling=Sampling(seed=1))
    server = ApiServer(state, ServerConfig(port=0, **config))
    server.start()
    return server


def _body(max_tokens: int) -> dict:
    return {"messages": [{"role": "user", "content": "Write forever"}], "max_tokens": max_tokens, "stream": True}


def test_a_client_that_leaves_mid_stream_frees_the_engine_and_the_next_request_runs(
        engine: _WatchedEngine, tmp_path: Path) -> None:
    server = _server(engine, tmp_path)
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as http:
            with http.stream("POST", "/chat/completions", json=_body(LONG)) as response:
                assert response.status_code == 200
                lines = response.iter_lines()
                while '"delta": {"role"' in (line := next(lines)) or not line.startswith("data: {"):
                    pass  # up to the first generated text
            # The connection is closed: the engine ends that request within one token.
            left = engine.handles[0].wait(timeout=120)
            assert isinstance(left, Cancelled) and left.result is not None
            assert 0 < left.result.stats.tokens < LONG
            after = http.post("/chat/completions", json={**_body(7), "stream": False})
        assert after.status_code == 200 and after.json()["usage"]["completion_tokens"] == 7
        assert isinstance(engine.handles[1].outcome, Finished)
    finally:
        server.stop()


def test_past_the_connection_cap_requests_get_503_and_the_open_ones_finish(
        engine: _WatchedEngine, tmp_path: Path) -> None:
    server = _server(engine, tmp_path, max_connections=2)
    streaming, release = threading.Event(), threading.Event()
    queued: list[httpx.Response] = []

    def long_stream() -> None:
        with httpx.Client(base_url=server.base_url, timeout=120) as http, \
                http.stream("POST", "/chat/completions", json=_body(LONG)) as response:
            lines = response.iter_lines()  # kept: dropping the iterator would close the connection
            next(lines)
            streaming.set()
            release.wait(timeout=120)  # then the client leaves

    def waiting_request() -> None:
        queued.append(httpx.post(server.base_url + "/chat/completions", json={**_body(30), "stream": False},
                                 timeout=120))

    first, second = threading.Thread(target=long_stream), threading.Thread(target=waiting_request)
    try:
        first.start()
        assert streaming.wait(timeout=120)
        second.start()
        while len(engine.handles) < 2:  # the second request is open, queued behind the stream
            assert second.is_alive()
            threading.Event().wait(0.01)
        busy = httpx.get(server.base_url + "/models", timeout=120)
        assert busy.status_code == 503 and busy.json()["error"]["code"] == "server_busy"
        release.set()
        first.join(timeout=120)
        second.join(timeout=120)
        assert [r.json()["usage"]["completion_tokens"] for r in queued] == [30]
        assert httpx.get(server.base_url + "/models", timeout=120).status_code == 200
    finally:
        release.set()
        server.stop()


def test_streamed_usage_counts_what_was_generated(engine: _WatchedEngine, tmp_path: Path) -> None:
    server = _server(engine, tmp_path)
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as http, http.stream(
                "POST", "/chat/completions", json={**_body(25), "stream_options": {"include_usage": True}}) as response:
            chunks = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: {")]
        finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
        assert finish == ["length"] and chunks[-1]["usage"]["completion_tokens"] == 25
    finally:
        server.stop()


def test_ctrl_c_stops_serve_cleanly_while_a_stream_runs(scripted_gpt_oss: Path, tmp_path: Path) -> None:
    with serving("--model", str(scripted_gpt_oss), home=tmp_path / "home", stop_with=signal.SIGINT) as served, \
            httpx.Client(base_url=served.base_url, timeout=120) as http:
        reply = http.post("/chat/completions", json={"messages": [{"role": "user", "content": "Hello"}]})
        assert reply.json()["choices"][0]["message"]["content"] == PLAIN.answer
    # serving() asserts exit code 0 and nothing more on stdout after the ready line


def test_a_conversation_longer_than_the_context_is_400_and_the_next_one_runs(
        engine: _WatchedEngine, tmp_path: Path) -> None:
    server = _server(engine, tmp_path)
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as http:
            too_long = http.post("/chat/completions", json={
                "messages": [{"role": "user", "content": "the world " * 20_000}], "max_completion_tokens": 5})
            assert too_long.status_code == 400
            assert too_long.json()["error"]["code"] == "context_length_exceeded"
            fine = http.post("/chat/completions", json={"messages": [{"role": "user", "content": "hi"}],
                                                        "max_completion_tokens": 5})
        assert fine.status_code == 200 and fine.json()["usage"]["completion_tokens"] == 5
        assert fine.json()["choices"][0]["finish_reason"] == "length"
    finally:
        server.stop()


def test_a_client_that_gives_up_on_a_whole_answer_frees_the_engine_too(
        engine: _WatchedEngine, tmp_path: Path) -> None:
    server = _server(engine, tmp_path)
    try:
        with pytest.raises(httpx.ReadTimeout):  # the client stops waiting and closes the connection
            httpx.post(server.base_url + "/chat/completions", json={**_body(LONG), "stream": False}, timeout=1.0)
        left = engine.handles[0].wait(timeout=120)
        assert isinstance(left, Cancelled) and left.result is not None and left.result.stats.tokens < LONG
        after = httpx.post(server.base_url + "/chat/completions", json={**_body(4), "stream": False}, timeout=120)
        assert after.status_code == 200 and after.json()["usage"]["completion_tokens"] == 4
    finally:
        server.stop()


def test_browsers_are_refused_unless_their_origin_is_listed(engine: _WatchedEngine, tmp_path: Path) -> None:
    preflight = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}
    closed = _server(engine, tmp_path)
    try:
        answer = httpx.options(closed.base_url + "/chat/completions", headers=preflight, timeout=120)
        assert "access-control-allow-origin" not in answer.headers
        plain = httpx.get(closed.base_url + "/models", headers={"Origin": "http://localhost:3000"}, timeout=120)
        assert "access-control-allow-origin" not in plain.headers
    finally:
        closed.stop()
    listed = _server(engine, tmp_path, cors_origins=("http://localhost:3000",), api_key="k")
    try:
        answer = httpx.options(listed.base_url + "/chat/completions", headers=preflight, timeout=120)
        assert answer.status_code == 200  # the preflight carries no key, and needs none
        assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
        other = httpx.options(listed.base_url + "/chat/completions", timeout=120,
                              headers={**preflight, "Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    finally:
        listed.stop()
