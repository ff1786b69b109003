"""Continuous batching: several requests decoded together, one llama.cpp batch per step.

What llama-server's `--parallel N` does, on llama.cpp's public C API. On a GPU one token of one
sequence leaves most of the device idle (decode is bound by reading the weights), so N sequences
decoded in one `llama_decode` cost little more than one: N streams get ~N times the tokens.

The context holds N sequences (`n_seq_max = N`), each in its own slot of `n_ctx` tokens: a
per-sequence KV stream, not one unified cache (`kv_unified = False`), so each request attends
over its own cells only and one long request never eats another's room. Per step, on the one
thread that owns the context (`BatchDecoder.step`):

1. Admit: requests that arrived since the last step take a free slot: the slot whose last
   request had the same conversation key, else the slot whose last prompt the new one continues
   (an empty slot continues nothing, cheaply), longest first, else the least recently used. The
   common prefix's KV is kept, the rest removed with `llama_memory_seq_rm`. Each request gets its own sampler chain (the same chain as ChatRuntime:
   penalties, top-k, top-p, min-p, temperature, seeded dist), on the device when ChatRuntime
   would put it there (`llama_set_sampler` per sequence id), else on the host.
2. Drop: cancelled requests end here (within one step: one token).
3. Pack: one batch = the last sampled token of every generating sequence (each with an output),
   then prompt chunks of the sequences still reading their prompt, in arrival order, up to
   `n_batch` tokens in all (an output only on a prompt's last token). A long prompt is read over
   several steps while the others keep generating.
4. Decode: one `llama_decode` for the whole batch.
5. Sample: for each sequence with an output, its own sampler at its own batch index (device
   result or `llama_sampler_sample(smpl, ctx, i)`); the end-of-generation token, max_tokens or a
   full slot ends it, its slot frees (the KV stays for the next request of that conversation).

Text goes to each request's own thread as the token's bytes; that thread decodes UTF-8 and runs
the harmony parser and batching (core.chat.run_turn / run_chat, given a `SequenceRuntime` in place
of a ChatRuntime), so retrieval or parsing of one request never stalls the batch. Only
tokenizing happens on those threads (read-only vocabulary, as llama-server does it on its HTTP
threads); it is fenced off from closing the model.

Sameness: a request decoded alone here gets exactly ChatRuntime's tokens (same chain, same seed).
Decoded beside others, its logits differ in the last float bits (a matrix product over several
rows sums in another order; llama-server behaves alike): a greedy choice stays unless two tokens
tie within those bits, but a seeded random draw can move.
"""

from __future__ import annotations

import codecs
import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import UserError
from desktop.core.jobs import CancelToken
from desktop.core.runtime import ChatRuntime, GenerationStats, LoadOptions, Sampling

MAX_SLOTS = 64
_DONE = object()  # a request's stream ended normally (its stats say how)
UNLOADED = "The model was unloaded while this request waited or ran."


class BatchRuntime(ChatRuntime):
    """A ChatRuntime whose context holds `slots` sequences of `options.n_ctx` tokens each.

    Use it through a BatchDecoder: the single-sequence `stream` it inherits would use slot 0.
    `n_ctx` is one slot's context, the most one request can hold.
    """

    def __init__(self, model_path: Path | str, options: LoadOptions | None = None, slots: int = 4) -> None:
        if not 1 <= slots <= MAX_SLOTS:
            raise UserError(f"Parallel requests must be between 1 and {MAX_SLOTS} (got {slots}).")
        self.slots = slots
        super().__init__(model_path, options)
        self._n_ctx = int(self._lib.llama_n_ctx_seq(self._ctx))

    def _context_params(self, n_ctx: int, flash: bool):
        params = super()._context_params(n_ctx * self.slots, flash)
        params.n_seq_max = self.slots
        params.kv_unified = False
        return params


@dataclass(eq=False)
class _Sequence:
    prompt: list[int]
    sampling: Sampling
    cancel: CancelToken
    stats: GenerationStats
    key: str | None
    started: float
    max_tokens: int
    length_reason: str  # "length" when max_tokens ends it, "context" when the slot is full first
    out: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)  # bytes, then _DONE or an error
    abandoned: bool = False  # its reader stopped listening
    slot: _Slot | None = None
    read: int = 0  # prompt tokens whose KV is in the slot
    next_token: int = -1  # sampled, decoded next step; -1 while the prompt is read
    chunk: int = 0  # prompt tokens in this step's batch
    output: int = -1  # this step's batch index of its output, -1 for none
    sampler: object = None
    on_device: bool = False
    first_at: float = 0.0

    @property
    def stopped(self) -> bool:
        return self.abandoned or self.cancel.cancelled


