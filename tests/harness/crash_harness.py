"""Crash safety: SIGKILL the app's long operations at random moments, restart, check what is left.

    run_crash_harness(args) -> dict     (args.trials, args.seed, args.workdir)

Three scenarios, each a real `python -m desktop ...` process in its own app home:

- ask: a reply streams into a saved conversation (`ask --chat ID`, thousands of tokens).
  After the kill: every earlier message is byte-for-byte intact, the new question is saved, the
  interrupted reply is 'partial' (or 'complete' if it finished), the database passes SQLite's
  integrity check, and a follow-up question in the same conversation works.
- library: `library add` over a folder whose documents change between trials. After the kill:
  every document shown as indexed has exactly its recorded number of chunks in the vector store,
  search returns chunks of indexed documents only, and `library add` run again indexes all.
- download: `models download` from the local fake Hub (HF_ENDPOINT, throttled). After the kill:
  run again, it resumes from the partial file (a Range request) and verifies the sha256.

After every kill the settings file must parse and load. A trial fails when any check fails or
a restart does not succeed; the report lists each failure with its reason.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from desktop.paths import AppPaths

ROOT = Path(__file__).resolve().parents[2]

LIBRARY_CHECK = r'''
import json, sys
from desktop.context import AppContext
from desktop.core.library import INDEXED, Library
ctx = AppContext.load()
library = Library.open(ctx, embedding_model=sys.argv[1])
problems, statuses = [], {}
indexed = set()
for record in library.documents():
    statuses[record.status] = statuses.get(record.status, 0) + 1
    stored = library.chunk_count(record.path)
    if record.status == INDEXED:
        indexed.add(record.path)
        if stored != record.chunks or stored == 0:
            problems.append(f"{record.path}: shown as indexed with {record.chunks} chunks, {stored} stored")
hits = library.search("defrost cycle router reset sourdough", top_k=10) if indexed else []
problems += [f"search returned a chunk of {h.path}, not indexed" for h in hits if h.path not in indexed]
library.close()
print(json.dumps({"problems": problems, "statuses": statuses}))
'''


class Trial:
    def __init__(self, scenario: str, index: int, kill_after_s: float) -> None:
        self.scenario, self.index, self.kill_after_s = scenario, index, round(kill_after_s, 2)
        self.killed = False
        self.failures: list[str] = []
        self.note = ""

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.failures.append(message)

    def to_json(self) -> dict:
        return {"scenario": self.scenario, "trial": self.index, "kill_after_s": self.kill_after_s,
                "killed_mid_run": self.killed, "failures": self.failures, "note": self.note}


class Harness:
    def __init__(self, work: Path, rng: random.Random) -> None:
        self.work, self.rng = work, rng
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "XDG_"))}
        self.env.update(PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")

    def env_for(self, home: Path, extra: dict | None = None) -> dict:
        return {**self.env, "GPT_OSS_DESKTOP_HOME": str(home), **(extra or {})}

    def python(self, home: Path, *argv: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env=self.env_for(home, env))

    def cli(self, home: Path, *argv: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return self.python(home, "-m", "desktop", *argv, env=env, timeout=timeout)

    def kill_during(self, trial: Trial, home: Path, argv: list[str], env: dict | None = None,
                    started: Callable[[list[str]], bool] | None = None) -> None:
        """SIGKILL the command `trial.kill_after_s` seconds after it starts, or after `started`
        (given the stderr lines so far) says the real work has begun: start-up takes seconds
        on a loaded machine, and a kill before any write tests little."""
        proc = subprocess.Popen([sys.executable, "-m", "desktop", *argv], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, env=self.env_for(home, env))
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
        reader.start()
        if started is not None:
            deadline = time.monotonic() + 120
            while proc.poll() is None and not started(lines) and time.monotonic() < deadline:
                time.sleep(0.01)
        try:
            proc.wait(timeout=trial.kill_after_s)
            trial.note = f"finished before the kill (rc {proc.returncode})"
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            trial.killed = True
        reader.join(timeout=5)

    def settings_readable(self, trial: Trial, home: Path) -> None:
        path = AppPaths.under(home).settings_file
        if path.exists():
            try:
                json.loads(path.read_text())
            except ValueError as exc:
                trial.failures.append(f"settings.json does not parse: {exc}")
        done = self.python(home, "-c", "from desktop.context import AppContext; AppContext.load()", timeout=60)
        trial.check(done.returncode == 0, f"settings do not load: {done.stderr[-300:]}")


# ── ask ─────────────────────────────────────────────────────────────────────────────────────

def _messages(db: Path) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return con.execute("SELECT id, conversation_id, position, role, text, status FROM messages ORDER BY id").fetchall()


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0]


def ask_trials(h: Harness, chat_model: Path, count: int) -> list[Trial]:
    home = h.work / "ask-home"
    # A long context, so one reply streams for seconds and the kill lands mid-stream.
    h.python(home, "-c", "from desktop.context import AppContext; c = AppContext.load(); "
             "c.update_settings(c.settings.with_section('model', context_length=32768))").check_returncode()
    ask = ["ask", "--model", str(chat_model), "--temperature", "1", "--quiet"]
    first = h.cli(home, *ask, "Start of our chat.", "--max-tokens", "32", "--chat", "new")
    if first.returncode != 0:
        raise SystemExit(f"ask does not work before any kill: {first.stderr}")
    db = AppPaths.under(home).conversations_db
    conv_id = str(_messages(db)[0][1])
    trials = []
    for i in range(count):
        trial = Trial("ask", i, h.rng.uniform(0.3, 7.0))
        before = _messages(db)
        question = f"Question {i}: tell me a long story."
        h.kill_during(trial, home, [*ask, question, "--max-tokens", "30000", "--chat", conv_id])
        after = _messages(db)
        trial.check(after[:len(before)] == before, "earlier messages changed")
        new = after[len(before):]
        trial.check(_integrity(db) == "ok", "SQLite integrity check failed")
        if new:
            trial.check(new[0][3] == "user" and new[0][4] == question, f"the question was not saved as sent: {new[0]}")
            replies = new[1:]
            trial.check(len(replies) <= 1, f"{len(replies)} replies for one question")
            if replies:
                expected = {"partial", "complete"} if trial.killed else {"complete"}
                trial.check(replies[0][5] in expected, f"reply status {replies[0][5]!r} after the kill")
                trial.note += f" reply kept: {replies[0][5]}, {len(replies[0][4])} chars"
        h.settings_readable(trial, home)
        follow = h.cli(home, *ask, f"Follow-up {i}", "--max-tokens", "4", "--chat", conv_id)
        trial.check(follow.returncode == 0, f"the conversation does not continue: {follow.stderr[-300:]}")
        trials.append(trial)
    return trials


# ── library ─────────────────────────────────────────────────────────────────────────────────

def _write_library_docs(folder: Path, rng: random.Random, generation: int) -> None:
    from tests.fixtures.corpus import TOPICS, write_corpus

    folder.mkdir(parents=True, exist_ok=True)
    if generation == 0:
        write_corpus(folder / "corpus", TOPICS)
    words = [w for text in TOPICS.values() for w in text.split()]
    for n in range(24):
        if generation and rng.random() < 0.5:
            continue  # about half the files change between trials
        paragraphs = [f"# Notes {n} (version {generation})"]
        paragraphs += [" ".join(rng.choice(words) for _ in range(60)) for _ in range(rng.randint(5, 40))]
        (folder / f"notes-{n:02d}.md").write_text("\n\n".join(paragraphs))


def _library_report(h: Harness, home: Path, embedding_model: Path) -> tuple[dict | None, str]:
    """LIBRARY_CHECK's report on the library in `home`, or None and its stderr if it fails."""
    check = h.python(home, "-c", LIBRARY_CHECK, str(embedding_model))
    if check.returncode != 0:
        return None, check.stderr
    return json.loads(check.stdout.strip().splitlines()[-1]), ""


