"""A chat backend on a remote OpenAI-compatible engine (vLLM, llama-server, SGLang, Ollama, ...).

The request is streamed from `{base_url}/chat/completions`. What stays ours: the library's
sources and attached files are looked up here and put in the prompt (the server never sees the
library), the conversation is fitted into the server's context with the app's own rules, and
the channels come out as the in-process backend gives them:
- reasoning from `delta.reasoning_content` or `delta.reasoning`, whichever the server sends;
- raw harmony text (`<|channel|>analysis<|message|>...`, as llama-cpp-python's server passes
  gpt-oss output through) is parsed with `harmony.StreamParser`;
- function calls from `delta.tool_calls`.
Within a turn with tools, each step's request carries the calls and results so far as OpenAI
messages (the assistant's `tool_calls`, then one `tool` message per result with the call's id),
and the function tools as `tools`; the server renders them for its model. The library's browser
is not sent: a server renders its own system message, without the browser's section.
Effort goes as `reasoning_effort`. Stop closes the HTTP stream (the server stops generating).

Failure is one sentence, never a hang: every wait has a limit the person sets (`timeout_s`,
the longest silence allowed from the server), and each way of failing has its own message. A
stream cut mid-answer fails with the text so far already delivered, so the turn keeps it (saved
as an error, with the message saying it is incomplete).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from desktop.core.chat import (
    DEFAULT_FLUSH_INTERVAL_S,
    ChatRequest,
    TurnResult,
    _Collector,
    _merge,
    build_prompt,
    ground_request,
)
from desktop.core.errors import UserError
from desktop.core.harmony import CallMessage, ChainMessage, Delta, StreamParser, ToolCall, neutralise_markers
from desktop.core.runtime import GenerationStats, Sampling
from desktop.engine.backend import Job

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_CONTEXT = 8192
CONNECT_TIMEOUT_S = 10.0
# Context keys servers use in /v1/models: vLLM's `max_model_len`; others in use by a few.
_CONTEXT_KEYS = ("max_model_len", "context_length", "max_context_length", "context_window")
_SERVER_MESSAGE_CHARS = 200


@dataclass(frozen=True)
class RemoteConfig:
    base_url: str  # as OpenAI clients take it, e.g. http://gpu-box:8000/v1
    model: str
    api_key: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S  # the longest the server may stay silent
    context_length: int = DEFAULT_CONTEXT  # used when the server does not say its own
    capacity: int = 4  # requests sent at once; the server batches them

    def __post_init__(self) -> None:
        url = self.base_url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UserError(f"The engine URL must start with http:// or https:// and name a host "
                            f"(e.g. http://gpu-box:8000/v1), not {self.base_url!r}.")
        if not self.model.strip():
            raise UserError("Name the engine's model (its id as the server lists it in /v1/models).")
        if not self.timeout_s > 0:
            raise UserError("The engine timeout must be more than 0 seconds.")
        object.__setattr__(self, "base_url", url)

    @property
    def host(self) -> str:
        """Where questions go, as the window and errors name it."""
        return urlsplit(self.base_url).netloc

    @property
    def hostname(self) -> str:
        """The host alone, without port or path: the window's "questions go to" line names it."""
        return urlsplit(self.base_url).hostname or self.host


@dataclass(frozen=True)
class RemoteModel:
    id: str
    n_ctx: int
    n_ctx_from_server: bool  # False: the setting, because the server did not say


@dataclass(frozen=True)
class EngineProbe:
    """What "Test connection" found: `ok`, one sentence for the person, and the models listed."""

    ok: bool
    message: str
    models: tuple[str, ...] = ()


