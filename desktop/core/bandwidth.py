"""Memory bandwidth for the speed estimate: RAM measured here, NVIDIA VRAM from the driver.

RAM: one thread sums a 64 MiB array (larger than any CPU cache), best of five; about 20 ms.
llama.cpp decodes with several threads, so this is a floor, not the machine's peak.
VRAM: NVML's memory bus width and maximum memory clock, at two transfers per clock. Seen on an
NVIDIA H200: 6016 bits x 3201 MHz x 2 = 4.81 TB/s, its data sheet's 4.8 TB/s. Other GPUs
(Vulkan, ROCm): unknown, so no estimate.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.core.hardware import Machine

log = logging.getLogger(__name__)

_SAMPLE_BYTES = 64 * 2**20


@functools.cache
def ram_read_bandwidth() -> float:
    """Bytes per second one thread reads from RAM (measured once per process)."""
    import numpy as np

    data = np.ones(_SAMPLE_BYTES // 8, dtype=np.uint64)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        np.add.reduce(data)
        best = min(best, time.perf_counter() - start)
    return _SAMPLE_BYTES / best


def nvml_bandwidth(nvml: Any, index: int) -> float | None:
    """Peak memory bandwidth of NVIDIA GPU `index`, from its bus width and memory clock."""
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    bus_bits = int(nvml.nvmlDeviceGetMemoryBusWidth(handle))
    clock_mhz = int(nvml.nvmlDeviceGetMaxClockInfo(handle, nvml.NVML_CLOCK_MEM))
    return bus_bits / 8 * clock_mhz * 1e6 * 2 if bus_bits > 0 and clock_mhz > 0 else None


def gpu_bandwidth(machine: Machine, nvml: Callable[[], Any] | None = None) -> float | None:
    """The slowest offload GPU's bandwidth (layers run one GPU after another); None when unknown."""
    if not machine.backend.gpu_offload:
        return None
    if machine.unified_memory is not None:
        return ram_read_bandwidth()  # one memory; a CPU thread reads it slower than the GPU does
    return nvidia_bandwidth(machine, nvml)


def nvidia_bandwidth(machine: Machine, nvml: Callable[[], Any] | None = None) -> float | None:
    """The slowest NVIDIA GPU's bandwidth from the driver, whatever llama.cpp build runs (the
    Models view estimates what a GPU build would give on a CPU-only one); None when unknown."""
    if not machine.gpus or any(g.source != "nvml" for g in machine.gpus):
        return None
    try:
        module = (nvml or _pynvml)()
        module.nvmlInit()
    except Exception as exc:  # noqa: BLE001 - no driver, no library (NVMLError_*): no estimate, not a guess
        log.debug("NVML unavailable for bandwidth: %s", exc)
        return None
    try:
        figures = [nvml_bandwidth(module, i) for i in range(len(machine.gpus))]
    except Exception as exc:  # noqa: BLE001 - an old driver without these calls: no estimate
        log.debug("NVML bandwidth query failed: %s", exc)
        return None
    finally:
        try:
            module.nvmlShutdown()
        except Exception as exc:  # noqa: BLE001 - shutting down NVML cannot change the answer
            log.debug("NVML shutdown failed: %s", exc)
    return None if not figures or None in figures else min(f for f in figures if f is not None)


def _pynvml() -> Any:
    import pynvml  # nvidia-ml-py

    return pynvml