def library_trials(h: Harness, embedding_model: Path, count: int) -> list[Trial]:
    home, docs = h.work / "library-home", h.work / "library-docs"
    _write_library_docs(docs, h.rng, 0)
    add = ["library", "add", str(docs), "--embedding-model", str(embedding_model)]
    full = h.cli(home, *add)
    if full.returncode != 0:
        raise SystemExit(f"library add does not work before any kill: {full.stderr}")
    trials = []
    for i in range(count):
        trial = Trial("library", i, h.rng.uniform(0.0, 4.0))  # seconds after embedding began
        _write_library_docs(docs, h.rng, i + 1)
        h.kill_during(trial, home, add, started=lambda lines: any("chunks" in line for line in lines))
        report, error = _library_report(h, home, embedding_model)
        if report is None:
            trial.failures.append(f"the library does not open after the kill: {error[-400:]}")
        else:
            trial.failures += report["problems"]
            trial.note = f"after kill: {report['statuses']}"
        h.settings_readable(trial, home)
        again = h.cli(home, *add)
        trial.check(again.returncode == 0 and " 0 failed" in again.stderr,
                    f"re-indexing did not complete: {again.stderr[-300:]}")
        report, error = _library_report(h, home, embedding_model)
        if report is not None:
            trial.failures += report["problems"]
            trial.check(set(report["statuses"]) == {"indexed"}, f"after re-indexing: {report['statuses']}")
        else:
            trial.failures.append(f"the library does not open after re-indexing: {error[-300:]}")
        trials.append(trial)
    return trials


