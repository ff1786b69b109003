"""Will this model run here, and how: memory estimate -> fit verdict + offload plan.

The estimate follows what llama.cpp (the build this app ships) allocates, not the file size:

- Weights. The input layer (token embeddings) always stays on the CPU. `n_gpu_layers = N` puts
  the output layer on the GPU first, then the last N-1 repeating layers; N = n_layer + 1 is
  everything (llama-model.cpp: i_gpu_start = n_layer + 1 - n_gpu_layers).
- KV cache. f16 K and V for n_head_kv * head_dim per layer and cell; cells = n_ctx rounded up to
  256. gpt-oss alternates sliding-window (128) and full-attention layers, but with the default
  swa_full=True llama.cpp gives the sliding-window layers a full-size cache too (it is what keeps
  prefix reuse across turns correct), so every layer costs n_ctx cells. Each layer's cache lives
  on that layer's device.
- Compute buffer. Measured on llama.cpp's graph reservation for the gpt-oss-20b shape (n_ubatch
  512, flash attention on): 410-420 MiB whatever the context, which is the logits
  (n_ubatch x n_vocab f32) plus the active feed-forward width. Without flash attention the
  attention scores (n_ctx x n_ubatch x n_head f32) dominate: 1.07 GiB at 8k, 4.2 GiB at 32k,
  16.5 GiB at 128k. With some layers left on the CPU, llama.cpp copies a CPU layer's weights to
  the GPU for big prompt batches, so a partial offload also reserves the largest CPU layer.

For gpt-oss-20b MXFP4 fully on the GPU this gives 11.47 / 12.60 / 17.10 GiB at 8k / 32k / 128k,
llama.cpp's own figures on an H100 (11.5 / 12.6 / 17.1). Then the machine: the GPU budget is the
free VRAM less the driver's own use, or on Apple Silicon Metal's recommended working set (about
2/3 of RAM up to 32 GiB); RAM keeps a reserve for the OS and the apps people leave open.
"""

from __future__ import annotations

import enum
import json
import logging
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gguf import GGMLQuantizationType

from desktop.core.hardware import GIB, Machine, format_gib

log = logging.getLogger(__name__)

CELL_PADDING = 256
KV_BYTES_PER_VALUE = 2  # f16 K and V, llama.cpp's default cache type
DEFAULT_UBATCH = 512  # llama-cpp-python's default n_ubatch
MIN_AUTO_CTX = 4096  # "auto" shrinks the context no further than this before giving up
_INPUT_TENSORS = ("token_embd.", "token_types.", "position_embd.", "token_embd_norm.")
_LAYER = re.compile(r"^blk\.(\d+)\.")


class Verdict(str, enum.Enum):
    FITS_GPU = "fits on GPU"
    PARTIAL = "partly offloaded"
    CPU_ONLY = "CPU only"
    WONT_FIT = "won't fit"


@dataclass(frozen=True)
class ModelShape:
    """What the planner needs to know about a model, from its GGUF header or a known description."""

    name: str
    architecture: str
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    head_dim_k: int
    head_dim_v: int
    n_vocab: int
    n_ff_active: int  # feed-forward width one token passes through (n_expert_used * n_ff for MoE)
    n_ctx_train: int
    layer_bytes: tuple[int, ...]
    input_bytes: int  # stays on the CPU
    output_bytes: int  # output norm + head; the first thing offloaded
    sliding_window: int = 0
    swa_layers: tuple[bool, ...] = ()  # per layer: uses the sliding window
    has_kv_cache: bool = True  # encoder (embedding) models keep none
    # Mixture of experts: per layer, the bytes of all experts' tensors; a token reads n_expert_used of them.
    expert_layer_bytes: tuple[int, ...] = ()
    n_expert: int = 0
    n_expert_used: int = 0

    @property
    def weights_bytes(self) -> int:
        return self.input_bytes + self.output_bytes + sum(self.layer_bytes)

    @property
    def offloadable_layers(self) -> int:
        """What llama.cpp counts in "offloaded N/M layers": the repeating layers + the output."""
        return self.n_layer + 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelShape:
        data = dict(data)
        data["layer_bytes"] = tuple(data["layer_bytes"])
        data["swa_layers"] = tuple(data.get("swa_layers", ()))
        data["expert_layer_bytes"] = tuple(data.get("expert_layer_bytes", ()))
        return cls(**data)


