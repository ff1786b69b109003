"""Fit planner: hand-computed numbers for the gpt-oss-20b shape, llama.cpp's own figures, machines.

gpt-oss-20b, derived from its hyperparameters (24 layers, n_embd 2880, 64 query heads and 8 KV
heads of 64, 32 experts of width 2880 with 4 used, vocabulary 201,088), as ggml-org's MXFP4 file
stores it (experts MXFP4 = 17 bytes per 32 weights; attention, embeddings and output Q8_0 = 34
bytes per 32; norms, biases, sinks and the router F32):

  per layer   attn q,o: 2 x 2880*4096 Q8_0 = 25,067,520   attn k,v: 2 x 2880*512 Q8_0 = 3,133,440
              experts: 3 x 32*2880*2880 MXFP4 = 423,014,400  router 2880*32 F32 = 368,640
              biases, norms, sinks F32: (4096+512+512+2880 + 32 + 3*32*2880 + 2*2880 + 64) * 4 = 1,161,344
              total 452,745,344
  token_embd  2880*201088 Q8_0 = 615,329,280 (stays on the CPU)
  output      615,329,280 + output_norm 11,520 = 615,340,800
  all         24 * 452,745,344 + 615,329,280 + 615,340,800 = 12,096,558,336 bytes (11.27 GiB)

KV cache (swa_full): 24 layers x 8 heads x 64 x (K + V) x 2 bytes = 49,152 bytes per token.
Compute buffer (flash attention, n_ubatch 512): 512 x 4 x (201,088 + 4 x 2880) = 435,421,184.
On the GPU at 8k: 11,481,229,056 + 402,653,184 + 435,421,184 = 12,319,303,424 = 11.47 GiB.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

import gguf
import llama_cpp
import numpy as np
import pytest

from desktop.core import planner
from desktop.core.hardware import GIB, probe
from desktop.core.llama_log import route_to_logging
from desktop.core.planner import (
    ModelShape,
    ShapeCache,
    Verdict,
    auto_plan,
    compute_bytes,
    gpt_oss_shape,
    kv_layer_bytes,
    plan,
    plan_for_settings,
    shape_from_gguf,
)
from desktop.settings import ModelSettings
from tests.core.test_hardware import (
    CPU,
    cpu_laptop_16gb,
    h100_server,
    laptop_rtx_8gb,
    mac,
    sources,
)

GPT_OSS_20B = gpt_oss_shape()


def test_gpt_oss_20b_weights_by_hand() -> None:
    assert GPT_OSS_20B.layer_bytes == (452_745_344,) * 24
    assert GPT_OSS_20B.input_bytes == 615_329_280
    assert GPT_OSS_20B.output_bytes == 615_340_800
    assert GPT_OSS_20B.weights_bytes == 12_096_558_336
    assert GPT_OSS_20B.offloadable_layers == 25


def test_kv_cache_by_hand() -> None:
    assert sum(kv_layer_bytes(GPT_OSS_20B, 8192)) == 24 * 8192 * 2048
    assert sum(kv_layer_bytes(GPT_OSS_20B, 8000)) == 24 * 8192 * 2048  # cells come in 256s
    # Without swa_full the 12 sliding-window layers keep 128 + n_ubatch cells, rounded up to 768.
    assert sum(kv_layer_bytes(GPT_OSS_20B, 8192, swa_full=False)) == (12 * 8192 + 12 * 768) * 2048


def test_compute_buffer_by_hand_and_without_flash_attention() -> None:
    assert compute_bytes(GPT_OSS_20B, 8192) == 512 * 4 * (201_088 + 4 * 2880) == 435_421_184
    assert compute_bytes(GPT_OSS_20B, 131072) == 435_421_184  # flash attention: no n_ctx term
    # Without it the attention scores grow with the context (measured 4,260.9 MiB at 32k on llama.cpp).
    assert compute_bytes(GPT_OSS_20B, 32768, flash_attn=False) / 2**20 == pytest.approx(4260.9, rel=0.01)


@pytest.mark.parametrize(("n_ctx", "gib"), [(8192, 11.5), (32768, 12.6), (131072, 17.1)])
def test_matches_llama_cpp_on_an_h100(n_ctx: int, gib: float) -> None:
    p = plan(GPT_OSS_20B, probe(None, h100_server()), n_ctx)
    assert p.verdict is Verdict.FITS_GPU and p.n_gpu_layers == 25 and p.n_ctx == n_ctx
    assert round(p.gpu_bytes / GIB, 1) == gib
    assert p.gpu_weights_bytes == 11_481_229_056


def test_partial_offload_puts_the_output_layer_first() -> None:
    machine = probe(None, h100_server())
    one = plan(GPT_OSS_20B, machine, 8192, n_gpu_layers=1)
    assert one.gpu_weights_bytes == GPT_OSS_20B.output_bytes and one.gpu_kv_bytes == 0
    two = plan(GPT_OSS_20B, machine, 8192, n_gpu_layers=2)
    assert two.gpu_weights_bytes == GPT_OSS_20B.output_bytes + 452_745_344
    assert two.gpu_kv_bytes == 8192 * 2048
    assert two.verdict is Verdict.PARTIAL and two.label == "partly offloaded (2 of 25 layers)"


def test_8gb_laptop_gpu_runs_it_partly_offloaded() -> None:
    p = plan(GPT_OSS_20B, probe(None, laptop_rtx_8gb()), 8192)
    assert p.verdict is Verdict.PARTIAL and 8 <= p.n_gpu_layers <= 16
    assert p.gpu_bytes <= p.gpu_budget_bytes and p.ram_bytes <= p.ram_budget_bytes


def test_gpt_oss_20b_is_not_a_clean_fit_on_a_16gb_mac() -> None:
    p = plan(GPT_OSS_20B, probe(None, mac(16)), 8192)
    assert p.verdict is not Verdict.FITS_GPU
    assert p.verdict is Verdict.PARTIAL and p.n_gpu_layers < 25
    assert any("tight" in note for note in p.notes)


def test_gpt_oss_20b_fits_a_36gb_mac() -> None:
    p = plan(GPT_OSS_20B, probe(None, mac(36)), 8192)
    assert p.verdict is Verdict.FITS_GPU and p.n_gpu_layers == 25


def test_cpu_only_16gb_laptop_runs_it_on_the_cpu() -> None:
    machine = probe(None, cpu_laptop_16gb())
    p = plan(GPT_OSS_20B, machine, 8192)
    assert p.verdict is Verdict.CPU_ONLY and p.n_gpu_layers == 0 and p.gpu_bytes == 0
    # The same laptop without flash attention: the attention scores no longer leave room at 32k.
    assert plan(GPT_OSS_20B, machine, 32768, flash_attn=False).verdict is Verdict.WONT_FIT


def test_8gb_machine_cannot_run_it() -> None:
    p = plan(GPT_OSS_20B, probe(None, sources(ram=8 * GIB)), 8192)
    assert p.verdict is Verdict.WONT_FIT and "needs" in p.notes[0]


def test_auto_plan_shrinks_a_context_that_cannot_fit() -> None:
    machine = probe(None, cpu_laptop_16gb())
    assert plan(GPT_OSS_20B, machine, 131072).verdict is Verdict.WONT_FIT
    p = auto_plan(GPT_OSS_20B, machine, 131072)
    assert p.verdict is Verdict.CPU_ONLY and 4096 <= p.n_ctx < 131072
    assert any("context reduced" in note for note in p.notes)


def test_a_user_layer_count_is_judged_not_replaced() -> None:
    p = plan(GPT_OSS_20B, probe(None, laptop_rtx_8gb()), 8192, n_gpu_layers=25)
    assert p.n_gpu_layers == 25 and p.verdict is Verdict.WONT_FIT


# --- from real GGUF headers -------------------------------------------------------------------

def write_gpt_oss_layout(path: Path, *, n_layer: int = 2, n_embd: int = 64, n_head: int = 4, n_head_kv: int = 2,
                         n_expert: int = 4, n_vocab: int = 320) -> Path:
    """Header + zero tensors laid out as ggml-org's gpt-oss MXFP4 file (tensor types included)."""
    q8, mx = gguf.GGMLQuantizationType.Q8_0, gguf.GGMLQuantizationType.MXFP4
    writer = gguf.GGUFWriter(str(path), "gpt-oss")
    writer.add_block_count(n_layer)
    writer.add_context_length(131072)
    writer.add_embedding_length(n_embd)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head_kv)
    writer.add_key_length(64)
    writer.add_value_length(64)
    writer.add_expert_count(n_expert)
    writer.add_expert_used_count(2)
    writer.add_sliding_window(128)

    def quant(name: str, ne: list[int], qtype: gguf.GGMLQuantizationType) -> None:
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        shape = list(reversed(ne))
        shape[-1] = shape[-1] // block * size
        writer.add_tensor(name, np.zeros(shape, np.uint8), raw_dtype=qtype)

    def f32(name: str, ne: list[int]) -> None:
        writer.add_tensor(name, np.zeros(list(reversed(ne)), np.float32))

    q_dim, kv_dim = n_head * 64, n_head_kv * 64
    quant("token_embd.weight", [n_embd, n_vocab], q8)
    f32("output_norm.weight", [n_embd])
    quant("output.weight", [n_embd, n_vocab], q8)
    for i in range(n_layer):
        p = f"blk.{i}."
        f32(p + "attn_norm.weight", [n_embd])
        f32(p + "post_attention_norm.weight", [n_embd])
        for name, rows in (("attn_q", q_dim), ("attn_k", kv_dim), ("attn_v", kv_dim)):
            quant(p + name + ".weight", [n_embd, rows], q8)
            f32(p + name + ".bias", [rows])
        quant(p + "attn_output.weight", [q_dim, n_embd], q8)
        f32(p + "attn_output.bias", [n_embd])
        f32(p + "attn_sinks.weight", [n_head])
        f32(p + "ffn_gate_inp.weight", [n_embd, n_expert])
        f32(p + "ffn_gate_inp.bias", [n_expert])
        for name in ("ffn_gate_exps", "ffn_up_exps"):
            quant(p + name + ".weight", [n_embd, n_embd, n_expert], mx)
            f32(p + name + ".bias", [n_embd, n_expert])
        quant(p + "ffn_down_exps.weight", [n_embd, n_embd, n_expert], mx)
        f32(p + "ffn_down_exps.bias", [n_embd, n_expert])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_shape_from_a_gguf_header_matches_the_hparam_derivation(tmp_path: Path) -> None:
    path = write_gpt_oss_layout(tmp_path / "layout.gguf")
    from_file = shape_from_gguf(path)
    described = gpt_oss_shape(name=from_file.name, n_layer=2, n_embd=64, n_head=4, n_head_kv=2, n_expert=4,
                              n_expert_used=2, n_ff_exp=64, n_vocab=320)
    assert from_file == described


