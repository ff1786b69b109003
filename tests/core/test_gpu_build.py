"""The notice for a GPU that a CPU-only build cannot use: when it shows, its estimate, its command."""

from __future__ import annotations

from dataclasses import replace

from desktop.core.gpu_build import SOURCE_COMMAND, WINDOWS_COMMAND, advise
from desktop.core.hardware import Backend, Gpu, Machine, UnifiedMemory
from desktop.core.planner import gpt_oss_shape
from desktop.settings import ModelSettings

GB = 10**9
RAM_BW, GPU_BW = 40e9, 1000e9  # a laptop's RAM and a desktop GPU's VRAM, bytes per second


def machine(*gpus: Gpu, backend: Backend = Backend("CPU", gpu_offload=False)) -> Machine:
    return Machine(ram_total_bytes=64 * GB, ram_available_bytes=48 * GB, gpus=gpus, unified_memory=None,
                   backend=backend, disk_free_bytes=500 * GB)


def gpu(vram_gb: float) -> Gpu:
    return Gpu("NVIDIA GeForce RTX 4090", int(vram_gb * GB), int(vram_gb * GB), "nvml")


def test_a_gpu_the_cpu_build_cannot_use_gets_an_estimated_speedup_and_the_cuda_command() -> None:
    advice = advise(machine(gpu(24)), gpt_oss_shape(), ModelSettings(), ram_bandwidth=RAM_BW,
                    gpu_bandwidth=GPU_BW, platform="linux")
    assert advice is not None
    assert advice.gpu_names == ("NVIDIA GeForce RTX 4090",)
    assert "-DGGML_CUDA=on" in advice.command and "--exclude-libs,ALL" in advice.command
    assert advice.verdict == "fits on GPU"
    # 20b fits whole on 24 GB: the estimate is the ratio of the two speeds, and well above 1.
    assert advice.speedup == advice.gpu_tokens_per_s / advice.cpu_tokens_per_s
    assert advice.speedup > 5


def test_a_smaller_gpu_gives_a_smaller_estimate_and_windows_gets_the_installer_command() -> None:
    big = advise(machine(gpu(24)), gpt_oss_shape(), ModelSettings(), ram_bandwidth=RAM_BW, gpu_bandwidth=GPU_BW)
    small = advise(machine(gpu(6)), gpt_oss_shape(), ModelSettings(), ram_bandwidth=RAM_BW,
                   gpu_bandwidth=GPU_BW, platform="win32")
    assert small is not None and big is not None
    assert small.verdict.startswith("partly offloaded")
    assert 1 < small.speedup < big.speedup
    assert small.command == WINDOWS_COMMAND and big.command in (SOURCE_COMMAND, WINDOWS_COMMAND)


def test_no_number_is_invented_when_the_gpu_speed_is_unknown() -> None:
    advice = advise(machine(gpu(24)), gpt_oss_shape(), ModelSettings(), ram_bandwidth=RAM_BW, gpu_bandwidth=None)
    assert advice is not None and advice.speedup is None and advice.gpu_tokens_per_s is None


def test_no_notice_for_a_gpu_build_no_gpu_or_apple_unified_memory() -> None:
    settings = ModelSettings()
    kwargs = dict(ram_bandwidth=RAM_BW, gpu_bandwidth=GPU_BW)
    assert advise(machine(gpu(24), backend=Backend("CUDA", gpu_offload=True)), gpt_oss_shape(), settings, **kwargs) is None
    assert advise(machine(), gpt_oss_shape(), settings, **kwargs) is None
    apple = replace(machine(gpu(24)), unified_memory=UnifiedMemory(64 * GB, None, 48 * GB, "estimate"))
    assert advise(apple, gpt_oss_shape(), settings, **kwargs) is None