def probe_engine(base_url: str, api_key: str | None, timeout_s: float = DEFAULT_TIMEOUT_S) -> EngineProbe:
    """GET {base_url}/models once and say in one sentence what answered there.

    Distinguishes: reached (N models), wrong key, nothing listening, not an OpenAI-compatible
    server, and a timeout. Never raises for a network failure; a malformed URL is a UserError."""
    config = RemoteConfig(base_url, "probe", api_key, timeout_s)
    host = config.host
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    timeout = httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s))
    try:
        with httpx.Client(headers=headers, timeout=timeout, trust_env=False) as client:
            response = client.get(f"{config.base_url}/models")
    except httpx.TimeoutException:
        return EngineProbe(False, f"{host} did not answer within {timeout_s:g} s (the timeout); "
                                  f"it may be busy or behind a firewall.")
    except httpx.ConnectError:
        return EngineProbe(False, f"Nothing answers at {host}: is the server running, and is the address right?")
    except httpx.HTTPError as exc:
        return EngineProbe(False, f"The connection to {host} failed: {_one_line(str(exc)) or type(exc).__name__}.")
    code = response.status_code
    if code in (401, 403):
        return EngineProbe(False, f"{host} refused the API key ({code}{_server_says(response)}): check the key.")
    not_openai = (f"{host} answered, but not as an OpenAI-compatible server (no model list at "
                  f"{urlsplit(config.base_url).path or '/'}/models): check the URL; it usually ends in /v1.")
    if code != 200:
        return EngineProbe(False, not_openai if code == 404 else
                           f"{host} answered {code}{_server_says(response)} to the model list.")
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        data = None
    if not isinstance(data, list):
        return EngineProbe(False, not_openai)
    models = tuple(str(e["id"]) for e in data if isinstance(e, dict) and e.get("id"))
    listed = ", ".join(models[:3]) + (", ..." if len(models) > 3 else "")
    what = f"it serves {len(models)} model{'s' if len(models) != 1 else ''} ({listed})" if models \
        else "it lists no models; type the model id by hand"
    return EngineProbe(True, f"Reached {host}: {what}.", models)


def approx_tokens(text: str) -> int:
    """A conservative token count without the server's tokenizer (~4 chars a token in English;
    3 leaves room for other languages and code), for fitting the conversation into the context."""
    return len(text) // 3 + 1


class RemoteError(UserError):
    """A request failed; `partial` is True when part of an answer had already arrived."""

    def __init__(self, message: str, partial: bool = False) -> None:
        super().__init__(message)
        self.partial = partial


