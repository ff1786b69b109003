"""Conversations and their messages in one SQLite file, shared by the window and the CLI.

WAL lets the UI thread read while the LLM thread writes; `synchronous=NORMAL` is durable
against a crashed or killed process (only a power cut can drop the newest commits). A streaming
answer is saved as 'partial' about once a second, so a crash loses at most that second, and
the message stays 'partial' on reopen so the chat can mark it as interrupted.
"""

from __future__ import annotations

import builtins
import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from desktop.core.errors import UserError

Role = Literal["user", "assistant"]
Status = Literal["complete", "partial", "error", "cancelled"]
FINAL_STATUSES = ("complete", "error", "cancelled")
TITLE_CHARS = 60

# Forward migrations; PRAGMA user_version counts how many have run. Append, never edit.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE conversations (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids are never reused
        title    TEXT NOT NULL DEFAULT '',
        created  REAL NOT NULL,
        updated  REAL NOT NULL,
        settings TEXT                                 -- JSON snapshot, optional
    );
    CREATE INDEX conversations_by_updated ON conversations(updated);
    CREATE TABLE messages (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        position        INTEGER NOT NULL,
        role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        text            TEXT NOT NULL DEFAULT '',
        reasoning       TEXT NOT NULL DEFAULT '',
        effort          TEXT,
        model           TEXT,
        stats           TEXT NOT NULL DEFAULT '{}',
        sources         TEXT NOT NULL DEFAULT '[]',
        status          TEXT NOT NULL DEFAULT 'complete'
                        CHECK (status IN ('complete', 'partial', 'error', 'cancelled')),
        error           TEXT,
        created         REAL NOT NULL,
        UNIQUE (conversation_id, position)
    );
    """,
    # 2: the commentary channel (preambles, tool-call arguments) and how the turn ended.
    """
    ALTER TABLE messages ADD COLUMN commentary TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN finish_reason TEXT;
    """,
    # 3: the tool calls of a turn, in order: JSON [{name, arguments, result, status}].
    """
    ALTER TABLE messages ADD COLUMN tool_steps TEXT NOT NULL DEFAULT '[]';
    """,
)

# Kept apart from the migrations: it is only created where SQLite has FTS5, and can be added
# later (with a rebuild) to a file that was created without it.
_FTS_SCHEMA = """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;
    INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
"""


class NotFoundError(UserError, LookupError):
    """An id that names no conversation or message (deleted, or mistyped on the CLI)."""


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    created: float  # unix seconds
    updated: float
    message_count: int = 0
    settings: dict[str, Any] | None = None


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    position: int
    role: Role
    text: str  # the user's text, or the assistant's final answer
    reasoning: str = ""
    effort: str | None = None
    model: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)  # ttft_ms, reasoning_s, tokens, tokens_per_s
    sources: list[dict[str, Any]] = field(default_factory=list)  # {n, path, page, excerpt}
    status: Status = "complete"
    error: str | None = None
    created: float = 0.0
    commentary: str = ""  # the assistant's commentary channel, kept apart from reasoning
    finish_reason: str | None = None  # stop | tool_calls | length | context | cancelled | step_limit
    # The tools the model called in this turn, in order: {name, arguments, result, status}, where
    # status is ok | error | denied | cancelled. The result is the (untrusted) text the model read.
    tool_steps: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    title: str
    snippet: str  # the match surrounded by the search's marks
    message_id: int


@dataclass(frozen=True)
class DeletedConversation:
    """What `delete` removed, so that `restore` can put it back (undo)."""

    conversation: Conversation
    messages: tuple[Message, ...]


def title_from(text: str) -> str:
    """First non-empty line, whitespace collapsed, cut at a word boundary to about 60 chars."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(line.split())
    if len(line) <= TITLE_CHARS:
        return line
    space = line.rfind(" ", 0, TITLE_CHARS + 1)
    # One very long word (a path, a URL): a hard cut reads better than a stub.
    cut = line[:space] if space >= TITLE_CHARS // 2 else line[:TITLE_CHARS]
    return cut.rstrip(" ,.;:-") + "…"


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


