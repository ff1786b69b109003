"""tool_choice "required" and a named function through the official `openai` client, against
`serve` with the scripted model: a call the choice allows comes back as the call; a model that
will not make the call asked for is a clear error, never an answer passed off as a call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from tests.fixtures.scripted_chat_model import TOOL_CALL, scripted_gpt_oss  # noqa: F401  (session fixture)
from tests.server.serving import Served, serving

CHAT_MODEL = "tiny-gpt-oss-scripted"
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city now.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {  # nothing in it makes the scripted model call a tool
    "name": "get_time", "description": "The time now.", "parameters": {"type": "object", "properties": {}}}}
ASK_WEATHER = [{"role": "user", "content": "What is the weather in Paris?"}]
SAY_HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture(scope="module")
def served(scripted_gpt_oss: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving("--model", str(scripted_gpt_oss), home=tmp_path_factory.mktemp("serve-home")) as served:
        yield served


@pytest.fixture
def client(served: Served) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.base_url, api_key="not-needed-on-loopback", max_retries=0, timeout=120)


@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
def test_a_call_the_choice_allows_comes_back_as_the_call(client: openai.OpenAI, choice: object) -> None:
    reply = client.chat.completions.create(model=CHAT_MODEL, messages=ASK_WEATHER, tools=[WEATHER, TIME],
                                           tool_choice=choice)
    message = reply.choices[0].message
    assert reply.choices[0].finish_reason == "tool_calls" and message.content is None
    assert [(c.function.name, c.function.arguments) for c in message.tool_calls] == [("get_weather", '{"city":"Paris"}')]
    assert (message.model_extra or {})["reasoning"] == TOOL_CALL.reasoning


def test_streamed_the_reasoning_comes_live_and_the_call_at_the_end(client: openai.OpenAI) -> None:
    reasoning, calls, finish = [], [], []
    for chunk in client.chat.completions.create(model=CHAT_MODEL, messages=ASK_WEATHER, tools=[WEATHER],
                                                tool_choice="required", stream=True):
        for choice in chunk.choices:
            reasoning.append((choice.delta.model_extra or {}).get("reasoning") or "")
            calls += [(c.function.name, c.function.arguments) for c in choice.delta.tool_calls or []]
            finish += [choice.finish_reason] if choice.finish_reason else []
    assert "".join(reasoning) == TOOL_CALL.reasoning
    assert calls == [("get_weather", '{"city":"Paris"}')] and finish == ["tool_calls"]


def test_the_responses_api_takes_a_named_function_too(client: openai.OpenAI) -> None:
    tools = [{"type": "function", **WEATHER["function"]}, {"type": "function", **TIME["function"]}]
    response = client.responses.create(model=CHAT_MODEL, input="How is the weather in Paris?", tools=tools,
                                       tool_choice={"type": "function", "name": "get_weather"})
    [call] = [item for item in response.output if item.type == "function_call"]
    assert (call.name, call.arguments) == ("get_weather", '{"city":"Paris"}')
    assert response.tool_choice.name == "get_weather"


def test_a_model_that_answers_in_words_is_not_passed_off_as_a_call(client: openai.OpenAI) -> None:
    # Asked twice (the second time with the call's header written for it), the scripted model still
    # greets: the client hears that no call was made.
    with pytest.raises(openai.InternalServerError, match="answered without calling 'get_time'"):
        client.chat.completions.create(model=CHAT_MODEL, messages=SAY_HELLO, tools=[TIME], tool_choice="required")
    # A call of another function than the one named is not that function's call either.
    with pytest.raises(openai.InternalServerError, match="'get_time' did not carry a JSON object"):
        client.chat.completions.create(model=CHAT_MODEL, messages=ASK_WEATHER, tools=[WEATHER, TIME],
                                       tool_choice={"type": "function", "function": {"name": "get_time"}})
    # Without a choice that forces a call, the same question is answered in words as before.
    reply = client.chat.completions.create(model=CHAT_MODEL, messages=SAY_HELLO, tools=[TIME])
    assert reply.choices[0].finish_reason == "stop" and reply.choices[0].message.content


@pytest.mark.parametrize(("tools", "choice", "words"), [
    ([WEATHER], {"type": "function", "function": {"name": "get_time"}}, "not one of 'tools'"),
    ([WEATHER], {"type": "function", "function": {"name": "no such name!"}}, "function name"),
    ([WEATHER], {"type": "function"}, "'tool_choice' must be"),
    ([WEATHER], "always", "'tool_choice' must be"),
    ([WEATHER], {"type": "web_search"}, "'tool_choice' must be"),
])
def test_a_choice_that_cannot_be_met_is_a_400_naming_it(client: openai.OpenAI, tools: list, choice: object,
                                                        words: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model=CHAT_MODEL, messages=ASK_WEATHER, tools=tools, tool_choice=choice)
    assert words in refused.value.body["message"] and refused.value.body["param"] == "tool_choice"
