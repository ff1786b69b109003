"""Chat on a remote OpenAI-compatible engine: llama-cpp-python's own server serving the tiny
gpt-oss models on 127.0.0.1, and a misbehaving server written here (see `servers`)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from desktop.core import harmony
from desktop.core.chat import ChatRequest
from desktop.core.conversations import ConversationStore
from desktop.core.runtime import Sampling
from desktop.engine.api_keys import ApiKeys
from desktop.engine.events import Cancelled, DeltaEvent, Failed, Finished
from desktop.engine.remote import RemoteBackend, RemoteConfig
from desktop.engine.service import EngineService
from desktop.engine.turn import TurnSession
from desktop.paths import AppPaths
from desktop.tools.functions import FunctionTool
from tests.fixtures.scripted_chat_model import PLAIN, TOOL_CALL, scripted_gpt_oss  # noqa: F401  (session fixture)
from tests.remote.servers import LlamaCppServer, cli, free_port, scripted_engine

KEY = "team-key-123"


@pytest.fixture(scope="module")
def llama_server(scripted_gpt_oss: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    server = LlamaCppServer(scripted_gpt_oss, tmp_path_factory.mktemp("logs"), api_key=KEY)
    yield server
    server.kill()


def _ask(server_url: str, model: str, *extra: str, home: Path) -> tuple[int, dict | None, str]:
    out = cli("ask", "hello there", "--engine-url", server_url, "--engine-model", model, "--json", *extra,
              home=home)
    stdout = out.stdout.strip()
    return out.returncode, json.loads(stdout) if stdout else None, out.stderr.strip()


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# -- a real third-party engine: llama_cpp.server --------------------------------------------------

def test_ask_answers_through_llama_cpp_server_with_harmony_parsed(llama_server: LlamaCppServer, app_home: Path) -> None:
    code, data, err = _ask(llama_server.url, llama_server.alias, "--api-key", KEY, "--effort", "high", home=app_home)
    assert code == 0, err
    # The server passes gpt-oss's raw harmony through; the channels come out apart, no markers.
    assert data["answer"] == PLAIN.answer
    assert data["reasoning"] == PLAIN.reasoning
    assert data["finish_reason"] == "stop" and data["model"] == llama_server.alias
    assert data["effort"] == "high" and "Reasoning: high" in data["prompt"]
    assert data["stats"]["tokens"] > 1 and data["stats"]["tokens_per_s"] > 0


def test_ask_streams_the_answer_to_stdout_and_reasoning_to_stderr(llama_server: LlamaCppServer,
                                                                   app_home: Path) -> None:
    out = cli("ask", "hello there", "--engine-url", llama_server.url, "--engine-model", llama_server.alias,
              "--api-key", KEY, home=app_home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == PLAIN.answer
    assert PLAIN.reasoning in out.stderr and "<|" not in out.stdout + out.stderr


def test_a_harmony_tool_call_from_the_server_is_reported(llama_server: LlamaCppServer, app_home: Path) -> None:
    out = cli("ask", "what is the weather in Paris?", "--engine-url", llama_server.url, "--engine-model",
              llama_server.alias, "--api-key", KEY, "--json", home=app_home)
    data = json.loads(out.stdout)
    assert data["finish_reason"] == "tool_calls"
    assert [(c["recipient"], c["arguments"]) for c in data["tool_calls"]] == [
        ("functions.get_weather", TOOL_CALL.commentary)]


def test_a_wrong_key_is_one_line(llama_server: LlamaCppServer, app_home: Path) -> None:
    code, data, err = _ask(llama_server.url, llama_server.alias, "--api-key", "not-the-key", home=app_home)
    assert code == 1 and data is None
    assert "refused the API key (401" in _one_line(err)


def test_the_key_kept_for_the_url_is_used_from_a_0600_file(llama_server: LlamaCppServer, app_home: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")  # no keychain here
    keys = ApiKeys(AppPaths.from_environment().ensure().config_dir)
    where = keys.set(llama_server.url + "/", KEY)
    assert where == str(keys.file) and stat.S_IMODE(keys.file.stat().st_mode) == 0o600
    code, data, err = _ask(llama_server.url, llama_server.alias, home=app_home)  # no --api-key
    assert code == 0, err
    assert data["answer"] == PLAIN.answer
    keys.delete(llama_server.url)
    code, _, err = _ask(llama_server.url, llama_server.alias, home=app_home)
    assert code == 1 and "refused the API key" in err


def test_an_unknown_model_is_named_with_what_the_server_serves(llama_server: LlamaCppServer, app_home: Path) -> None:
    code, _, err = _ask(llama_server.url, "gpt-oss-120b", "--api-key", KEY, home=app_home)
    assert code == 1
    assert _one_line(err) == (f"error: The engine at 127.0.0.1:{llama_server.port} does not serve model "
                              f"'gpt-oss-120b'; it serves: {llama_server.alias}.")


def test_a_server_killed_mid_answer_keeps_the_partial_answer_then_is_said_down(
        tiny_gpt_oss: Path, tmp_path: Path, app_home: Path) -> None:
    server = LlamaCppServer(tiny_gpt_oss, tmp_path, alias="tiny")  # never ends a turn by itself
    store = ConversationStore(tmp_path / "chats.sqlite3")
    engine = EngineService(RemoteBackend(RemoteConfig(server.url, "tiny", timeout_s=30)))
    try:
        engine.backend.connect()
        conversation = store.create().id
        session = TurnSession(engine, store, conversation)
        first_delta = []
        session.start("tell me a story", Sampling(max_tokens=3000),
                      on_event=lambda e: isinstance(e, DeltaEvent) and not first_delta and (
                          first_delta.append(e), server.kill()))
        outcome = session.wait(timeout=120)
    finally:
        server.kill()
        engine.close()
    assert isinstance(outcome, Failed), outcome
    assert "cut the connection mid-answer" in outcome.message and "partial answer is kept" in outcome.message
    saved = store.messages(conversation)[-1]
    store.close()
    assert saved.status == "error" and saved.error == outcome.message
    assert saved.text and saved.text == session.answer  # what arrived before the cut is kept

    code, _, err = _ask(server.url, "tiny", home=app_home)  # the same URL, now nothing listens
    assert code == 1
    assert _one_line(err) == (f"error: Cannot reach the engine at 127.0.0.1:{server.port}: nothing answers "
                              f"there (is the server running?).")


# -- what other servers do: a loopback server written here ----------------------------------------

@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_is_read_from_the_field_the_server_sends(field: str, app_home: Path) -> None:
    with scripted_engine(field) as engine:
        code, data, err = _ask(engine.url, engine.model, "--effort", "low", home=app_home)
    assert code == 0, err
    assert data["reasoning"] == "The user asks about pumps." and data["answer"] == "Heat pumps move heat."
    assert data["usage"] == {"prompt_tokens": 31, "completion_tokens": 9}
    body = engine.bodies[0]
    assert body["reasoning_effort"] == "low" and body["stream"] is True and body["model"] == engine.model
    assert body["messages"][-1] == {"role": "user", "content": "hello there"}


def test_function_tools_go_as_openai_tools_and_calls_come_back() -> None:
    weather = FunctionTool("get_weather", "The weather in a city.",
                           {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
    with scripted_engine("tool_call") as server:
        engine = EngineService(RemoteBackend(RemoteConfig(server.url, server.model)))
        handle = engine.submit(ChatRequest((harmony.Turn("user", "weather in Paris?"),), tools=(weather,)),
                               Sampling(max_tokens=100))
        outcome = handle.wait(timeout=60)
        engine.close()
    assert server.bodies[0]["tools"] == [{"type": "function", "function": {
        "name": "get_weather", "description": "The weather in a city.", "parameters": dict(weather.parameters)}}]
    assert isinstance(outcome, Finished) and outcome.finish_reason == "tool_calls"
    assert outcome.result.tool_calls == [harmony.ToolCall("functions.get_weather", '{"city":"Paris"}', "json")]


def test_a_server_that_never_answers_times_out_in_one_line(app_home: Path) -> None:
    with scripted_engine("hang") as engine:
        code, _, err = _ask(engine.url, engine.model, "--timeout", "1", home=app_home)
    assert code == 1
    assert "did not answer within 1 s (the timeout)" in _one_line(err)


def test_a_stalled_stream_keeps_the_partial_answer_marked(app_home: Path) -> None:
    with scripted_engine("stall") as engine:
        code, data, err = _ask(engine.url, engine.model, "--timeout", "1", home=app_home)
    assert code == 1
    assert data == {"answer": "Heat pumps move heat.", "reasoning": "The user asks about pumps.",
                    "finish_reason": "interrupted", "error": _one_line(err).removeprefix("error: ")}
    assert "sent nothing for 1 s mid-answer" in err


def test_a_stream_cut_without_an_end_is_not_taken_for_a_whole_answer(app_home: Path) -> None:
    with scripted_engine("cut") as engine:
        code, data, err = _ask(engine.url, engine.model, home=app_home)
    assert code == 1 and data["finish_reason"] == "interrupted" and data["answer"] == "Heat pumps move heat."
    assert "cut the connection mid-answer" in _one_line(err)


@pytest.mark.parametrize(("mode", "expected"), [
    ("404", 'has no model \'gpt-oss-120b\', or no OpenAI API at this URL (404, "The model `nope` does not exist.")'),
    ("500", 'failed (500, "CUDA out of memory")'),
])
def test_server_errors_are_one_sentence(mode: str, expected: str, app_home: Path) -> None:
    with scripted_engine(mode) as engine:
        code, _, err = _ask(engine.url, engine.model, home=app_home)
    assert code == 1 and expected in _one_line(err)


def test_stop_closes_the_stream_while_the_server_is_silent() -> None:
    with scripted_engine("stall") as server:
        # A long timeout: only Stop can end this turn soon.
        engine = EngineService(RemoteBackend(RemoteConfig(server.url, server.model, timeout_s=600)))
        handle = engine.submit(ChatRequest((harmony.Turn("user", "pumps?"),)), Sampling(max_tokens=100))
        for event in handle.events(timeout=60):
            if isinstance(event, DeltaEvent) and "heat." in event.text:
                handle.cancel()
        outcome = handle.wait(timeout=60)
        assert server.disconnected.wait(timeout=60)  # the server saw the client hang up
        engine.close()
    assert isinstance(outcome, Cancelled)
    assert outcome.result.answer == "Heat pumps move heat." and outcome.result.finish_reason == "cancelled"


def test_the_servers_context_length_is_used_to_fit_the_conversation() -> None:
    with scripted_engine("reasoning_content", max_model_len=1024) as server:
        backend = RemoteBackend(RemoteConfig(server.url, server.model, context_length=100_000))
        model = backend.connect()
        engine = EngineService(backend)
        long_turns = tuple(harmony.Turn(role, f"{role} turn {i} " + "words " * 200)
                           for i in range(10) for role in ("user", "assistant"))
        handle = engine.submit(ChatRequest((*long_turns, harmony.Turn("user", "and now?"))),
                               Sampling(max_tokens=256))
        handle.wait(timeout=60)
        engine.close()
    assert (model.n_ctx, model.n_ctx_from_server) == (1024, True)
    sent = server.bodies[0]["messages"]
    # 21 turns of ~400 tokens do not fit 1,024: the oldest went, the question stayed.
    assert 1 <= len(sent) < 21 and sent[-1]["content"] == "and now?"


@pytest.mark.parametrize(("argv", "message"), [
    (["--engine-url", "gpu-box:8000/v1", "--engine-model", "m"], "must start with http:// or https://"),
    (["--engine-url", "http://127.0.0.1:1/v1"], "--engine-url needs --engine-model"),
    (["--engine-model", "m"], "--engine-model needs --engine-url"),
    (["--engine-url", "http://127.0.0.1:1/v1", "--engine-model", "m", "--timeout", "0"], "--timeout must be more"),
])
def test_bad_engine_options_are_one_line(argv: list[str], message: str, app_home: Path) -> None:
    out = cli("ask", "hi", *argv, home=app_home)
    assert out.returncode == 1 and message in _one_line(out.stderr)


def test_a_port_nothing_listens_on_fails_fast(app_home: Path) -> None:
    code, _, err = _ask(f"http://127.0.0.1:{free_port()}/v1", "m", home=app_home)
    assert code == 1 and "Cannot reach the engine" in _one_line(err)


def test_ask_uses_the_remote_engine_chosen_in_settings_unless_a_model_is_named(
        llama_server: LlamaCppServer, app_home: Path, tiny_gpt_oss: Path) -> None:
    from dataclasses import replace

    from desktop.context import AppContext

    ctx = AppContext.load(AppPaths.from_environment())  # the test's home (app_home sets it)
    ctx.update_settings(replace(ctx.settings, model=replace(ctx.settings.model, engine="remote",
                                                            remote_url=llama_server.url,
                                                            remote_model=llama_server.alias)))
    ApiKeys(ctx.paths.config_dir).set(llama_server.url, KEY)  # as Settings > Model keeps it
    out = cli("ask", "hello there", "--json", home=app_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["model"] == llama_server.alias and data["answer"] == PLAIN.answer
    out = cli("ask", "hello there", "--json", "--model", str(tiny_gpt_oss), "--max-tokens", "8", home=app_home)
    assert out.returncode == 0, out.stderr  # --model names a GGUF here: the remote choice is set aside
    assert json.loads(out.stdout)["model"] != llama_server.alias