@dataclass(eq=False)
class _Slot:
    seq_id: int
    tokens: list[int] = field(default_factory=list)  # what its KV holds, in order
    key: str | None = None  # the conversation of its last request
    prompt_len: int = 0  # its last request's prompt length: a follow-up's prompt starts with it
    used: int = 0  # when it was last taken (least recently used goes first)
    busy: bool = False


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class BatchDecoder:
    """Decodes every running request of one BatchRuntime together.

    `step()` and `close()` belong to the thread that owns the runtime; `stream()` (and the
    SequenceRuntime views) are called from the requests' own threads. `wake` is called after a
    request arrives, so an owner blocked on its own queue comes back to `step()`.
    """

    def __init__(self, runtime: BatchRuntime, wake: Callable[[], None] = lambda: None) -> None:
        self.runtime = runtime
        self._wake = wake
        lib = self._lib = runtime._lib
        self._ctx = runtime._ctx
        self._vocab = runtime._vocab
        self._memory = runtime._memory
        self.n_batch = int(lib.llama_n_batch(self._ctx))
        # llama.cpp computes every batch of more than one token with the prompt-reading thread
        # count (all cores); a step of one token per sequence is generation, bound by memory
        # bandwidth like a single stream's token, so it gets the generation count (more threads
        # only contend, and on a busy machine a descheduled one stalls the whole step).
        self._threads = int(lib.llama_n_threads(self._ctx))
        self._threads_batch = self._threads_now = int(lib.llama_n_threads_batch(self._ctx))
        self._batch = lib.llama_batch_init(self.n_batch, 0, 1)
        self._slots = [_Slot(i) for i in range(runtime.slots)]
        self._uses = itertools.count(1)
        self._active: list[_Sequence] = []  # holding a slot, in arrival order
        self._waiting: list[_Sequence] = []  # admitted by no slot yet (only if clients overrun capacity)
        self._pending: list[_Sequence] = []  # arrived since the last step (any thread; under _lock)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._tokenizing = 0  # request threads inside the tokenizer now
        self._closed = False
        self.steps = 0  # llama_decode calls (for tests and benches)
        self.max_batch_sequences = 0  # the most sequences one step carried

    # -- facts ------------------------------------------------------------------------------
    @property
    def slots(self) -> int:
        return self.runtime.slots

    @property
    def n_ctx(self) -> int:
        return self.runtime.n_ctx

    @property
    def busy(self) -> bool:
        return bool(self._active or self._waiting or self._pending)

    # -- the requests' threads --------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        with self._lock:
            if self._closed:
                raise UserError(UNLOADED)
            self._tokenizing += 1
        try:
            return self.runtime.tokenize(text)
        finally:
            with self._lock:
                self._tokenizing -= 1
                self._idle.notify_all()

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def view(self, key: str | None = None) -> SequenceRuntime:
        return SequenceRuntime(self, key)

    def stream(self, prompt: str, sampling: Sampling, cancel: CancelToken | None = None,
               stats: GenerationStats | None = None, key: str | None = None) -> Iterator[str]:
        """Like ChatRuntime.stream, for one request among several: text pieces until end of turn,
        max_tokens, the slot's end, or cancel. `key` names its conversation (slot affinity)."""
        cancel = cancel or CancelToken()
        stats = stats if stats is not None else GenerationStats()
        started = time.perf_counter()
        tokens = self.tokenize(prompt)
        stats.prompt_tokens = len(tokens)
        room = self.n_ctx - len(tokens)
        if room <= 0:
            raise UserError(
                f"The conversation ({len(tokens):,} tokens) is longer than the context of one parallel request "
                f"({self.n_ctx:,} tokens); start a new chat, or raise the context length.")
        max_tokens = min(sampling.max_tokens, room)
        seq = _Sequence(tokens, sampling, cancel, stats, key, started, max_tokens,
                        "length" if max_tokens == sampling.max_tokens else "context")
        with self._lock:
            if self._closed:
                raise UserError(UNLOADED)
            self._pending.append(seq)
        self._wake()
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        ended = False
        try:
            while True:
                item = seq.out.get()
                if item.__class__ is bytes:
                    text = decoder.decode(item)
                    if text:
                        yield text
                elif item is _DONE:
                    ended = True
                    break
                else:
                    ended = True
                    raise item
        finally:
            if not ended:  # the reader left early (an exception in its parser, a closed generator)
                seq.abandoned = True
                self._wake()
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    # -- the owner's thread -----------------------------------------------------------------
    def step(self) -> None:
        """Admit arrivals, drop cancelled requests, decode one batch, sample each sequence."""
        self._admit()
        for seq in [s for s in self._active if s.stopped]:
            seq.stats.finish_reason = "cancelled"
            self._finish(seq)
        if not self._active:
            return
        reading = self._pack()
        threads = self._threads_batch if reading else self._threads
        if threads != self._threads_now:
            self._lib.llama_set_n_threads(self._ctx, self._threads, threads)
            self._threads_now = threads
        code = self._lib.llama_decode(self._ctx, self._batch)
        self.steps += 1
        if code != 0:
            self._failed_batch(code)
            return
        for seq in list(self._active):
            self._advance(seq)

    def close(self, reason: str = UNLOADED) -> None:
        """End every request (cancelled ones as cancelled, the others with `reason`), free the model."""
        with self._lock:
            self._closed = True
            arrived, self._pending = self._pending, []
            while self._tokenizing:
                self._idle.wait()
        for seq in arrived + self._waiting:
            self._end_unstarted(seq, reason)
        self._waiting.clear()
        for seq in list(self._active):
            if seq.stopped:
                seq.stats.finish_reason = "cancelled"
                self._finish(seq)
            else:
                self._finish(seq, UserError(reason))
        self._lib.llama_batch_free(self._batch)
        self.runtime.close()

    def fail_all(self, message: str) -> None:
        """An unexpected error in a step: every request ends with it; the slots start empty."""
        for seq in list(self._active):
            self._finish(seq, UserError(message))
        for slot in self._slots:
            self._lib.llama_memory_seq_rm(self._memory, slot.seq_id, -1, -1)
            slot.tokens.clear()

    # -- steps ------------------------------------------------------------------------------
    def _admit(self) -> None:
        if self._pending:
            with self._lock:
                arrived, self._pending = self._pending, []
            self._waiting.extend(arrived)
        while self._waiting:
            free = [slot for slot in self._slots if not slot.busy]
            if not free:
                return
            seq = self._waiting.pop(0)
            if seq.stopped:
                self._end_unstarted(seq, None)
                continue
            self._seat(seq, self._pick(seq, free))

    def _pick(self, seq: _Sequence, free: list[_Slot]) -> _Slot:
        if seq.key is not None:
            for slot in free:
                if slot.key == seq.key:
                    return slot
        # A slot is worth taking over when the new prompt continues its last prompt (a follow-up
        # of an API client, which sends no key); otherwise another client's conversation would be
        # thrown away for a shared system prompt, so the least recently used slot goes.
        common = {slot.seq_id: _common_prefix(slot.tokens, seq.prompt) for slot in free}
        continued = [slot for slot in free if common[slot.seq_id] >= slot.prompt_len]
        if continued:
            return max(continued, key=lambda slot: (common[slot.seq_id], -slot.used))
        return min(free, key=lambda slot: slot.used)

    def _seat(self, seq: _Sequence, slot: _Slot) -> None:
        lib, runtime = self._lib, self.runtime
        # The last prompt token is always decoded again: its output gives the first token.
        keep = min(_common_prefix(slot.tokens, seq.prompt), len(seq.prompt) - 1)
        if keep < len(slot.tokens) and not lib.llama_memory_seq_rm(self._memory, slot.seq_id, keep, -1):
            lib.llama_memory_seq_rm(self._memory, slot.seq_id, -1, -1)
            keep = 0
        del slot.tokens[keep:]
        slot.busy, slot.key, slot.used, slot.prompt_len = True, seq.key, next(self._uses), len(seq.prompt)
        seq.slot, seq.read = slot, keep
        seq.stats.reused_tokens = keep
        seq.sampler = runtime._make_sampler(seq.sampling)
        seq.on_device = runtime._sample_on_device(seq.sampling) and bool(
            lib.llama_set_sampler(self._ctx, slot.seq_id, seq.sampler))
        self._active.append(seq)

    def _pack(self) -> bool:
        """Fill the batch for this step; True when it reads prompt tokens."""
        batch = self._batch
        n = 0
        for seq in self._active:
            if seq.next_token >= 0:
                self._put(n, seq.next_token, len(seq.slot.tokens), seq.slot.seq_id, True)
                seq.output, seq.chunk = n, 0
                n += 1
        generating = n
        for seq in self._active:
            if seq.next_token >= 0:
                continue
            left = len(seq.prompt) - seq.read
            take = min(left, self.n_batch - n)
            seq.chunk, seq.output = take, -1
            start, pos, seq_id = seq.read, len(seq.slot.tokens), seq.slot.seq_id
            for j in range(take):
                self._put(n + j, seq.prompt[start + j], pos + j, seq_id, False)
            if take and take == left:
                batch.logits[n + take - 1] = True
                seq.output = n + take - 1
            n += take
        batch.n_tokens = n
        self.max_batch_sequences = max(self.max_batch_sequences, generating)
        return n > generating

    def _put(self, i: int, token: int, pos: int, seq_id: int, output: bool) -> None:
        batch = self._batch
        batch.token[i] = token
        batch.pos[i] = pos
        batch.n_seq_id[i] = 1
        batch.seq_id[i][0] = seq_id
        batch.logits[i] = output

    def _advance(self, seq: _Sequence) -> None:
        """After a decode: record what entered the slot; sample, hand over, end if it is done."""
        lib, slot = self._lib, seq.slot
        if seq.next_token >= 0:
            slot.tokens.append(seq.next_token)
        elif seq.chunk:
            slot.tokens.extend(seq.prompt[seq.read:seq.read + seq.chunk])
            seq.read += seq.chunk
        if seq.output < 0:
            return
        i = seq.output
        token = lib.llama_get_sampled_token_ith(self._ctx, i) if seq.on_device else -1
        if token < 0:  # sampled on the host (or the device declined this one)
            token = lib.llama_sampler_sample(seq.sampler, self._ctx, i)
        now = time.perf_counter()
        stats = seq.stats
        if stats.tokens == 0:
            seq.first_at = now
            stats.ttft_s = now - seq.started
            stats.finish_reason = seq.length_reason
        stats.tokens += 1
        stats.decode_s = now - seq.first_at
        if lib.llama_vocab_is_eog(self._vocab, token):
            stats.finish_reason = "stop"
            stats.stop_token = self.runtime._piece(token).decode("utf-8", errors="replace")
            self._finish(seq)
            return
        seq.out.put(self.runtime._piece(token))
        if seq.stopped:
            stats.finish_reason = "cancelled"
            self._finish(seq)
        elif stats.tokens >= seq.max_tokens:
            self._finish(seq)
        else:
            seq.next_token = token

    def _failed_batch(self, code: int) -> None:
        # llama.cpp takes a failed batch's tokens back out; the slots are cleared all the same,
        # so no request ever continues on a cache it cannot account for.
        message = f"llama.cpp failed while generating (code {code})."
        for seq in list(self._active):
            slot = seq.slot
            self._finish(seq, UserError(message))
            self._lib.llama_memory_seq_rm(self._memory, slot.seq_id, -1, -1)
            slot.tokens.clear()

    def _finish(self, seq: _Sequence, error: UserError | None = None) -> None:
        self._active.remove(seq)
        slot = seq.slot
        if seq.on_device:
            self._lib.llama_set_sampler(self._ctx, slot.seq_id, None)
        self._lib.llama_sampler_free(seq.sampler)
        seq.sampler = None
        slot.busy = False
        seq.out.put(error if error is not None else _DONE)

    def _end_unstarted(self, seq: _Sequence, reason: str | None) -> None:
        if seq.stopped or reason is None:
            seq.stats.finish_reason = "cancelled"
            seq.out.put(_DONE)
        else:
            seq.out.put(UserError(reason))


class SequenceRuntime:
    """What core.chat's run_turn / run_chat need of a runtime, for one request of a BatchDecoder:
    they run unchanged on the request's own thread (parsing, batching, stats)."""

    def __init__(self, decoder: BatchDecoder, key: str | None) -> None:
        self._decoder = decoder
        self._key = key

    @property
    def n_ctx(self) -> int:
        return self._decoder.n_ctx

    @property
    def model_name(self) -> str:
        return self._decoder.runtime.model_name

    def tokenize(self, text: str) -> list[int]:
        return self._decoder.tokenize(text)

    def count_tokens(self, text: str) -> int:
        return self._decoder.count_tokens(text)

    def stream(self, prompt: str, sampling: Sampling, cancel: CancelToken | None = None,
               stats: GenerationStats | None = None) -> Iterator[str]:
        return self._decoder.stream(prompt, sampling, cancel, stats, key=self._key)
