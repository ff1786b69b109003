"""Real servers on 127.0.0.1 for the remote-engine and Milvus-server tests.

- `LlamaCppServer`: llama-cpp-python's own OpenAI-compatible server (`python -m llama_cpp.server`,
  its `server` extra) in a child process: a third-party engine. It passes gpt-oss output through
  as raw harmony text in `content`, ignores `reasoning_effort`, serves whatever model id is asked
  for on its chat route, and lists its one model (with no context length) in /v1/models.
- `MilvusLiteServer`: `milvus-lite server` in a child process, reached by URI like a Milvus
  server. What differs from a real Milvus server: Lite is one Python process (no query/data nodes,
  no segments spread over machines), builds HNSW graphs with faiss in the background, keeps BM25
  postings in memory, has no authentication (a token is accepted and ignored), no databases other
  than `default`, and no consistency levels (every read sees every write).
- `ScriptedEngine`: an OpenAI-style server written here that misbehaves on purpose: hangs before
  answering, stalls mid-stream, answers 404 or 500, sends reasoning in `reasoning_content` or
  `reasoning`, and records the request bodies it got. In "tool_call" mode it calls a function
  (`tool_call`: name and JSON arguments) and, once a request ends with a `tool` message, answers
  with text that quotes that result (`AFTER_TOOL` + the result), as a model reading it would.
"""

from __future__ import annotations

import http.server
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

START_WAIT_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(check, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited ({process.returncode}): {log.read_text()[-2000:]}")
        if check():
            return
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{what} did not start: {log.read_text()[-2000:]}")


class LlamaCppServer:
    def __init__(self, model: Path, log_dir: Path, *, alias: str = "gpt-oss-tiny", api_key: str | None = None,
                 n_ctx: int = 4096) -> None:
        self.port = free_port()
        self.alias = alias
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log = log_dir / f"llama-server-{self.port}.log"
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                   "--port", str(self.port), "--n_ctx", str(n_ctx), "--model_alias", alias]
        if api_key:
            command += ["--api_key", api_key]
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

        def up() -> bool:
            try:
                return httpx.get(f"{self.url}/models", headers=headers, timeout=2, trust_env=False).status_code == 200
            except httpx.HTTPError:
                return False

        _wait_for(up, self.process, self.log, "llama_cpp.server")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


class MilvusLiteServer:
    def __init__(self, data_dir: Path, log_dir: Path) -> None:
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"milvus-lite-{self.port}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        exe = Path(sys.executable).with_name("milvus-lite")
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([str(exe), "server", "--data-dir", str(data_dir), "--host", "127.0.0.1",
                                             "--port", str(self.port)], stdout=out, stderr=subprocess.STDOUT)

        def up() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False

        _wait_for(up, self.process, self.log, "milvus-lite server")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def sse(chunks: list[dict]) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)


def delta(**fields) -> dict:
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": fields, "finish_reason": None}]}


def finish(reason: str = "stop") -> dict:
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": reason}]}


AFTER_TOOL = "The tool says: "  # the "tool_call" mode's answer once it has read a result, before the result
AFTER_TOOL_REASONING = "The tool answered."
TOOL_REASONING = "A tool knows this."  # the "tool_call" mode's reasoning before its call


class ScriptedEngine:
    """`mode`: "reasoning_content" | "reasoning" | "tool_call" | "hang" | "stall" | "404" | "500" | "cut".

    `models` is what /v1/models lists (with `max_model_len` where given)."""

    def __init__(self, mode: str = "reasoning_content", *, model: str = "gpt-oss-120b",
                 max_model_len: int | None = None,
                 tool_call: tuple[str, str] = ("get_weather", '{"city":"Paris"}')) -> None:
        self.mode = mode
        self.model = model
        self.max_model_len = max_model_len
        self.tool_call = tool_call
        self.bodies: list[dict] = []
        self.disconnected = threading.Event()  # a client closed a stream before its end
        self.release = threading.Event()  # ends a hang or stall (at teardown)
        engine = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                entry = {"id": engine.model, "object": "model"}
                if engine.max_model_len:
                    entry["max_model_len"] = engine.max_model_len
                self._send(200, json.dumps({"object": "list", "data": [entry]}).encode(), "application/json")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                engine.bodies.append(json.loads(self.rfile.read(length)))
                mode = engine.mode
                if mode == "hang":
                    engine.release.wait()
                    return
                if mode in ("404", "500"):
                    message = {"404": "The model `nope` does not exist.", "500": "CUDA out of memory"}[mode]
                    self._send(int(mode), json.dumps({"error": {"message": message}}).encode(), "application/json")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                last = (engine.bodies[-1].get("messages") or [{}])[-1]
                if mode == "tool_call" and last.get("role") == "tool":  # the result read: the answer quotes it
                    self.wfile.write(sse([delta(role="assistant"), delta(reasoning_content=AFTER_TOOL_REASONING),
                                          delta(content=AFTER_TOOL), delta(content=str(last.get("content"))),
                                          finish()]))
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    return
                if mode == "tool_call":  # OpenAI-style streamed function call, arguments in pieces
                    name, arguments = engine.tool_call
                    half = len(arguments) // 2
                    pieces = [{"index": 0, "id": "call_1", "type": "function",
                               "function": {"name": name, "arguments": ""}},
                              {"index": 0, "function": {"arguments": arguments[:half]}},
                              {"index": 0, "function": {"arguments": arguments[half:]}}]
                    self.wfile.write(sse([delta(reasoning_content=TOOL_REASONING)]
                                         + [delta(tool_calls=[p]) for p in pieces] + [finish("tool_calls")]))
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    return
                field = "reasoning" if mode == "reasoning" else "reasoning_content"
                head = [delta(role="assistant"), delta(**{field: "The user asks about pumps."}),
                        delta(content="Heat pumps"), delta(content=" move heat.")]
                try:
                    self.wfile.write(sse(head))
                    self.wfile.flush()
                    if mode == "stall":  # silent from here on; notices when the client hangs up
                        while not engine.release.is_set():
                            readable, _, _ = select.select([self.connection], [], [], 0.05)
                            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                                engine.disconnected.set()
                                return
                        return
                    if mode == "cut":
                        self.close_connection = True
                        return
                    self.wfile.write(sse([finish(), {"object": "chat.completion.chunk", "choices": [],
                                                     "usage": {"prompt_tokens": 31, "completion_tokens": 9}}]))
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except OSError:
                    engine.disconnected.set()

            def _send(self, code: int, payload: bytes, kind: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def scripted_engine(mode: str, **kwargs) -> Iterator[ScriptedEngine]:
    engine = ScriptedEngine(mode, **kwargs)
    try:
        yield engine
    finally:
        engine.close()


def cli(*args: str, home: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The app's CLI as a user runs it, with its own app home."""
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home),
           # No keychain: keys go to the 0600 file, the same on every test machine.
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    # No terminal to read from (a test's own may be one): what `ask` does without a person at it.
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL)
