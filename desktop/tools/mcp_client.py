"""MCP servers as function tools, on the official `mcp` SDK: stdio and streamable HTTP.

One asyncio loop on its own thread holds every connection; each server lives in one task that
opens its transport and session, answers calls one at a time, and closes them when it ends (the
SDK's contexts must be left in the task that entered them). Callers on other threads wait for a
call with a deadline and their Stop button: a server that hangs past the deadline, exits, or
floods (a result over `flood_bytes`) is stopped with a message, its tools answer with that
message from then on, and the turn goes on.

Functions are named `{server}__{tool}` so two servers offering `search` cannot clash.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
import re
import threading
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from desktop.core.jobs import CancelToken
from desktop.tools.functions import FunctionTool
from desktop.tools.mcp_config import ServerConfig
from desktop.tools.runner import CALL_TIMEOUT_S, ToolFailure

log = logging.getLogger(__name__)

START_TIMEOUT_S = 30.0
FLOOD_BYTES = 1024 * 1024  # a result larger than this is a flood: the server is stopped
_POLL_S = 0.05  # how often a waiting caller looks at its Stop button
_TOOL_CHARS = re.compile(r"[^A-Za-z0-9_]")


@dataclass
class ServerState:
    config: ServerConfig
    status: str = "stopped"  # starting | running | stopped | error: ...
    tools: list[Any] = field(default_factory=list)  # mcp.types.Tool, as listed
    task: asyncio.Task[None] | None = None
    requests: asyncio.Queue[Any] | None = None
    stopping: asyncio.Event | None = None  # set to end the server: its call is dropped, its task ends


class McpTools:
    """A ToolRunner over the configured MCP servers. Start it, use it, close it."""

    def __init__(self, servers: Sequence[ServerConfig], *, call_timeout_s: float = CALL_TIMEOUT_S,
                 start_timeout_s: float = START_TIMEOUT_S, flood_bytes: int = FLOOD_BYTES,
                 log_dir: Path | None = None) -> None:
        self.call_timeout_s = call_timeout_s
        self.start_timeout_s = start_timeout_s
        self.flood_bytes = flood_bytes
        self.log_dir = log_dir
        self.servers = {s.name: ServerState(s) for s in servers}
        self._routes: dict[str, tuple[str, str]] = {}  # function name -> (server, tool)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp", daemon=True)
        self._thread.start()
        self._errlogs: list[IO[str]] = []

    # -- life ----------------------------------------------------------------------------------
    def start(self) -> dict[str, str]:
        """Connect every server at once and list its tools; name -> status ("running" or why not)."""
        waits = {name: self._submit(self._open(state)) for name, state in self.servers.items()}
        for name, future in waits.items():
            try:
                future.result(self.start_timeout_s + 5)
            except Exception as exc:  # noqa: BLE001 - the reason is already in the status
                log.debug("server %s did not start: %s", name, exc)
        return {name: state.status for name, state in self.servers.items()}

    def close(self) -> None:
        for state in self.servers.values():
            self._stop(state, "stopped")
        pending = [state.task for state in self.servers.values() if state.task is not None]
        if pending:
            try:
                self._submit(asyncio.wait(pending, timeout=10)).result(15)
            except Exception:  # noqa: BLE001 - closing must not fail
                log.warning("MCP servers did not all close in time")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        for errlog in self._errlogs:
            errlog.close()

    def __enter__(self) -> McpTools:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ToolRunner -------------------------------------------------------------------------------
    def functions(self) -> list[FunctionTool]:
        out = []
        with self._lock:
            self._routes.clear()
            for state in self.servers.values():
                for tool in state.tools:
                    name = f"{state.config.key}__{_TOOL_CHARS.sub('_', tool.name)}"
                    self._routes[name] = (state.config.name, tool.name)
                    out.append(FunctionTool(name, tool.description or "", tool.inputSchema or None))
        return out

    def call(self, name: str, arguments: dict[str, Any], cancel: CancelToken) -> str:
        with self._lock:
            server, tool = self._routes.get(name, ("", ""))
        state = self.servers.get(server)
        if state is None:
            raise ToolFailure(f"no MCP tool {name}")
        if state.status != "running" or state.requests is None:
            raise ToolFailure(f"the MCP server {server!r} is not running ({state.status})")
        future: concurrent.futures.Future[str] = concurrent.futures.Future()
        self._loop.call_soon_threadsafe(state.requests.put_nowait, (tool, arguments, future))
        waited = 0.0
        while True:
            try:
                return future.result(_POLL_S)
            except concurrent.futures.TimeoutError:
                waited += _POLL_S
            except ToolFailure:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure of the server is one line for the model
                raise ToolFailure(f"{server}: {exc}") from exc
            if cancel.cancelled:
                self._stop(state, "stopped: the call was stopped")
                raise ToolFailure(f"the call to {name} was stopped; the server {server!r} was stopped with it")
            if waited >= self.call_timeout_s:
                message = f"did not answer within {self.call_timeout_s:g} s"
                self._stop(state, f"error: {message}")
                raise ToolFailure(f"the MCP server {server!r} {message} and was stopped")

    # -- the loop's side ----------------------------------------------------------------------
    def _submit(self, coro: Any) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _open(self, state: ServerState) -> None:
        ready: asyncio.Future[None] = self._loop.create_future()
        state.status = "starting"
        state.requests = asyncio.Queue()
        state.stopping = asyncio.Event()
        state.task = self._loop.create_task(self._serve(state, ready))
        try:
            await asyncio.wait_for(asyncio.shield(ready), self.start_timeout_s)
        except asyncio.TimeoutError:
            self._fail(state, f"error: did not start within {self.start_timeout_s:g} s")
            raise

    async def _serve(self, state: ServerState, ready: asyncio.Future[None]) -> None:
        from mcp import ClientSession

        try:
            async with AsyncExitStack() as stack:
                streams = await stack.enter_async_context(self._transport(state.config))
                read, write = streams[0], streams[1]  # streamable HTTP adds a session-id getter
                session = await stack.enter_async_context(ClientSession(read, write))
                tools = await _first(_initialize(session), state.stopping.wait())
                if tools is None:  # did not start in time: leave the contexts, which ends it
                    return
                state.tools = tools
                state.status = "running"
                ready.set_result(None)
                while True:
                    request = await _first(state.requests.get(), state.stopping.wait())
                    if request is None:
                        break
                    tool, arguments, future = request
                    if future.set_running_or_notify_cancel():
                        await self._answer(state, session, tool, arguments, future)
                    if state.status != "running":
                        break
            # Leaving the contexts normally (not cancelled) lets the SDK end the process: it closes
            # stdin, waits a moment, then terminates and kills it.
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # noqa: BLE001 - the server crashed or refused: say so, go on
            reason = _reason(exc)
            if state.status in ("starting", "running"):
                state.status = f"error: {reason}"
        finally:
            if state.status in ("starting", "running"):
                state.status = "error: the server exited"
            if not ready.done():
                ready.set_result(None)
            self._fail_pending(state)

    async def _answer(self, state: ServerState, session: Any, tool: str, arguments: dict[str, Any],
                      future: concurrent.futures.Future[str]) -> None:
        # The deadline is the caller's; this one only keeps a lost answer from holding the task.
        timeout = timedelta(seconds=self.call_timeout_s + 5)
        try:
            result = await _first(session.call_tool(tool, arguments, read_timeout_seconds=timeout),
                                  state.stopping.wait())
            if result is None:  # stopped meanwhile; the caller has its message already
                return
        except Exception as exc:  # noqa: BLE001 - an McpError, a closed stream...
            if _is_tool_error(exc):  # the server is alive and refused this call
                message = f"{state.config.name}: {_reason(exc)}"
            else:  # the server is gone: its task ends, and with it the process
                message = f"the MCP server {state.config.name!r} exited or broke the connection ({_reason(exc)})"
                if state.status == "running":
                    state.status = f"error: exited ({_reason(exc)})"
            if not future.done():
                future.set_exception(ToolFailure(message))
            return
        text = _result_text(result)
        size = len(text.encode("utf-8", "replace"))
        if size > self.flood_bytes:
            state.status = f"error: flooded ({size:,} bytes in one result)"
            future.set_exception(ToolFailure(
                f"the MCP server {state.config.name!r} sent {size:,} bytes for one call (more than "
                f"{self.flood_bytes:,}) and was stopped"))
        elif getattr(result, "isError", False):
            future.set_exception(ToolFailure(f"{tool}: {text}"))
        else:
            future.set_result(text)

    def _transport(self, config: ServerConfig) -> Any:
        if config.url:
            from mcp.client.streamable_http import streamable_http_client

            return streamable_http_client(config.url)
        from mcp import StdioServerParameters
        from mcp.client.stdio import stdio_client

        # Each server's stderr goes to its own log (or nowhere), never into the terminal's output.
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            errlog: IO[str] = open(self.log_dir / f"mcp-{config.key}.log", "a", encoding="utf-8")  # noqa: SIM115
        else:
            errlog = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        self._errlogs.append(errlog)
        env = {**_inherited_env(), **config.env}
        return stdio_client(StdioServerParameters(command=config.command, args=list(config.args), env=env),
                            errlog=errlog)

    def _stop(self, state: ServerState, status: str) -> None:
        """End the server's task (its contexts close the transport and end the process)."""
        if state.status in ("starting", "running"):
            state.status = status
        if state.stopping is not None:
            self._loop.call_soon_threadsafe(state.stopping.set)

    def _fail(self, state: ServerState, status: str) -> None:
        state.status = status
        if state.stopping is not None:
            state.stopping.set()

    def _fail_pending(self, state: ServerState) -> None:
        queue = state.requests
        while queue is not None and not queue.empty():
            _tool, _arguments, future = queue.get_nowait()
            if not future.done():
                future.set_exception(ToolFailure(f"the MCP server {state.config.name!r} is not running ({state.status})"))