def _llama_cpp_buffers(path: Path, caplog: pytest.LogCaptureFixture, **kwargs: object) -> dict[str, float]:
    """Load with llama.cpp (CPU) and read back the buffer sizes it logs, in MiB (the app routes
    llama.cpp's log lines to Python logging, so they are read there)."""
    route_to_logging(llama_cpp)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="desktop.llama_cpp"):
        llm = llama_cpp.Llama(str(path), n_gpu_layers=0, n_threads=1, verbose=True, **kwargs)
    log = "\n".join(record.getMessage() for record in caplog.records)
    llm.close()
    kv = sum(float(v) for v in re.findall(r"KV buffer size =\s+([\d.]+) MiB", log))
    mapped = sum(float(v) for v in re.findall(r"CPU_Mapped model buffer size =\s+([\d.]+) MiB", log))
    return {"kv": kv, "mapped": mapped}


@pytest.mark.parametrize("swa_full", [True, False])
def test_kv_cache_equals_what_llama_cpp_allocates(tiny_gpt_oss: Path, caplog: pytest.LogCaptureFixture,
                                                  swa_full: bool) -> None:
    shape = shape_from_gguf(tiny_gpt_oss)
    got = _llama_cpp_buffers(tiny_gpt_oss, caplog, n_ctx=4000, flash_attn=True, swa_full=swa_full)
    assert got["kv"] == pytest.approx(sum(kv_layer_bytes(shape, 4000, swa_full=swa_full)) / 2**20, abs=0.01)
    assert got["mapped"] == pytest.approx(shape.weights_bytes / 2**20, rel=0.02)


