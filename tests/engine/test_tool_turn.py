"""ToolTurnSession: a turn with tools keeps the lifecycle of every turn (question saved, placeholder,
partial saves, one ending) and saves its steps. Real llama.cpp on the scripted model, a real SQLite
store, plain Python functions as the tool."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core import rag
from desktop.core.conversations import ConversationStore
from desktop.core.runtime import LoadOptions, Sampling
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.events import Cancelled, Event, Failed, Finished, Started
from desktop.engine.service import EngineService
from desktop.engine.tool_turn import StepEvent, ToolTurnSession
from desktop.tools.functions import FunctionTool
from desktop.tools.runner import LocalFunctions
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    AFTER_TOOL,
    TOOL_CALL,
    TOOL_TRIGGER,
    scripted_gpt_oss,
)

QUESTION = f"What is the{TOOL_TRIGGER} in Paris?"
WEATHER = FunctionTool("get_weather", "Sky and temperature in a city.",
                       {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
SAMPLING = Sampling(temperature=0.0, max_tokens=200)


@pytest.fixture
def engine(scripted_gpt_oss: Path) -> Iterator[EngineService]:
    backend = LlamaCppBackend()
    backend.load(scripted_gpt_oss, lambda: (LoadOptions(n_ctx=4096), None)).result()
    engine = EngineService(backend)
    yield engine
    engine.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3") as store:
        yield store


def _weather(calls: list[dict[str, Any]]) -> LocalFunctions:
    return LocalFunctions({"get_weather": (WEATHER, lambda args: calls.append(args) or "sunny, 21 C")})


def test_the_step_is_saved_when_it_is_done_and_the_turn_as_a_whole(engine: EngineService,
                                                                    store: ConversationStore) -> None:
    conv = store.create()
    calls: list[dict[str, Any]] = []
    session = ToolTurnSession(engine, store, conv.id, tools=_weather(calls), approve=lambda name, args: True)
    heard: list[Event] = []
    saved_at_step: list[list[dict]] = []

    def on_event(event: Event) -> None:
        heard.append(event)
        if isinstance(event, StepEvent):  # the client hears a step after it is saved
            saved_at_step.append(store.message(session.message_id).tool_steps)  # type: ignore[arg-type]

    searched: list[str] = []

    def retrieve(question: str) -> list[rag.Source]:
        searched.append(question)
        return []

    session.start(QUESTION, SAMPLING, retrieve=retrieve, on_event=on_event)
    outcome = session.wait(60)
    assert isinstance(outcome, Finished) and isinstance(heard[0], Started) and heard[-1] is outcome
    step = {"name": "get_weather", "arguments": {"city": "Paris"}, "result": "sunny, 21 C", "status": "ok"}
    assert saved_at_step == [[step]] and calls == [{"city": "Paris"}]
    question, answer = store.messages(conv.id)
    assert question.text == QUESTION
    assert (answer.text, answer.status, answer.tool_steps, answer.finish_reason) == (
        AFTER_TOOL.answer, "complete", [step], "stop")
    assert answer.reasoning == TOOL_CALL.reasoning and answer.commentary == TOOL_CALL.commentary
    assert searched == [QUESTION]  # both steps read one search of the library, not one each


def test_the_step_limit_ends_the_turn_with_a_message_and_keeps_what_was_done(engine: EngineService,
                                                                              store: ConversationStore) -> None:
    conv = store.create()
    calls: list[dict[str, Any]] = []
    session = ToolTurnSession(engine, store, conv.id, tools=_weather(calls), approve=lambda name, args: True,
                              max_steps=1)
    session.start(QUESTION, SAMPLING)
    outcome = session.wait(60)
    assert isinstance(outcome, Failed) and "step limit (1 steps)" in outcome.message
    answer = store.messages(conv.id)[-1]
    assert answer.status == "error" and "step limit" in (answer.error or "")
    assert answer.reasoning == TOOL_CALL.reasoning and calls == []
    assert session.agent_result is not None and session.agent_result.status == "step_limit"


def test_stop_while_the_person_decides_runs_nothing(engine: EngineService, store: ConversationStore) -> None:
    conv = store.create()
    calls: list[dict[str, Any]] = []
    asked, answered = threading.Event(), threading.Event()

    def approve(name: str, arguments: dict[str, Any]) -> bool:
        asked.set()
        answered.wait(30)  # the person has not answered when Stop comes
        return True

    session = ToolTurnSession(engine, store, conv.id, tools=_weather(calls), approve=approve)
    session.start(QUESTION, SAMPLING)
    assert asked.wait(60)
    session.cancel()
    answered.set()  # the window drops its question on Stop: the answer comes after the cancel
    outcome = session.wait(60)
    assert isinstance(outcome, Cancelled) and calls == []
    answer = store.messages(conv.id)[-1]
    assert (answer.status, answer.finish_reason) == ("cancelled", "cancelled")
    assert [(s["status"], s["result"]) for s in answer.tool_steps] == [
        ("cancelled", "Error: the person stopped the turn.")]


def test_the_next_question_reads_the_answers_only(engine: EngineService, store: ConversationStore) -> None:
    conv = store.create()
    first = ToolTurnSession(engine, store, conv.id, tools=_weather([]), approve=lambda name, args: True)
    first.start(QUESTION, SAMPLING)
    first.wait(60)
    second = ToolTurnSession(engine, store, conv.id, tools=_weather([]), approve=lambda name, args: False)
    second.start("And tomorrow?", SAMPLING)
    outcome = second.wait(60)
    assert isinstance(outcome, Finished)
    prompt = outcome.result.prompt
    # The earlier turn is its answer alone: its reasoning and its call were for that turn only.
    assert f"<|start|>assistant<|channel|>final<|message|>{AFTER_TOOL.answer}<|end|>" in prompt
    assert prompt.count("sunny, 21 C") == 0 and prompt.count(TOOL_CALL.reasoning) == 1  # this turn's own
