"""What this machine has for running models: RAM, GPUs and their memory, disk, llama.cpp backend.

Every source is read honestly or not at all: a missing NVIDIA driver means "no NVIDIA GPU",
never a guessed size; an Apple GPU budget that cannot be read is marked as an estimate. The
sources are injectable (`Sources`) so tests can describe a laptop or a Mac without owning one.
"""

from __future__ import annotations

import ctypes
import logging
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.llama_build import load_llama_cpp

log = logging.getLogger(__name__)

GIB = 2**30
# Memory a CUDA process holds outside llama.cpp's own buffers (context, cuBLAS workspaces); not
# in llama.cpp's accounting, but it is taken from the same VRAM. A fresh CUDA context took
# 527 MiB of an H100's free memory (NVML before vs cudaMemGetInfo after); smaller GPUs take less.
CUDA_DRIVER_RESERVE = 512 * 2**20
OTHER_GPU_DRIVER_RESERVE = 256 * 2**20
# Backends llama.cpp registers under these names (ggml_backend_reg_name); HIP registers as ROCm.
_GPU_BACKENDS = ("CUDA", "MTL", "Metal", "Vulkan", "ROCm", "HIP", "SYCL", "OpenCL", "CANN", "MUSA")


@dataclass(frozen=True)
class Gpu:
    name: str
    vram_total_bytes: int
    vram_free_bytes: int
    source: str  # "nvml" or "llama.cpp": who told us


@dataclass(frozen=True)
class UnifiedMemory:
    """Apple Silicon: the GPU shares RAM, but Metal only lets it wire part of it."""

    total_bytes: int
    # The most the GPU should hold (Metal's recommendedMaxWorkingSetSize); None = not readable.
    working_set_bytes: int | None
    # The number the planner uses: the working set when read, else macOS's default share.
    gpu_budget_bytes: int
    budget_source: str  # "metal", "iogpu.wired_limit_mb" or "estimate"


@dataclass(frozen=True)
class Backend:
    name: str  # "CUDA", "Metal", "Vulkan", "ROCm", "CPU" or "unknown"
    gpu_offload: bool
    system_info: str = ""


@dataclass(frozen=True)
class Machine:
    ram_total_bytes: int
    ram_available_bytes: int
    gpus: tuple[Gpu, ...]
    unified_memory: UnifiedMemory | None
    backend: Backend
    disk_free_bytes: int | None
    notes: tuple[str, ...] = ()

    @property
    def gpu_budget_bytes(self) -> int:
        """VRAM llama.cpp may fill on this machine with this build; 0 = run on the CPU."""
        if not self.backend.gpu_offload:
            return 0
        if self.unified_memory is not None:
            return self.unified_memory.gpu_budget_bytes
        reserve = CUDA_DRIVER_RESERVE if self.backend.name == "CUDA" else OTHER_GPU_DRIVER_RESERVE
        # llama.cpp splits layers over all GPUs in proportion to their free memory.
        return sum(max(0, min(g.vram_free_bytes, g.vram_total_bytes) - reserve) for g in self.gpus)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unified_memory"] = asdict(self.unified_memory) if self.unified_memory else None
        data["backend"] = self.backend.name
        data["gpu_offload"] = self.backend.gpu_offload
        data["gpu_budget_bytes"] = self.gpu_budget_bytes
        data["notes"] = list(self.notes)
        return data


@dataclass
class Sources:
    """Where the probe reads from. Tests replace these with fakes; defaults read the real machine."""

    platform: str = sys.platform
    virtual_memory: Callable[[], Any] = field(default=lambda: _psutil().virtual_memory())
    disk_free: Callable[[Path], int] = field(default=lambda path: shutil.disk_usage(path).free)
    # A pynvml-like module (nvmlInit, nvmlDeviceGetCount, ...); a callable so the import is lazy.
    nvml: Callable[[], Any] = field(default=lambda: _import_pynvml())
    sysctl: Callable[[str], str | None] = field(default=lambda name: _sysctl(name))
    backend: Callable[[], Backend] = field(default=lambda: llama_backend())
    # llama.cpp's own view of its devices: (name, description, free, total) per GPU device.
    ggml_devices: Callable[[], list[tuple[str, str, int, int]]] = field(default=lambda: _ggml_gpu_devices())