@dataclass(frozen=True)
class Plan:
    verdict: Verdict
    n_gpu_layers: int  # what to pass to llama.cpp; offloadable_layers = everything
    offloadable_layers: int
    n_ctx: int
    flash_attn: bool
    gpu_weights_bytes: int
    gpu_kv_bytes: int
    gpu_compute_bytes: int
    gpu_budget_bytes: int
    ram_bytes: int  # host memory this configuration needs (all of it on unified memory)
    ram_budget_bytes: int
    notes: tuple[str, ...] = field(default=())

    @property
    def gpu_bytes(self) -> int:
        """What llama.cpp allocates on the GPU: weights + KV cache + compute buffer."""
        return self.gpu_weights_bytes + self.gpu_kv_bytes + self.gpu_compute_bytes

    @property
    def label(self) -> str:
        if self.verdict is Verdict.PARTIAL:
            return f"partly offloaded ({self.n_gpu_layers} of {self.offloadable_layers} layers)"
        return self.verdict.value

    @property
    def summary(self) -> str:
        """One line with the numbers behind the verdict."""
        parts = [self.label]
        if self.gpu_bytes:
            parts.append(f"GPU {format_gib(self.gpu_bytes)} of {format_gib(self.gpu_budget_bytes)}")
        parts.append(f"RAM {format_gib(self.ram_bytes)} of {format_gib(self.ram_budget_bytes)}")
        parts.append(f"context {self.n_ctx:,}")
        return " · ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value, "label": self.label, "n_gpu_layers": self.n_gpu_layers,
            "offloadable_layers": self.offloadable_layers, "n_ctx": self.n_ctx, "flash_attn": self.flash_attn,
            "gpu_bytes": self.gpu_bytes, "gpu_weights_bytes": self.gpu_weights_bytes,
            "gpu_kv_bytes": self.gpu_kv_bytes, "gpu_compute_bytes": self.gpu_compute_bytes,
            "gpu_budget_bytes": self.gpu_budget_bytes, "ram_bytes": self.ram_bytes,
            "ram_budget_bytes": self.ram_budget_bytes, "notes": list(self.notes),
        }


# --- memory pieces ----------------------------------------------------------------------------

def kv_cells(model: ModelShape, n_ctx: int, *, swa_full: bool = True, n_ubatch: int = DEFAULT_UBATCH) -> list[int]:
    """KV cells per layer (llama-kv-cache-iswa.cpp)."""
    full = _pad(n_ctx)
    swa = full if swa_full else min(full, _pad(model.sliding_window + n_ubatch))
    swa_layers = model.swa_layers or (False,) * model.n_layer
    return [swa if is_swa and model.sliding_window else full for is_swa in swa_layers]


def kv_layer_bytes(model: ModelShape, n_ctx: int, *, swa_full: bool = True) -> list[int]:
    if not model.has_kv_cache:
        return [0] * model.n_layer
    per_cell = model.n_head_kv * (model.head_dim_k + model.head_dim_v) * KV_BYTES_PER_VALUE
    return [cells * per_cell for cells in kv_cells(model, n_ctx, swa_full=swa_full)]


def compute_bytes(model: ModelShape, n_ctx: int, *, flash_attn: bool = True, n_ubatch: int = DEFAULT_UBATCH) -> int:
    """The graph's scratch buffer on the device that runs the output layer."""
    logits = n_ubatch * 4 * (model.n_vocab + model.n_ff_active)
    if flash_attn or not model.has_kv_cache:
        return logits
    # Two f32 masks (full + sliding window) ride along with the n_head score matrices.
    scores = n_ubatch * 4 * (_pad(n_ctx) * (model.n_head + 2) + 6 * model.n_embd)
    return max(logits, scores)


