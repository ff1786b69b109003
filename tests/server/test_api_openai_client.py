"""The official `openai` client against `gpt-oss-desktop serve` on 127.0.0.1, with the scripted
model (whole harmony turns: reasoning, answer, tool calls) and the tiny embedding model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openai
import pytest

from desktop.core.embeddings import Embedder
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    AFTER_TOOL,
    MALFORMED,
    PLAIN,
    TOOL_CALL,
    scripted_gpt_oss,
)
from tests.server.serving import Served, serving

CHAT_MODEL = "tiny-gpt-oss-scripted"
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city now.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


@pytest.fixture(scope="module")
def served(scripted_gpt_oss: Path, tiny_bert_gguf: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Served]:
    with serving("--model", str(scripted_gpt_oss), "--embedding-model", str(tiny_bert_gguf),
                 home=tmp_path_factory.mktemp("serve-home")) as served:
        yield served


@pytest.fixture
def client(served: Served) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.base_url, api_key="not-needed-on-loopback", max_retries=0, timeout=120)


def test_models_lists_the_chat_and_embedding_models_by_file_name(client: openai.OpenAI) -> None:
    assert sorted(m.id for m in client.models.list()) == ["tiny-bert", CHAT_MODEL]
    assert client.models.retrieve(CHAT_MODEL).id == CHAT_MODEL
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_chat_returns_the_answer_with_its_reasoning_apart_and_usage(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model=CHAT_MODEL, messages=[
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}], reasoning_effort="high")
    choice = reply.choices[0]
    assert choice.message.content == PLAIN.answer
    extra = choice.message.model_extra or {}
    assert extra["reasoning_content"] == extra["reasoning"] == PLAIN.reasoning
    assert choice.finish_reason == "stop"
    assert reply.usage is not None and reply.usage.completion_tokens == len(PLAIN.pieces)
    assert reply.usage.prompt_tokens > 0 and reply.model == CHAT_MODEL


def test_chat_streams_reasoning_and_answer_in_deltas_then_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": "Hello"}],
                                            stream=True, stream_options={"include_usage": True})
    reasoning, answer, reasoning_alias, finish, usage = [], [], [], [], []
    for chunk in stream:
        if chunk.usage is not None:
            usage.append(chunk.usage)
        for choice in chunk.choices:
            extra = choice.delta.model_extra or {}
            reasoning.append(extra.get("reasoning_content") or "")
            reasoning_alias.append(extra.get("reasoning") or "")
            answer.append(choice.delta.content or "")
            if choice.finish_reason:
                finish.append(choice.finish_reason)
    assert "".join(reasoning) == "".join(reasoning_alias) == PLAIN.reasoning
    assert "".join(answer) == PLAIN.answer
    assert finish == ["stop"]
    assert [u.completion_tokens for u in usage] == [len(PLAIN.pieces)]


def test_a_malformed_header_does_not_leak_markers_or_asides_into_the_answer(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": "A glitch?"}])
    message = reply.choices[0].message
    assert message.content == MALFORMED.answer and not message.tool_calls
    assert (message.model_extra or {})["reasoning_content"] == MALFORMED.reasoning


def test_stop_strings_end_the_answer_before_them(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": "Hello"}],
                                           stop=[" How"])
    assert reply.choices[0].message.content == "Hello!"
    assert reply.choices[0].finish_reason == "stop"


def test_a_tool_round_trip_goes_out_as_tool_calls_and_back_in_as_a_tool_result(client: openai.OpenAI) -> None:
    messages: list[dict] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(model=CHAT_MODEL, messages=messages, tools=[WEATHER_TOOL])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    [call] = choice.message.tool_calls or []
    assert (call.type, call.function.name, call.function.arguments) == ("function", "get_weather", '{"city":"Paris"}')
    assert (choice.message.model_extra or {})["reasoning_content"] == TOOL_CALL.reasoning
    messages += [choice.message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": '{"sky": "clear", "celsius": 21}'}]
    second = client.chat.completions.create(model=CHAT_MODEL, messages=messages, tools=[WEATHER_TOOL])
    # The call and its result went into the prompt: the model answers (the rendering itself is
    # checked byte for byte in test_api_rendering).
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == AFTER_TOOL.answer and not second.choices[0].message.tool_calls
    with pytest.raises(openai.BadRequestError, match="tool_call_id"):
        client.chat.completions.create(model=CHAT_MODEL, messages=[
            *messages[:1], {"role": "tool", "tool_call_id": "call_unknown", "content": "{}"}])


def test_responses_stream_the_spec_events(client: openai.OpenAI) -> None:
    events = list(client.responses.create(model=CHAT_MODEL, input="Hello", instructions="Be brief.",
                                          reasoning={"effort": "low"}, stream=True))
    kinds = [e.type for e in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.reasoning_text.delta") == PLAIN.reasoning
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == PLAIN.answer
    done = events[-1].response
    assert done.output_text == PLAIN.answer and done.status == "completed"
    assert [item.type for item in done.output] == ["reasoning", "message"]
    assert done.usage is not None and done.usage.output_tokens == len(PLAIN.pieces)


def test_responses_report_function_calls_and_continue_from_a_stored_response(client: openai.OpenAI) -> None:
    plain = client.responses.create(model=CHAT_MODEL, input="Hello")
    assert plain.output_text == PLAIN.answer
    asked = client.responses.create(model=CHAT_MODEL, input="How is the weather in Paris?",
                                    tools=[{"type": "function", **WEATHER_TOOL["function"]}])
    [call] = [item for item in asked.output if item.type == "function_call"]
    assert (call.name, call.arguments) == ("get_weather", '{"city":"Paris"}')
    result = {"type": "function_call_output", "call_id": call.call_id, "output": '{"sky": "clear"}'}
    # Alone, the result answers no call; after the stored response it answers the call in it.
    with pytest.raises(openai.BadRequestError, match="call_id"):
        client.responses.create(model=CHAT_MODEL, input=[result])
    followed = client.responses.create(model=CHAT_MODEL, previous_response_id=asked.id, input=[result])
    assert followed.output_text == AFTER_TOOL.answer
    assert followed.previous_response_id == asked.id
    with pytest.raises(openai.NotFoundError, match="not found"):
        client.responses.create(model=CHAT_MODEL, previous_response_id="resp_" + "0" * 32, input="Hello")


def test_embeddings_are_the_vectors_the_library_stores(client: openai.OpenAI, tiny_bert_gguf: Path) -> None:
    texts = ["the cat sat by the river", "heat pump manual", "x"]
    library = Embedder(tiny_bert_gguf)
    try:
        expected = library.embed_documents(texts)
    finally:
        library.close()
    as_base64 = client.embeddings.create(model="tiny-bert", input=texts)  # the client's default encoding
    as_floats = client.embeddings.create(model="tiny-bert", input=texts, encoding_format="float")
    for reply in (as_base64, as_floats):
        got = np.array([d.embedding for d in sorted(reply.data, key=lambda d: d.index)], dtype=np.float32)
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(openai.BadRequestError, match="chat model"):
        client.embeddings.create(model=CHAT_MODEL, input="the cat")


def test_four_clients_at_once_all_get_their_whole_answer(served: Served) -> None:
    answers: dict[int, str] = {}
    errors: list[BaseException] = []

    def ask(index: int) -> None:
        try:
            client = openai.OpenAI(base_url=served.base_url, api_key="x", max_retries=0, timeout=120)
            stream = client.chat.completions.create(model=CHAT_MODEL, stream=True,
                                                    messages=[{"role": "user", "content": f"Hello {index}"}])
            answers[index] = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert answers == {i: PLAIN.answer for i in range(4)}
