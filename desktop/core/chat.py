"""One chat turn, Qt-free: render harmony, stream from the runtime, parse channels, batch deltas.

The window's LLM thread, the CLI's `ask` and the benchmarks all run turns through `run_turn`,
so what is measured is what the user gets.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.core import harmony, rag
from desktop.core.attachments import attachment_sources
from desktop.core.errors import UserError
from desktop.core.harmony import Delta, StreamParser
from desktop.core.jobs import CancelToken
from desktop.core.runtime import ChatRuntime, GenerationStats, LoadOptions, Sampling, gpu_offload_supported
from desktop.paths import AppPaths
from desktop.settings import Settings
from desktop.tools.functions import FunctionTool

if TYPE_CHECKING:
    from desktop.core.planner import Plan

# About 30 UI updates per second at most: smooth to the eye, cheap for the event loop.
DEFAULT_FLUSH_INTERVAL_S = 1 / 30


@dataclass(frozen=True)
class ChatRequest:
    """Everything one turn needs; rendered on the LLM thread, where the tokenizer lives."""

    turns: tuple[harmony.Turn, ...]  # the conversation, ending with the new user message
    effort: str = "medium"
    instructions: str = ""
    today: datetime.date = field(default_factory=datetime.date.today)
    keep_from: int = 0  # first turn of the previous prompt: kept while it fits (KV cache reuse)
    # The document library, when this conversation uses it: question -> numbered sources.
    retrieve: Callable[[str], list[rag.Source]] | None = None
    attachments: tuple[str, ...] = ()  # files attached to this conversation
    tools: tuple[FunctionTool, ...] = ()  # functions the model may call (harmony `namespace functions`)
    chain: tuple[harmony.ChainMessage, ...] = ()  # this turn's calls and tool results so far
    system_tools: str = ""  # built-in tools' `# Tools` section (the library's browser), system message


@dataclass
class PromptPlan:
    prompt: str
    dropped_turns: int  # oldest turns left out so the prompt fits the context


class TokenCounter:
    """Counts a rendered prompt's tokens piece by piece, remembering each turn's count.

    Harmony messages are separated by special tokens, which the tokenizer never merges across, so
    a prompt's token count is the sum of its messages' counts. Counting each turn once keeps a
    1,000-turn conversation from being re-tokenized whole on every question.
    """

    def __init__(self, count_tokens: Callable[[str], int], max_entries: int = 8192) -> None:
        self._count = count_tokens
        self._cache: dict[str, int] = {}
        self._max_entries = max_entries

    def __call__(self, text: str) -> int:
        known = self._cache.get(text)
        if known is None:
            if len(self._cache) >= self._max_entries:
                self._cache.clear()
            known = self._cache[text] = self._count(text)
        return known


def build_prompt(request: ChatRequest, count_tokens: Callable[[str], int], n_ctx: int,
                 reserve: int) -> PromptPlan:
    """Render the request so it leaves `reserve` tokens of the context free for the answer.

    The system and developer messages and the newest turns stay; the oldest turns go first.
    Turns are counted from the newest backwards and counting stops once the context is full, so
    the cost does not grow with the length of the conversation. When turns must go, enough go to
    bring the prompt down to three quarters of its budget, and the next turns keep that starting
    point (`request.keep_from`) while it fits: the prompt prefix stays the same, so llama.cpp
    reuses its KV cache instead of re-reading the conversation after every question.
    """
    turns = request.turns
    # system, developer, this turn's calls, "<|start|>assistant"
    head = harmony.render_prompt((), effort=request.effort, instructions=request.instructions,
                                 today=request.today, tools=request.tools, chain=request.chain,
                                 system_tools=request.system_tools)
    budget = max(1, n_ctx - reserve - count_tokens(head))
    start = max(0, min(request.keep_from, len(turns) - 1))
    suffix: list[int] = []  # suffix[k]: tokens of the newest k + 1 turns
    total = 0
    for turn in reversed(turns[start:]):
        total += count_tokens(harmony.render_turn(turn))
        suffix.append(total)
        if total > budget:
            break
    if total > budget:
        target = budget * 3 // 4
        kept = sum(1 for size in suffix if size <= target)
        start = len(turns) - max(1, kept)
        while start < len(turns) - 1 and turns[start].role != "user":
            start += 1  # a conversation never opens with an answer
    prompt = harmony.render_prompt(turns[start:], effort=request.effort, instructions=request.instructions,
                                   today=request.today, tools=request.tools, chain=request.chain,
                                   system_tools=request.system_tools)
    return PromptPlan(prompt, start)


@dataclass
class TurnResult:
    answer: str = ""
    reasoning: str = ""
    commentary: str = ""
    stats: GenerationStats = field(default_factory=GenerationStats)
    reasoning_s: float = 0.0  # from the first reasoning token to the first answer token (or the end)
    prompt: str = ""
    dropped_turns: int = 0
    sources: list[rag.Source] = field(default_factory=list)
    source_warnings: list[str] = field(default_factory=list)  # library or files that could not be used
    tool_calls: list[harmony.ToolCall] = field(default_factory=list)

    @property
    def library_notice(self) -> str | None:
        """Set when the library was searched and nothing in it was relevant to the question.

        Carried among the source warnings, so every engine that grounds through
        `ground_request` reports it and every client that shows warnings shows it."""
        return rag.NOT_COVERED if rag.NOT_COVERED in self.source_warnings else None

    @property
    def cancelled(self) -> bool:
        return self.stats.finish_reason == "cancelled"

    @property
    def finish_reason(self) -> str:
        """stop | tool_calls | length | context | cancelled (OpenAI's names where they exist)."""
        return self.stats.finish_reason


class _Collector:
    """Accumulates channel text and times the reasoning phase."""

    def __init__(self, result: TurnResult, started: float) -> None:
        self.result = result
        self.started = started
        self.reasoning_started: float | None = None
        self.reasoning_ended: float | None = None

    def add(self, deltas: list[Delta]) -> None:
        now = time.perf_counter()
        for delta in deltas:
            if delta.channel == "final":
                self.result.answer += delta.text
                if self.reasoning_started is not None and self.reasoning_ended is None:
                    self.reasoning_ended = now
            elif delta.channel == "analysis":
                self.result.reasoning += delta.text
                if self.reasoning_started is None:
                    self.reasoning_started = now
            else:
                self.result.commentary += delta.text

    def close(self) -> None:
        if self.reasoning_started is not None:
            end = self.reasoning_ended or time.perf_counter()
            self.result.reasoning_s = end - self.reasoning_started


def run_turn(
    runtime: ChatRuntime,
    prompt: str,
    sampling: Sampling,
    cancel: CancelToken | None = None,
    on_deltas: Callable[[list[Delta]], None] | None = None,
    flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S,
    stats: GenerationStats | None = None,
) -> TurnResult:
    """Generate one assistant turn; `on_deltas` gets batches at most every `flush_interval_s`.

    `stats` (optional) is filled live, so a caller can show tokens/s while the turn streams.
    """
    result = TurnResult(stats=stats or GenerationStats(), prompt=prompt)
    collector = _Collector(result, time.perf_counter())
    parser = StreamParser()
    pending: list[Delta] = []
    last_flush = 0.0

    def flush() -> None:
        nonlocal last_flush
        if pending:
            batch = _merge(pending)
            pending.clear()
            collector.add(batch)
            if on_deltas:
                on_deltas(batch)
        last_flush = time.perf_counter()

    for piece in runtime.stream(prompt, sampling, cancel, result.stats):
        pending.extend(parser.feed(piece))
        if pending and time.perf_counter() - last_flush >= flush_interval_s:
            flush()
    pending.extend(parser.finish())
    flush()
    collector.close()
    result.tool_calls = list(parser.tool_calls)
    if result.stats.finish_reason == "stop" and result.stats.stop_token == "<|call|>":
        result.stats.finish_reason = "tool_calls"  # the model waits for the tool's answer
    return result


def _merge(deltas: list[Delta]) -> list[Delta]:
    """Join consecutive deltas of one channel so a batch carries one string per run."""
    merged: list[Delta] = []
    for delta in deltas:
        if merged and merged[-1].channel == delta.channel:
            merged[-1] = Delta(delta.channel, merged[-1].text + delta.text)
        elif delta.text:
            merged.append(delta)
    return merged


def sampling_from_settings(settings: Settings, max_tokens: int | None = None) -> Sampling:
    s = settings.sampling
    return Sampling(temperature=s.temperature, top_p=s.top_p, top_k=s.top_k, min_p=s.min_p,
                    repeat_penalty=s.repeat_penalty, max_tokens=max_tokens or s.max_tokens, seed=s.seed)


def load_options_from_settings(settings: Settings) -> LoadOptions:
    """The user's settings as they are ("auto" GPU layers: all when this build can offload)."""
    m = settings.model
    gpu_layers = m.gpu_layers
    if gpu_layers < 0:
        gpu_layers = -1 if gpu_offload_supported() else 0
    return LoadOptions(n_ctx=m.context_length, n_gpu_layers=gpu_layers, n_threads=m.threads)


def plan_load(model_path: str | Path, settings: Settings, paths: AppPaths,
              probe: Callable[[Path], Any] | None = None) -> tuple[LoadOptions, Plan]:
    """How to load this model on this machine: the fit planner turns "auto" into layers and context.

    Raises UserError when the model cannot fit at all (with the numbers), or is not a usable GGUF.
    """
    from desktop.core import hardware, planner

    machine = (probe or hardware.probe)(paths.models_dir)
    plan = planner.plan_for_settings(Path(model_path), settings.model, machine,
                                     shapes=planner.ShapeCache(paths.cache_dir / "model_shapes.json"))
    if settings.model.experts == "ram" and machine.gpu_budget_bytes > 0:
        # Experts in RAM, every layer's attention and KV cache on the GPU: judged as CPU-only for
        # RAM (the experts are nearly all of the weights); the GPU part is a few GB at most.
        plan = planner.plan_for_settings(Path(model_path), replace(settings.model, gpu_layers=0), machine,
                                         shapes=planner.ShapeCache(paths.cache_dir / "model_shapes.json"))
        if plan.verdict is planner.Verdict.WONT_FIT:
            raise UserError(f"Not enough memory for {Path(model_path).name}: {plan.summary}.")
        options = LoadOptions(n_ctx=plan.n_ctx, n_gpu_layers=-1, n_threads=settings.model.threads,
                              flash_attn=True, experts_on_cpu=True)
        return options, replace(plan, notes=(*plan.notes, "MoE experts in RAM, the rest on the GPU"))
    if plan.verdict is planner.Verdict.WONT_FIT:
        raise UserError(f"Not enough memory for {Path(model_path).name}: {plan.summary}.")
    options = LoadOptions(n_ctx=plan.n_ctx, n_gpu_layers=plan.n_gpu_layers, n_threads=settings.model.threads,
                          flash_attn=plan.flash_attn)
    return options, plan


def ground_request(request: ChatRequest, count_tokens: Callable[[str], int], n_ctx: int,
                   ) -> tuple[list[rag.Source], list[str], ChatRequest]:
    """The library's sources and the attached files put into the newest question (on this machine,
    whichever engine answers): (sources, warnings, the grounded request)."""
    sources: list[rag.Source] = []
    warnings: list[str] = []
    if request.retrieve is None and not request.attachments:
        return sources, warnings, request
    question = request.turns[-1].text
    nothing_found = False
    if request.retrieve is not None:
        try:
            sources = request.retrieve(question)
            nothing_found = not sources
        except UserError as exc:
            warnings.append(f"the library could not be searched: {exc}")
        if nothing_found:
            warnings.append(rag.NOT_COVERED)
    if request.attachments:
        attached, problems = attachment_sources(request.attachments, question, count_tokens, n_ctx // 3,
                                                first_number=len(sources) + 1)
        sources += attached
        warnings += [f"attachment {problem}" for problem in problems]
    grounded = harmony.Turn("user", rag.grounded_question(question, sources, nothing_found=nothing_found))
    # The rules stay in the developer message whether or not this question found sources, so
    # the start of the prompt (and its KV cache) does not change from turn to turn.
    request = replace(request, turns=(*request.turns[:-1], grounded),
                      instructions=f"{request.instructions}\n\n{rag.SOURCE_RULES}".strip())
    return sources, warnings, request


def run_chat(runtime: ChatRuntime, request: ChatRequest, sampling: Sampling, cancel: CancelToken | None = None,
             on_deltas: Callable[[list[Delta]], None] | None = None,
             stats: GenerationStats | None = None, counter: TokenCounter | None = None) -> TurnResult:
    """Ground the question in the library (if on), fit the conversation into the context, run the turn.

    `counter` caches turn sizes across turns. Only the newest question carries its sources: earlier
    questions are stored and re-rendered plain, which keeps the conversation's prefix stable.
    """
    sources, warnings, request = ground_request(request, runtime.count_tokens, runtime.n_ctx)
    reserve = min(sampling.max_tokens, runtime.n_ctx // 2)
    plan = build_prompt(request, counter or runtime.count_tokens, runtime.n_ctx, reserve)
    result = run_turn(runtime, plan.prompt, sampling, cancel, on_deltas, stats=stats)
    result.dropped_turns = plan.dropped_turns
    result.sources = sources
    result.source_warnings = warnings
    return result
