"""MCP servers as tools: real servers from PyPI, and one that hangs, crashes and floods."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.errors import UserError
from desktop.core.jobs import CancelToken
from desktop.tools import mcp_config
from desktop.tools.mcp_client import McpTools
from desktop.tools.mcp_config import ServerConfig
from desktop.tools.runner import ToolFailure

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parents[2]
MISBEHAVING = ServerConfig("bad-server", sys.executable, ("-m", "tests.fixtures.misbehaving_mcp_server"),
                           {"PYTHONPATH": str(ROOT)})
TIME = ServerConfig("time", str(BIN / "mcp-server-time"), ("--local-timezone", "UTC"))


@pytest.fixture
def bad() -> Iterator[McpTools]:
    with McpTools([MISBEHAVING, TIME], call_timeout_s=3) as tools:
        assert tools.start() == {"bad-server": "running", "time": "running"}
        tools.functions()
        yield tools


def test_tools_of_two_servers_are_named_apart(bad: McpTools) -> None:
    names = {f.name for f in bad.functions()}
    assert {"bad_server__echo", "bad_server__hang", "time__get_current_time", "time__convert_time"} <= names
    echo = next(f for f in bad.functions() if f.name == "bad_server__echo")
    assert echo.description == "Say the text back." and echo.parameters["required"] == ["text"]
    assert bad.call("bad_server__echo", {"text": "hi"}, CancelToken()) == "echo: hi"


def test_a_hanging_server_is_stopped_and_the_others_go_on(bad: McpTools) -> None:
    with pytest.raises(ToolFailure, match="did not answer within 3 s and was stopped"):
        bad.call("bad_server__hang", {}, CancelToken())
    with pytest.raises(ToolFailure, match="not running"):
        bad.call("bad_server__echo", {"text": "hi"}, CancelToken())
    assert "Paris" in bad.call("time__get_current_time", {"timezone": "Europe/Paris"}, CancelToken())


def test_a_crashing_server_is_reported(bad: McpTools) -> None:
    with pytest.raises(ToolFailure, match="the MCP server 'bad-server' exited or broke the connection"):
        bad.call("bad_server__crash", {}, CancelToken())
    assert bad.servers["bad-server"].status.startswith("error: exited")
    assert "Paris" in bad.call("time__get_current_time", {"timezone": "Europe/Paris"}, CancelToken())


def test_a_flooding_server_is_stopped() -> None:
    # A deadline long enough for 10 MB to arrive on a busy machine: what stops it is its size.
    with McpTools([MISBEHAVING], call_timeout_s=300) as bad:
        bad.start()
        bad.functions()
        _flood(bad)


def _flood(bad: McpTools) -> None:
    with pytest.raises(ToolFailure, match=r"sent 10,485,760 bytes for one call .* and was stopped"):
        bad.call("bad_server__flood", {}, CancelToken())
    assert bad.servers["bad-server"].status.startswith("error: flooded")
    with pytest.raises(ToolFailure, match="not running"):
        bad.call("bad_server__echo", {"text": "hi"}, CancelToken())


def test_stop_ends_a_waiting_call(bad: McpTools) -> None:
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(ToolFailure, match="was stopped"):
        bad.call("bad_server__hang", {}, cancel)


def test_a_server_that_cannot_start_says_why() -> None:
    with McpTools([ServerConfig("gone", "/nonexistent/mcp-server")]) as tools:
        status = tools.start()["gone"]
    assert status.startswith("error: ") and "/nonexistent/mcp-server" in status


def test_a_server_that_never_answers_at_start_is_stopped() -> None:
    # Python reading stdin without a word back: a command that is not an MCP server.
    mute = ServerConfig("mute", sys.executable, ("-c", "import sys, time; sys.stdin.read(); time.sleep(3600)"))
    with McpTools([mute, TIME], start_timeout_s=3) as tools:
        assert tools.start() == {"mute": "error: did not start within 3 s", "time": "running"}
        assert {f.name.split("__")[0] for f in tools.functions()} == {"time"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_streamable_http_server() -> None:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.fixtures.misbehaving_mcp_server", "--http", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):  # wait until it listens
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        with McpTools([ServerConfig("web", url=f"http://127.0.0.1:{port}/mcp")]) as tools:
            assert tools.start() == {"web": "running"}
            assert "web__echo" in {f.name for f in tools.functions()}
            assert tools.call("web__echo", {"text": "over http"}, CancelToken()) == "echo: over http"
    finally:
        process.terminate()
        process.wait(10)


def test_config_round_trip_and_import_of_another_apps_file(tmp_path: Path) -> None:
    other = {"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]},
                            "web": {"url": "http://127.0.0.1:9/mcp"}}}
    servers = mcp_config.parse(other, "claude_desktop_config.json")
    mcp_config.save(tmp_path / "mcp.json", servers)
    assert mcp_config.load(tmp_path / "mcp.json") == servers
    saved = json.loads((tmp_path / "mcp.json").read_text())
    assert saved["mcpServers"]["time"] == {"command": "uvx", "args": ["mcp-server-time"], "env": {}}


@pytest.mark.parametrize(("data", "message"), [
    ({"servers": {}}, 'no "mcpServers"'),
    ({"mcpServers": {"a": {"args": []}}}, 'either a "command" or a "url"'),
    ({"mcpServers": {"a": {"command": "x", "args": "not a list"}}}, '"args" (a list of text)'),
    ({"mcpServers": {"a-b": {"command": "x"}, "a_b": {"command": "y"}}}, "same names as 'a-b'"),
    ({"mcpServers": {"bad name": {"command": "x"}}}, "use letters, digits"),
    ({"mcpServers": {"a": {"url": "file:///etc"}}}, "http:// or https://"),
])
def test_bad_config_is_one_clear_line(data: dict, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        mcp_config.parse(data, "mcp.json")


def test_unreadable_config_file(tmp_path: Path) -> None:
    (tmp_path / "mcp.json").write_text("{not json")
    with pytest.raises(UserError, match="not a readable MCP configuration"):
        mcp_config.load(tmp_path / "mcp.json")
