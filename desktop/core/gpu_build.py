"""Does this machine have a GPU that this llama.cpp build cannot use? Then say what a GPU build
would give and how to get it.

The speed-up is an estimate by the planner's own formula (bytes read per token over memory
bandwidth): the plan a CUDA build would choose on this machine, with the GPU's bandwidth from the
driver, against the plan this CPU-only build runs. It is only given where both bandwidths are
known (NVIDIA GPUs report theirs through NVML); elsewhere the notice says "faster" without a number.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from typing import Any

from desktop.core.hardware import Backend, Machine
from desktop.core.planner import ModelShape, Verdict, estimate_tokens_per_s, plan_for_shape

# Linking the C++ runtime's symbols privately keeps a CUDA build from crashing when another
# library loaded the system libstdc++ first (see the README's GPU section).
SOURCE_COMMAND = ('CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_SHARED_LINKER_FLAGS=-Wl,--exclude-libs,ALL" '
                  "uv sync --reinstall-package llama-cpp-python")
WINDOWS_COMMAND = r"powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 -Variant cuda"


@dataclass(frozen=True)
class GpuBuildAdvice:
    gpu_names: tuple[str, ...]
    command: str  # run in the app's source folder; installers/ builds the same for a bundle
    speedup: float | None  # estimated decode speed-up for `model_name`; None where unknown
    gpu_tokens_per_s: float | None
    cpu_tokens_per_s: float | None
    model_name: str
    verdict: str  # what the GPU build's planner would say, e.g. "fits on GPU"


def advise(machine: Machine, shape: ModelShape | None, model_settings: Any, *,
           ram_bandwidth: float | None, gpu_bandwidth: float | None,
           platform: str = sys.platform) -> GpuBuildAdvice | None:
    """Advice when a GPU is present but this build runs on the CPU only; None otherwise.

    `gpu_bandwidth` is the GPU's own (bandwidth.nvidia_bandwidth), not what this build can use."""
    if machine.backend.gpu_offload or not machine.gpus or machine.unified_memory is not None:
        return None
    command = WINDOWS_COMMAND if platform.startswith("win") else SOURCE_COMMAND
    names = tuple(g.name for g in machine.gpus)
    if shape is None:
        return GpuBuildAdvice(names, command, None, None, None, "", "")
    # What the planner would choose if this were a CUDA build: the same machine, another backend.
    as_cuda = replace(machine, backend=Backend("CUDA", gpu_offload=True))
    gpu_plan = plan_for_shape(shape, as_cuda, replace(model_settings, gpu_layers=-1))
    cpu_plan = plan_for_shape(shape, machine, model_settings)
    gpu_speed = estimate_tokens_per_s(shape, gpu_plan, ram_bandwidth=ram_bandwidth, gpu_bandwidth=gpu_bandwidth)
    cpu_speed = estimate_tokens_per_s(shape, cpu_plan, ram_bandwidth=ram_bandwidth, gpu_bandwidth=None)
    speedup = gpu_speed / cpu_speed if gpu_speed and cpu_speed and gpu_plan.n_gpu_layers else None
    return GpuBuildAdvice(names, command, speedup, gpu_speed, cpu_speed, shape.name,
                          gpu_plan.label if gpu_plan.verdict is not Verdict.WONT_FIT else "")