class ConversationStore:
    """Thread-safe: one connection behind a lock. Every call is short (the longest is a search),
    so the UI thread never waits long behind the LLM thread's once-a-second partial save."""

    def __init__(self, path: Path | str, *, full_text: bool = True,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so two processes (window and
        # CLI) never both hold a read lock they then try to upgrade.
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                                   timeout=10.0)
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            self.full_text = self._ensure_fts() if full_text else self._has_fts()
        except BaseException:
            self._db.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ConversationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(_MIGRATIONS):
                raise UserError(f"{self.path.name} was written by a newer version of the app "
                                f"(schema {version}); please update gpt-oss-desktop")
            for number in range(version, len(_MIGRATIONS)):
                for statement in _split_sql(_MIGRATIONS[number]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={number + 1}")

    def _has_fts(self) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='messages_fts'").fetchone()
        return row is not None

    def _ensure_fts(self) -> bool:
        if self._has_fts():
            return True
        try:
            with self._write() as db:
                for statement in _split_sql(_FTS_SCHEMA):
                    db.execute(statement)
        except sqlite3.OperationalError:  # SQLite built without FTS5: search falls back to LIKE
            return False
        return True

    # -- conversations ---------------------------------------------------------------------
    def create(self, title: str = "", settings: Mapping[str, Any] | None = None) -> Conversation:
        now = self._clock()
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO conversations(title, created, updated, settings) VALUES (?, ?, ?, ?)",
                (title.strip(), now, now, _dumps(settings) if settings is not None else None))
            conv_id = cur.lastrowid
        assert conv_id is not None
        return self.get(conv_id)

    def list(self) -> list[Conversation]:
        """Newest activity first."""
        with self._lock:
            rows = self._db.execute(_CONVERSATION_SELECT + " GROUP BY c.id ORDER BY c.updated DESC, c.id DESC")
            return [_conversation(row) for row in rows]

    def get(self, conv_id: int) -> Conversation:
        with self._lock:
            row = self._db.execute(_CONVERSATION_SELECT + " WHERE c.id = ? GROUP BY c.id",
                                   (conv_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no conversation with id {conv_id}")
        return _conversation(row)

    def rename(self, conv_id: int, title: str) -> Conversation:
        with self._write() as db:
            self._require(db, conv_id)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title.strip(), conv_id))
        return self.get(conv_id)

    def set_settings(self, conv_id: int, settings: Mapping[str, Any]) -> Conversation:
        """Replace a conversation's own settings (its attachments, its library switch...)."""
        with self._write() as db:
            self._require(db, conv_id)
            db.execute("UPDATE conversations SET settings = ? WHERE id = ?", (_dumps(dict(settings)), conv_id))
        return self.get(conv_id)

    def delete(self, conv_id: int) -> DeletedConversation:
        """Removes the conversation now; keep the result to `restore` it (undo)."""
        with self._lock:
            snapshot = DeletedConversation(self.get(conv_id), tuple(self.messages(conv_id)))
            with self._write() as db:
                db.execute("DELETE FROM conversations WHERE id = ?", (conv_id,))
        return snapshot

    def restore(self, snapshot: DeletedConversation) -> Conversation:
        """Puts a deleted conversation back with its original ids (they are never reused)."""
        conv = snapshot.conversation
        with self._write() as db:
            db.execute(
                "INSERT INTO conversations(id, title, created, updated, settings) VALUES (?, ?, ?, ?, ?)",
                (conv.id, conv.title, conv.created, conv.updated,
                 _dumps(conv.settings) if conv.settings is not None else None))
            db.executemany(
                "INSERT INTO messages(id, conversation_id, position, role, text, reasoning, effort,"
                " model, stats, sources, status, error, created, commentary, finish_reason, tool_steps)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(m.id, m.conversation_id, m.position, m.role, m.text, m.reasoning, m.effort, m.model,
                  _dumps(m.stats), _dumps(m.sources), m.status, m.error, m.created, m.commentary,
                  m.finish_reason, _dumps(m.tool_steps))
                 for m in snapshot.messages])
        return self.get(conv.id)

    # -- messages --------------------------------------------------------------------------
    def messages(self, conv_id: int) -> builtins.list[Message]:
        with self._lock:
            self._require(self._db, conv_id)
            rows = self._db.execute(
                "SELECT * FROM messages WHERE conversation_id = ? ORDER BY position", (conv_id,))
            return [_message(row) for row in rows]

    def message(self, msg_id: int) -> Message:
        with self._lock:
            row = self._db.execute("SELECT * FROM messages WHERE id = ?", (msg_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no message with id {msg_id}")
        return _message(row)

    def add_user_message(self, conv_id: int, text: str) -> Message:
        """Appends the question; the first one names a conversation that has no title yet."""
        with self._write() as db:
            self._require(db, conv_id)
            msg_id = self._append(db, conv_id, "user", text, status="complete")
            db.execute("UPDATE conversations SET title = ? WHERE id = ? AND title = ''",
                       (title_from(text), conv_id))
        return self.message(msg_id)

    def start_assistant_message(self, conv_id: int, effort: str | None, model: str | None) -> Message:
        with self._write() as db:
            self._require(db, conv_id)
            msg_id = self._append(db, conv_id, "assistant", "", status="partial",
                                  effort=effort, model=model)
        return self.message(msg_id)

    def update_partial(self, msg_id: int, text: str, reasoning: str, commentary: str | None = None,
                       tool_steps: Sequence[Mapping[str, Any]] | None = None) -> None:
        """The streamed text so far (and the tool calls done so far). One small transaction, meant
        for about once a second and after each tool call; a message that was already finished is
        left alone (a late save must not undo a finish). None keeps what is saved."""
        steps = _dumps([dict(s) for s in tool_steps]) if tool_steps is not None else None
        with self._write() as db:
            db.execute("UPDATE messages SET text = ?, reasoning = ?, commentary = COALESCE(?, commentary),"
                       " tool_steps = COALESCE(?, tool_steps) WHERE id = ? AND status = 'partial'",
                       (text, reasoning, commentary, steps, msg_id))

    def finish_assistant_message(self, msg_id: int, text: str, reasoning: str,
                                 stats: Mapping[str, Any] | None = None,
                                 sources: Sequence[Mapping[str, Any]] | None = None,
                                 status: Status = "complete", error: str | None = None, *,
                                 commentary: str | None = None, finish_reason: str | None = None,
                                 tool_steps: Sequence[Mapping[str, Any]] | None = None) -> Message:
        """`commentary` and `tool_steps`: None keeps what a partial save left."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"a finished message's status is one of {FINAL_STATUSES}, not {status!r}")
        with self._write() as db:
            row = db.execute("SELECT conversation_id FROM messages WHERE id = ?", (msg_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no message with id {msg_id}")
            db.execute(
                "UPDATE messages SET text = ?, reasoning = ?, stats = ?, sources = ?, status = ?,"
                " error = ?, commentary = COALESCE(?, commentary), finish_reason = ?,"
                " tool_steps = COALESCE(?, tool_steps) WHERE id = ?",
                (text, reasoning, _dumps(dict(stats or {})), _dumps([dict(s) for s in sources or []]),
                 status, error, commentary, finish_reason,
                 _dumps([dict(s) for s in tool_steps]) if tool_steps is not None else None, msg_id))
            self._touch(db, row["conversation_id"])
        return self.message(msg_id)

    def truncate_after(self, conv_id: int, position: int) -> int:
        """Deletes the messages after `position` (regenerate: the question's position; edit and
        resend: the position before the edited question). Returns how many were deleted."""
        with self._write() as db:
            self._require(db, conv_id)
            cur = db.execute("DELETE FROM messages WHERE conversation_id = ? AND position > ?",
                             (conv_id, position))
            self._touch(db, conv_id)
            return cur.rowcount

    # -- search and export -----------------------------------------------------------------
    def search(self, text: str, *, limit: int = 50,
               marks: tuple[str, str] = ("«", "»")) -> builtins.list[SearchHit]:
        """Conversations whose messages contain every word of `text` (the last as a prefix, so
        it works while typing), best match first, one hit per conversation."""
        words = re.findall(r"\w+", text)
        if not words:
            return []
        with self._lock:
            if self.full_text:
                return self._search_fts(words, limit, marks)
            return self._search_like(words, limit, marks)

    def _search_fts(self, words: builtins.list[str], limit: int,
                    marks: tuple[str, str]) -> builtins.list[SearchHit]:
        # Each word quoted: the user's text never reaches FTS5's query syntax (AND, NEAR, col:).
        query = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
        best = self._db.execute(
            """WITH matches AS (
                   SELECT rowid AS mid, bm25(messages_fts) AS rank FROM messages_fts WHERE messages_fts MATCH ?),
               ranked AS (
                   SELECT matches.mid, matches.rank, m.conversation_id AS cid, c.title, c.updated,
                          row_number() OVER (PARTITION BY m.conversation_id ORDER BY matches.rank) AS n
                   FROM matches
                   JOIN messages AS m ON m.id = matches.mid
                   JOIN conversations AS c ON c.id = m.conversation_id)
               SELECT mid, cid, title FROM ranked WHERE n = 1 ORDER BY rank, updated DESC LIMIT ?""",
            (query, limit)).fetchall()
        hits = []
        for row in best:
            snippet = self._db.execute(
                "SELECT snippet(messages_fts, 0, ?, ?, '…', 12) FROM messages_fts"
                " WHERE messages_fts MATCH ? AND rowid = ?", (*marks, query, row["mid"])).fetchone()[0]
            hits.append(SearchHit(row["cid"], row["title"], " ".join(snippet.split()), row["mid"]))
        return hits

    def _search_like(self, words: builtins.list[str], limit: int,
                     marks: tuple[str, str]) -> builtins.list[SearchHit]:
        where = " AND ".join("m.text LIKE ? ESCAPE '\\'" for _ in words)
        patterns = ["%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for w in words]
        rows = self._db.execute(
            f"""SELECT m.id AS mid, m.conversation_id AS cid, c.title AS title, m.text AS text
                FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id
                WHERE {where} ORDER BY c.updated DESC, m.position""", patterns)
        hits: dict[int, SearchHit] = {}
        for row in rows:
            if row["cid"] not in hits:
                hits[row["cid"]] = SearchHit(row["cid"], row["title"],
                                             _like_snippet(row["text"], words[0], marks), row["mid"])
            if len(hits) >= limit:
                break
        return list(hits.values())

    def export_markdown(self, conv_id: int) -> str:
        conv = self.get(conv_id)
        out = [f"# {conv.title or 'Untitled conversation'}", "",
               f"*Exported from gpt-oss-desktop. Started {iso(conv.created)}, "
               f"{conv.message_count} messages.*", ""]
        for msg in self.messages(conv_id):
            out += _message_markdown(msg)
        return "\n".join(out).rstrip() + "\n"

    def export_json(self, conv_id: int) -> str:
        conv = self.get(conv_id)
        doc = {
            "format": "gpt-oss-desktop.conversation",
            "version": 1,
            "conversation": {**asdict(conv), "created": iso(conv.created), "updated": iso(conv.updated)},
            "messages": [{**asdict(m), "created": iso(m.created)} for m in self.messages(conv_id)],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"

    # -- helpers ---------------------------------------------------------------------------
    def _require(self, db: sqlite3.Connection, conv_id: int) -> None:
        if db.execute("SELECT 1 FROM conversations WHERE id = ?", (conv_id,)).fetchone() is None:
            raise NotFoundError(f"no conversation with id {conv_id}")

    def _touch(self, db: sqlite3.Connection, conv_id: int) -> None:
        db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (self._clock(), conv_id))

    def _append(self, db: sqlite3.Connection, conv_id: int, role: Role, text: str, *,
                status: Status, effort: str | None = None, model: str | None = None) -> int:
        now = self._clock()
        position = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM messages WHERE conversation_id = ?",
                              (conv_id,)).fetchone()[0]
        cur = db.execute(
            "INSERT INTO messages(conversation_id, position, role, text, effort, model, status, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (conv_id, position, role, text, effort, model, status, now))
        db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conv_id))
        assert cur.lastrowid is not None
        return cur.lastrowid


_CONVERSATION_SELECT = """
    SELECT c.id, c.title, c.created, c.updated, c.settings, COUNT(m.id) AS message_count
    FROM conversations AS c LEFT JOIN messages AS m ON m.conversation_id = c.id"""


def _split_sql(script: str) -> list[str]:
    # executescript() would COMMIT our open transaction; statements run one by one instead.
    # Trigger bodies hold ';' too, so split on the ';' that ends a line outside BEGIN...END.
    statements, current, in_trigger = [], [], False
    for line in script.strip().splitlines():
        current.append(line)
        stripped = line.strip().upper()
        if stripped.startswith("CREATE TRIGGER"):
            in_trigger = True
        if line.rstrip().endswith(";") and (not in_trigger or stripped == "END;"):
            statements.append("\n".join(current))
            current, in_trigger = [], False
    return statements


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(id=row["id"], title=row["title"], created=row["created"], updated=row["updated"],
                        message_count=row["message_count"],
                        settings=json.loads(row["settings"]) if row["settings"] else None)


def _message(row: sqlite3.Row) -> Message:
    return Message(id=row["id"], conversation_id=row["conversation_id"], position=row["position"],
                   role=row["role"], text=row["text"], reasoning=row["reasoning"], effort=row["effort"],
                   model=row["model"], stats=json.loads(row["stats"]), sources=json.loads(row["sources"]),
                   status=row["status"], error=row["error"], created=row["created"],
                   commentary=row["commentary"], finish_reason=row["finish_reason"],
                   tool_steps=json.loads(row["tool_steps"]))


def _like_snippet(text: str, word: str, marks: tuple[str, str], context: int = 60) -> str:
    at = text.lower().find(word.lower())
    start, end = max(0, at - context), min(len(text), at + len(word) + context)
    snippet = (text[start:at] + marks[0] + text[at:at + len(word)] + marks[1] + text[at + len(word):end])
    return ("…" if start else "") + " ".join(snippet.split()) + ("…" if end < len(text) else "")


_STATUS_NOTES = {"partial": "*(interrupted before it finished)*", "cancelled": "*(stopped)*"}


def _message_markdown(msg: Message) -> list[str]:
    if msg.role == "user":
        return ["## You", "", msg.text, ""]
    details = " · ".join(x for x in (f"{msg.effort} effort" if msg.effort else "", msg.model or "") if x)
    out = [f"## Assistant{' (' + details + ')' if details else ''}", ""]
    if msg.reasoning:
        seconds = msg.stats.get("reasoning_s")
        label = f"Thought for {seconds:.0f} s" if isinstance(seconds, (int, float)) else "Reasoning"
        out += [f"> **{label}**", ">"] + [f"> {line}".rstrip() for line in msg.reasoning.splitlines()] + [""]
    if msg.commentary:
        out += ["> **Commentary**", ">"] + [f"> {line}".rstrip() for line in msg.commentary.splitlines()] + [""]
    out += _steps_markdown(msg.tool_steps)
    if msg.text:
        out += [msg.text, ""]
    if msg.finish_reason == "tool_calls" and not msg.tool_steps:
        out += ["*(asked for a tool; no tool ran)*", ""]
    if msg.status == "error":
        out += [f"*(error: {msg.error or 'unknown'})*", ""]
    elif msg.status in _STATUS_NOTES:
        out += [_STATUS_NOTES[msg.status], ""]
    if msg.sources:
        out += ["**Sources**", ""]
        for source in msg.sources:
            page = f", page {source['page']}" if source.get("page") is not None else ""
            out.append(f"{source.get('n', '?')}. {source.get('path', '')}{page}")
        out.append("")
    stats = _stats_line(msg.stats)
    if stats:
        out += [f"*{stats}*", ""]
    return out


def _steps_markdown(steps: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each tool call as a quoted block: its name and how it went, the arguments, what came back.
    Arguments and results are fenced: they are untrusted text, never Markdown of this export."""
    out: list[str] = []
    for number, step in enumerate(steps, 1):
        arguments = step.get("arguments")
        shown = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False, indent=2)
        out += [f"> **Tool step {number}: {step.get('name', '?')}** ({step.get('status', '?')})", ">"]
        out += _fenced_quote("json" if not isinstance(arguments, str) else "", shown)
        out += [">", "> Result:", ">"] + _fenced_quote("", str(step.get("result", ""))) + [""]
    return out


def _fenced_quote(language: str, text: str) -> list[str]:
    # A fence longer than any run of backticks in the text, so the text cannot close it.
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return [f"> {fence}{language}"] + [f"> {line}".rstrip() for line in text.splitlines()] + [f"> {fence}"]


def _stats_line(stats: Mapping[str, Any]) -> str:
    parts = []
    if isinstance(stats.get("tokens_per_s"), (int, float)):
        parts.append(f"{stats['tokens_per_s']:.1f} tok/s")
    if isinstance(stats.get("ttft_ms"), (int, float)):
        parts.append(f"{stats['ttft_ms'] / 1000:.1f} s to first token")
    if isinstance(stats.get("tokens"), int):
        parts.append(f"{stats['tokens']} tokens")
    return " · ".join(parts)