class RemoteBackend:
    """A ChatBackend: each request runs on its own thread, `capacity` at once."""

    def __init__(self, config: RemoteConfig, *, flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S) -> None:
        self.config = config
        self.capacity = max(1, config.capacity)
        self.model: RemoteModel | None = None
        self._flush_interval_s = flush_interval_s
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        timeout = httpx.Timeout(config.timeout_s, connect=min(CONNECT_TIMEOUT_S, config.timeout_s))
        # trust_env=False: no proxy from the environment; questions go to the URL the person gave.
        self._client = httpx.Client(base_url=config.base_url, headers=headers, timeout=timeout,
                                    trust_env=False)
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    # -- connection ------------------------------------------------------------------------
    def connect(self) -> RemoteModel:
        """Check the server, the key and the model (GET /models); learn the context length.

        Raises RemoteError with one sentence. A server without /models is taken on trust."""
        try:
            response = self._client.get("/models")
        except httpx.HTTPError as exc:
            raise RemoteError(self._transport_message(exc, started=False)) from exc
        entries: list[dict[str, Any]] = []
        if response.status_code == 200:
            try:
                data = response.json().get("data", [])
                entries = [e for e in data if isinstance(e, dict)]
            except (ValueError, AttributeError):
                entries = []
        elif response.status_code != 404:
            raise RemoteError(self._status_message(response))
        ids = [str(e.get("id")) for e in entries]
        if entries and self.config.model not in ids:
            listed = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
            raise RemoteError(f"The engine at {self.config.host} does not serve model "
                              f"{self.config.model!r}; it serves: {listed}.")
        entry = next((e for e in entries if e.get("id") == self.config.model), {})
        n_ctx = next((int(entry[k]) for k in _CONTEXT_KEYS if isinstance(entry.get(k), int) and entry[k] > 0), 0)
        self.model = RemoteModel(self.config.model, n_ctx or self.config.context_length, bool(n_ctx))
        return self.model

    # -- ChatBackend ---------------------------------------------------------------------------
    def start(self, job: Job) -> None:
        thread = threading.Thread(target=self._run, args=(job,), name="remote-chat", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def close(self) -> None:
        """End once the running requests have seen their cancel (the service cancels them first)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout=self.config.timeout_s + 1)
        self._client.close()

    # -- one request (its own thread) ----------------------------------------------------------
    def _run(self, job: Job) -> None:
        try:
            job.started()
            try:
                result = self._turn(job)
            except RemoteError as exc:
                job.failed(str(exc))
            except UserError as exc:
                job.failed(str(exc))
            except Exception as exc:  # noqa: BLE001 - one bad turn must not go unanswered
                log.exception("remote generation failed")
                job.failed(f"Generation on {self.config.host} failed: {exc}")
            else:
                job.finished(result)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _turn(self, job: Job) -> TurnResult:
        request, sampling = job.request, job.sampling
        if not isinstance(request, ChatRequest):  # a raw harmony prompt (the local API server's)
            raise RemoteError(f"The engine at {self.config.host} takes chat messages; a request with "
                              f"a prompt rendered here cannot be sent to it.")
        n_ctx = self.model.n_ctx if self.model else self.config.context_length
        sources, warnings, request = ground_request(request, approx_tokens, n_ctx)
        reserve = min(sampling.max_tokens, n_ctx // 2)
        plan = build_prompt(request, approx_tokens, n_ctx, reserve)
        messages = _messages(request, plan.dropped_turns) + _chain_messages(request.chain)
        result = TurnResult(prompt=plan.prompt, dropped_turns=plan.dropped_turns, sources=sources,
                            source_warnings=warnings)
        _Stream(self, job, result).run(self.request_body(request, sampling, messages))
        return result

    def request_body(self, request: ChatRequest, sampling: Sampling, messages: list[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.config.model, "messages": messages, "stream": True,
            "stream_options": {"include_usage": True}, "reasoning_effort": request.effort,
            "max_tokens": sampling.max_tokens, "temperature": sampling.temperature, "top_p": sampling.top_p,
        }
        # Not in OpenAI's API, but read by vLLM, llama.cpp's servers and SGLang; others ignore them.
        if sampling.top_k > 0:
            body["top_k"] = sampling.top_k
        if sampling.min_p > 0:
            body["min_p"] = sampling.min_p
        if sampling.seed >= 0:
            body["seed"] = sampling.seed
        if request.tools:  # function tools go as OpenAI `tools`; the server renders them for the model
            body["tools"] = [{"type": "function", "function": {
                "name": tool.name, "description": tool.description,
                "parameters": dict(tool.parameters) if tool.parameters is not None
                else {"type": "object", "properties": {}}}} for tool in request.tools]
        return body

    # -- messages for the person ---------------------------------------------------------------
    def _status_message(self, response: httpx.Response) -> str:
        host, code = self.config.host, response.status_code
        said = _server_says(response)
        if code in (401, 403):
            return f"The engine at {host} refused the API key ({code}{said}): check the key."
        if code == 404:
            return (f"The engine at {host} has no model {self.config.model!r}, or no OpenAI API at this "
                    f"URL ({code}{said}); the URL usually ends in /v1.")
        if code >= 500:
            return f"The engine at {host} failed ({code}{said})."
        return f"The engine at {host} refused the request ({code}{said})."

    def _transport_message(self, exc: Exception, *, started: bool, tokens: int = 0) -> str:
        host, limit = self.config.host, f"{self.config.timeout_s:g} s"
        if started:
            what = (f"sent nothing for {limit} mid-answer" if isinstance(exc, httpx.TimeoutException)
                    else "cut the connection mid-answer")
            return (f"The engine at {host} {what} (after {tokens} tokens); the partial answer is kept, "
                    f"marked incomplete.")
        if isinstance(exc, httpx.ConnectTimeout):
            return f"The engine at {host} did not accept a connection within {min(CONNECT_TIMEOUT_S, self.config.timeout_s):g} s."
        if isinstance(exc, httpx.TimeoutException):
            return (f"The engine at {host} did not answer within {limit} (the timeout); it may be busy: "
                    f"try again or allow more time.")
        if isinstance(exc, httpx.ConnectError):
            return f"Cannot reach the engine at {host}: nothing answers there (is the server running?)."
        return f"The connection to the engine at {host} failed: {_one_line(str(exc)) or type(exc).__name__}."


class _Stream:
    """Reads one streamed completion into a TurnResult, handing deltas to the job in batches."""

    def __init__(self, backend: RemoteBackend, job: Job, result: TurnResult) -> None:
        self.backend = backend
        self.job = job
        self.result = result
        self.stats = result.stats
        self.collector = _Collector(result, time.perf_counter())
        self.pending: list[Delta] = []
        # The reader adds deltas and the watcher flushes them (a server that pauses mid-answer
        # must not keep the last words unshown until its next chunk): one lock orders both.
        self.lock = threading.RLock()
        self.last_flush = 0.0
        self.harmony: StreamParser | None = None  # set when the content turns out to be raw harmony
        self.content_head = ""  # content held until it shows whether it is raw harmony
        self.calls: dict[int, list[str]] = {}  # streamed function calls: index -> [name, arguments]
        self.first_at: float | None = None
        self.last_at = 0.0
        self.finish: str | None = None
        self.sent_at = 0.0
        self.usage_tokens = 0  # completion tokens as the server counts them (its last chunk)

    def run(self, body: dict[str, Any]) -> None:
        cancel = self.job.cancel
        self.sent_at = time.perf_counter()
        done = threading.Event()
        try:
            with self.backend._client.stream("POST", "/chat/completions", json=body) as response:
                watcher = threading.Thread(target=self._watch, args=(done, response),
                                           name="remote-watch", daemon=True)
                watcher.start()
                if response.status_code != 200:
                    response.read()
                    raise RemoteError(self.backend._status_message(response))
                for line in response.iter_lines():
                    if cancel.cancelled:
                        break
                    with self.lock:
                        if self._line(line):
                            break
        except httpx.HTTPError as exc:
            done.set()
            if not cancel.cancelled:
                with self.lock:
                    self._end()
                started = self.first_at is not None
                raise RemoteError(self.backend._transport_message(exc, started=started, tokens=self.stats.tokens),
                                  partial=started) from exc
        finally:
            done.set()
        with self.lock:
            self._end()
        if cancel.cancelled:
            self.stats.finish_reason = "cancelled"
        elif self.finish is None:
            # The stream closed without saying why it ended: the server or a proxy cut it.
            started = self.first_at is not None
            raise RemoteError(self.backend._transport_message(ConnectionError(), started=True,
                                                              tokens=self.stats.tokens) if started
                              else f"The engine at {self.backend.config.host} closed the connection "
                                   f"without an answer.", partial=started)
        else:
            # A harmony tool call that the server ended as a plain stop still waits for its tool.
            calls = self.finish == "stop" and self.result.tool_calls
            self.stats.finish_reason = "tool_calls" if calls else self.finish

    def _line(self, line: str) -> bool:
        """Take one SSE line; True at the end of the stream."""
        if not line.startswith("data:"):
            return False
        data = line[5:].strip()
        if data == "[DONE]":
            return True
        try:
            chunk = json.loads(data)
        except ValueError:
            log.debug("not JSON in the stream: %.200s", data)
            return False
        if isinstance(chunk.get("error"), dict | str):
            error = chunk["error"]
            text = error.get("message", "") if isinstance(error, dict) else error
            raise RemoteError(f"The engine at {self.backend.config.host} stopped with an error: "
                              f"{_one_line(str(text))[:_SERVER_MESSAGE_CHARS]}", partial=self.first_at is not None)
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.stats.prompt_tokens = int(usage.get("prompt_tokens") or self.stats.prompt_tokens)
            self.usage_tokens = int(usage.get("completion_tokens") or 0)
        for choice in chunk.get("choices") or []:
            self._delta(choice.get("delta") or {})
            if choice.get("finish_reason"):
                self.finish = _finish_reason(choice["finish_reason"])
        return False

    def _delta(self, delta: dict[str, Any]) -> None:
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        content = delta.get("content")
        calls = delta.get("tool_calls")
        if not (reasoning or content or calls):
            return
        now = time.perf_counter()
        if self.first_at is None:
            self.first_at = now
            self.stats.ttft_s = now - self.sent_at
        self.last_at = now
        self.stats.tokens += 1  # one chunk per token on llama.cpp and vLLM; usage corrects it at the end
        self.stats.decode_s = now - self.first_at
        if isinstance(reasoning, str) and reasoning:
            self.pending.append(Delta("analysis", reasoning))
        if isinstance(content, str) and content:
            self._content(content)
        if isinstance(calls, list):
            for call in calls:
                entry = self.calls.setdefault(int(call.get("index", 0)), ["", ""])
                function = call.get("function") or {}
                entry[0] += function.get("name") or ""
                entry[1] += function.get("arguments") or ""
        if self.pending and now - self.last_flush >= self.backend._flush_interval_s:
            self._flush()

    def _content(self, text: str) -> None:
        if self.harmony is None and self.content_head is not None:
            # Raw harmony starts with a marker; plain answers never do. Wait for two characters.
            self.content_head += text
            head = self.content_head.lstrip()
            if len(head) < 2:
                return
            text, self.content_head = self.content_head, None  # type: ignore[assignment]
            if head.startswith("<|"):
                self.harmony = StreamParser()
        if self.harmony is not None:
            self.pending.extend(self.harmony.feed(text))
        else:
            self.pending.append(Delta("final", text))

    def _flush(self) -> None:
        if self.pending:
            batch = _merge(self.pending)
            self.pending.clear()
            self.collector.add(batch)
            self.job.deltas(batch, GenerationStats(**vars(self.stats)))
        self.last_flush = time.perf_counter()

    def _end(self) -> None:
        """Deliver what is held (also when the stream broke: the partial answer is kept)."""
        if self.content_head:
            head, self.content_head = self.content_head, None  # type: ignore[assignment]
            if head.lstrip().startswith("<|"):
                self.harmony = StreamParser()
                self.pending.extend(self.harmony.feed(head))
            else:
                self.pending.append(Delta("final", head))
        if self.harmony is not None:
            self.pending.extend(self.harmony.finish())
            self.result.tool_calls = list(self.harmony.tool_calls)
            self.harmony = None
        self._flush()
        self.collector.close()
        for name, arguments in (self.calls[i] for i in sorted(self.calls)):
            self.result.tool_calls.append(ToolCall(f"functions.{name}", arguments, "json"))
        self.calls.clear()
        if self.usage_tokens:
            self.stats.tokens = self.usage_tokens


    def _watch(self, done: threading.Event, response: httpx.Response) -> None:
        """Flush held deltas when the server pauses; on Stop, shut the socket down, which wakes the
        reader at once even while the server is silent (closing the response would wait for a byte)."""
        interval = self.backend._flush_interval_s
        while not done.is_set():
            if self.job.cancel.wait(interval):
                stream = response.extensions.get("network_stream")
                sock = stream.get_extra_info("socket") if stream is not None else None
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return
            with self.lock:
                if not done.is_set() and self.pending and time.perf_counter() - self.last_flush >= interval:
                    self._flush()


def _messages(request: ChatRequest, first_turn: int) -> list[dict[str, Any]]:
    """OpenAI messages: the instructions as the system message (gpt-oss servers render it as the
    harmony developer message), then the turns that fit."""
    messages = [{"role": "system", "content": request.instructions}] if request.instructions else []
    messages += [{"role": t.role, "content": t.text} for t in request.turns[first_turn:]]
    return messages


def _chain_messages(chain: tuple[ChainMessage, ...]) -> list[dict[str, Any]]:
    """This turn's calls and tool results as OpenAI messages: each call an assistant message with
    its `tool_calls` (and the reasoning that led to it, as `reasoning_content`, which gpt-oss
    servers put back in the chain), each result a `tool` message answering the call before it.

    Call ids are numbered along the chain, so every step's request names a call the same way."""
    messages: list[dict[str, Any]] = []
    call_id = ""
    for message in chain:
        if isinstance(message, CallMessage):
            call_id = f"call_{sum(1 for m in messages if m['role'] == 'assistant') + 1}"
            # Content "" rather than null: llama-cpp-python's server refuses null (500), others take both.
            entry: dict[str, Any] = {"role": "assistant", "content": "", "tool_calls": [{
                "id": call_id, "type": "function",
                "function": {"name": _function_name(message.recipient), "arguments": message.arguments}}]}
            if message.reasoning:
                entry["reasoning_content"] = message.reasoning
            messages.append(entry)
        else:
            # Untrusted text: a server that renders harmony must not read markers in it.
            messages.append({"role": "tool", "tool_call_id": call_id, "name": _function_name(message.author),
                             "content": neutralise_markers(message.text)})
    return messages


def _function_name(recipient: str) -> str:
    """`functions.NAME` as OpenAI names the function: NAME."""
    return recipient.strip().removeprefix("functions.")


def _finish_reason(reason: str) -> str:
    return {"stop": "stop", "length": "length", "tool_calls": "tool_calls", "function_call": "tool_calls",
            "content_filter": "stop"}.get(reason, reason)


def _server_says(response: httpx.Response) -> str:
    try:
        data = response.json()
        error = data.get("error", data.get("detail", data.get("message", "")))
        text = error.get("message", "") if isinstance(error, dict) else str(error)
    except (ValueError, AttributeError, httpx.ResponseNotRead):
        text = ""
    text = _one_line(text)[:_SERVER_MESSAGE_CHARS]
    return f", {json.dumps(text, ensure_ascii=False)}" if text else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())