def probe(models_dir: Path | None = None, sources: Sources | None = None) -> Machine:
    """Read the machine. Never raises for a missing driver or library: it reports less instead."""
    src = sources or Sources()
    notes: list[str] = []
    mem = src.virtual_memory()
    ram_total, ram_available = int(mem.total), int(mem.available)

    try:
        backend = src.backend()
    except Exception as exc:  # a broken llama.cpp build must not hide the rest of the probe
        log.warning("could not read the llama.cpp backend: %s", exc)
        backend = Backend("unknown", gpu_offload=False)
        notes.append(f"llama.cpp backend unknown ({exc})")

    unified = None
    gpus: list[Gpu] = []
    if src.platform == "darwin":
        unified, mac_notes = _apple_unified_memory(src, backend, ram_total)
        notes.extend(mac_notes)
        if unified is not None and ram_total == 0:
            ram_total = unified.total_bytes
    else:
        gpus, nvml_note = _nvidia_gpus(src)
        if nvml_note:
            notes.append(nvml_note)
        if not gpus and backend.gpu_offload:
            # Vulkan / ROCm / SYCL builds, or CUDA without NVML: ask llama.cpp itself.
            gpus = _llama_gpus(src, notes)
    if gpus and not backend.gpu_offload:
        notes.append(f"this llama.cpp build is {backend.name}-only: the GPU will not be used")

    return Machine(
        ram_total_bytes=ram_total,
        ram_available_bytes=ram_available,
        gpus=tuple(gpus),
        unified_memory=unified,
        backend=backend,
        disk_free_bytes=_disk_free(src, models_dir, notes),
        notes=tuple(notes),
    )


# --- NVIDIA -----------------------------------------------------------------------------------

def _nvidia_gpus(src: Sources) -> tuple[list[Gpu], str | None]:
    try:
        nvml = src.nvml()
    except ImportError:
        return [], None  # no nvidia-ml-py: nothing to say, other sources may still find a GPU
    try:
        nvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound / DriverNotLoaded on machines without one
        log.debug("NVML unavailable: %s", exc)
        return [], None
    gpus: list[Gpu] = []
    try:
        for index in range(int(nvml.nvmlDeviceGetCount())):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            name = nvml.nvmlDeviceGetName(handle)
            if isinstance(name, bytes):
                name = name.decode("utf-8", errors="replace")
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append(Gpu(str(name), int(memory.total), int(memory.free), "nvml"))
    except Exception as exc:
        # A half-read answer is not trusted: report no GPU rather than a wrong one.
        log.warning("NVML query failed: %s", exc)
        return [], f"NVIDIA driver did not answer ({exc}); no GPU assumed"
    finally:
        try:
            nvml.nvmlShutdown()
        except Exception:
            pass
    return gpus, None


def _import_pynvml() -> Any:
    import pynvml  # nvidia-ml-py

    return pynvml


# --- Apple Silicon ----------------------------------------------------------------------------

def default_metal_working_set(total_bytes: int) -> int:
    """macOS's default GPU share: 2/3 of RAM up to 32 GiB, 3/4 above (as Metal reports it)."""
    return total_bytes * 2 // 3 if total_bytes <= 32 * GIB else total_bytes * 3 // 4


def _apple_unified_memory(src: Sources, backend: Backend, ram_total: int) -> tuple[UnifiedMemory | None, list[str]]:
    if (src.sysctl("hw.optional.arm64") or "").strip() != "1":
        return None, ["Intel Mac: no unified GPU memory for llama.cpp"]
    total = _int_or_none(src.sysctl("hw.memsize")) or ram_total
    notes: list[str] = []
    working_set, source = None, "estimate"
    if backend.gpu_offload:
        # A Metal build reports recommendedMaxWorkingSetSize as its device's memory.
        for name, _desc, _free, dev_total in _safe_devices(src, notes):
            if name.startswith(("MTL", "Metal")) and dev_total > 0:
                working_set, source = dev_total, "metal"
                break
    if working_set is None:
        wired_mb = _int_or_none(src.sysctl("iogpu.wired_limit_mb"))
        if wired_mb:  # 0 means "macOS default"; a value means someone raised (or lowered) it
            working_set, source = wired_mb * 2**20, "iogpu.wired_limit_mb"
    if working_set is None:
        notes.append("GPU working set not readable: using macOS's default share of RAM (an estimate)")
    budget = working_set if working_set is not None else default_metal_working_set(total)
    return UnifiedMemory(total, working_set, budget, source), notes


