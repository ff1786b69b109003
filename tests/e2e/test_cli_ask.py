"""The CLI as a user runs it: a subprocess with its own app home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_version(app_home: Path) -> None:
    out = _run("--version", home=app_home)
    assert out.returncode == 0 and out.stdout.startswith("gpt-oss-desktop ")


def test_ask_json_reports_answer_prompt_and_stats(tiny_gpt_oss: Path, app_home: Path) -> None:
    out = _run("ask", "What is 2+2?", "--model", str(tiny_gpt_oss), "--effort", "high",
               "--max-tokens", "24", "--json", home=app_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"answer", "reasoning", "effort", "prompt", "stats", "model"} <= data.keys()
    assert data["effort"] == "high"
    assert "Reasoning: high" in data["prompt"]
    assert data["prompt"].endswith("<|start|>user<|message|>What is 2+2?<|end|><|start|>assistant")
    assert data["stats"]["tokens"] == 24 and data["stats"]["tokens_per_s"] > 0
    assert data["stats"]["ttft_ms"] > 0
    assert "<|" not in data["answer"] + data["reasoning"]


def test_effort_changes_the_rendered_prompt(tiny_gpt_oss: Path, app_home: Path) -> None:
    prompts = {}
    for effort in ("low", "medium"):
        out = _run("ask", "hi", "--model", str(tiny_gpt_oss), "--effort", effort, "--max-tokens", "2",
                   "--json", home=app_home)
        prompts[effort] = json.loads(out.stdout)["prompt"]
    assert "Reasoning: low" in prompts["low"] and "Reasoning: medium" in prompts["medium"]


def test_ask_streams_answer_to_stdout(tiny_gpt_oss: Path, app_home: Path) -> None:
    out = _run("ask", "hi", "--model", str(tiny_gpt_oss), "--max-tokens", "30", "--quiet", home=app_home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
    assert "<|" not in out.stdout


@pytest.mark.parametrize(("kind", "expected"), [
    ("not_gguf", "is not a GGUF model file"),
    ("truncated", "is truncated"),
    ("other_arch", "this app chats with gpt-oss"),
])
def test_bad_model_is_one_line_and_exit_1(bad_models: dict[str, Path], app_home: Path, kind: str,
                                          expected: str) -> None:
    out = _run("ask", "hi", "--model", str(bad_models[kind]), home=app_home)
    assert out.returncode == 1
    assert expected in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_no_model_configured_says_what_to_do(app_home: Path) -> None:
    out = _run("ask", "hi", home=app_home)
    assert out.returncode == 1 and "--model" in out.stderr


def test_ask_chat_continues_a_stored_conversation(tiny_gpt_oss: Path, app_home: Path) -> None:
    first = json.loads(_run("ask", "first question", "--model", str(tiny_gpt_oss), "--chat", "new",
                            "--max-tokens", "6", "--json", home=app_home).stdout)
    conv = first["conversation_id"]
    second = json.loads(_run("ask", "second question", "--model", str(tiny_gpt_oss), "--chat", str(conv),
                             "--max-tokens", "6", "--json", home=app_home).stdout)
    assert second["conversation_id"] == conv
    # The earlier turn is in the prompt, with its final answer only.
    assert "<|start|>user<|message|>first question<|end|>" in second["prompt"]
    assert f"<|channel|>final<|message|>{first['answer']}<|end|>" in second["prompt"]
    listed = json.loads(_run("chats", "list", "--json", home=app_home).stdout)
    assert listed == [{"id": conv, "title": "first question", "updated": listed[0]["updated"], "messages": 4}]
    missing = _run("ask", "x", "--model", str(tiny_gpt_oss), "--chat", "999", home=app_home)
    assert missing.returncode == 1 and "no conversation with id 999" in missing.stderr
    # Said before the model loads: nothing of llama.cpp's on the way to the one line.
    assert missing.stderr.strip().splitlines() == ["error: no conversation with id 999"]
    mistyped = _run("ask", "x", "--model", str(tiny_gpt_oss), "--chat", "abc", home=app_home)
    assert mistyped.returncode == 1
    assert mistyped.stderr.strip().splitlines() == ["error: --chat takes 'new' or a conversation id, not 'abc'."]


def test_kill_9_while_streaming_loses_no_earlier_message(tiny_gpt_oss: Path, app_home: Path) -> None:
    from desktop.core.conversations import ConversationStore

    first = json.loads(_run("ask", "kept question", "--model", str(tiny_gpt_oss), "--chat", "new",
                            "--max-tokens", "8", "--json", home=app_home).stdout)
    conv = first["conversation_id"]
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(app_home)}
    # A long answer, killed once at least one partial save has reached the database.
    settings = app_home / "config" / "settings.json"
    data = json.loads(settings.read_text()) if settings.exists() else {}
    data.setdefault("model", {})["context_length"] = 32768
    settings.write_text(json.dumps(data))
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "ask", "interrupted question", "--model",
                             str(tiny_gpt_oss), "--chat", str(conv), "--max-tokens", "30000", "--quiet"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = app_home / "data" / "conversations.sqlite3"
    import time
    deadline = time.monotonic() + 60
    with ConversationStore(db) as store:
        while time.monotonic() < deadline:
            messages = store.messages(conv)
            if len(messages) == 4 and messages[-1].text:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the answer finished before it could be interrupted"
        proc.kill()
        proc.wait()
    with ConversationStore(db) as store:
        messages = store.messages(conv)
    assert [(m.role, m.status) for m in messages] == [
        ("user", "complete"), ("assistant", "complete"), ("user", "complete"), ("assistant", "partial")]
    assert messages[0].text == "kept question" and messages[1].text == first["answer"]
    assert messages[3].text  # the part streamed before the kill survived


def test_ask_uses_the_library_unless_told_not_to(tiny_gpt_oss: Path, app_home: Path, tmp_path: Path,
                                                 tiny_bert_gguf: Path) -> None:
    doc = tmp_path / "manual.md"
    doc.write_text("# Heat pump\n\nThe defrost cycle runs every 40 minutes below 3 degrees.\n")
    added = _run("library", "add", str(doc), "--embedding-model", str(tiny_bert_gguf), home=app_home)
    assert added.returncode == 0, added.stderr
    settings = app_home / "config" / "settings.json"
    data = json.loads(settings.read_text()) if settings.exists() else {}
    data.setdefault("library", {})["embedding_model_path"] = str(tiny_bert_gguf)
    settings.write_text(json.dumps(data))
    grounded = json.loads(_run("ask", "How often does defrost run?", "--model", str(tiny_gpt_oss),
                               "--max-tokens", "4", "--json", home=app_home).stdout)
    assert grounded["sources"] and grounded["sources"][0]["path"] == str(doc)
    assert "defrost cycle runs every 40 minutes" in grounded["prompt"]
    plain = json.loads(_run("ask", "How often does defrost run?", "--model", str(tiny_gpt_oss),
                            "--max-tokens", "4", "--json", "--no-library", home=app_home).stdout)
    assert plain["sources"] == [] and "<source" not in plain["prompt"]


# --- whole harmony turns, from the scripted model -------------------------------------------

from tests.fixtures.scripted_chat_model import (  # noqa: E402,F401  (scripted_gpt_oss: session fixture)
    MALFORMED,
    MALFORMED_TRIGGER,
    PLAIN,
    TOOL_CALL,
    TOOL_TRIGGER,
    scripted_gpt_oss,
)


@pytest.mark.parametrize(("question", "script", "finish", "calls"), [
    ("Hello?", PLAIN, "stop", []),
    (f"What is the{TOOL_TRIGGER} in Paris?", TOOL_CALL, "tool_calls",
     [{"recipient": "functions.get_weather", "arguments": '{"city":"Paris"}', "content_type": "json"}]),
    (f"Is this a{MALFORMED_TRIGGER}?", MALFORMED, "stop", []),
], ids=["answer", "tool_call", "malformed_header"])
def test_ask_json_reports_each_channel_of_a_whole_turn(scripted_gpt_oss: Path, app_home: Path, question: str,
                                                       script, finish: str, calls: list) -> None:
    out = _run("ask", question, "--model", str(scripted_gpt_oss), "--json", home=app_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["reasoning"], data["answer"], data["commentary"]) == (
        script.reasoning, script.answer, script.commentary)
    assert data["finish_reason"] == finish and data["stats"]["finish_reason"] == finish
    assert data["tool_calls"] == calls
    assert data["usage"]["completion_tokens"] == len(script.pieces) == data["stats"]["tokens"]
    assert data["usage"]["prompt_tokens"] == data["stats"]["prompt_tokens"] > 0


def test_ask_streams_commentary_apart_from_reasoning(scripted_gpt_oss: Path, app_home: Path) -> None:
    out = _run("ask", f"A{MALFORMED_TRIGGER} here", "--model", str(scripted_gpt_oss), home=app_home)
    assert out.returncode == 0, out.stderr
    assert out.stdout == MALFORMED.answer + "\n"  # stdout holds the answer and nothing else
    assert _ours(out.stderr) == [MALFORMED.reasoning, f"[commentary] {MALFORMED.commentary}"]
    quiet = _run("ask", f"A{MALFORMED_TRIGGER} here", "--model", str(scripted_gpt_oss), "--quiet", home=app_home)
    assert quiet.stdout == MALFORMED.answer + "\n" and _ours(quiet.stderr) == []


def _ours(stderr: str) -> list[str]:
    # llama.cpp itself logs a line about its SWA cache at load, whatever the log level asked.
    return [line for line in stderr.splitlines() if not line.startswith("llama_kv_cache")]


def test_ask_shows_the_tool_call_it_cannot_run(scripted_gpt_oss: Path, app_home: Path) -> None:
    out = _run("ask", f"The{TOOL_TRIGGER}?", "--model", str(scripted_gpt_oss), home=app_home)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "\n"  # no answer: the model waits for the tool
    assert '[tool call] functions.get_weather {"city":"Paris"}' in out.stderr


def test_ask_chat_saves_commentary_and_finish_reason(scripted_gpt_oss: Path, app_home: Path) -> None:
    from desktop.core.conversations import ConversationStore

    first = json.loads(_run("ask", f"A{MALFORMED_TRIGGER}", "--model", str(scripted_gpt_oss), "--chat", "new",
                            "--json", home=app_home).stdout)
    with ConversationStore(app_home / "data" / "conversations.sqlite3") as store:
        saved = store.messages(first["conversation_id"])[-1]
    assert (saved.text, saved.reasoning, saved.commentary, saved.finish_reason, saved.status) == (
        MALFORMED.answer, MALFORMED.reasoning, MALFORMED.commentary, "stop", "complete")


def test_ctrl_c_saves_the_answer_so_far_as_stopped(tiny_gpt_oss: Path, app_home: Path) -> None:
    import signal
    import time

    from desktop.core.conversations import ConversationStore

    settings = app_home / "config" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"model": {"context_length": 32768}}))
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(app_home)}
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "ask", "go on", "--model", str(tiny_gpt_oss),
                             "--chat", "new", "--max-tokens", "30000", "--quiet"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = app_home / "data" / "conversations.sqlite3"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (db.exists() and _streamed_text(db)):
            time.sleep(0.05)
        assert proc.poll() is None, "the answer finished before it could be stopped"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # a failed check must not leave a 30,000-token answer running
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "Traceback" not in stderr
    with ConversationStore(db) as store:
        answer = store.messages(store.list()[0].id)[-1]
    assert answer.status == "cancelled" and answer.finish_reason == "cancelled"
    assert answer.text and stdout.startswith(answer.text)  # what was shown is what was kept
    assert 0 < answer.stats["tokens"] < 30000


def _streamed_text(db: Path) -> str:
    from desktop.core.conversations import ConversationStore

    with ConversationStore(db) as store:
        conversations = store.list()  # the chat is created a moment before its question is saved
        messages = store.messages(conversations[0].id) if conversations else []
        return messages[-1].text if messages else ""
