"""EngineService on real llama.cpp: several clients, one model, each with its own request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core import harmony
from desktop.core.chat import ChatRequest
from desktop.core.runtime import Sampling
from desktop.engine.events import Cancelled, DeltaEvent, Event, Failed, Finished, Queued, Started, ToolCallEvent
from desktop.engine.service import EngineService, Priority, RequestHandle
from tests.engine.engines import engine_on
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    PLAIN,
    TOOL_CALL,
    TOOL_TRIGGER,
    scripted_gpt_oss,
)


@pytest.fixture
def scripted_engine(scripted_gpt_oss: Path) -> Iterator[EngineService]:
    engine = engine_on(scripted_gpt_oss)
    yield engine
    engine.close()


@pytest.fixture
def engine(tiny_gpt_oss: Path) -> Iterator[EngineService]:
    """The random tiny model: it never ends a turn by itself, so turns run as long as asked."""
    engine = engine_on(tiny_gpt_oss)
    yield engine
    engine.close()


def _ask(question: str) -> ChatRequest:
    return ChatRequest((harmony.Turn("user", question),))


def _text(events: list[Event], channel: str) -> str:
    return "".join(e.text for e in events if isinstance(e, DeltaEvent) and e.channel == channel)


def test_two_clients_at_once_each_get_their_own_turn(scripted_engine: EngineService) -> None:
    heard: dict[str, list[Event]] = {"a": [], "b": []}
    a = scripted_engine.submit(_ask("Hello"), Sampling(), on_event=heard["a"].append)
    b = scripted_engine.submit(_ask(f"The{TOOL_TRIGGER} in Paris?"), Sampling(), on_event=heard["b"].append)
    streamed = {"a": list(a.events(timeout=60)), "b": list(b.events(timeout=60))}
    assert a.id != b.id
    for name, handle, script in (("a", a, PLAIN), ("b", b, TOOL_CALL)):
        events = streamed[name]
        assert events == heard[name]  # the iterator and the callback see the same stream
        assert {e.request_id for e in events} == {handle.id}
        assert isinstance(events[0], Queued) and isinstance(events[1], Started)
        assert isinstance(events[-1], Finished) and handle.state == "finished"
        assert (_text(events, "analysis"), _text(events, "final"), _text(events, "commentary")) == (
            script.reasoning, script.answer, script.commentary)
    assert streamed["b"][0].ahead == 1  # it waited for a
    assert streamed["a"][-1].finish_reason == "stop"
    assert streamed["b"][-1].finish_reason == "tool_calls"
    calls = [e.call for e in streamed["b"] if isinstance(e, ToolCallEvent)]
    assert [(c.recipient, c.arguments) for c in calls] == [("functions.get_weather", '{"city":"Paris"}')]


def test_cancelling_a_queued_request_leaves_the_others_running(engine: EngineService) -> None:
    seen_while_running: dict[str, object] = {}
    handles: dict[str, RequestHandle] = {}

    def on_first_token(event: Event) -> None:
        if isinstance(event, DeltaEvent) and not seen_while_running:
            # The person sends two more questions while the first streams, then drops the second.
            handles["b"] = engine.submit(_ask("second"), Sampling(max_tokens=20, seed=2))
            handles["c"] = engine.submit(_ask("third"), Sampling(max_tokens=20, seed=3))
            seen_while_running["queued"] = engine.queued()
            seen_while_running["b_state"] = handles["b"].state
            handles["b"].cancel()
            seen_while_running["after_cancel"] = engine.queued()
            seen_while_running["a_state"] = handles["a"].state

    handles["a"] = engine.submit(_ask("first"), Sampling(max_tokens=300, seed=1), on_event=on_first_token)
    a_events = list(handles["a"].events(timeout=60))
    b, c = handles["b"], handles["c"]
    assert seen_while_running == {"queued": [b.id, c.id], "b_state": "queued", "after_cancel": [c.id],
                                  "a_state": "running"}
    assert isinstance(a_events[-1], Finished) and a_events[-1].stats.tokens == 300
    b_events = list(b.events(timeout=60))
    assert [type(e) for e in b_events] == [Queued, Cancelled] and b_events[-1].result is None
    c_events = list(c.events(timeout=60))
    assert isinstance(c_events[-1], Finished) and c_events[-1].stats.tokens == 20


def test_cancelling_the_running_request_keeps_its_text_and_runs_the_next(engine: EngineService) -> None:
    handles: dict[str, RequestHandle] = {}
    deltas = 0

    def stop_after_a_few(event: Event) -> None:
        nonlocal deltas
        if isinstance(event, DeltaEvent):
            deltas += 1
            if deltas == 1:
                handles["b"] = engine.submit(_ask("next"), Sampling(max_tokens=15, seed=2))
            if deltas == 3:
                handles["a"].cancel()

    handles["a"] = engine.submit(_ask("long one"), Sampling(max_tokens=3000, seed=1), on_event=stop_after_a_few)
    a_events = list(handles["a"].events(timeout=60))
    stopped = a_events[-1]
    assert isinstance(stopped, Cancelled) and stopped.result is not None
    assert stopped.result.finish_reason == "cancelled" and stopped.result.stats.tokens < 3000
    streamed = "".join(e.text for e in a_events if isinstance(e, DeltaEvent))
    assert streamed and streamed == stopped.result.answer + stopped.result.reasoning + stopped.result.commentary
    b_last = handles["b"].wait(timeout=60)
    assert isinstance(b_last, Finished) and b_last.stats.tokens == 15  # not cancelled with a


def test_the_person_at_the_keyboard_goes_first(engine: EngineService) -> None:
    order: list[str] = []
    lock = threading.Lock()
    handles: dict[str, RequestHandle] = {}

    def note(name: str):
        def on_event(event: Event) -> None:
            if isinstance(event, Started):
                with lock:
                    order.append(name)
            if name == "running" and isinstance(event, DeltaEvent) and "api" not in handles:
                handles["api"] = engine.submit(_ask("api"), Sampling(max_tokens=5), priority=Priority.API,
                                               on_event=note("api"))
                handles["background"] = engine.submit(_ask("bg"), Sampling(max_tokens=5),
                                                      priority=Priority.BACKGROUND, on_event=note("background"))
                handles["person"] = engine.submit(_ask("me"), Sampling(max_tokens=5), on_event=note("person"))
        return on_event

    first = engine.submit(_ask("batch job"), Sampling(max_tokens=200), priority=Priority.BACKGROUND,
                          on_event=note("running"))
    first.wait(timeout=60)
    for handle in handles.values():
        assert isinstance(handle.wait(timeout=60), Finished)
    # What runs is never interrupted, but the person's question jumps the queue.
    assert order == ["running", "person", "api", "background"]


def test_a_failing_request_fails_alone(engine: EngineService) -> None:
    too_long = engine.submit(_ask("word " * 5000), Sampling(max_tokens=5))
    fine = engine.submit(_ask("short"), Sampling(max_tokens=5))
    failed = too_long.wait(timeout=60)
    assert isinstance(failed, Failed) and "longer than the context" in failed.message
    assert "\n" not in failed.message
    assert isinstance(fine.wait(timeout=60), Finished)


def test_a_client_callback_that_raises_does_not_stop_the_engine(engine: EngineService) -> None:
    def broken(_event: Event) -> None:
        raise ValueError("client bug")

    first = engine.submit(_ask("one"), Sampling(max_tokens=5), on_event=broken)
    assert isinstance(first.wait(timeout=60), Finished)
    assert isinstance(engine.submit(_ask("two"), Sampling(max_tokens=5)).wait(timeout=60), Finished)


def test_closing_cancels_what_waits(tiny_gpt_oss: Path) -> None:
    engine = engine_on(tiny_gpt_oss)
    running = engine.submit(_ask("a"), Sampling(max_tokens=3000))
    waiting = engine.submit(_ask("b"), Sampling(max_tokens=5))
    engine.close()
    assert isinstance(waiting.wait(timeout=60), Cancelled)
    assert isinstance(running.wait(timeout=60), Cancelled)
    with pytest.raises(RuntimeError, match="closed"):
        engine.submit(_ask("c"), Sampling())
