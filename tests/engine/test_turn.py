"""TurnSession on real llama.cpp and a real SQLite store: what is saved, when, and how it ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.conversations import ConversationStore
from desktop.core.runtime import Sampling
from desktop.engine.events import Cancelled, DeltaEvent, Event, Failed, Finished
from desktop.engine.service import EngineService
from desktop.engine.turn import TurnSession
from tests.engine.engines import engine_on
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    MALFORMED,
    MALFORMED_TRIGGER,
    PLAIN,
    TOOL_CALL,
    TOOL_TRIGGER,
    scripted_gpt_oss,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "conversations.sqlite3") as s:
        yield s


@pytest.fixture
def scripted_engine(scripted_gpt_oss: Path) -> Iterator[EngineService]:
    engine = engine_on(scripted_gpt_oss)
    yield engine
    engine.close()


@pytest.fixture
def engine(tiny_gpt_oss: Path) -> Iterator[EngineService]:
    engine = engine_on(tiny_gpt_oss)
    yield engine
    engine.close()


@pytest.mark.parametrize(("question", "script", "finish"), [
    ("Hi", PLAIN, "stop"),
    (f"And the{TOOL_TRIGGER}?", TOOL_CALL, "tool_calls"),
    (f"A{MALFORMED_TRIGGER}", MALFORMED, "stop"),
])
def test_a_finished_turn_is_saved_whole(scripted_engine: EngineService, store: ConversationStore,
                                        question: str, script, finish: str) -> None:
    conv = store.create().id
    session = TurnSession(scripted_engine, store, conv)
    session.start(question, Sampling(), effort="low", model="tiny")
    assert isinstance(session.wait(timeout=60), Finished)
    user, answer = store.messages(conv)
    assert (user.role, user.text) == ("user", question)
    assert (answer.status, answer.text, answer.reasoning, answer.commentary, answer.finish_reason) == (
        "complete", script.answer, script.reasoning, script.commentary, finish)
    assert answer.stats["tokens"] == len(script.pieces) and answer.stats["finish_reason"] == finish
    assert (answer.effort, answer.model) == ("low", "tiny")
    assert store.get(conv).title == question
    assert session.status == "complete" and session.answer == script.answer
    if script is TOOL_CALL:
        assert [(c.recipient, c.arguments) for c in session.tool_calls] == [
            ("functions.get_weather", '{"city":"Paris"}')]


def test_the_next_turn_reads_the_saved_conversation(scripted_engine: EngineService,
                                                    store: ConversationStore) -> None:
    conv = store.create().id
    first = TurnSession(scripted_engine, store, conv)
    first.start("Hi", Sampling())
    first.wait(timeout=60)
    second = TurnSession(scripted_engine, store, conv)
    handle = second.start("Again", Sampling())
    second.wait(timeout=60)
    turns = handle.request.turns
    assert [(t.role, t.text) for t in turns] == [("user", "Hi"), ("assistant", PLAIN.answer), ("user", "Again")]
    assert [m.role for m in store.messages(conv)] == ["user", "assistant"] * 2


def test_partial_text_is_in_the_store_while_it_streams(engine: EngineService, store: ConversationStore,
                                                       tmp_path: Path) -> None:
    conv = store.create().id
    session = TurnSession(engine, store, conv, partial_save_s=0.0)
    mid_stream: list[tuple[str, str, str]] = []

    def check(event: Event) -> None:
        # Another connection, as another process (the CLI, a crash recovery) would read it.
        if isinstance(event, DeltaEvent) and len(mid_stream) < 5:
            with ConversationStore(tmp_path / "conversations.sqlite3") as reader:
                saved = reader.messages(conv)[-1]
            streamed = session.answer + session.reasoning + session.commentary
            mid_stream.append((saved.status, saved.text + saved.reasoning + saved.commentary, streamed))

    session.start("Tell me a long story", Sampling(max_tokens=3000, seed=4), on_event=check)
    assert isinstance(session.wait(timeout=60), Finished)
    assert len(mid_stream) == 5
    assert all(status == "partial" and text and text == streamed for status, text, streamed in mid_stream)
    assert len(mid_stream[-1][1]) > len(mid_stream[0][1])
    assert store.messages(conv)[-1].status == "complete"


def test_partial_saves_are_throttled(engine: EngineService, store: ConversationStore) -> None:
    # A clock that moves 0.25 s per reading: one save per four deltas, not one per delta.
    ticks = iter(x * 0.25 for x in range(1, 100_000))
    conv = store.create().id
    saves: list[str] = []
    original = store.update_partial

    def counting(*args, **kwargs) -> None:
        saves.append(args[1])
        original(*args, **kwargs)

    store.update_partial = counting  # type: ignore[method-assign]
    session = TurnSession(engine, store, conv, clock=lambda: next(ticks))
    deltas = 0

    def count(event: Event) -> None:
        nonlocal deltas
        deltas += isinstance(event, DeltaEvent)

    session.start("Tell me more", Sampling(max_tokens=3000, seed=5), on_event=count)
    session.wait(timeout=60)
    assert deltas >= 4 and len(saves) == deltas // 4


def test_a_stopped_turn_is_saved_with_what_it_had(engine: EngineService, store: ConversationStore) -> None:
    conv = store.create().id
    session = TurnSession(engine, store, conv, partial_save_s=3600)  # no partial save helps here
    count = 0

    def stop_soon(event: Event) -> None:
        nonlocal count
        if isinstance(event, DeltaEvent):
            count += 1
            if count == 3:
                session.cancel()

    session.start("Go on and on", Sampling(max_tokens=3000, seed=6), on_event=stop_soon)
    assert isinstance(session.wait(timeout=60), Cancelled)
    saved = store.messages(conv)[-1]
    assert saved.status == "cancelled" and saved.finish_reason == "cancelled"
    assert saved.text + saved.reasoning + saved.commentary
    assert saved.text == session.answer and saved.reasoning == session.reasoning
    assert 0 < saved.stats["tokens"] < 3000


def test_a_turn_cancelled_while_queued_keeps_the_question(engine: EngineService, store: ConversationStore) -> None:
    conv = store.create().id
    sessions: dict[str, TurnSession] = {}

    def queue_and_drop(event: Event) -> None:
        if isinstance(event, DeltaEvent) and "waiting" not in sessions:
            sessions["waiting"] = waiting = TurnSession(engine, store, conv)
            waiting.start("queued question", Sampling(max_tokens=5))
            assert waiting.status == "queued"
            assert store.messages(conv)[-1].status == "partial"  # the placeholder is there already
            waiting.cancel()

    other = store.create().id
    first = TurnSession(engine, store, other)
    first.start("first", Sampling(max_tokens=50), on_event=queue_and_drop)
    assert isinstance(first.wait(timeout=60), Finished)
    waiting = sessions["waiting"]
    assert isinstance(waiting.wait(timeout=60), Cancelled)
    question, answer = store.messages(conv)
    assert question.text == "queued question"
    assert (answer.status, answer.text, answer.finish_reason) == ("cancelled", "", "cancelled")


def test_a_failed_turn_is_saved_with_its_reason(engine: EngineService, store: ConversationStore) -> None:
    conv = store.create().id
    session = TurnSession(engine, store, conv)
    session.start("word " * 5000, Sampling(max_tokens=5))
    failed = session.wait(timeout=60)
    assert isinstance(failed, Failed)
    saved = store.messages(conv)[-1]
    assert saved.status == "error" and "longer than the context" in (saved.error or "")


def test_a_turn_without_a_store_runs_the_same_lifecycle(scripted_engine: EngineService) -> None:
    session = TurnSession(scripted_engine)
    session.start("Hi", Sampling())
    assert isinstance(session.wait(timeout=60), Finished)
    assert (session.status, session.reasoning, session.answer) == ("complete", PLAIN.reasoning, PLAIN.answer)
    with pytest.raises(RuntimeError):
        session.start("twice", Sampling())


def test_deleting_the_chat_while_it_answers_loses_nothing_else(engine: EngineService,
                                                                store: ConversationStore) -> None:
    doomed, kept = store.create().id, store.create().id
    store.add_user_message(kept, "keep me")
    session = TurnSession(engine, store, doomed, partial_save_s=0.0)
    heard: list[Event] = []

    def delete_mid_stream(event: Event) -> None:
        heard.append(event)
        if isinstance(event, DeltaEvent) and len(heard) == 3:
            store.delete(doomed)

    session.start("stream on", Sampling(max_tokens=200, seed=7), on_event=delete_mid_stream)
    assert isinstance(session.wait(timeout=60), Finished)
    assert isinstance(heard[-1], Finished)  # the client still hears the end
    assert session.save_error and "no message" in session.save_error
    assert [c.id for c in store.list()] == [kept]
    assert [m.text for m in store.messages(kept)] == ["keep me"]
