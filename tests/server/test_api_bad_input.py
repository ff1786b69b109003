"""Bad requests over raw HTTP get OpenAI-shaped errors with the right status, and the server
goes on serving; the key is checked; a server without a key never leaves loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.scripted_chat_model import PLAIN, scripted_gpt_oss  # noqa: F401  (session fixture)
from tests.server.serving import Served, serving, start_serve

HELLO = {"model": "tiny-gpt-oss-scripted", "messages": [{"role": "user", "content": "Hello"}]}


@pytest.fixture(scope="module")
def served(scripted_gpt_oss: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving("--model", str(scripted_gpt_oss), home=tmp_path_factory.mktemp("serve-home")) as served:
        yield served


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, timeout=120) as client:
        yield client


def _error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "code"}
    assert error["message"] and "\n" not in error["message"] and "Traceback" not in error["message"]
    return error


@pytest.mark.parametrize(("body", "words"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"messages": "Hello"}', "'messages'"),
    (b'{"messages": []}', "'messages'"),
    (b'{"messages": [{"role": "wizard", "content": "hi"}]}', "role"),
    (b'{"messages": [{"role": "user", "content": 42}]}', "content"),
    (b'{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}', "text"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}', "'temperature'"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": 7}', "'temperature'"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}', "'max_tokens'"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": true}', "'max_tokens'"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "stream": "yes"}', "'stream'"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "extreme"}', "reasoning_effort"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "stop": [1]}', "'stop'"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "n": 3}', "'n'"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "web_search"}]}', "function tool"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "tool_choice": "required"}', "tool_choice"),
])
def test_malformed_or_mistyped_chat_requests_are_400_naming_the_problem(http: httpx.Client, body: bytes,
                                                                       words: str) -> None:
    error = _error(http.post("/chat/completions", content=body, headers={"content-type": "application/json"}), 400)
    assert words in error["message"]


@pytest.mark.parametrize(("path", "body", "words"), [
    ("/responses", {"input": 5}, "'input'"),
    ("/responses", {"input": [{"type": "computer_call"}]}, "not supported"),
    ("/responses", {"input": "hi", "reasoning": "high"}, "'reasoning'"),
    ("/responses", {"input": "hi", "max_output_tokens": -1}, "'max_output_tokens'"),
    ("/embeddings", {"input": "hi"}, "No embedding model"),
])
def test_bad_responses_and_embeddings_requests_are_refused(http: httpx.Client, path: str, body: dict,
                                                           words: str) -> None:
    response = http.post(path, json=body)
    assert words in _error(response, 503 if "embedding" in words else 400)["message"]


def test_a_huge_body_is_413_and_is_not_read_whole(http: httpx.Client) -> None:
    huge = b'{"messages": [{"role": "user", "content": "' + b"a" * (9 * 1024 * 1024) + b'"}]}'
    assert _error(http.post("/chat/completions", content=huge), 413)["code"] == "request_too_large"


def test_an_unknown_model_or_endpoint_is_404(http: httpx.Client) -> None:
    assert _error(http.post("/chat/completions", json={**HELLO, "model": "gpt-4o"}), 404)["code"] == "model_not_found"
    _error(http.get("/models/gpt-4o"), 404)
    _error(http.get("/completions"), 404)
    _error(http.get("/chat/completions"), 405)


def test_after_all_that_the_server_still_answers(http: httpx.Client) -> None:
    for body in (b"{", b'{"messages": 1}'):
        http.post("/chat/completions", content=body)
    reply = http.post("/chat/completions", json=HELLO)
    assert reply.status_code == 200 and reply.json()["choices"][0]["message"]["content"] == PLAIN.answer


def test_with_a_key_only_requests_that_carry_it_are_served(scripted_gpt_oss: Path, tmp_path: Path) -> None:
    with serving("--model", str(scripted_gpt_oss), "--api-key", "s3cret-key", home=tmp_path / "home") as served, \
            httpx.Client(base_url=served.base_url, timeout=120) as http:
        _error(http.get("/models"), 401)
        _error(http.get("/models", headers={"Authorization": "Bearer wrong"}), 401)
        error = _error(http.post("/chat/completions", json=HELLO, headers={"Authorization": "Basic s3cret-key"}), 401)
        assert error["code"] == "invalid_api_key"
        reply = http.post("/chat/completions", json=HELLO, headers={"Authorization": "Bearer s3cret-key"})
        assert reply.status_code == 200 and reply.json()["choices"][0]["message"]["content"] == PLAIN.answer


def test_without_a_key_it_refuses_to_listen_beyond_this_computer(scripted_gpt_oss: Path, tmp_path: Path) -> None:
    process, line, stderr = start_serve("--model", str(scripted_gpt_oss), "--host", "0.0.0.0", "--port", "0",
                                        home=tmp_path / "home")
    assert process.wait(timeout=60) == 1 and line == ""
    message = stderr.read_text().strip()
    assert message.startswith("error: ") and "--api-key" in message and len(message.splitlines()) == 1


def test_a_port_in_use_or_a_missing_model_is_one_line_and_exit_1(scripted_gpt_oss: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        process, line, stderr = start_serve("--model", str(scripted_gpt_oss), "--port", port, home=tmp_path / "a")
        assert process.wait(timeout=60) == 1 and line == ""
        assert stderr.read_text().strip().splitlines()[-1] == f"error: Could not listen on 127.0.0.1:{port}: the port is in use."
    process, line, stderr = start_serve("--model", str(tmp_path / "gone.gguf"), home=tmp_path / "b")
    assert process.wait(timeout=60) == 1 and line == ""
    assert stderr.read_text().strip() == f"error: Model not found: {tmp_path / 'gone.gguf'}"