def test_runtime_plan_for_a_file_follows_the_gpu_layers_setting(tiny_gpt_oss: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    machine = probe(None, h100_server())
    cache = ShapeCache(tmp_path / "shapes.json")
    auto = plan_for_settings(tiny_gpt_oss, ModelSettings(context_length=8192, gpu_layers=-1), machine, shapes=cache)
    assert auto.verdict is Verdict.FITS_GPU and auto.n_gpu_layers == 3 and auto.flash_attn
    fixed = plan_for_settings(tiny_gpt_oss, ModelSettings(context_length=8192, gpu_layers=1), machine, shapes=cache)
    assert fixed.n_gpu_layers == 1 and fixed.n_ctx == 8192

    # The second look comes from the cache, not the file.
    def no_reading(path: Path) -> ModelShape:
        raise AssertionError("read the file again")

    monkeypatch.setattr(planner, "shape_from_gguf", no_reading)
    assert ShapeCache(tmp_path / "shapes.json").get(tiny_gpt_oss) == shape_from_gguf_unpatched(tiny_gpt_oss)


shape_from_gguf_unpatched = shape_from_gguf


# --- speed estimate ---------------------------------------------------------------------------
# One decoded token of gpt-oss-20b at 1,024 tokens of context reads, per layer: the non-expert
# weights 452,745,344 - 424,120,320 (experts: 3 x 423,014,400 / 3 MXFP4 + 3 x 368,640 F32 biases)
# = 28,625,024, one eighth of the experts (4 of 32) = 53,015,040, and the layer's KV cache
# 1,024 x 2,048 = 2,097,152: 83,737,216. Then the output head 615,340,800 and one embedding row
# (615,329,280 / 201,088 = 3,060): 24 x 83,737,216 + 615,343,860 = 2,625,037,044 bytes.

def test_bytes_read_per_token_by_hand() -> None:
    per_layer, head = planner.bytes_read_per_token(GPT_OSS_20B)
    assert per_layer == [83_737_216] * 24 and head == 615_343_860
    assert sum(per_layer) + head == 2_625_037_044


def test_the_speed_estimate_matches_what_was_measured() -> None:
    # An H100 80GB HBM3 (3.35 TB/s) decoded this layout at 256-261 tok/s in the app (README).
    h100 = plan(GPT_OSS_20B, probe(None, h100_server()), 8192)
    on_gpu = planner.estimate_tokens_per_s(GPT_OSS_20B, h100, ram_bandwidth=None, gpu_bandwidth=3.35e12)
    assert on_gpu is not None and 240 < on_gpu < 275
    # This project's 2-core machine: 23-28 GB/s read by one thread; llama.cpp decoded a 2-layer
    # model of the 20b width at 27.2 tok/s.
    two_layers = gpt_oss_shape(n_layer=2)
    laptop = plan(two_layers, probe(None, cpu_laptop_16gb()), 8192)
    on_cpu = planner.estimate_tokens_per_s(two_layers, laptop, ram_bandwidth=25e9, gpu_bandwidth=None)
    assert on_cpu is not None and 27.2 * 0.75 < on_cpu < 27.2 * 1.4


def test_a_tiny_model_is_bound_by_the_loop_not_by_memory(tiny_gpt_oss: Path) -> None:
    # The 256 kB test model decoded at 3,656-3,786 tok/s on the 2-core machine (README).
    shape = shape_from_gguf(tiny_gpt_oss)
    cpu = plan(shape, probe(None, cpu_laptop_16gb()), 4096)
    estimate = planner.estimate_tokens_per_s(shape, cpu, ram_bandwidth=25e9, gpu_bandwidth=None)
    assert estimate is not None and 3_656 * 0.75 < estimate < 3_786 * 1.25


def test_a_partial_offload_is_between_cpu_and_gpu_speed() -> None:
    machine = probe(None, laptop_rtx_8gb())
    split = plan(GPT_OSS_20B, machine, 8192)
    assert split.verdict is Verdict.PARTIAL
    speeds = {name: planner.estimate_tokens_per_s(GPT_OSS_20B, p, ram_bandwidth=40e9, gpu_bandwidth=256e9)
              for name, p in (("cpu", plan(GPT_OSS_20B, machine, 8192, n_gpu_layers=0)), ("split", split))}
    assert speeds["cpu"] < speeds["split"] < 256e9 * planner.GPU_EFFICIENCY / 2_625_037_044
    # A GPU whose bandwidth is unknown (not NVIDIA) gives no figure rather than a guess.
    assert planner.estimate_tokens_per_s(GPT_OSS_20B, split, ram_bandwidth=40e9, gpu_bandwidth=None) is None


def test_no_speed_for_what_cannot_run_or_does_not_generate() -> None:
    tiny_machine = probe(None, sources(ram=8 * GIB, backend=CPU))
    wont = plan(GPT_OSS_20B, tiny_machine, 8192)
    assert wont.verdict is Verdict.WONT_FIT
    assert planner.estimate_tokens_per_s(GPT_OSS_20B, wont, ram_bandwidth=40e9, gpu_bandwidth=None) is None
    encoder = replace(GPT_OSS_20B, has_kv_cache=False)
    runs = plan(encoder, probe(None, h100_server()), 512)
    assert planner.estimate_tokens_per_s(encoder, runs, ram_bandwidth=40e9, gpu_bandwidth=3e12) is None


def test_a_gguf_header_gives_the_expert_bytes_the_estimate_needs(tmp_path: Path) -> None:
    shape = shape_from_gguf(write_gpt_oss_layout(tmp_path / "layout.gguf"))
    assert (shape.n_expert, shape.n_expert_used) == (4, 2)
    assert 0 < shape.expert_layer_bytes[0] < shape.layer_bytes[0]
    cache = ShapeCache(tmp_path / "shapes.json")
    assert cache.get(tmp_path / "layout.gguf") == shape == cache.get(tmp_path / "layout.gguf")  # cached as read


def test_gpu_bandwidth_from_the_driver(tmp_path: Path) -> None:
    from desktop.core import bandwidth

    class Nvml:  # answers as the driver of an NVIDIA H200 did: 6016-bit bus, 3201 MHz memory clock
        NVML_CLOCK_MEM = 2

        def __init__(self) -> None:
            self.shut = False

        def nvmlInit(self) -> None: ...
        def nvmlShutdown(self) -> None: self.shut = True
        def nvmlDeviceGetHandleByIndex(self, index: int) -> int: return index
        def nvmlDeviceGetMemoryBusWidth(self, handle: int) -> int: return 6016
        def nvmlDeviceGetMaxClockInfo(self, handle: int, clock: int) -> int: return 3201 if clock == 2 else 0

    nvml = Nvml()
    machine = probe(None, h100_server())
    assert bandwidth.gpu_bandwidth(machine, lambda: nvml) == pytest.approx(4.81e12, rel=0.001) and nvml.shut
    assert bandwidth.gpu_bandwidth(probe(None, cpu_laptop_16gb()), lambda: nvml) is None  # CPU-only build
    assert bandwidth.ram_read_bandwidth() > 1e8  # measured: at least 100 MB/s on anything that runs this
