"""`mcp add/list/remove` and `ask --tools` as a user runs them: subprocesses, real MCP servers
from PyPI, the scripted model on real llama.cpp, and a server that misbehaves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.scripted_chat_model import AFTER_TOOL, TIME_TRIGGER, scripted_gpt_oss  # noqa: F401

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parents[2]
QUESTION = f"What does the{TIME_TRIGGER} say in Paris?"  # the scripted model calls time__get_current_time


def _run(*args: str, home: Path, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL, cwd=ROOT)


def _add_time(home: Path) -> None:
    out = _run("mcp", "add", "time", "--", str(BIN / "mcp-server-time"), "--local-timezone", "UTC", home=home)
    assert out.returncode == 0, out.stderr


def test_mcp_add_list_remove(app_home: Path) -> None:
    _add_time(app_home)
    out = _run("mcp", "add", "git", "--", str(BIN / "mcp-server-git"), "--repository", str(ROOT), home=app_home)
    assert out.returncode == 0, out.stderr
    listed = _run("mcp", "list", "--json", home=app_home)
    assert listed.returncode == 0, listed.stderr
    servers = {s["name"]: s for s in json.loads(listed.stdout)}
    assert servers["time"]["status"] == "running" and servers["git"]["status"] == "running"
    assert servers["time"]["command"].endswith("mcp-server-time --local-timezone UTC")
    assert {"name": "get_current_time", "description": "Get current time in a specific timezone"} in servers["time"]["tools"]
    assert "git_status" in {t["name"] for t in servers["git"]["tools"]}
    assert _run("mcp", "remove", "git", home=app_home).returncode == 0
    assert [s["name"] for s in json.loads(_run("mcp", "list", "--json", home=app_home).stdout)] == ["time"]


def test_mcp_import_and_bad_input(app_home: Path, tmp_path: Path) -> None:
    other = tmp_path / "claude_desktop_config.json"
    other.write_text(json.dumps({"mcpServers": {"clock": {"command": str(BIN / "mcp-server-time"), "args": []}}}))
    assert _run("mcp", "import", str(other), home=app_home).returncode == 0
    again = _run("mcp", "import", str(other), home=app_home)
    assert again.returncode == 1 and "already a server named 'clock'" in again.stderr
    for args, message in [(("mcp", "remove", "nope"), "No MCP server named 'nope'"),
                          (("mcp", "add", "x"), "Give the server's command after --"),
                          (("mcp", "add", "a b", "--", "cmd"), "use letters, digits")]:
        out = _run(*args, home=app_home)
        assert out.returncode == 1 and message in out.stderr and out.stderr.count("\n") == 1


def test_ask_with_a_real_mcp_server(scripted_gpt_oss: Path, app_home: Path) -> None:
    _add_time(app_home)
    out = _run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--tools", "time", "--approve-tools",
               "--temperature", "0", "--json", home=app_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    [call] = data["tool_calls"]
    assert call["name"] == "time__get_current_time" and call["arguments"] == {"timezone": "Europe/Paris"}
    assert call["status"] == "ok" and json.loads(call["result"])["timezone"] == "Europe/Paris"
    assert data["answer"] == AFTER_TOOL.answer
    prompt = data["prompt"]
    assert "Calls to these tools must go to the commentary channel: 'functions'." in prompt
    assert "namespace functions {\n\n// Get current time in a specific timezone\ntype time__get_current_time = (_: {" in prompt
    assert "<|start|>functions.time__get_current_time to=assistant<|channel|>commentary<|message|>{" in prompt
    assert data["steps"][1]["reused_tokens"] >= data["steps"][0]["prompt_tokens"]


def test_without_a_terminal_calls_are_refused_and_the_answer_comes(scripted_gpt_oss: Path, app_home: Path) -> None:
    _add_time(app_home)
    out = _run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--tools", "time", "--json", home=app_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [c["status"] for c in data["tool_calls"]] == ["denied"]
    assert "no terminal to ask; pass --approve-tools" in out.stderr
    assert data["answer"] == AFTER_TOOL.answer


def test_no_call_gives_an_empty_list(scripted_gpt_oss: Path, app_home: Path) -> None:
    _add_time(app_home)
    out = _run("ask", "Hello there", "--model", str(scripted_gpt_oss), "--tools", "time", "--json", home=app_home)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["tool_calls"] == []


@pytest.mark.parametrize(("misbehave", "message"), [
    ("crash", "the MCP server 'time' exited or broke the connection"),
    ("flood", "sent 10,485,760 bytes for one call"),
])
def test_a_misbehaving_server_is_stopped_and_the_turn_goes_on(scripted_gpt_oss: Path, app_home: Path,
                                                              misbehave: str, message: str) -> None:
    out = _run("mcp", "add", "time", "--env", f"MISBEHAVE={misbehave}", "--env", f"PYTHONPATH={ROOT}", "--",
               sys.executable, "-m", "tests.fixtures.misbehaving_mcp_server", home=app_home)
    assert out.returncode == 0, out.stderr
    out = _run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--tools", "time", "--approve-tools", "--json",
               home=app_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    [call] = data["tool_calls"]
    assert call["status"] == "error" and message in call["result"]
    assert data["answer"] == AFTER_TOOL.answer


@pytest.mark.parametrize(("tools", "message"), [
    ("browser", "--tools browser reads the document library, and there is no library with indexed documents"),
    ("nope", "No MCP server named 'nope' (configured: none yet"),
    (",", "--tools takes one or more MCP server names"),
])
def test_ask_tools_bad_names(scripted_gpt_oss: Path, app_home: Path, tools: str, message: str) -> None:
    out = _run("ask", "hi", "--model", str(scripted_gpt_oss), "--tools", tools, home=app_home)
    assert out.returncode == 1 and message in out.stderr and out.stderr.count("\n") == 1


@pytest.mark.parametrize(("typed", "status"), [("o\n", "ok"), ("n\n", "denied")])
def test_ask_on_a_terminal(scripted_gpt_oss: Path, app_home: Path, typed: str, status: str) -> None:
    import pty

    _add_time(app_home)
    controller, terminal = pty.openpty()
    try:
        os.write(controller, typed.encode())  # typed ahead: the terminal keeps the line until it is read
        env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(app_home)}
        out = subprocess.run([sys.executable, "-m", "desktop", "ask", QUESTION, "--model", str(scripted_gpt_oss),
                              "--tools", "time", "--json"], stdin=terminal, capture_output=True, text=True,
                             env=env, timeout=180, cwd=ROOT)
    finally:
        os.close(terminal)
        os.close(controller)
    assert out.returncode == 0, out.stderr
    assert 'Allow time__get_current_time {"timezone": "Europe/Paris"}? [o]nce / [a]lways / [N]o:' in out.stderr
    assert [c["status"] for c in json.loads(out.stdout)["tool_calls"]] == [status]


def test_ask_chat_with_tools_saves_the_steps(scripted_gpt_oss: Path, app_home: Path) -> None:
    _add_time(app_home)
    out = _run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--chat", "new", "--tools", "time",
               "--approve-tools", "--json", home=app_home)
    assert out.returncode == 0, out.stderr
    conversation = json.loads(out.stdout)["conversation_id"]
    # The chat goes on: a second question in it, with no terminal to ask, is refused and still answered.
    again = _run("ask", "And now?", "--model", str(scripted_gpt_oss), "--chat", str(conversation), "--tools", "time",
                 "--json", home=app_home)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["conversation_id"] == conversation

    shown = _run("chats", "show", str(conversation), "--json", home=app_home)
    assert shown.returncode == 0, shown.stderr
    first, second = [m for m in json.loads(shown.stdout)["messages"] if m["role"] == "assistant"]
    [step] = first["tool_steps"]
    assert (step["name"], step["arguments"], step["status"]) == (
        "time__get_current_time", {"timezone": "Europe/Paris"}, "ok")
    assert json.loads(step["result"])["timezone"] == "Europe/Paris"
    assert (first["text"], first["status"], first["reasoning"]) == (AFTER_TOOL.answer, "complete", "They ask the time.")
    assert [s["status"] for s in second["tool_steps"]] == ["denied"]
    assert second["text"] == AFTER_TOOL.answer
    exported = _run("chats", "export", str(conversation), home=app_home)
    assert "**Tool step 1: time__get_current_time** (ok)" in exported.stdout
    assert "**Tool step 1: time__get_current_time** (denied)" in exported.stdout


def test_ask_chat_with_tools_bad_id(scripted_gpt_oss: Path, app_home: Path) -> None:
    _add_time(app_home)
    out = _run("ask", QUESTION, "--model", str(scripted_gpt_oss), "--chat", "42", "--tools", "time", home=app_home)
    assert out.returncode == 1 and "no conversation with id 42" in out.stderr and out.stderr.count("\n") == 1


def test_ctrl_c_while_asked_on_a_terminal_stops_the_turn_and_runs_nothing(scripted_gpt_oss: Path,
                                                                           app_home: Path) -> None:
    import pty
    import signal
    import time

    _add_time(app_home)
    controller, terminal = pty.openpty()
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(app_home)}
    process = subprocess.Popen([sys.executable, "-m", "desktop", "ask", QUESTION, "--model", str(scripted_gpt_oss),
                                "--tools", "time", "--chat", "new"], stdin=terminal, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        os.set_blocking(process.stderr.fileno(), False)  # type: ignore[union-attr]
        asked, deadline = b"", time.monotonic() + 120
        while b"[o]nce / [a]lways / [N]o:" not in asked and time.monotonic() < deadline:
            asked += process.stderr.read() or b""  # type: ignore[union-attr]
            time.sleep(0.05)
        assert b"Allow time__get_current_time" in asked
        process.send_signal(signal.SIGINT)  # Ctrl-C, while the question waits for an answer
        assert process.wait(30) == 130
    finally:
        if process.poll() is None:
            process.kill()
        os.close(terminal)
        os.close(controller)
    shown = json.loads(_run("chats", "show", "1", "--json", home=app_home).stdout)
    answer = shown["messages"][-1]
    assert answer["status"] == "cancelled"
    assert [(s["status"], s["result"]) for s in answer["tool_steps"]] == [
        ("cancelled", "Error: the person stopped the turn.")]
