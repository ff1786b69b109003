"""The conversation store on a real SQLite file: ordering, undo, search, export, crash safety."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.conversations import ConversationStore, DeletedConversation, title_from
from desktop.core.errors import UserError

REPO = Path(__file__).resolve().parents[2]


class FakeClock:
    """Ordering tests must not depend on the OS clock's resolution."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "conversations.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(db_path, clock=FakeClock()) as s:
        yield s


def _turn(store: ConversationStore, conv_id: int, question: str, answer: str) -> None:
    store.add_user_message(conv_id, question)
    msg = store.start_assistant_message(conv_id, "medium", "gpt-oss-20b")
    store.finish_assistant_message(msg.id, answer, "thinking about " + question,
                                   {"ttft_ms": 800.0, "reasoning_s": 3.2, "tokens": 120, "tokens_per_s": 12.4},
                                   [{"n": 1, "path": "/docs/heat-pump.pdf", "page": 3, "excerpt": "Defrost..."}])


def test_file_is_wal_with_current_schema(store: ConversationStore, db_path: Path) -> None:
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 3
    raw.close()
    assert store.full_text


def test_a_file_of_the_first_schema_opens_and_keeps_its_messages(db_path: Path) -> None:
    from desktop.core.conversations import _MIGRATIONS, _split_sql

    db_path.parent.mkdir(parents=True)
    raw = sqlite3.connect(db_path)
    for statement in _split_sql(_MIGRATIONS[0]):
        raw.execute(statement)
    raw.execute("INSERT INTO conversations(title, created, updated) VALUES ('old', 1, 1)")
    raw.execute("INSERT INTO messages(conversation_id, position, role, text, reasoning, created)"
                " VALUES (1, 0, 'assistant', 'an old answer', 'old thoughts', 1)")
    raw.execute("PRAGMA user_version=1")
    raw.commit()
    raw.close()
    with ConversationStore(db_path) as store:
        [message] = store.messages(1)
        assert (message.text, message.reasoning, message.commentary, message.finish_reason) == (
            "an old answer", "old thoughts", "", None)
        placeholder = store.start_assistant_message(1, "low", "m")
        store.finish_assistant_message(placeholder.id, "new", "r", commentary="aside", finish_reason="stop")
        assert store.message(placeholder.id).commentary == "aside"


def test_commentary_and_finish_reason_are_kept_apart(store: ConversationStore) -> None:
    conv = store.create()
    store.add_user_message(conv.id, "weather?")
    msg = store.start_assistant_message(conv.id, "medium", "m")
    store.update_partial(msg.id, "", "thinking", "calling the tool")
    partial = store.message(msg.id)
    assert (partial.reasoning, partial.commentary, partial.status) == ("thinking", "calling the tool", "partial")
    store.update_partial(msg.id, "", "thinking more")  # an older caller: commentary stays
    assert store.message(msg.id).commentary == "calling the tool"
    done = store.finish_assistant_message(msg.id, "", "thinking more", {"tokens": 9},
                                          commentary='{"city":"Paris"}', finish_reason="tool_calls")
    assert (done.commentary, done.finish_reason, done.status) == ('{"city":"Paris"}', "tool_calls", "complete")
    store.update_partial(msg.id, "late", "late", "late")  # a late partial save must not undo it
    assert store.message(msg.id).commentary == '{"city":"Paris"}'
    snapshot = store.delete(conv.id)
    store.restore(snapshot)
    restored = store.messages(conv.id)[-1]
    assert (restored.commentary, restored.finish_reason) == ('{"city":"Paris"}', "tool_calls")


