"""The engine with parallel requests (LlamaCppBackend(parallel=N)) on real llama.cpp: several
clients stream at once, each hears exactly its own answer, and one client's cancel or error
touches no other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core import harmony
from desktop.core.chat import ChatRequest, TurnResult
from desktop.core.runtime import LoadOptions, Sampling
from desktop.engine.backend import LlamaCppBackend, PromptRequest
from desktop.engine.events import Cancelled, DeltaEvent, Event, Failed, Finished, Queued, Started, ToolCallEvent
from desktop.engine.service import EngineService, RequestHandle
from tests.engine.engines import engine_on
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    MALFORMED,
    MALFORMED_TRIGGER,
    PLAIN,
    TIME_CALL,
    TIME_TRIGGER,
    TOOL_CALL,
    TOOL_TRIGGER,
    scripted_gpt_oss,
)

GREEDY = Sampling(temperature=0.0, max_tokens=40)


def batched_engine(model: Path, parallel: int, n_ctx: int = 1024) -> EngineService:
    backend = LlamaCppBackend(parallel=parallel)
    backend.load(model, lambda: (LoadOptions(n_ctx=n_ctx), None)).result()
    return EngineService(backend)


@pytest.fixture
def engine(tiny_gpt_oss: Path) -> Iterator[EngineService]:
    engine = batched_engine(tiny_gpt_oss, 4)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def alone(tiny_gpt_oss: Path) -> Iterator:
    """What a question gets from the classic engine, one request at a time."""
    classic = engine_on(tiny_gpt_oss)
    seen: dict[tuple[str, Sampling], TurnResult] = {}

    def answer(question: str, sampling: Sampling = GREEDY) -> TurnResult:
        if (question, sampling) not in seen:
            outcome = classic.submit(_ask(question), sampling).wait(timeout=60)
            assert isinstance(outcome, Finished)
            seen[question, sampling] = outcome.result
        return seen[question, sampling]

    yield answer
    classic.close()


def _ask(question: str) -> ChatRequest:
    return ChatRequest((harmony.Turn("user", question),))


def _turn(result: TurnResult) -> tuple[str, str, str, int, str]:
    return result.reasoning, result.answer, result.commentary, result.stats.tokens, result.finish_reason


def _streamed(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, DeltaEvent))


def test_four_clients_at_once_each_get_the_answer_they_get_alone(engine: EngineService, alone) -> None:
    questions = ["Hello there.", "What is a clock?", "Name a colour.", "Count to three."]
    order: list[str] = []
    lock = threading.Lock()

    def note(event: Event) -> None:
        if isinstance(event, Started | Finished):
            with lock:
                order.append(type(event).__name__)

    handles = [engine.submit(_ask(q), GREEDY, on_event=note) for q in questions]
    events = [list(h.events(timeout=60)) for h in handles]
    for question, handle, stream in zip(questions, handles, events, strict=True):
        assert {e.request_id for e in stream} == {handle.id}
        assert isinstance(stream[0], Queued) and stream[0].ahead == 0  # a place was free: it waits for nobody
        assert isinstance(stream[1], Started)
        finished = stream[-1]
        assert isinstance(finished, Finished)
        assert _turn(finished.result) == _turn(alone(question))
        assert _streamed(stream) == finished.result.reasoning + finished.result.answer + finished.result.commentary
    assert order[:4] == ["Started"] * 4  # all four ran together
    assert engine.backend.most_decoded_together == 4


def test_scripted_turns_at_once_each_end_as_scripted(scripted_gpt_oss: Path) -> None:
    engine = batched_engine(scripted_gpt_oss, 4)
    try:
        cases = [("Hello", PLAIN, "stop"), (f"The{TOOL_TRIGGER} in Paris?", TOOL_CALL, "tool_calls"),
                 (f"A{MALFORMED_TRIGGER} please", MALFORMED, "stop"), (f"What{TIME_TRIGGER} is it?", TIME_CALL, "tool_calls")]
        handles = [engine.submit(_ask(q), Sampling(seed=i)) for i, (q, _, _) in enumerate(cases)]
        for handle, (_, script, reason) in zip(handles, cases, strict=True):
            events = list(handle.events(timeout=60))
            result = events[-1].result
            assert (result.reasoning, result.answer, result.commentary, result.finish_reason) == (
                script.reasoning, script.answer, script.commentary, reason)
            calls = [e.call for e in events if isinstance(e, ToolCallEvent)]
            assert len(calls) == (1 if reason == "tool_calls" else 0)
    finally:
        engine.close()


def test_cancelling_one_stream_leaves_the_others_finishing(engine: EngineService, alone) -> None:
    handles: dict[str, RequestHandle] = {}
    deltas = 0

    def cancel_after_three(event: Event) -> None:
        nonlocal deltas
        if isinstance(event, DeltaEvent):
            deltas += 1
            if deltas == 3:
                handles["b"].cancel()

    long = Sampling(temperature=0.0, max_tokens=600)
    handles["a"] = engine.submit(_ask("First."), GREEDY)
    handles["b"] = engine.submit(_ask("Second."), long, on_event=cancel_after_three)
    handles["c"] = engine.submit(_ask("Third."), GREEDY)
    stopped = handles["b"].wait(timeout=60)
    assert isinstance(stopped, Cancelled) and stopped.result.finish_reason == "cancelled"
    assert stopped.result.stats.tokens < 600
    for name, question in (("a", "First."), ("c", "Third.")):
        outcome = handles[name].wait(timeout=60)
        assert isinstance(outcome, Finished) and _turn(outcome.result) == _turn(alone(question))


def test_a_request_joins_while_another_decodes(engine: EngineService, alone) -> None:
    joined: dict[str, RequestHandle] = {}
    log: list[str] = []
    long = Sampling(temperature=0.0, max_tokens=600)

    def late_event(event: Event) -> None:
        if isinstance(event, DeltaEvent | Finished):
            log.append(f"late {type(event).__name__}")

    def first_event(event: Event) -> None:
        if isinstance(event, DeltaEvent) and "late" not in joined:
            joined["late"] = engine.submit(_ask("Late question."), GREEDY, on_event=late_event)
        if isinstance(event, Finished):
            log.append("first Finished")

    first = engine.submit(_ask("Early question."), long, on_event=first_event)
    first_outcome = first.wait(timeout=60)
    late_outcome = joined["late"].wait(timeout=60)
    assert isinstance(first_outcome, Finished) and _turn(first_outcome.result) == _turn(alone("Early question.", long))
    assert isinstance(late_outcome, Finished) and _turn(late_outcome.result) == _turn(alone("Late question."))
    # It did not wait for the first to end: its whole answer came while the first still generated.
    assert log.index("late Finished") < log.index("first Finished")
    assert log.index("late DeltaEvent") < log.index("late Finished")


def test_a_finished_request_frees_its_slot_for_a_queued_one(tiny_gpt_oss: Path, alone) -> None:
    engine = batched_engine(tiny_gpt_oss, 2)
    try:
        starts: list[str] = []
        ends: list[str] = []

        def note(name: str):
            def on_event(event: Event) -> None:
                if isinstance(event, Started):
                    starts.append(name)
                elif isinstance(event, Finished):
                    ends.append(name)
            return on_event

        long = Sampling(temperature=0.0, max_tokens=600)
        short = Sampling(temperature=0.0, max_tokens=5)
        engine.submit(_ask("Short one."), short, on_event=note("short"))
        slow = engine.submit(_ask("Long one."), long, on_event=note("long"))
        queued = engine.submit(_ask("Queued one."), GREEDY, on_event=note("queued"))
        first_event = next(queued.events(timeout=60))
        assert isinstance(first_event, Queued) and first_event.ahead == 1  # waits for one of the two
        assert isinstance(queued.wait(timeout=60), Finished) and isinstance(slow.wait(timeout=60), Finished)
        assert sorted(starts[:2]) == ["long", "short"] and starts[2] == "queued"
        assert ends.index("queued") < ends.index("long")  # it ran in the freed slot beside the long one
        assert _turn(queued.outcome.result) == _turn(alone("Queued one."))
    finally:
        engine.close()


def test_a_prompt_longer_than_a_slot_fails_alone_with_a_clear_message(tiny_gpt_oss: Path, alone) -> None:
    engine = batched_engine(tiny_gpt_oss, 2, n_ctx=512)
    try:
        too_long = engine.submit(PromptRequest(harmony.render_prompt((harmony.Turn("user", "word " * 700),),
                                                                     effort="low")), GREEDY)
        question = engine.submit(_ask("word " * 700), GREEDY)
        fine = engine.submit(_ask("Hello there."), GREEDY)
        for handle in (too_long, question):
            failed = handle.wait(timeout=60)
            assert isinstance(failed, Failed) and "\n" not in failed.message
            assert "longer than the context of one parallel request (512 tokens)" in failed.message
        assert isinstance(fine.wait(timeout=60), Finished) and _turn(fine.outcome.result) == _turn(alone("Hello there."))
    finally:
        engine.close()


def test_closing_cancels_what_runs_and_what_waits(tiny_gpt_oss: Path) -> None:
    engine = batched_engine(tiny_gpt_oss, 2, n_ctx=4096)
    running = [engine.submit(_ask(q), Sampling(max_tokens=5000)) for q in ("a", "b")]
    waiting = engine.submit(_ask("c"), Sampling(max_tokens=5))
    next(e for e in running[0].events(timeout=60) if isinstance(e, DeltaEvent))
    engine.close()
    for handle in (*running, waiting):
        assert isinstance(handle.wait(timeout=60), Cancelled)
    with pytest.raises(RuntimeError, match="closed"):
        engine.submit(_ask("d"), Sampling())


def test_closing_the_backend_lets_the_requests_handed_over_finish(tiny_gpt_oss: Path, alone) -> None:
    """What the window does when it moves to a remote engine: the local one ends its last answers."""
    engine = batched_engine(tiny_gpt_oss, 2)
    handles = [engine.submit(_ask(q), GREEDY) for q in ("Hello there.", "What is a clock?")]
    engine.backend.close()
    for question, handle in zip(("Hello there.", "What is a clock?"), handles, strict=True):
        outcome = handle.wait(timeout=60)
        assert isinstance(outcome, Finished) and _turn(outcome.result) == _turn(alone(question))
    late = engine.submit(_ask("Too late."), GREEDY).wait(timeout=60)
    assert isinstance(late, Failed) and late.message == "The engine was closed."


def test_a_client_closing_the_engine_from_its_last_event_does_not_hang(tiny_gpt_oss: Path) -> None:
    engine = batched_engine(tiny_gpt_oss, 2)
    closed = threading.Event()

    def close_when_done(event: Event) -> None:
        if isinstance(event, Finished):
            engine.close()
            closed.set()

    other = engine.submit(_ask("Other."), Sampling(temperature=0.0, max_tokens=400))
    engine.submit(_ask("Hi."), Sampling(temperature=0.0, max_tokens=5), on_event=close_when_done)
    assert closed.wait(timeout=60)
    assert isinstance(other.wait(timeout=60), Cancelled)  # closing the service cancels what still runs
