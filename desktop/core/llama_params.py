"""llama.cpp's model and context parameters, built as our own structs for one load.

The app loads through llama-cpp-python's low-level binding of llama.cpp's C API
(`llama_model_load_from_file` with parameters made here) rather than through `Llama()`, whose
constructor has no way to keep the MoE experts in host RAM. That needs llama.cpp's
`tensor_buft_overrides`: a NULL-terminated array of {regex, buffer type}. The binding declares
the field but types it as an untyped pointer, so the array is built and pointed to with ctypes
here, in this module alone. `MODEL_PARAMS_LAYOUT` is the binding's struct as this code was
written against (llama-cpp-python 0.3.36); tests/core/test_llama_params.py fails on an upgrade
that changes it, and a load that needs the field refuses a binding without it.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass, field
from types import ModuleType

from desktop.core.errors import UserError

# std::regex_search over tensor names: the gate/up/down weights of every layer's experts.
EXPERT_TENSORS = rb"\.ffn_(up|down|gate)_exps\."
_ALL_LAYERS = 0x7FFFFFFF  # what llama-cpp-python passes for -1: llama.cpp caps it at the layer count
_GGML_BACKEND_DEVICE_TYPE_CPU = 0

MODEL_PARAMS_LAYOUT: tuple[tuple[str, str], ...] = (
    ("devices", "c_void_p"),
    ("tensor_buft_overrides", "c_void_p"),
    ("n_gpu_layers", "c_int"),
    ("split_mode", "c_int"),
    ("load_mode", "c_int"),
    ("lazy_mode", "c_int"),
    ("main_gpu", "c_int"),
    ("tensor_split", "LP_c_float"),
    ("progress_callback", "CFunctionType"),
    ("progress_callback_user_data", "c_void_p"),
    ("kv_overrides", "LP_llama_model_kv_override"),
    ("vocab_only", "c_bool"),
    ("check_tensors", "c_bool"),
    ("use_extra_bufts", "c_bool"),
    ("no_host", "c_bool"),
    ("no_alloc", "c_bool"),
    ("load_mtp", "c_bool"),
)


class BufferTypeOverride(ctypes.Structure):
    """struct llama_model_tensor_buft_override { const char * pattern; ggml_backend_buffer_type_t buft; }"""

    _fields_ = [("pattern", ctypes.c_char_p), ("buft", ctypes.c_void_p)]


def binding_layout(llama_cpp: ModuleType) -> tuple[tuple[str, str], ...]:
    """The installed binding's `llama_model_params` fields as (name, ctypes type name)."""
    return tuple((name, kind.__name__) for name, kind in llama_cpp.llama_model_params._fields_)


@dataclass
class ModelParams:
    params: object  # llama_cpp.llama_model_params
    # ctypes objects the C side points into: kept as long as the model lives.
    keep_alive: list[object] = field(default_factory=list)


def model_params(llama_cpp: ModuleType, *, n_gpu_layers: int, experts_on_cpu: bool) -> ModelParams:
    """Parameters for one `llama_model_load_from_file` call (memory-mapped, like `Llama()`)."""
    params = llama_cpp.llama_model_default_params()
    params.n_gpu_layers = _ALL_LAYERS if n_gpu_layers < 0 else n_gpu_layers
    params.load_mode = llama_cpp.LLAMA_LOAD_MODE_MMAP
    built = ModelParams(params)
    if experts_on_cpu:
        overrides = _expert_overrides(llama_cpp)
        params.tensor_buft_overrides = ctypes.cast(overrides, ctypes.c_void_p)
        built.keep_alive.append(overrides)
    return built


def context_params(llama_cpp: ModuleType, *, n_ctx: int, n_batch: int, n_threads: int, flash_attn: bool):
    """Parameters for `llama_init_from_model`. `n_threads` 0 = half the cores to generate (more
    only contend for memory bandwidth) and all of them to read prompts, as `Llama()` does."""
    cores = os.cpu_count() or 2
    params = llama_cpp.llama_context_default_params()
    params.n_ctx = n_ctx
    params.n_batch = min(n_ctx, n_batch)
    params.n_ubatch = params.n_batch
    params.n_threads = n_threads or max(1, cores // 2)
    params.n_threads_batch = n_threads or cores
    params.flash_attn_type = (llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED if flash_attn
                              else llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED)
    # Full-size sliding-window cache (llama.cpp's default, set so a changed default cannot slip
    # in): a partial one silently breaks the reuse of the KV cache across turns.
    params.swa_full = True
    return params


def _expert_overrides(llama_cpp: ModuleType) -> ctypes.Array:
    fields = dict(binding_layout(llama_cpp))
    if fields.get("tensor_buft_overrides") != "c_void_p":
        raise UserError("This llama-cpp-python version declares the tensor buffer overrides differently; "
                        "keeping the MoE experts in RAM needs the layout of version 0.3.36.")
    return (BufferTypeOverride * 2)((EXPERT_TENSORS, cpu_buffer_type(llama_cpp)), (None, None))


def cpu_buffer_type(llama_cpp: ModuleType) -> int:
    """The CPU device's buffer type, found through ggml's public device registry (so it works
    also where the CPU backend is a module loaded at run time, as in multi-CPU-variant builds)."""
    ggml = _ggml_library(llama_cpp)
    ggml.ggml_backend_dev_by_type.restype = ctypes.c_void_p
    ggml.ggml_backend_dev_by_type.argtypes = [ctypes.c_int]
    ggml.ggml_backend_dev_buffer_type.restype = ctypes.c_void_p
    ggml.ggml_backend_dev_buffer_type.argtypes = [ctypes.c_void_p]
    device = ggml.ggml_backend_dev_by_type(_GGML_BACKEND_DEVICE_TYPE_CPU)
    buffer_type = ggml.ggml_backend_dev_buffer_type(device) if device else None
    if not buffer_type:
        raise UserError("This llama.cpp build has no CPU backend to keep the experts in RAM.")
    return buffer_type


def _ggml_library(llama_cpp: ModuleType) -> ctypes.CDLL:
    # ggml ships next to llama.cpp in the wheel; it is in the process already (llama.cpp needs it).
    lib_dir = os.path.join(os.path.dirname(llama_cpp.__file__), "lib")
    for name in ("libggml.so", "libggml.dylib", "ggml.dll"):
        path = os.path.join(lib_dir, name)
        if os.path.exists(path):
            return ctypes.CDLL(path)
    raise UserError(f"This llama.cpp build has no ggml library in {lib_dir} to keep the experts in RAM.")