def test_newer_schema_is_refused(db_path: Path) -> None:
    ConversationStore(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA user_version=99")
    raw.close()
    with pytest.raises(UserError, match="newer version"):
        ConversationStore(db_path)


def test_list_is_newest_activity_first_with_counts(store: ConversationStore) -> None:
    first = store.create("First")
    second = store.create("Second")
    assert [c.id for c in store.list()] == [second.id, first.id]
    _turn(store, first.id, "question", "answer")
    listed = store.list()
    assert [c.id for c in listed] == [first.id, second.id]
    assert [c.message_count for c in listed] == [2, 0]


def test_title_comes_from_first_question_only(store: ConversationStore) -> None:
    conv = store.create()
    store.add_user_message(conv.id, "\n  How do I   bleed the radiators?\nThey gurgle.")
    store.add_user_message(conv.id, "Another question")
    assert store.get(conv.id).title == "How do I bleed the radiators?"
    titled = store.create("Kept")
    store.add_user_message(titled.id, "Not a title")
    assert store.get(titled.id).title == "Kept"


def test_long_title_is_cut_on_a_word_boundary() -> None:
    question = "Why does my heat pump keep switching into defrost mode every twenty minutes in mild weather?"
    title = title_from(question)
    assert title.endswith("…")
    assert len(title) <= 61
    assert question.startswith(title[:-1])
    assert question[len(title) - 1] == " "  # the cut falls between two words
    assert title_from("x" * 200) == "x" * 60 + "…"


def test_rename_and_unknown_ids(store: ConversationStore) -> None:
    conv = store.create("Old")
    assert store.rename(conv.id, "  New name ").title == "New name"
    assert store.get(conv.id).title == "New name"
    for call in (store.get, store.messages, store.delete, store.export_markdown):
        with pytest.raises(UserError, match="no conversation with id 999"):
            call(999)
    with pytest.raises(UserError, match="no conversation with id 999"):
        store.add_user_message(999, "hi")


def test_delete_then_restore_puts_everything_back(store: ConversationStore) -> None:
    conv = store.create()
    _turn(store, conv.id, "How do I reset the router?", "Hold the reset button for ten seconds.")
    before = store.messages(conv.id)
    snapshot = store.delete(conv.id)
    assert isinstance(snapshot, DeletedConversation)
    assert store.list() == []
    assert store.search("router") == []
    restored = store.restore(snapshot)
    assert restored == snapshot.conversation
    assert store.messages(conv.id) == before
    assert [h.conversation_id for h in store.search("router")] == [conv.id]
    # Ids are never reused, so a restore after new conversations still has its own id.
    assert store.create().id > conv.id


def test_search_finds_words_anywhere_with_a_snippet(store: ConversationStore) -> None:
    heat = store.create()
    _turn(store, heat.id, "Heat pump setup", "Set the defrost interval to 60 minutes, then check the drain.")
    router = store.create()
    _turn(store, router.id, "Router errors", "The log shows DHCP timeouts.")
    hits = store.search("defrost interval")
    assert [(h.conversation_id, h.title) for h in hits] == [(heat.id, "Heat pump setup")]
    assert "«defrost» «interval»" in hits[0].snippet
    assert [h.conversation_id for h in store.search("dhcp")] == [router.id]  # case-insensitive
    assert [h.conversation_id for h in store.search("timeo")] == [router.id]  # prefix while typing
    assert store.search("defrost dhcp") == []  # every word must match
    assert store.search('"NEAR( OR -') == []  # query syntax characters never reach FTS5
    assert store.search("   ") == []


def test_search_returns_one_hit_per_conversation(store: ConversationStore) -> None:
    conv = store.create()
    _turn(store, conv.id, "pump question", "pump answer")
    _turn(store, conv.id, "another pump", "more pump")
    assert [h.conversation_id for h in store.search("pump")] == [conv.id]


def test_search_sees_text_saved_while_streaming_and_after_edits(store: ConversationStore) -> None:
    conv = store.create()
    store.add_user_message(conv.id, "question")
    msg = store.start_assistant_message(conv.id, "low", "m")
    store.update_partial(msg.id, "the compressor hums", "")
    assert [h.message_id for h in store.search("compressor")] == [msg.id]
    store.finish_assistant_message(msg.id, "the fan hums", "")
    assert store.search("compressor") == []
    assert [h.message_id for h in store.search("fan")] == [msg.id]


def test_like_search_when_full_text_is_off(db_path: Path) -> None:
    with ConversationStore(db_path, full_text=False) as store:
        assert not store.full_text
        conv = store.create()
        _turn(store, conv.id, "Heat pump setup", "Use 100% of the defrost_interval setting.")
        hits = store.search("defrost")
        assert [h.conversation_id for h in hits] == [conv.id]
        assert "«defrost»" in hits[0].snippet
        assert [h.conversation_id for h in store.search("100")] == [conv.id]
        assert store.search("defrost missing") == []


def test_full_text_index_is_built_for_an_older_file(db_path: Path) -> None:
    with ConversationStore(db_path, full_text=False) as store:
        conv = store.create()
        _turn(store, conv.id, "Heat pump setup", "defrost interval")
    with ConversationStore(db_path) as store:
        assert store.full_text
        assert [h.conversation_id for h in store.search("interval")] == [conv.id]


def test_assistant_message_round_trip(store: ConversationStore) -> None:
    conv = store.create()
    store.add_user_message(conv.id, "q")
    started = store.start_assistant_message(conv.id, "high", "gpt-oss-20b")
    assert (started.status, started.text, started.position) == ("partial", "", 1)
    store.update_partial(started.id, "Partial ans", "Partial reasoning")
    assert store.message(started.id).text == "Partial ans"
    done = store.finish_assistant_message(started.id, "Final answer", "All reasoning", {"tokens": 7},
                                          [{"n": 1, "path": "a.md", "page": None, "excerpt": "e"}])
    assert (done.status, done.text, done.reasoning, done.effort, done.model) == (
        "complete", "Final answer", "All reasoning", "high", "gpt-oss-20b")
    assert done.stats == {"tokens": 7}
    assert done.sources == [{"n": 1, "path": "a.md", "page": None, "excerpt": "e"}]
    # A partial save that arrives after the finish must not overwrite the final text.
    store.update_partial(started.id, "stale", "stale")
    assert store.message(started.id).text == "Final answer"
    with pytest.raises(ValueError):
        store.finish_assistant_message(started.id, "x", "", status="partial")  # type: ignore[arg-type]


def test_error_and_cancelled_statuses_are_kept(store: ConversationStore) -> None:
    conv = store.create()
    failed = store.start_assistant_message(conv.id, "low", "m")
    store.finish_assistant_message(failed.id, "", "", status="error", error="out of memory")
    stopped = store.start_assistant_message(conv.id, "low", "m")
    store.finish_assistant_message(stopped.id, "half", "", status="cancelled")
    assert [(m.status, m.error) for m in store.messages(conv.id)] == [
        ("error", "out of memory"), ("cancelled", None)]


def test_partial_message_survives_reopen(db_path: Path) -> None:
    with ConversationStore(db_path) as store:
        conv = store.create()
        store.add_user_message(conv.id, "q")
        msg = store.start_assistant_message(conv.id, "medium", "m")
        store.update_partial(msg.id, "half an answer", "some thoughts")
    with ConversationStore(db_path) as store:
        reopened = store.message(msg.id)
    assert (reopened.status, reopened.text, reopened.reasoning) == ("partial", "half an answer", "some thoughts")


def test_truncate_after_for_regenerate_and_edit(store: ConversationStore) -> None:
    conv = store.create()
    _turn(store, conv.id, "first", "one")
    _turn(store, conv.id, "second", "two")
    # Regenerate the last answer: keep up to the question at position 2.
    assert store.truncate_after(conv.id, 2) == 1
    assert [m.text for m in store.messages(conv.id)] == ["first", "one", "second"]
    # Edit and resend the first question: drop it and everything after, then add the new text.
    assert store.truncate_after(conv.id, -1) == 3
    edited = store.add_user_message(conv.id, "first, edited")
    assert edited.position == 0
    assert store.search("second") == []
    assert store.get(conv.id).message_count == 1


def test_export_markdown(store: ConversationStore) -> None:
    conv = store.create()
    _turn(store, conv.id, "How do I reset the router?", "Hold **reset** for 10 s [1].")
    interrupted = store.start_assistant_message(conv.id, "low", "gpt-oss-20b")
    store.update_partial(interrupted.id, "Half of it", "")
    md = store.export_markdown(conv.id)
    assert md.startswith("# How do I reset the router?\n")
    assert "## You\n\nHow do I reset the router?" in md
    assert "## Assistant (medium effort · gpt-oss-20b)" in md
    assert "> **Thought for 3 s**" in md
    assert "> thinking about How do I reset the router?" in md
    assert "Hold **reset** for 10 s [1]." in md
    assert "1. /docs/heat-pump.pdf, page 3" in md
    assert "12.4 tok/s · 0.8 s to first token" in md
    assert "Half of it\n\n*(interrupted before it finished)*" in md


def test_export_json(store: ConversationStore) -> None:
    conv = store.create()
    _turn(store, conv.id, "Question?", "Answer.")
    doc = json.loads(store.export_json(conv.id))
    assert doc["format"] == "gpt-oss-desktop.conversation"
    assert doc["conversation"]["id"] == conv.id
    assert doc["conversation"]["title"] == "Question?"
    assert doc["conversation"]["updated"].endswith("+00:00")
    assert [(m["role"], m["text"], m["status"]) for m in doc["messages"]] == [
        ("user", "Question?", "complete"), ("assistant", "Answer.", "complete")]
    assert doc["messages"][1]["stats"]["tokens_per_s"] == 12.4
    assert doc["messages"][1]["sources"][0]["page"] == 3


def test_reader_thread_sees_whole_saves_while_writer_streams(store: ConversationStore) -> None:
    conv = store.create()
    store.add_user_message(conv.id, "q")
    msg = store.start_assistant_message(conv.id, "low", "m")
    chunks = [f"word{i} " for i in range(300)]
    full = "".join(chunks)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(1, len(chunks) + 1):
                store.update_partial(msg.id, "".join(chunks[:i]), f"r{i}")
            store.finish_assistant_message(msg.id, full, "done")
        except BaseException as exc:  # surfaced by the assert below
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    seen = []
    while writer.is_alive():
        current = store.messages(conv.id)[1]
        seen.append(current.text)
        # Text and reasoning always come from the same save.
        if current.status == "partial" and current.text:
            assert current.reasoning == f"r{len(current.text.split())}"
    writer.join()
    assert errors == []
    final = store.messages(conv.id)[1]
    assert (final.status, final.reasoning) == ("complete", "done")
    seen.append(final.text)
    assert all(full.startswith(text) for text in seen)
    assert [len(t) for t in seen] == sorted(len(t) for t in seen)  # never goes backwards
    assert seen[-1] == full


_WRITER = """
import sys
from desktop.core.conversations import ConversationStore

store = ConversationStore(sys.argv[1])
conv = store.create()
for i in range(3):
    store.add_user_message(conv.id, f"question {i}")
    msg = store.start_assistant_message(conv.id, "medium", "m")
    store.finish_assistant_message(msg.id, f"answer {i}", f"reasoning {i}", {"tokens": i})
store.add_user_message(conv.id, "question 3")
msg = store.start_assistant_message(conv.id, "medium", "m")
print("conversation", conv.id, "message", msg.id, flush=True)
i = 0
while True:
    i += 1
    store.update_partial(msg.id, "tok " * i, "think " * i)
    print("saved", i, flush=True)
"""


def test_kill_9_mid_stream_loses_no_earlier_message(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(db_path)], stdout=subprocess.PIPE,
                            text=True, env=env)
    try:
        assert proc.stdout is not None
        header = proc.stdout.readline().split()
        conv_id, msg_id = int(header[1]), int(header[3])
        saved = 0
        while saved < 20:  # let it commit a few partial saves, then kill it mid-stream
            saved = int(proc.stdout.readline().split()[1])
        proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no cleanup runs
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == (-signal.SIGKILL if os.name == "posix" else 1)

    with ConversationStore(db_path) as store:
        messages = store.messages(conv_id)
    assert [(m.role, m.text, m.status) for m in messages[:7]] == [
        ("user", "question 0", "complete"), ("assistant", "answer 0", "complete"),
        ("user", "question 1", "complete"), ("assistant", "answer 1", "complete"),
        ("user", "question 2", "complete"), ("assistant", "answer 2", "complete"),
        ("user", "question 3", "complete")]
    assert [m.reasoning for m in messages[1:6:2]] == ["reasoning 0", "reasoning 1", "reasoning 2"]
    interrupted = messages[7]
    assert (len(messages), interrupted.id, interrupted.status) == (8, msg_id, "partial")
    # Every save that was reported before the kill is there (a later one may be, too).
    words = interrupted.text.split()
    assert len(words) >= saved and set(words) == {"tok"}
    assert interrupted.reasoning.split() == ["think"] * len(words)


def test_export_keeps_commentary_apart(store: ConversationStore) -> None:
    conv = store.create()
    store.add_user_message(conv.id, "weather in Paris?")
    msg = store.start_assistant_message(conv.id, "low", "m")
    store.finish_assistant_message(msg.id, "", "They want the weather.", {"reasoning_s": 1.0},
                                   commentary='{"city":"Paris"}', finish_reason="tool_calls")
    md = store.export_markdown(conv.id)
    assert "> **Thought for 1 s**\n>\n> They want the weather.\n" in md
    assert '> **Commentary**\n>\n> {"city":"Paris"}\n' in md
    assert "*(asked for a tool; no tool ran)*" in md
    exported = json.loads(store.export_json(conv.id))["messages"][-1]
    assert (exported["commentary"], exported["finish_reason"]) == ('{"city":"Paris"}', "tool_calls")
