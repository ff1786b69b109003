"""The hardware probe, with its sources faked to describe machines these tests do not run on.

The fake machines are also used by the planner's tests: an 8 GB laptop NVIDIA GPU, a 16 GB and a
36 GB Apple Silicon Mac, a CPU-only 16 GB laptop, and an H100 (the anchors' machine).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import llama_cpp
import pytest

from desktop.core import hardware
from desktop.core.hardware import GIB, Backend, Sources, backend_name, default_metal_working_set, probe

CUDA = Backend("CUDA", gpu_offload=True)
METAL = Backend("Metal", gpu_offload=True)
CPU = Backend("CPU", gpu_offload=False)


class FakeNvml:
    """The part of pynvml the probe calls, answering for the GPUs it is given."""

    def __init__(self, gpus: list[tuple[str, int, int]], fail_at: str | None = None) -> None:
        self.gpus = gpus
        self.fail_at = fail_at
        self.shut_down = False

    def _maybe_fail(self, step: str) -> None:
        if self.fail_at == step:
            raise RuntimeError(f"NVML {step} failed")

    def nvmlInit(self) -> None:
        self._maybe_fail("init")

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetName(self, handle: int) -> bytes:
        return self.gpus[handle][0].encode()

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        self._maybe_fail("memory")
        _, total, free = self.gpus[handle]
        return SimpleNamespace(total=total, free=free, used=total - free)

    def nvmlShutdown(self) -> None:
        self.shut_down = True


def no_nvml() -> None:
    raise ImportError("No module named 'pynvml'")


def memory(total: int, available: int) -> SimpleNamespace:
    return SimpleNamespace(total=total, available=available)


def sources(*, platform: str = "linux", ram: int = 16 * GIB, free_ram: int | None = None, nvml: object = None,
            backend: Backend = CPU, sysctl: dict[str, str] | None = None,
            devices: list[tuple[str, str, int, int]] | None = None, disk: int = 200 * 10**9) -> Sources:
    def ggml_devices() -> list[tuple[str, str, int, int]]:
        if devices is None:
            raise OSError("no ggml")
        return devices

    return Sources(
        platform=platform,
        virtual_memory=lambda: memory(ram, free_ram if free_ram is not None else ram * 6 // 10),
        disk_free=lambda path: disk,
        nvml=(lambda: nvml) if nvml is not None else no_nvml,
        sysctl=lambda name: (sysctl or {}).get(name),
        backend=lambda: backend,
        ggml_devices=ggml_devices,
    )


# The machines the issue names (sizes as their OS reports them).
def laptop_rtx_8gb() -> Sources:
    return sources(ram=16 * GIB, backend=CUDA,
                   nvml=FakeNvml([("NVIDIA GeForce RTX 4060 Laptop GPU", 8 * GIB, int(7.6 * GIB))]))


def mac(ram_gb: int, *, wired_limit_mb: int = 0, metal_working_set: int | None = None) -> Sources:
    devices = None if metal_working_set is None else [("MTL0", "Apple M3", metal_working_set, metal_working_set)]
    return sources(platform="darwin", ram=ram_gb * GIB, backend=METAL, devices=devices,
                   sysctl={"hw.optional.arm64": "1", "hw.memsize": str(ram_gb * GIB),
                           "iogpu.wired_limit_mb": str(wired_limit_mb)})


def cpu_laptop_16gb() -> Sources:
    return sources(ram=16 * GIB, backend=CPU)


def h100_server() -> Sources:
    h100 = ("NVIDIA H100 80GB HBM3", 85_520_809_984, 84_900_000_000)
    return sources(ram=2000 * GIB, backend=CUDA, nvml=FakeNvml([h100]))


def test_laptop_nvidia_gpu_is_read_through_nvml(tmp_path: Path) -> None:
    machine = probe(tmp_path, laptop_rtx_8gb())
    (gpu,) = machine.gpus
    assert gpu.name == "NVIDIA GeForce RTX 4060 Laptop GPU" and gpu.source == "nvml"
    assert (gpu.vram_total_bytes, gpu.vram_free_bytes) == (8 * GIB, int(7.6 * GIB))
    assert machine.unified_memory is None
    # Free VRAM less what the CUDA driver itself keeps.
    assert machine.gpu_budget_bytes == int(7.6 * GIB) - hardware.CUDA_DRIVER_RESERVE


def test_missing_nvidia_driver_means_no_gpu_not_a_guess(tmp_path: Path) -> None:
    for nvml in (FakeNvml([("GPU", 8 * GIB, 8 * GIB)], fail_at="init"), None):
        machine = probe(tmp_path, sources(backend=CUDA, nvml=nvml))
        assert machine.gpus == () and machine.gpu_budget_bytes == 0


def test_an_nvml_failure_midway_reports_no_gpu_and_says_why(tmp_path: Path) -> None:
    nvml = FakeNvml([("GPU", 8 * GIB, 8 * GIB)], fail_at="memory")
    machine = probe(tmp_path, sources(backend=CUDA, nvml=nvml))
    assert machine.gpus == ()
    assert any("did not answer" in note for note in machine.notes)
    assert nvml.shut_down


def test_a_cpu_build_does_not_use_the_gpu_it_sees(tmp_path: Path) -> None:
    machine = probe(tmp_path, sources(backend=CPU, nvml=FakeNvml([("RTX", 12 * GIB, 12 * GIB)])))
    assert len(machine.gpus) == 1 and machine.gpu_budget_bytes == 0
    assert any("CPU-only" in note for note in machine.notes)


def test_other_gpu_backends_ask_llama_cpp_for_their_devices(tmp_path: Path) -> None:
    vulkan = Backend("Vulkan", gpu_offload=True)
    machine = probe(tmp_path, sources(backend=vulkan, devices=[("Vulkan0", "AMD Radeon RX 7600", 7 * GIB, 8 * GIB)]))
    (gpu,) = machine.gpus
    assert (gpu.name, gpu.vram_total_bytes, gpu.vram_free_bytes, gpu.source) == ("AMD Radeon RX 7600", 8 * GIB, 7 * GIB,
                                                                               "llama.cpp")


@pytest.mark.parametrize(("ram_gb", "expected_gib"), [(16, 16 * 2 / 3), (36, 36 * 3 / 4)])
def test_mac_gpu_budget_is_an_estimate_when_nothing_can_be_read(tmp_path: Path, ram_gb: int,
                                                                 expected_gib: float) -> None:
    machine = probe(tmp_path, mac(ram_gb))
    um = machine.unified_memory
    assert um is not None and um.total_bytes == ram_gb * GIB
    assert um.working_set_bytes is None and um.budget_source == "estimate"
    assert um.gpu_budget_bytes / GIB == pytest.approx(expected_gib, abs=0.01)
    assert machine.gpu_budget_bytes == um.gpu_budget_bytes
    assert any("estimate" in note for note in machine.notes)


def test_mac_working_set_from_metal_or_the_wired_limit(tmp_path: Path) -> None:
    metal = probe(tmp_path, mac(16, metal_working_set=11_453_251_584)).unified_memory
    assert metal is not None and (metal.working_set_bytes, metal.budget_source) == (11_453_251_584, "metal")
    raised = probe(tmp_path, mac(16, wired_limit_mb=13_000)).unified_memory
    assert raised is not None and (raised.gpu_budget_bytes, raised.budget_source) == (13_000 * 2**20,
                                                                                      "iogpu.wired_limit_mb")


def test_intel_mac_has_no_unified_gpu_memory(tmp_path: Path) -> None:
    src = sources(platform="darwin", sysctl={"hw.optional.arm64": "0", "hw.memsize": str(16 * GIB)})
    assert probe(tmp_path, src).unified_memory is None


def test_cpu_only_laptop(tmp_path: Path) -> None:
    machine = probe(tmp_path / "not" / "yet" / "made", cpu_laptop_16gb())
    assert machine.gpus == () and machine.unified_memory is None and machine.backend.name == "CPU"
    assert machine.ram_total_bytes == 16 * GIB and machine.disk_free_bytes == 200 * 10**9


def test_a_broken_backend_probe_does_not_hide_the_rest(tmp_path: Path) -> None:
    src = cpu_laptop_16gb()

    def broken() -> Backend:
        raise OSError("libllama.so: cannot open shared object file")

    src.backend = broken
    machine = probe(tmp_path, src)
    assert machine.backend.name == "unknown" and machine.ram_total_bytes == 16 * GIB


@pytest.mark.parametrize(("names", "info", "offload", "expected"), [
    (["CPU", "CUDA"], "CUDA : ARCHS = 890 | CPU : AVX2 = 1 |", True, "CUDA"),
    ([], "MTL : EMBED_LIBRARY = 1 | CPU : NEON = 1 |", True, "Metal"),
    (["Vulkan", "CPU"], "CPU : AVX2 = 1 |", True, "Vulkan"),
    (["CPU"], "CPU : AVX2 = 1 | OPENMP = 1 |", False, "CPU"),
    (["ROCm", "CPU"], "", True, "ROCm"),
])
def test_backend_name_from_llama_cpp(names: list[str], info: str, offload: bool, expected: str) -> None:
    assert backend_name(names, info, offload) == expected


def test_metal_default_share_rule() -> None:
    assert default_metal_working_set(32 * GIB) == 32 * GIB * 2 // 3
    assert default_metal_working_set(64 * GIB) == 48 * GIB


def test_the_real_machine_probes_without_error(tmp_path: Path) -> None:
    machine = probe(tmp_path)
    assert machine.ram_total_bytes >= machine.ram_available_bytes > 0
    assert machine.disk_free_bytes and machine.disk_free_bytes > 0
    assert machine.backend.gpu_offload == bool(llama_cpp.llama_supports_gpu_offload())
    assert machine.backend.name != "unknown"
    assert machine.as_dict()["backend"] == machine.backend.name