async def _first(work: Any, stop: Any) -> Any:
    """The result of `work`, or None as soon as `stop` completes first (then `work` is cancelled)."""
    work_task, stop_task = asyncio.ensure_future(work), asyncio.ensure_future(stop)
    try:
        done, _ = await asyncio.wait({work_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (work_task, stop_task):
            if not task.done():
                task.cancel()
    if work_task in done:
        return work_task.result()
    return None


async def _initialize(session: Any) -> list[Any]:
    """Handshake, then every tool the server lists."""
    await session.initialize()
    tools, cursor = [], None
    while True:
        page = await session.list_tools(cursor) if cursor else await session.list_tools()
        tools.extend(page.tools)
        cursor = page.nextCursor
        if not cursor or len(tools) > 1000:
            return tools


def _result_text(result: Any) -> str:
    parts = []
    for item in result.content or ():
        kind = getattr(item, "type", "")
        if kind == "text":
            parts.append(item.text)
        elif kind == "resource" and hasattr(item.resource, "text"):
            parts.append(item.resource.text)
        else:
            parts.append(f"[{kind or 'content'} of type {getattr(item, 'mimeType', '?')} not shown]")
    if not parts and getattr(result, "structuredContent", None) is not None:
        parts.append(json.dumps(result.structuredContent, ensure_ascii=False))
    return "\n".join(parts)


def _is_tool_error(exc: BaseException) -> bool:
    """An error answer from a live server (bad arguments...), as opposed to a dead connection."""
    from mcp.shared.exceptions import McpError

    return isinstance(exc, McpError) and exc.error.code != -32000


def _reason(exc: BaseException) -> str:
    group = getattr(exc, "exceptions", None)  # an ExceptionGroup from the SDK's task groups
    if isinstance(group, (list, tuple)) and group:
        return "; ".join(_reason(e) for e in group)
    if isinstance(exc, FileNotFoundError):
        return f"command not found: {exc.filename or exc}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _inherited_env() -> dict[str, str]:
    """What a server needs to start (its PATH, home, locale), not every secret of this process."""
    keep = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "APPDATA",
            "LOCALAPPDATA", "USERPROFILE", "VIRTUAL_ENV", "PYTHONPATH")
    return {k: v for k, v in os.environ.items() if k in keep}
