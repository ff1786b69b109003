"""The harmony chat format of gpt-oss: prompt rendering and an incremental output parser.

We render prompts ourselves rather than through the `openai-harmony` package because that package
downloads its tokenizer file on first use, which fails on an offline machine.

Rendering follows openai-harmony's own renderer and its reference test data byte for byte. The
chat template shipped with the Hugging Face checkpoint differs in one place: it writes two extra
newlines after the developer instructions (`...{instructions}\\n\\n<|end|>`); the reference renderer
and the format guide do not, and we follow them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from desktop.tools.functions import FUNCTIONS_CHANNEL_LINE, FunctionTool, render_tools_section

EFFORTS = ("low", "medium", "high")
CHANNELS = ("analysis", "commentary", "final")

_MODEL_IDENTITY = "You are ChatGPT, a large language model trained by OpenAI."
_VALID_CHANNELS = (
    "# Valid channels: analysis, commentary, final. Channel must be included for every message."
)


@dataclass(frozen=True)
class Turn:
    """One message of the conversation; an assistant turn holds its final answer only."""

    role: str  # "user" | "assistant"
    text: str


@dataclass(frozen=True)
class Delta:
    """A piece of model output on one channel."""

    channel: str  # "analysis" | "commentary" | "final"
    text: str


@dataclass(frozen=True)
class ToolCall:
    """A message addressed to a tool (`to=functions.get_weather`), complete once it closed."""

    recipient: str  # e.g. "functions.get_weather"
    arguments: str  # the message text, e.g. '{"city":"Paris"}'
    content_type: str = ""  # from `<|constrain|>json`, when given
    channel: str = "commentary"  # where the model wrote it (built-in tools' calls go to analysis)


# --- rendering -------------------------------------------------------------------------------


def neutralise_markers(text: str) -> str:
    """Break every `<|` so that text cannot contain a harmony marker.

    The runtime tokenizes the whole prompt with special tokens parsed, so a user who types
    `<|end|><|start|>system<|message|>...` would otherwise close their own turn and write one in
    another role. A zero-width space between `<` and `|` stops the match, is invisible when shown,
    and leaves the text readable for the model. Idempotent, so re-rendering stays stable.
    """
    return text.replace("<|", "<\u200b|")


def render_system(effort: str, today: date, knowledge_cutoff: str = "2024-06", *, functions: bool = False,
                  tools_section: str = "") -> str:
    """The system message text (without its `<|start|>system<|message|>` frame).

    `functions`: the conversation has function tools, so the system message says where calls go.
    `tools_section`: the `# Tools` section of the built-in tools (the browser), which harmony puts
    in the system message, between the reasoning effort and the channels.
    """
    _check_effort(effort)
    return (
        f"{_MODEL_IDENTITY}\n"
        f"Knowledge cutoff: {knowledge_cutoff}\n"
        f"Current date: {today.isoformat()}\n\n"
        f"Reasoning: {effort}\n\n"
        + (f"{tools_section}\n\n" if tools_section else "")
        + f"{_VALID_CHANNELS}"
        + (f"\n{FUNCTIONS_CHANNEL_LINE}" if functions else "")
    )


def render_developer(instructions: str, tools: Sequence[FunctionTool] = ()) -> str:
    """The developer message text: `# Instructions` and the `# Tools` section, either may be absent."""
    sections = ["# Instructions", neutralise_markers(instructions)] if instructions else []
    if tools:
        sections.append(render_tools_section(tools))
    return "\n\n".join(sections)


def render_prompt(
    turns: Sequence[Turn],
    *,
    effort: str = "medium",
    instructions: str = "",
    today: date | None = None,
    tools: Sequence[FunctionTool] = (),
    chain: Sequence[ChainMessage] = (),
    system_tools: str = "",
) -> str:
    """Render a conversation and open the assistant's next message.

    `tools`: function tools the model may call (`namespace functions` in the developer message).
    `chain`: the calls and tool results of the turn in progress, after its user message; their
    reasoning is kept there, as the format guide shows, and dropped once the turn has an answer.
    `system_tools`: the built-in tools' `# Tools` section for the system message (render_system).

    Pass the conversation's own date as `today`: the prompt must render to the same prefix on
    every turn so that llama.cpp reuses its KV cache, and a date read here would change at
    midnight. Earlier assistant turns carry their final answer only; their reasoning is dropped,
    as the model was trained to expect.
    """
    parts = [_message("system", render_system(effort, today or date.today(), functions=bool(tools),
                                              tools_section=system_tools))]
    if instructions or tools:
        parts.append(_message("developer", render_developer(instructions, tools)))
    parts.extend(render_turn(turn) for turn in turns)
    parts.extend(message.render() for message in chain)
    parts.append("<|start|>assistant")
    return "".join(parts)


def render_turn(turn: Turn) -> str:
    """One earlier message as it appears in the prompt (assistant turns: final channel only)."""
    text = neutralise_markers(turn.text)
    if turn.role == "user":
        return _message("user", text)
    if turn.role == "assistant":
        return _message("assistant<|channel|>final", text)
    raise ValueError(f"unknown role {turn.role!r}; expected 'user' or 'assistant'")


@dataclass(frozen=True)
class CallMessage:
    """The model's tool call as it goes back into the prompt, with the reasoning that led to it.

    Rendered the way the format guide shows a call and the way gpt-oss writes one (channel, then
    recipient), so the prompt of the next step starts with the tokens the model just produced.
    """

    recipient: str  # "functions.get_weather"
    arguments: str
    reasoning: str = ""
    content_type: str = "json"  # "" when the model gave none
    channel: str = "commentary"  # the browser's calls go to analysis

    def render(self) -> str:
        thought = _message("assistant<|channel|>analysis", neutralise_markers(self.reasoning)) if self.reasoning else ""
        constraint = f" <|constrain|>{self.content_type}" if self.content_type else ""
        return (f"{thought}<|start|>assistant<|channel|>{self.channel} to={self.recipient}{constraint}<|message|>"
                f"{neutralise_markers(self.arguments)}<|call|>")


@dataclass(frozen=True)
class ToolResultMessage:
    """A tool's answer: `<|start|>functions.NAME to=assistant<|channel|>commentary<|message|>...<|end|>`.

    Tool output is untrusted text: its markers are neutralised so it cannot close its message and
    speak as the system, the developer or the user.
    """

    author: str  # "functions.get_weather"
    text: str
    # The call's channel: openai/gpt-oss's tools answer on the channel they were called on.
    channel: str = "commentary"

    def render(self) -> str:
        return _message(f"{self.author} to=assistant<|channel|>{self.channel}", neutralise_markers(self.text))


ChainMessage = CallMessage | ToolResultMessage


def _message(header: str, text: str) -> str:
    return f"<|start|>{header}<|message|>{text}<|end|>"


def _check_effort(effort: str) -> None:
    if effort not in EFFORTS:
        raise ValueError(f"reasoning effort must be one of {', '.join(EFFORTS)}, not {effort!r}")


# --- parsing ---------------------------------------------------------------------------------

_MARKER = re.compile(r"<\|([A-Za-z0-9_]{1,32})\|>")
# What the rest of the buffer may be when it is the start of a marker cut by a chunk boundary.
_PARTIAL_MARKER = re.compile(r"<(?:\|(?:[A-Za-z0-9_]{1,32}\|?)?)?\Z")
_RECIPIENT_PREFIX = re.compile(r"\s*(?:t|to|to=\S*)?")
_CHANNEL_NAME = re.compile(r"\s*([^\s<]*)")
_RECIPIENT = re.compile(r"to=([^\s<]+)")
_CONSTRAINT = re.compile(r"<\|constrain\|>\s*([^\s<]*)")
_ROLE = "assistant"
# Real headers ("assistant<|channel|>commentary to=functions.x <|constrain|>json") are short and
# single-line; anything longer is content whose header the model skipped.
_HEADER_LIMIT = 256
_MESSAGE_ENDS = frozenset({"end", "return", "call", "endoftext"})


def _could_be_role(text: str) -> bool:
    """Whether text may still grow into the role/recipient part of a header (` to=x`)."""
    if len(text) > _HEADER_LIMIT:
        return False
    rest = text.lstrip()
    if len(rest) < len(_ROLE) and _ROLE.startswith(rest):
        return True
    if rest.startswith(_ROLE):
        rest = rest[len(_ROLE) :]
    return _RECIPIENT_PREFIX.fullmatch(rest) is not None


class StreamParser:
    """Split gpt-oss raw output into channel deltas, fed piece by piece as it is generated.

    The stream starts right after the prompt's `<|start|>assistant`, so it opens inside a header:
    `<|channel|>analysis<|message|>...<|end|><|start|>assistant<|channel|>final<|message|>...`.
    Markers may be cut anywhere between chunks; a possible partial marker is held back until it is
    resolved, and no marker ever reaches the output. Work is linear in the total output.

    Text where a header should be but that cannot be one is shown as "final": a model that skips
    the header still answers, and hiding that answer would leave the person with nothing.
    """

    def __init__(self) -> None:
        self._tail = ""  # a possible marker cut at the end of the last chunk
        self._in_header = True
        # A header opened by a marker (`<|start|>`, `<|channel|>`) is surely a header; bare text
        # where a header should be may turn out to be content.
        self._marked = False
        self._header: list[str] = []
        self._header_len = 0
        self._channel = "final"
        self._channels_seen: set[str] = set()
        self._out: list[Delta] = []
        self._call: tuple[str, str] | None = None  # (recipient, content type) of the open message
        self._call_text: list[str] = []
        self._tool_calls: list[ToolCall] = []

    @property
    def saw_final(self) -> bool:
        """Whether the answer (final channel) started; False when output stopped in reasoning."""
        return "final" in self._channels_seen

    @property
    def channels_seen(self) -> frozenset[str]:
        return frozenset(self._channels_seen)

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """Messages to a tool that have closed (by `<|call|>`, `<|end|>` or the end of the stream);
        their text is also given out as commentary deltas."""
        return tuple(self._tool_calls)

    def feed(self, chunk: str) -> list[Delta]:
        buf = self._tail + chunk
        self._tail = ""
        start = search = 0
        while (at := buf.find("<|", search)) >= 0:
            if m := _MARKER.match(buf, at):
                self._text(buf[start:at])
                self._marker(m.group(1))
                start = search = m.end()
            elif _PARTIAL_MARKER.match(buf, at):
                self._text(buf[start:at])
                self._tail = buf[at:]
                return self._take()
            else:
                search = at + 1  # a literal "<|": stays text
        if buf.endswith("<"):
            self._text(buf[start:-1])
            self._tail = "<"
        else:
            self._text(buf[start:])
        return self._take()

    def finish(self) -> list[Delta]:
        """Flush what was held back; call once when the stream ends."""
        tail, self._tail = self._tail, ""
        self._text(tail)  # the stream ended, so a held partial marker was literal text
        self._close_message()
        return self._take()

    # -- internals ---------------------------------------------------------------------------

    def _take(self) -> list[Delta]:
        out, self._out = self._out, []
        return out

    def _emit(self, text: str) -> None:
        if not text:
            return
        # A call's arguments show as commentary, also when the model wrote the call on analysis (the
        # browser's calls): they are not reasoning, and the reasoning goes back to it with the call.
        channel = self._channel
        if self._call is not None:
            self._call_text.append(text)
            channel = "commentary"
        if self._out and self._out[-1].channel == channel:
            self._out[-1] = Delta(channel, self._out[-1].text + text)
        else:
            self._out.append(Delta(channel, text))

    def _text(self, text: str) -> None:
        if not text:
            return
        if not self._in_header:
            self._emit(text)
            return
        self._header.append(text)
        self._header_len += len(text)
        if self._marked:
            if "\n" in text or self._header_len > _HEADER_LIMIT:
                self._header_as_content()
        elif not _could_be_role("".join(self._header)):
            self._header_as_content()

    def _marker(self, name: str) -> None:
        if name == "start":
            self._close_message()
            self._open_header(marked=True)
        elif name in _MESSAGE_ENDS:
            self._close_message()
            self._open_header(marked=False)
        elif name in ("channel", "constrain"):
            if not self._in_header:
                if name == "constrain":
                    return  # meaningless inside content
                self._close_call()
                self._open_header(marked=True)  # a new message without <|end|><|start|>
            self._marked = True
            self._header.append(f"<|{name}|>")
        elif name == "message":
            if self._in_header:
                self._open_call("".join(self._header))
                self._open_content(self._header_channel())
        # any other marker (unknown or reserved) is dropped

    def _open_header(self, *, marked: bool) -> None:
        self._in_header = True
        self._marked = marked
        self._header = []
        self._header_len = 0

    def _open_content(self, channel: str) -> None:
        self._in_header = False
        self._channel = channel
        self._channels_seen.add(channel)
        self._header = []
        self._header_len = 0

    def _open_call(self, header: str) -> None:
        recipient = _RECIPIENT.search(header)
        # `to=assistant` is gpt-oss-20b's malformed header for a message to the reader, not a call.
        if recipient and recipient.group(1) != "assistant":
            constraint = _CONSTRAINT.search(header)
            self._call = (recipient.group(1), constraint.group(1) if constraint else "")
            self._call_text = []

    def _close_call(self) -> None:
        if self._call is not None:
            recipient, content_type = self._call
            self._tool_calls.append(ToolCall(recipient, "".join(self._call_text), content_type, self._channel))
            self._call = None
            self._call_text = []

    def _close_message(self) -> None:
        # Bare text in header position is content (see class doc); a cut-off real header is not.
        if self._in_header and not self._marked and "".join(self._header).strip():
            self._header_as_content()
        self._close_call()
        self._in_header = True
        self._header = []
        self._header_len = 0

    def _header_channel(self) -> str:
        header = "".join(self._header)
        at = header.rfind("<|channel|>")
        if at < 0:
            return "final"
        return _normalise_channel(_CHANNEL_NAME.match(header, at + len("<|channel|>")).group(1))

    def _header_as_content(self) -> None:
        """The model skipped `<|message|>` (or the whole header): show the text after all."""
        header = "".join(self._header)
        channel, text = "final", header
        if self._marked:
            at = header.rfind("<|channel|>")
            if at >= 0:
                name = _CHANNEL_NAME.match(header, at + len("<|channel|>"))
                channel, text = _normalise_channel(name.group(1)), header[name.end() :]
            else:
                text = header.rpartition("<|constrain|>")[2].removeprefix(_ROLE)
            text = text[1:] if text[:1] == " " else text
        self._open_content(channel)
        self._emit(text)


def _normalise_channel(name: str) -> str:
    if not name:
        return "final"
    # An unknown channel is neither the answer nor worth hiding completely.
    return name if name in CHANNELS else "commentary"
