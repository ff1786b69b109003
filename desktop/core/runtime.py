"""The in-process llama.cpp engine: load a GGUF, stream a raw prompt, cancel, measure.

Generation is our own loop over llama.cpp's low-level API (one `llama_decode` per token and
llama.cpp's C sampler chain), not `Llama.create_completion`: that path re-detokenizes the whole
completion after every token (quadratic: it falls to a fraction of llama.cpp's speed on long
answers) and hides prefill from cancellation. Here each token costs one decode, one C sampling
call and one piece lookup, so the app keeps pace with llama.cpp itself. The model and context
are loaded the same way, through the C API (see ChatRuntime), not through `Llama()`.

One ChatRuntime belongs to one thread (llama.cpp contexts are not thread-safe); its calls
release the GIL, so the UI thread stays responsive while it works.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from desktop.core.errors import UserError
from desktop.core.gguf_check import inspect_gguf, require_chat_model
from desktop.core.jobs import CancelToken
from desktop.core.llama_build import load_llama_cpp
from desktop.core.llama_log import route_to_logging, take_first_error
from desktop.core.llama_params import context_params, model_params


@dataclass(frozen=True)
class LoadOptions:
    n_ctx: int = 8192
    n_gpu_layers: int = 0  # -1 = every layer on the GPU
    n_threads: int = 0  # 0 = half the cores to generate, all of them to read the prompt
    n_batch: int = 512
    flash_attn: bool | None = None  # None = on when layers are offloaded
    # MoE experts stay in host RAM while attention and the KV cache go to the GPU: for GPUs too
    # small for the whole model (the experts are ~90 % of gpt-oss-20b's weights).
    experts_on_cpu: bool = False
    # Sample inside llama.cpp's graph, on the device that computed the logits (llama.cpp's backend
    # samplers): on a GPU this skips copying 201,088 logits to the host and sorting them there
    # every token. None = on when layers are offloaded. Same distribution, another random stream.
    sample_on_device: bool | None = None


@dataclass(frozen=True)
class Sampling:
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 40
    min_p: float = 0.0
    repeat_penalty: float = 1.0
    max_tokens: int = 4096
    seed: int = -1


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    reused_tokens: int = 0  # prompt tokens whose KV cache was kept from the previous turn
    tokens: int = 0
    ttft_s: float = 0.0  # request to first token (prefill + first sampling)
    decode_s: float = 0.0  # first token to last token
    finish_reason: str = "length"  # stop | tool_calls | length | cancelled | context
    stop_token: str = ""  # the end-of-generation token that stopped it ("<|return|>", "<|call|>")

    @property
    def tokens_per_s(self) -> float:
        # The first token's time is prefill; decode speed counts the tokens after it.
        return (self.tokens - 1) / self.decode_s if self.tokens > 1 and self.decode_s > 0 else 0.0

    def as_dict(self) -> dict[str, float | int | str]:
        return {
            "ttft_ms": round(self.ttft_s * 1000, 1),
            "tokens": self.tokens,
            "tokens_per_s": round(self.tokens_per_s, 2),
            "prompt_tokens": self.prompt_tokens,
            "reused_tokens": self.reused_tokens,
            "finish_reason": self.finish_reason,
        }


@dataclass
class _KvState:
    tokens: list[int] = field(default_factory=list)  # tokens whose KV is in the context, in order
    prompt_len: int = 0  # how many of them are the last prompt (the rest were generated)
    # Tokens put back from a snapshot. llama.cpp saves only the last window of a sliding-window
    # layer's cache, so a prompt that leaves the snapshot before its end cannot reuse any of it.
    restored: int = 0


@dataclass(frozen=True)
class KvSnapshot:
    """The KV cache of one prompt prefix (see ChatRuntime.snapshot_cache)."""

    tokens: tuple[int, ...]
    data: ctypes.Array  # llama.cpp's serialized sequence state
    nbytes: int


def _load_library():
    # Imported lazily: loading llama.cpp's shared library costs time the window should not pay
    # at start-up when no model is configured yet. The build is checked first (llama_build).
    llama_cpp = load_llama_cpp()
    _initialise(llama_cpp)
    return llama_cpp


@cache
def _initialise(llama_cpp) -> None:
    # Once per process: llama.cpp's log lines to Python logging, and its backends ready.
    route_to_logging(llama_cpp)
    llama_cpp.llama_backend_init()


class ChatRuntime:
    """Owns one llama.cpp model and context; not thread-safe: use it from the thread that created it.

    Loaded through llama.cpp's C API as llama-cpp-python binds it, with parameters built for this
    load alone (llama_params): nothing process-wide changes, so a model loading on another thread
    (the library's embedder) gets exactly the parameters it asked for.
    """

    def __init__(self, model_path: Path | str, options: LoadOptions | None = None) -> None:
        self._model = self._ctx = None  # set first: close() and __del__ work after a failed load
        self.options = options or LoadOptions()
        self.info = inspect_gguf(model_path)
        require_chat_model(self.info)
        self._lib = _load_library()
        started = time.perf_counter()
        self._load(self.info.path)
        self.load_s = time.perf_counter() - started
        self._vocab = self._lib.llama_model_get_vocab(self._model)
        self._memory = self._lib.llama_get_memory(self._ctx)
        self._n_ctx = int(self._lib.llama_n_ctx(self._ctx))
        self._kv = _KvState()
        self._piece_buffer = ctypes.create_string_buffer(256)
        self._token_array = (self._lib.llama_token * 1)()

    def _load(self, path: Path) -> None:
        lib, opts = self._lib, self.options
        train_ctx = int(self.info.hparam(".context_length", opts.n_ctx) or opts.n_ctx)
        n_ctx = min(opts.n_ctx, train_ctx)
        flash = opts.flash_attn if opts.flash_attn is not None else opts.n_gpu_layers != 0
        experts_on_cpu = opts.experts_on_cpu and opts.n_gpu_layers != 0
        # Kept for the model's lifetime: llama.cpp keeps the parameters it was given.
        self._model_params = model_params(lib, n_gpu_layers=opts.n_gpu_layers, experts_on_cpu=experts_on_cpu)
        take_first_error()  # start clean: only this load's errors explain its failure
        self._model = lib.llama_model_load_from_file(str(path).encode("utf-8"), self._model_params.params)
        if self._model:
            self._ctx = lib.llama_init_from_model(self._model, self._context_params(n_ctx, flash))
        if not self._model:
            reason = take_first_error() or "no reason given"
            raise UserError(f"llama.cpp could not load {path.name}: a file this llama.cpp build does not support, "
                            f"or not enough memory for its weights ({reason}).")
        if not self._ctx:
            reason = take_first_error() or "no reason given"
            self.close()
            raise UserError(f"llama.cpp loaded {path.name} but not its context: not enough memory for {n_ctx:,} "
                            f"tokens ({reason}); lower the context length in Settings.")

    def _context_params(self, n_ctx: int, flash: bool):
        """The context's parameters (one sequence); a multi-sequence runtime widens them (batch_decode)."""
        opts = self.options
        return context_params(self._lib, n_ctx=n_ctx, n_batch=opts.n_batch, n_threads=opts.n_threads,
                              flash_attn=flash)

    # -- properties -------------------------------------------------------------------------
    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    @property
    def model_name(self) -> str:
        return self.info.name

    def tokenize(self, text: str) -> list[int]:
        """Tokens of `text`, harmony markers parsed as control tokens.

        Calls llama_tokenize directly with a buffer sized to the text: llama-cpp-python's own
        `tokenize` allocates a context-sized buffer on every call (512 KB for gpt-oss's 131k
        context), which dominated counting the turns of a long conversation. User text is
        neutralised by the harmony renderer, so it cannot smuggle markers in.
        """
        data = text.encode("utf-8")
        capacity = len(data) + 16  # a token is at least one byte, except for added specials
        for _ in range(2):
            buffer = (self._lib.llama_token * capacity)()
            n = self._lib.llama_tokenize(self._vocab, data, len(data), buffer, capacity, False, True)
            if n >= 0:
                return list(buffer[:n])
            capacity = -n
        raise UserError("Could not tokenize the prompt.")

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    # -- generation -------------------------------------------------------------------------
    def stream(self, prompt: str, sampling: Sampling, cancel: CancelToken | None = None,
               stats: GenerationStats | None = None) -> Iterator[str]:
        """Yield text pieces (markers included) until end of turn, max_tokens, or cancel."""
        cancel = cancel or CancelToken()
        stats = stats if stats is not None else GenerationStats()
        started = time.perf_counter()
        tokens = self.tokenize(prompt)
        stats.prompt_tokens = len(tokens)
        room = self.n_ctx - len(tokens)
        if room <= 0:
            raise UserError(
                f"The conversation ({len(tokens):,} tokens) is longer than the context ({self.n_ctx:,}); "
                "start a new chat or raise the context length in Settings."
            )
        max_tokens = min(sampling.max_tokens, room)
        llama = self._lib
        sampler = self._make_sampler(sampling)
        # Attached before the prompt is read: its last token's output is sampled there already.
        on_device = self._sample_on_device(sampling) and llama.llama_set_sampler(self._ctx, 0, sampler)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        first_at = 0.0
        try:
            if not self._prefill(tokens, cancel, stats):
                stats.finish_reason = "cancelled"
                return
            self._kv.prompt_len = len(tokens)
            stats.finish_reason = "length" if max_tokens == sampling.max_tokens else "context"
            for _ in range(max_tokens):
                token = llama.llama_get_sampled_token_ith(self._ctx, -1) if on_device else -1
                if token < 0:  # sampled on the host (or the device declined this one)
                    token = llama.llama_sampler_sample(sampler, self._ctx, -1)
                now = time.perf_counter()
                if stats.tokens == 0:
                    first_at = now
                    stats.ttft_s = now - started
                stats.tokens += 1
                stats.decode_s = now - first_at
                if llama.llama_vocab_is_eog(self._vocab, token):
                    stats.finish_reason = "stop"
                    stats.stop_token = self._piece(token).decode("utf-8", errors="replace")
                    break
                text = decoder.decode(self._piece(token))
                if text:
                    yield text
                if cancel.cancelled:
                    stats.finish_reason = "cancelled"
                    break
                self._decode_one(token)
        finally:
            if on_device:
                llama.llama_set_sampler(self._ctx, 0, None)
            llama.llama_sampler_free(sampler)
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def _prefill(self, tokens: list[int], cancel: CancelToken, stats: GenerationStats) -> bool:
        """Bring the KV cache to `tokens` minus the last, reusing the longest cached prefix."""
        cached = self._kv.tokens
        keep = 0
        limit = min(len(cached), len(tokens) - 1)  # the last token is always decoded: it gives logits
        while keep < limit and cached[keep] == tokens[keep]:
            keep += 1
        if keep < self._kv.restored:
            keep = 0  # left a restored snapshot early: its sliding-window layers lack what we need
        self._kv.restored = 0 if keep == 0 else self._kv.restored
        if keep < len(cached) and not self._lib.llama_memory_seq_rm(self._memory, 0, keep, -1):
            self._lib.llama_memory_clear(self._memory, True)
            keep = 0
        del cached[keep:]
        stats.reused_tokens = keep
        batch_size = self.options.n_batch
        # While the prompt is read, llama.cpp polls this between graph nodes (CPU backend), so a
        # cancel lands inside a long batch. Removed afterwards: a Python call per node would slow
        # every generated token. Held in a local: the C side must not outlive the callback.
        abort = self._lib.ggml_abort_callback(lambda _data: cancel.cancelled)
        self._lib.llama_set_abort_callback(self._ctx, abort, None)
        try:
            for start in range(keep, len(tokens), batch_size):
                if cancel.cancelled:
                    return False
                chunk = tokens[start:start + batch_size]
                if not self._decode(chunk, len(cached)):
                    return False
                cached.extend(chunk)
        finally:
            self._lib.llama_set_abort_callback(self._ctx, self._lib.ggml_abort_callback(), None)
        return True

    def _decode(self, chunk: list[int], n_past: int) -> bool:
        llama = self._lib
        batch = llama.llama_batch_init(len(chunk), 0, 1)
        try:
            for i, token in enumerate(chunk):
                batch.token[i] = token
                batch.pos[i] = n_past + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = i == len(chunk) - 1
            batch.n_tokens = len(chunk)
            code = llama.llama_decode(self._ctx, batch)
        finally:
            llama.llama_batch_free(batch)
        if code == 2:  # aborted by the cancel watcher: drop whatever half-batch got in
            llama.llama_memory_seq_rm(self._memory, 0, n_past, -1)
            return False
        if code != 0:
            raise UserError(f"llama.cpp failed while reading the prompt (code {code}); the context may be full.")
        return True

    def _decode_one(self, token: int) -> None:
        self._token_array[0] = token
        code = self._lib.llama_decode(self._ctx, self._lib.llama_batch_get_one(self._token_array, 1))
        if code != 0:
            raise UserError(f"llama.cpp failed while generating (code {code}).")
        self._kv.tokens.append(token)

    def _piece(self, token: int) -> bytes:
        n = self._lib.llama_token_to_piece(self._vocab, token, self._piece_buffer, 256, 0, True)
        return self._piece_buffer.raw[:n] if n > 0 else b""

    def _sample_on_device(self, s: Sampling) -> bool:
        """Device sampling when asked (or layers are offloaded) and every step of the chain has a
        device version: the repeat penalty needs the token history, which stays on the host."""
        wanted = self.options.sample_on_device
        if wanted is None:
            wanted = self.options.n_gpu_layers != 0 and bool(self._lib.llama_supports_gpu_offload())
        return wanted and s.repeat_penalty == 1.0

    def _make_sampler(self, s: Sampling):
        llama = self._lib
        chain = llama.llama_sampler_chain_init(llama.llama_sampler_chain_default_params())
        if s.repeat_penalty != 1.0:
            n_vocab = llama.llama_vocab_n_tokens(self._vocab)
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_penalties(n_vocab, 64, s.repeat_penalty, 0.0, 0.0))
        if s.temperature <= 0:
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_greedy())
            return chain
        # top-k first: it bounds the work of every later step (no sort of the full vocabulary).
        if s.top_k > 0:
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_top_k(s.top_k))
        if s.top_p < 1.0:
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_top_p(s.top_p, 1))
        if s.min_p > 0.0:
            llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_min_p(s.min_p, 1))
        llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_temp(s.temperature))
        seed = s.seed if s.seed >= 0 else llama.LLAMA_DEFAULT_SEED
        llama.llama_sampler_chain_add(chain, llama.llama_sampler_init_dist(seed))
        return chain

    def reset_cache(self) -> None:
        self._lib.llama_memory_clear(self._memory, True)
        self._kv.tokens.clear()
        self._kv.prompt_len = self._kv.restored = 0

    # -- KV cache snapshots: several conversations on one context ---------------------------
    def snapshot_cache(self) -> KvSnapshot:
        """A copy of what the KV cache holds now (llama.cpp's sequence state), to restore later.

        Lets clients that alternate (two chats, the window and the API) each find their own
        prefix again instead of re-reading their whole conversation after the other's turn.
        The generated tokens are dropped first: the next prompt of a conversation continues the
        last prompt, not the raw output, and a snapshot is only usable when continued at its end.
        """
        kept = min(self._kv.prompt_len, len(self._kv.tokens))
        if kept < len(self._kv.tokens) and self._lib.llama_memory_seq_rm(self._memory, 0, kept, -1):
            del self._kv.tokens[kept:]
        lib = self._lib
        size = lib.llama_state_seq_get_size(self._ctx, 0)
        buffer = (ctypes.c_uint8 * max(1, size))()
        written = lib.llama_state_seq_get_data(self._ctx, buffer, size, 0)
        return KvSnapshot(tuple(self._kv.tokens), buffer, written)

    def restore_cache(self, snapshot: KvSnapshot) -> bool:
        """Put a snapshot back; False (and an empty cache) when llama.cpp refuses it."""
        self.reset_cache()
        if not snapshot.tokens:
            return True
        read = self._lib.llama_state_seq_set_data(self._ctx, snapshot.data, snapshot.nbytes, 0)
        if read == 0:
            self.reset_cache()
            return False
        self._kv.tokens.extend(snapshot.tokens)
        self._kv.prompt_len = self._kv.restored = len(snapshot.tokens)
        return True

    def close(self) -> None:
        """Free the context, then the model (once; later calls do nothing)."""
        ctx, self._ctx = self._ctx, None
        model, self._model = self._model, None
        if ctx:
            self._lib.llama_free(ctx)
        if model:
            self._lib.llama_model_free(model)

    def __del__(self) -> None:
        # A runtime dropped without close() (a failed test, an exception) must not keep its
        # model's memory until the process ends. At interpreter exit the library may be gone.
        with contextlib.suppress(Exception):
            self.close()