# ── download ────────────────────────────────────────────────────────────────────────────────

def download_trials(h: Harness, count: int, size: int) -> list[Trial]:
    from desktop.core.catalog import CATALOG
    from tests.fixtures.fake_hub import FakeHub

    entry = next(e for e in CATALOG if e.name == "gpt-oss-20b")
    hub = FakeHub(throttle_s_per_chunk=0.02, chunk_size=64 * 1024).start()
    served = hub.add_file(entry.repo_id, entry.filename, os.urandom(size))
    env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(h.work / "hf-home"), "HF_HUB_DISABLE_TELEMETRY": "1"}
    trials = []
    try:
        for i in range(count):
            home = h.work / f"download-home-{i}"
            trial = Trial("download", i, h.rng.uniform(0.0, 6.0))  # seconds after the first bytes
            part = AppPaths.under(home).models_dir / (entry.filename + ".part")
            h.kill_during(trial, home, ["models", "download", entry.name], env=env,
                          started=lambda _lines, part=part: part.exists() and part.stat().st_size > 0)
            kept = part.stat().st_size if part.exists() else 0
            h.settings_readable(trial, home)
            gets = len(hub.file_gets())
            again = h.cli(home, "models", "download", entry.name, env=env)
            trial.check(again.returncode == 0, f"the download does not complete: {again.stderr[-300:]}")
            final = AppPaths.under(home).models_dir / entry.filename
            digest = hashlib.sha256(final.read_bytes()).hexdigest() if final.exists() else None
            trial.check(digest == served.sha256, "the finished file does not match the served sha256")
            trial.check(not part.exists(), "the partial file was left behind")
            if kept and trial.killed:
                ranges = [r.range for r in hub.file_gets()[gets:]]
                trial.check(ranges[:1] == [f"bytes={kept}-"], f"did not resume from {kept}: {ranges}")
                trial.note = f"resumed at {kept / size:.0%}"
            h.settings_readable(trial, home)
            trials.append(trial)
    finally:
        hub.stop()
    return trials


def run_crash_harness(args: argparse.Namespace) -> dict:
    from tests.fixtures.chat_models import write_tiny_gpt_oss
    from tests.fixtures.embedding_models import write_tiny_bert

    work = Path(args.workdir or tempfile.mkdtemp(prefix="crash-harness-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    h = Harness(work, rng)
    chat_model = write_tiny_gpt_oss(work / "tiny-gpt-oss.gguf", n_ctx_train=32768)
    embedding_model = write_tiny_bert(work / "tiny-bert.gguf")
    per = max(1, args.trials // 3)
    started = time.monotonic()
    trials = [*ask_trials(h, chat_model, per + args.trials % 3), *library_trials(h, embedding_model, per),
              *download_trials(h, per, args.download_mb * 1024 * 1024)]
    by_scenario: dict[str, dict[str, int]] = {}
    for trial in trials:
        row = by_scenario.setdefault(trial.scenario, {"trials": 0, "killed_mid_run": 0, "failures": 0})
        row["trials"] += 1
        row["killed_mid_run"] += trial.killed
        row["failures"] += bool(trial.failures)
    return {"trials": len(trials), "failures": sum(bool(t.failures) for t in trials), "by_scenario": by_scenario,
            "failed": [t.to_json() for t in trials if t.failures], "details": [t.to_json() for t in trials],
            "seconds": round(time.monotonic() - started, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=51)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--download-mb", type=int, default=24)
    parser.add_argument("--workdir")
    args = parser.parse_args(argv)
    print(json.dumps(run_crash_harness(args), indent=2))


if __name__ == "__main__":
    main()
