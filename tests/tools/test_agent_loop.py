"""The tool loop end to end on real llama.cpp with the scripted model: call, result, answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.chat import ChatRequest
from desktop.core.harmony import Turn
from desktop.core.runtime import LoadOptions, Sampling
from desktop.engine.agent import AgentTurn, ToolStep
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.service import EngineService
from desktop.tools.functions import FunctionTool
from desktop.tools.runner import LocalFunctions
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    AFTER_TOOL,
    PLAIN,
    TOOL_CALL,
    TOOL_TRIGGER,
    scripted_gpt_oss,
)

QUESTION = f"What is the{TOOL_TRIGGER} in Paris?"
# (no " weather" in the description: that word alone makes the scripted model call the tool)
WEATHER = FunctionTool("get_weather", "Sky and temperature in a city.",
                       {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


@pytest.fixture
def engine(scripted_gpt_oss: Path) -> Iterator[EngineService]:
    backend = LlamaCppBackend()
    backend.load(scripted_gpt_oss, lambda: (LoadOptions(n_ctx=4096), None)).result()
    engine = EngineService(backend)
    yield engine
    engine.close()


class Weather(LocalFunctions):
    def __init__(self, answer: str = "sunny, 21 C") -> None:
        self.calls: list[dict[str, Any]] = []

        def get_weather(arguments: dict[str, Any]) -> str:
            self.calls.append(arguments)
            return answer

        super().__init__({"get_weather": (WEATHER, get_weather)})


def _request(question: str = QUESTION) -> ChatRequest:
    return ChatRequest((Turn("user", question),))


def test_call_result_then_final_answer(engine: EngineService) -> None:
    tools = Weather()
    asked: list[tuple[str, dict[str, Any]]] = []
    agent = AgentTurn(engine, tools, lambda name, args: asked.append((name, args)) or True)
    out = agent.run(_request(), Sampling(temperature=0.0, max_tokens=200))
    assert out.status == "complete"
    assert asked == [("get_weather", {"city": "Paris"})] and tools.calls == [{"city": "Paris"}]
    assert out.steps == [ToolStep("get_weather", {"city": "Paris"}, "sunny, 21 C", "ok")]
    assert out.result is not None and out.result.answer == AFTER_TOOL.answer
    prompt = out.result.prompt
    # The second step read the tools, the call with its reasoning, and the result.
    assert "type get_weather = (_: {\ncity: string,\n}) => any;" in prompt
    assert ("<|start|>assistant<|channel|>analysis<|message|>They want the weather. Call the tool.<|end|>"
            "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"
            '{"city":"Paris"}<|call|>'
            "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>sunny, 21 C<|end|>"
            "<|start|>assistant") in prompt
    # The prompt only grew: the second step kept at least the whole first prompt in the KV cache.
    assert len(out.step_reused_tokens) == 2
    assert out.step_reused_tokens[1] >= out.step_prompt_tokens[0]
    assert out.reasoning == TOOL_CALL.reasoning


def test_a_denied_call_is_told_to_the_model_and_the_turn_goes_on(engine: EngineService) -> None:
    tools = Weather()
    out = AgentTurn(engine, tools, lambda name, args: False).run(_request(), Sampling(temperature=0.0))
    assert tools.calls == []
    assert [s.status for s in out.steps] == ["denied"]
    assert out.result is not None and "did not allow this call" in out.result.prompt
    assert out.status == "complete" and out.result.answer == AFTER_TOOL.answer


def test_stop_between_steps_runs_no_further_step(engine: EngineService) -> None:
    tools = Weather()
    agent = AgentTurn(engine, tools, lambda name, args: True)
    out = agent.run(_request(), Sampling(temperature=0.0), on_step=lambda step: agent.cancel())
    assert out.status == "cancelled"
    assert len(out.step_prompt_tokens) == 1  # the step after the result never ran
    assert out.result is not None and out.result.answer == "" and out.result.finish_reason == "tool_calls"


def test_stop_while_the_person_is_asked_runs_no_tool(engine: EngineService) -> None:
    tools = Weather()
    agent = AgentTurn(engine, tools, lambda name, args: agent.cancel() or True)
    out = agent.run(_request(), Sampling(temperature=0.0))
    assert out.status == "cancelled" and tools.calls == []
    assert [s.status for s in out.steps] == ["cancelled"]


def test_step_limit_stops_a_model_that_still_wants_a_tool(engine: EngineService) -> None:
    tools = Weather()
    out = AgentTurn(engine, tools, lambda name, args: True, max_steps=1).run(_request(), Sampling(temperature=0.0))
    assert out.status == "step_limit" and "step limit (1 steps)" in (out.error or "")
    assert tools.calls == [] and out.steps == []  # a result no step could read is not fetched
    out = AgentTurn(engine, tools, lambda name, args: True, max_steps=2).run(_request(), Sampling(temperature=0.0))
    assert out.status == "complete" and len(tools.calls) == 1


def test_bad_arguments_and_unknown_functions_go_back_as_errors(engine: EngineService) -> None:
    # The tools offered do not include what the model calls: it hears so, and answers.
    other = FunctionTool("get_time", "The time.")
    out = AgentTurn(engine, LocalFunctions({"get_time": (other, lambda a: "noon")}),
                    lambda name, args: True).run(_request(), Sampling(temperature=0.0))
    assert [(s.name, s.status) for s in out.steps] == [("get_weather", "error")]
    assert "there is no function 'functions.get_weather'" in out.steps[0].result
    assert out.status == "complete"


def test_no_tool_wanted_is_one_plain_step(engine: EngineService) -> None:
    out = AgentTurn(engine, Weather(), lambda name, args: True).run(_request("Hello there"), Sampling(temperature=0.0))
    assert out.status == "complete" and out.steps == [] and out.result is not None
    assert out.result.answer == PLAIN.answer
    assert "Calls to these tools must go to the commentary channel: 'functions'." in out.result.prompt


def test_huge_tool_output_is_capped(engine: EngineService) -> None:
    # (a small cap: the tiny model's vocabulary spends a token per character)
    out = AgentTurn(engine, Weather("x" * 100_000), lambda name, args: True,
                    result_limit_chars=2_000).run(_request(), Sampling(temperature=0.0))
    assert out.steps[0].result.startswith("x" * 2_000 + "\n[output cut: 100,000 characters")
    assert len(out.steps[0].result) < 2_100
    assert out.status == "complete"