def default_threads() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


def gpu_offload_supported() -> bool:
    return bool(_load_library().llama_supports_gpu_offload())


def reference_decode(runtime: ChatRuntime, prompt: str, sampling: Sampling) -> GenerationStats:
    """llama.cpp's own speed on this runtime's model: the benchmark's yardstick.

    The same context, prompt and C sampler chain as `ChatRuntime.stream`, but nothing else: no
    text pieces, no UTF-8 decoding, no parser, no thread hand-off. Starts from an empty cache so
    both paths prefill the same prompt.
    """
    lib = runtime._lib
    runtime.reset_cache()
    stats = GenerationStats()
    started = time.perf_counter()
    tokens = runtime.tokenize(prompt)
    stats.prompt_tokens = len(tokens)
    runtime._prefill(tokens, CancelToken(), stats)
    sampler = runtime._make_sampler(sampling)
    array = (lib.llama_token * 1)()
    first_at = 0.0
    try:
        for _ in range(min(sampling.max_tokens, runtime.n_ctx - len(tokens))):
            token = lib.llama_sampler_sample(sampler, runtime._ctx, -1)
            now = time.perf_counter()
            if stats.tokens == 0:
                first_at, stats.ttft_s = now, now - started
            stats.tokens += 1
            stats.decode_s = now - first_at
            if lib.llama_vocab_is_eog(runtime._vocab, token):
                stats.finish_reason = "stop"
                break
            array[0] = token
            if lib.llama_decode(runtime._ctx, lib.llama_batch_get_one(array, 1)) != 0:
                break
    finally:
        lib.llama_sampler_free(sampler)
        runtime.reset_cache()  # the reference loop's tokens are not tracked: start clean
    return stats