def _sysctl(name: str) -> str | None:
    import subprocess  # macOS only; importing it costs a first window ~20 ms elsewhere

    try:
        out = subprocess.run(["/usr/sbin/sysctl", "-n", name], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


# --- llama.cpp --------------------------------------------------------------------------------

def llama_backend() -> Backend:
    """Which GPU backend (if any) this llama-cpp-python build was compiled with."""
    llama_cpp = load_llama_cpp()

    offload = bool(llama_cpp.llama_supports_gpu_offload())
    info = llama_cpp.llama_print_system_info()
    info = info.decode("utf-8", errors="replace") if isinstance(info, bytes) else str(info)
    names = _ggml_registry_names()
    return Backend(backend_name(names, info, offload), offload, info.strip())


def backend_name(registry_names: list[str], system_info: str, gpu_offload: bool) -> str:
    """The GPU backend named by llama.cpp's registry (or its system info text), else CPU."""
    for candidate in [*registry_names, *(part.split(":")[0].strip() for part in system_info.split("|"))]:
        for known in _GPU_BACKENDS:
            if candidate.upper().startswith(known.upper()):
                return {"MTL": "Metal", "HIP": "ROCm"}.get(known, known)
    return "unknown GPU" if gpu_offload else "CPU"


def _llama_gpus(src: Sources, notes: list[str]) -> list[Gpu]:
    return [Gpu(desc or name, total, free, "llama.cpp")
            for name, desc, free, total in _safe_devices(src, notes) if total > 0]


def _safe_devices(src: Sources, notes: list[str]) -> list[tuple[str, str, int, int]]:
    try:
        return src.ggml_devices()
    except Exception as exc:
        log.warning("llama.cpp device query failed: %s", exc)
        notes.append(f"llama.cpp could not list its GPUs ({exc})")
        return []


def _ggml() -> ctypes.CDLL:
    llama_cpp = load_llama_cpp()

    lib_dir = Path(llama_cpp.__file__).parent / "lib"
    for name in ("libggml.so", "libggml.dylib", "ggml.dll"):
        if (lib_dir / name).exists():
            lib = ctypes.CDLL(str(lib_dir / name))
            break
    else:
        raise OSError("ggml library not found next to llama_cpp")
    lib.ggml_backend_reg_count.restype = ctypes.c_size_t
    lib.ggml_backend_reg_get.restype = ctypes.c_void_p
    lib.ggml_backend_reg_get.argtypes = [ctypes.c_size_t]
    lib.ggml_backend_reg_name.restype = ctypes.c_char_p
    lib.ggml_backend_reg_name.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_count.restype = ctypes.c_size_t
    lib.ggml_backend_dev_get.restype = ctypes.c_void_p
    lib.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    for fn in (lib.ggml_backend_dev_name, lib.ggml_backend_dev_description):
        fn.restype = ctypes.c_char_p
        fn.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_type.restype = ctypes.c_int
    lib.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_memory.restype = None
    lib.ggml_backend_dev_memory.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t),
                                            ctypes.POINTER(ctypes.c_size_t)]
    return lib


def _ggml_registry_names() -> list[str]:
    try:
        lib = _ggml()
        return [lib.ggml_backend_reg_name(lib.ggml_backend_reg_get(i)).decode()
                for i in range(lib.ggml_backend_reg_count())]
    except Exception as exc:  # older or unusual builds: fall back to the system info text
        log.debug("ggml registry not readable: %s", exc)
        return []


_DEV_TYPE_CPU, _DEV_TYPE_ACCEL = 0, 3


def _ggml_gpu_devices() -> list[tuple[str, str, int, int]]:
    lib = _ggml()
    devices = []
    for i in range(lib.ggml_backend_dev_count()):
        dev = lib.ggml_backend_dev_get(i)
        if lib.ggml_backend_dev_type(dev) in (_DEV_TYPE_CPU, _DEV_TYPE_ACCEL):
            continue
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        lib.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        devices.append((lib.ggml_backend_dev_name(dev).decode(errors="replace"),
                        (lib.ggml_backend_dev_description(dev) or b"").decode(errors="replace"),
                        int(free.value), int(total.value)))
    return devices


# --- RAM and disk -----------------------------------------------------------------------------

def _psutil() -> Any:
    import psutil

    return psutil


def _disk_free(src: Sources, models_dir: Path | None, notes: list[str]) -> int | None:
    if models_dir is None:
        return None
    path = Path(models_dir)
    while not path.exists() and path.parent != path:
        path = path.parent  # the folder may not exist yet; its disk does
    try:
        return int(src.disk_free(path))
    except OSError as exc:
        notes.append(f"free disk space unknown ({exc.strerror or exc})")
        return None


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def format_bytes(n: int | float | None) -> str:
    """Human sizes in the units file managers use for downloads (GB = 10^9), 'unknown' for None."""
    if n is None:
        return "unknown"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} B"


def format_gib(n: int | None) -> str:
    """Memory sizes in GiB, as the OS reports RAM and VRAM."""
    return "unknown" if n is None else f"{n / GIB:.1f} GiB"