def os_reserve(ram_total: int) -> int:
    """RAM left to the OS and the apps people keep open while chatting."""
    return min(8 * GIB, max(int(2.5 * GIB), ram_total // 5))


# --- the plan ---------------------------------------------------------------------------------

def plan(model: ModelShape, machine: Machine, n_ctx: int, *, n_gpu_layers: int | None = None,
         flash_attn: bool = True, swa_full: bool = True, n_ubatch: int = DEFAULT_UBATCH) -> Plan:
    """The verdict for `model` at `n_ctx` on `machine`; the best layer split unless one is given."""
    n_ctx = max(1, min(n_ctx, model.n_ctx_train or n_ctx))
    budget = machine.gpu_budget_bytes
    ram_budget = max(0, machine.ram_total_bytes - os_reserve(machine.ram_total_bytes))
    top = model.offloadable_layers
    unified = machine.unified_memory is not None

    def evaluate(n_gpu: int) -> Plan:
        return _evaluate(model, machine, n_ctx, n_gpu, budget, ram_budget, unified,
                         flash_attn=flash_attn, swa_full=swa_full, n_ubatch=n_ubatch)

    if n_gpu_layers is not None:
        return evaluate(max(0, min(n_gpu_layers, top)) if budget or n_gpu_layers == 0 else 0)
    if budget <= 0:
        return evaluate(0)
    # More layers on the GPU is always faster, so take the largest split that fits.
    for n_gpu in range(top, 0, -1):
        candidate = evaluate(n_gpu)
        if candidate.gpu_bytes <= budget and candidate.ram_bytes <= ram_budget:
            return candidate
    return evaluate(0)


def auto_plan(model: ModelShape, machine: Machine, n_ctx: int, **kwargs: Any) -> Plan:
    """`plan`, but a context that cannot fit at all is halved (down to 4k) until it does."""
    chosen = plan(model, machine, n_ctx, **kwargs)
    ctx = chosen.n_ctx
    while chosen.verdict is Verdict.WONT_FIT and ctx // 2 >= MIN_AUTO_CTX:
        ctx //= 2
        smaller = plan(model, machine, ctx, **kwargs)
        if smaller.verdict is not Verdict.WONT_FIT:
            return _with_note(smaller, f"context reduced from {chosen.n_ctx:,} to {ctx:,} tokens to fit")
    return chosen


def _evaluate(model: ModelShape, machine: Machine, n_ctx: int, n_gpu: int, budget: int, ram_budget: int,
              unified: bool, *, flash_attn: bool, swa_full: bool, n_ubatch: int) -> Plan:
    first_gpu_layer = model.n_layer + 1 - n_gpu  # llama.cpp's i_gpu_start
    on_gpu = [i >= first_gpu_layer for i in range(model.n_layer)]
    kv = kv_layer_bytes(model, n_ctx, swa_full=swa_full)
    compute = compute_bytes(model, n_ctx, flash_attn=flash_attn, n_ubatch=n_ubatch)
    cpu_layers = [b for b, gpu in zip(model.layer_bytes, on_gpu, strict=True) if not gpu]

    gpu_weights = gpu_kv = gpu_compute = 0
    if n_gpu > 0:
        gpu_weights = model.output_bytes + sum(b for b, gpu in zip(model.layer_bytes, on_gpu, strict=True) if gpu)
        gpu_kv = sum(k for k, gpu in zip(kv, on_gpu, strict=True) if gpu)
        gpu_compute = compute + (max(cpu_layers) if cpu_layers else 0)

    host_weights = model.weights_bytes - gpu_weights
    host_kv = sum(kv) - gpu_kv
    # With layers offloaded the host keeps a small staging buffer; without, the whole graph.
    host_compute = compute if n_gpu == 0 else n_ubatch * 4 * 4 * model.n_embd
    output_buffer = model.n_vocab * 4
    ram = host_weights + host_kv + host_compute + output_buffer
    if unified:
        ram += gpu_weights + gpu_kv + gpu_compute  # one memory: the GPU's share is RAM too

    notes: list[str] = []
    fits_ram = ram <= ram_budget
    fits_gpu = n_gpu > 0 and gpu_weights + gpu_kv + gpu_compute <= budget
    if not fits_ram or (n_gpu and not fits_gpu):
        verdict = Verdict.WONT_FIT
    elif n_gpu == 0:
        verdict = Verdict.CPU_ONLY
    elif n_gpu == model.offloadable_layers:
        verdict = Verdict.FITS_GPU
    else:
        verdict = Verdict.PARTIAL
    if not fits_ram:
        notes.append(f"needs {format_gib(ram)} of memory; {format_gib(ram_budget)} is usable "
                     f"after {format_gib(machine.ram_total_bytes - ram_budget)} left for the system")
    if fits_ram and ram > machine.ram_available_bytes:
        notes.append(f"more than the {format_gib(machine.ram_available_bytes)} free right now: close other apps")
    if n_gpu and not fits_gpu:
        notes.append(f"GPU needs {format_gib(gpu_weights + gpu_kv + gpu_compute)}, "
                     f"{format_gib(budget)} is available to llama.cpp")
    if unified and fits_ram and ram_budget - ram < 2 * GIB:
        notes.append(f"tight: leaves {format_gib(machine.ram_total_bytes - ram)} for macOS and your apps")
    return Plan(verdict, n_gpu, model.offloadable_layers, n_ctx, flash_attn, gpu_weights, gpu_kv, gpu_compute,
                budget, ram, ram_budget, tuple(notes))


def _with_note(p: Plan, note: str) -> Plan:
    return replace(p, notes=(*p.notes, note))


def _pad(n: int) -> int:
    return -(-n // CELL_PADDING) * CELL_PADDING


# --- speed -----------------------------------------------------------------------------------
#
# Decoding one token reads every weight it passes through once, and the KV cache so far: the
# weights of each layer except the experts the router did not pick (n_expert_used of n_expert),
# and the output head. Memory bandwidth bounds the speed, so the estimate is
#
#     tok/s = 1 / (bytes read on the GPU / (GPU bandwidth x GPU_EFFICIENCY) + bytes read in RAM / RAM bandwidth
#                  + PER_TOKEN_S)
#
# where PER_TOKEN_S is the decode loop's own cost (sampling, bookkeeping), all at ESTIMATE_CONTEXT
# tokens of context (a short chat). Calibrated against measurements (README, Performance):
# - Per token: the 256 kB test model, whose weights take no time to read, decoded at 3,656-3,786
#   tok/s on this project's 2-core machine: 0.27 ms a token.
# - GPU: an H100 80GB HBM3 (3.35 TB/s on its data sheet) decoded the gpt-oss-20b layout at
#   256-261 tok/s in the app: 3.88 ms a token, 3.61 ms of it reading 2.63 GB, so 0.22.
# - RAM: the bandwidth is measured here, one thread reading a 64 MiB array (desktop.core.bandwidth);
#   on the 2-core machine that read 23-28 GB/s, and llama.cpp decoded a 2-layer model of the 20b
#   width (0.78 GB read per token) at 27.2 tok/s = 21 GB/s: factor 1 (more cores read faster than
#   one thread, so on bigger machines the estimate is low rather than high).
ESTIMATE_CONTEXT = 1024
GPU_EFFICIENCY = 0.22
PER_TOKEN_S = 0.27e-3


def bytes_read_per_token(model: ModelShape, n_ctx: int = ESTIMATE_CONTEXT) -> tuple[list[int], int]:
    """Bytes one decoded token reads: per repeating layer (weights + its KV cache), and the output head."""
    kv = kv_layer_bytes(model, n_ctx)
    experts = model.expert_layer_bytes or (0,) * model.n_layer
    share = model.n_expert_used / model.n_expert if model.n_expert else 1.0
    per_layer = [int(total - expert + expert * share) + kv_bytes
                 for total, expert, kv_bytes in zip(model.layer_bytes, experts, kv, strict=True)]
    row = model.input_bytes // model.n_vocab if model.n_vocab else 0  # one embedding row
    return per_layer, model.output_bytes + row


def estimate_tokens_per_s(model: ModelShape, p: Plan, *, ram_bandwidth: float | None,
                          gpu_bandwidth: float | None) -> float | None:
    """Decode speed by the formula above; None where it does not apply (embedding models, won't fit)
    or a bandwidth it needs is unknown."""
    if not model.has_kv_cache or p.verdict is Verdict.WONT_FIT:
        return None
    per_layer, head = bytes_read_per_token(model)
    first_gpu_layer = model.n_layer + 1 - p.n_gpu_layers
    gpu_bytes = sum(b for i, b in enumerate(per_layer) if i >= first_gpu_layer) + (head if p.n_gpu_layers else 0)
    ram_bytes = sum(per_layer) + head - gpu_bytes
    seconds = PER_TOKEN_S
    if gpu_bytes:
        if not gpu_bandwidth:
            return None
        seconds += gpu_bytes / (gpu_bandwidth * GPU_EFFICIENCY)
    if ram_bytes:
        if not ram_bandwidth:
            return None
        seconds += ram_bytes / ram_bandwidth
    return 1.0 / seconds


# --- shapes -----------------------------------------------------------------------------------

def shape_from_gguf(path: Path | str) -> ModelShape:
    """Read a model's shape from its GGUF header (raises UserError for a bad file)."""
    from desktop.core.gguf_check import (
        inspect_gguf,  # header reader with bounds; ~0.3 s for 20b
    )

    info = inspect_gguf(path)
    arch = info.architecture
    meta = info.metadata

    def hp(suffix: str, default: int = 0) -> int:
        value = meta.get(f"{arch}.{suffix}", default)
        return int(value) if isinstance(value, (int, float)) else default

    n_layer = hp("block_count")
    layer_bytes = [0] * n_layer
    expert_bytes = [0] * n_layer
    input_bytes = output_bytes = 0
    shapes: dict[str, tuple[int, ...]] = {}
    for tensor in info.tensors:
        shapes[tensor.name] = tensor.shape
        match = _LAYER.match(tensor.name)
        if match and int(match.group(1)) < n_layer:
            layer_bytes[int(match.group(1))] += tensor.nbytes
            if "_exps." in tensor.name:  # ffn_{gate,up,down}_exps weights and biases: one slice per expert
                expert_bytes[int(match.group(1))] += tensor.nbytes
        elif tensor.name.startswith(_INPUT_TENSORS):
            input_bytes += tensor.nbytes
        else:
            output_bytes += tensor.nbytes
    if "output.weight" not in shapes and "token_embd.weight" in shapes:
        # Tied embeddings: llama.cpp loads the embedding matrix a second time as the output head.
        output_bytes += next(t.nbytes for t in info.tensors if t.name == "token_embd.weight")

    n_embd = hp("embedding_length")
    n_head = hp("attention.head_count")
    n_head_kv = hp("attention.head_count_kv", n_head)
    head_k = hp("attention.key_length", n_embd // n_head if n_head else 0)
    head_v = hp("attention.value_length", head_k)
    vocab = shapes.get("token_embd.weight", (0, 0))
    window = hp("attention.sliding_window")
    return ModelShape(
        name=info.name, architecture=arch, n_layer=n_layer, n_embd=n_embd, n_head=n_head,
        n_head_kv=n_head_kv, head_dim_k=head_k, head_dim_v=head_v,
        n_vocab=int(vocab[1]) if len(vocab) > 1 else 0,
        n_ff_active=_ff_active(shapes, hp("expert_used_count")),
        n_ctx_train=hp("context_length"),
        layer_bytes=tuple(layer_bytes), input_bytes=input_bytes, output_bytes=output_bytes,
        sliding_window=window,
        swa_layers=_swa_layers(arch, n_layer, window),
        has_kv_cache=arch not in _ENCODERS,
        expert_layer_bytes=tuple(expert_bytes) if any(expert_bytes) else (),
        n_expert=hp("expert_count"), n_expert_used=hp("expert_used_count"),
    )


_ENCODERS = frozenset({"bert", "nomic-bert", "jina-bert-v2", "t5encoder", "modern-bert", "neo-bert"})


def _ff_active(shapes: dict[str, tuple[int, ...]], n_expert_used: int) -> int:
    up = shapes.get("blk.0.ffn_up_exps.weight")
    if up and len(up) >= 2:
        return int(up[1]) * max(1, n_expert_used)
    dense = shapes.get("blk.0.ffn_up.weight")
    return int(dense[1]) if dense and len(dense) >= 2 else 0


def _swa_layers(arch: str, n_layer: int, window: int) -> tuple[bool, ...]:
    if not window:
        return ()
    if arch == "gpt-oss":
        return tuple(i % 2 == 0 for i in range(n_layer))  # llama.cpp: load_swa_pattern(ml, 2)
    return ()  # unknown pattern: count every layer as full attention (the larger estimate)


# (block, bytes) of the types a gpt-oss shape is computed in (F32, F16, Q8_0, BF16, MXFP4), as in
# gguf's GGML_QUANT_SIZES: the catalog computes a shape when it loads, and gguf brings numpy
# (~0.2 s) that the window's first frame does not need. Other types are looked up in gguf.
_QUANT_SIZES = {0: (1, 4), 1: (1, 2), 8: (32, 34), 30: (1, 2), 39: (32, 17)}
_F32, _Q8_0, _MXFP4 = 0, 8, 39


def _nbytes(elements: int, qtype: int) -> int:
    sizes = _QUANT_SIZES.get(int(qtype))
    if sizes is None:
        from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

        sizes = GGML_QUANT_SIZES[GGMLQuantizationType(qtype)]
    block, size = sizes
    return elements // block * size


def gpt_oss_shape(*, name: str = "gpt-oss-20b", n_layer: int = 24, n_embd: int = 2880, n_head: int = 64,
                  n_head_kv: int = 8, head_dim: int = 64, n_expert: int = 32, n_expert_used: int = 4,
                  n_ff_exp: int = 2880, n_vocab: int = 201088, n_ctx_train: int = 131072, sliding_window: int = 128,
                  expert_type: GGMLQuantizationType | int = _MXFP4,
                  attn_type: GGMLQuantizationType | int = _Q8_0,
                  embd_type: GGMLQuantizationType | int = _Q8_0,
                  output_type: GGMLQuantizationType | int = _Q8_0) -> ModelShape:
    """A gpt-oss model's shape from its hyperparameters, before its file is here.

    Tensor by tensor as llama.cpp's gpt-oss loader creates them; norms, biases, sinks and the
    router stay F32. The defaults are ggml-org's gpt-oss-20b MXFP4 file: 12,096,569,856 bytes of
    tensors (the 12.1 GB download is this plus the tokenizer in the header).
    """
    f32 = _F32
    q_dim, kv_dim = n_head * head_dim, n_head_kv * head_dim
    experts = 3 * _nbytes(n_embd * n_ff_exp * n_expert, expert_type) + 2 * _nbytes(n_ff_exp * n_expert, f32) \
        + _nbytes(n_embd * n_expert, f32)  # gate, up, down experts and their biases
    layer = (
        _nbytes(n_embd, f32) * 2  # attn_norm, post_attention_norm
        + _nbytes(n_embd * q_dim, attn_type) + _nbytes(q_dim, f32)  # attn_q + bias
        + 2 * (_nbytes(n_embd * kv_dim, attn_type) + _nbytes(kv_dim, f32))  # attn_k, attn_v + biases
        + _nbytes(q_dim * n_embd, attn_type) + _nbytes(n_embd, f32)  # attn_output + bias
        + _nbytes(n_head, f32)  # attn_sinks
        + _nbytes(n_embd * n_expert, f32) + _nbytes(n_expert, f32)  # router + bias
        + experts
    )
    return ModelShape(
        name=name, architecture="gpt-oss", n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_head_kv=n_head_kv,
        head_dim_k=head_dim, head_dim_v=head_dim, n_vocab=n_vocab, n_ff_active=n_ff_exp * n_expert_used,
        n_ctx_train=n_ctx_train, layer_bytes=(layer,) * n_layer,
        input_bytes=_nbytes(n_embd * n_vocab, embd_type),
        output_bytes=_nbytes(n_embd * n_vocab, output_type) + _nbytes(n_embd, f32),
        sliding_window=sliding_window, swa_layers=_swa_layers("gpt-oss", n_layer, sliding_window),
        expert_layer_bytes=(experts,) * n_layer, n_expert=n_expert, n_expert_used=n_expert_used,
    )


class ShapeCache:
    """Shapes of files already read, keyed by path, size and mtime: a 12 GB header is read once."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def get(self, model_path: Path) -> ModelShape:
        from desktop.core.fsutil import atomic_write_text

        stat = model_path.stat()
        key = f"{model_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        data = self._load()
        if key in data and "expert_layer_bytes" in data[key]:  # older entries lack what the speed estimate needs
            try:
                return ModelShape.from_json(data[key])
            except (TypeError, KeyError):
                pass  # written by another version: read the file again
        shape = shape_from_gguf(model_path)
        data = {k: v for k, v in data.items() if not k.startswith(f"{model_path.resolve()}|")}
        data[key] = shape.to_json()
        try:
            atomic_write_text(self._path, json.dumps(data))
        except OSError as exc:  # a read-only cache only costs time
            log.warning("could not save model shapes: %s", exc)
        return shape

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def plan_for_shape(shape: ModelShape, machine: Machine, model_settings: Any) -> Plan:
    """The planner's choice on auto (gpu_layers == -1), else the user's layers judged as they are.

    `model_settings` is desktop.settings.ModelSettings (context_length, gpu_layers).
    """
    n_ctx = int(model_settings.context_length)
    if int(model_settings.gpu_layers) == -1:
        return auto_plan(shape, machine, n_ctx)
    return plan(shape, machine, n_ctx, n_gpu_layers=int(model_settings.gpu_layers))


def plan_for_settings(model_path: Path, model_settings: Any, machine: Machine, *,
                      shapes: ShapeCache | None = None) -> Plan:
    """How the runtime should load `model_path`: pass n_gpu_layers, n_ctx and flash_attn on."""
    shape = shapes.get(model_path) if shapes else shape_from_gguf(model_path)
    return plan_for_shape(shape, machine, model_settings)