def per_token_costs(runtime: ChatRuntime, prompt: str, sampling: Sampling, tokens: int) -> dict[str, dict[str, float]]:
    """Where a generated token's time goes, in ms per token, sampling on the host and on the device.

    Each step is timed alone: llama_synchronize after llama_decode puts the device's work in
    "decode" rather than in whichever call next waits for it. "host" is the C sampler chain over
    the copied logits (what llama.cpp's own loop does), "device" llama.cpp's backend samplers
    inside the decode graph (the app's path when layers are offloaded).
    """
    lib, ctx = runtime._lib, runtime._ctx
    ids = runtime.tokenize(prompt)
    figures: dict[str, dict[str, float]] = {}
    for where in ("host", "device"):
        runtime.reset_cache()
        sampler = runtime._make_sampler(sampling)
        on_device = where == "device" and bool(lib.llama_set_sampler(ctx, 0, sampler))
        parts = {"decode": 0.0, "sample": 0.0, "piece_and_end_check": 0.0}
        try:
            runtime._prefill(ids, CancelToken(), GenerationStats())
            lib.llama_synchronize(ctx)
            started = time.perf_counter()
            n = 0
            for _ in range(min(tokens, runtime.n_ctx - len(ids))):
                n += 1
                t0 = time.perf_counter()
                token = lib.llama_get_sampled_token_ith(ctx, -1) if on_device else -1
                if token < 0:
                    token = lib.llama_sampler_sample(sampler, ctx, -1)
                t1 = time.perf_counter()
                lib.llama_vocab_is_eog(runtime._vocab, token)
                runtime._piece(token)
                t2 = time.perf_counter()
                runtime._decode_one(token)
                lib.llama_synchronize(ctx)
                t3 = time.perf_counter()
                parts["sample"] += t1 - t0
                parts["piece_and_end_check"] += t2 - t1
                parts["decode"] += t3 - t2
            total = time.perf_counter() - started
        finally:
            if on_device:
                lib.llama_set_sampler(ctx, 0, None)
            lib.llama_sampler_free(sampler)
            runtime.reset_cache()
        row = {key: round(value / n * 1000, 4) for key, value in parts.items()}
        row["python_loop"] = round(max(0.0, total - sum(parts.values())) / n * 1000, 4)
        row["total"] = round(total / n * 1000, 4)
        row["tokens_per_s"] = round(n / total, 1)
        if where == "device" and not on_device:
            row["note"] = "this build has no device sampler: sampled on the host"
        figures[where] = row
    return figures
