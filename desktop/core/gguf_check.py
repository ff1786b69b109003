"""Check a GGUF file before llama.cpp sees it, so a bad file gets a sentence, not a crash.

llama.cpp's own loader can abort the whole process on some malformed files, and its errors
are C log lines. This reader walks the header with hard bounds (no value is trusted to size an
allocation), finds the architecture and the tensor table, and checks that the file is long
enough to hold every tensor it declares.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import UserError

MAGIC = b"GGUF"
CHAT_ARCHITECTURES = frozenset({"gpt-oss"})
CHAT_TEMPLATE = "tokenizer.chat_template"
# Bounds far above any real model, far below what would exhaust memory while parsing.
MAX_TENSORS = 1_000_000
MAX_KEYS = 100_000
MAX_STRING = 64 * 1024 * 1024
MAX_ARRAY = 16 * 1024 * 1024
MAX_DIMS = 8
MAX_NESTING = 8  # arrays of arrays: llama.cpp reads none; a deep chain overflowed Python's stack
_U64 = struct.Struct("<Q")

# GGUF value type ids -> struct format of scalar values.
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
# Metadata we keep (strings and scalars only; arrays such as the vocabulary are skipped).
_KEPT_SUFFIXES = (".context_length", ".block_count", ".embedding_length", ".expert_count",
                  ".expert_used_count", ".attention.head_count", ".attention.head_count_kv",
                  ".attention.sliding_window", ".attention.key_length", ".attention.value_length")


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    dtype: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class GgufInfo:
    path: Path
    version: int
    architecture: str
    name: str
    file_size: int
    metadata: dict[str, object] = field(repr=False)
    tensors: tuple[TensorInfo, ...] = field(repr=False)

    @property
    def weights_bytes(self) -> int:
        return sum(t.nbytes for t in self.tensors)

    def hparam(self, suffix: str, default: object = None) -> object:
        return self.metadata.get(f"{self.architecture}{suffix}", default)


class _Truncated(Exception):
    pass


class _Reader:
    """Bounds-checked reads over the file's bytes (memory-mapped: no copy of the weights is made,
    and skipping the 201k-entry vocabulary costs one length read per entry, not a system call)."""

    def __init__(self, data: mmap.mmap | bytes) -> None:
        self._data = data
        self._size = len(data)
        self._pos = 0

    def tell(self) -> int:
        return self._pos

    def take(self, n: int) -> bytes:
        end = self._pos + n
        if n < 0 or end > self._size:
            raise _Truncated()
        chunk = self._data[self._pos:end]
        self._pos = end
        return chunk

    def skip(self, n: int) -> None:
        if n < 0 or self._pos + n > self._size:
            raise _Truncated()
        self._pos += n

    def scalar(self, fmt: str) -> object:
        size = struct.calcsize(fmt)
        if self._pos + size > self._size:
            raise _Truncated()
        value = struct.unpack_from("<" + fmt, self._data, self._pos)[0]
        self._pos += size
        return value

    def string(self, keep: bool = True) -> str:
        length = int(self.scalar("Q"))
        if length > MAX_STRING:
            raise ValueError(f"a text field claims {length:,} bytes")
        if not keep:
            self.skip(length)
            return ""
        return self.take(length).decode("utf-8", errors="replace")

    def _strings(self, count: int, unique: bool) -> None:
        """Walk an array of `count` strings (a 201k-token vocabulary, 446k merges): one tight loop,
        since every model load pays for it before llama.cpp is allowed to see the file."""
        data, pos, size = self._data, self._pos, self._size
        length_at = _U64.unpack_from
        seen: set[bytes] = set()
        for _ in range(count):
            if pos + 8 > size:
                raise _Truncated()
            (length,) = length_at(data, pos)
            start, pos = pos + 8, pos + 8 + length
            if pos > size:
                raise _Truncated()
            if unique:
                # llama.cpp GGML_ASSERTs (kills the process) on a vocabulary with a repeated token.
                token = data[start:pos]
                if token in seen:
                    raise ValueError(f"its vocabulary lists the token {token!r} twice")
                seen.add(token)
        self._pos = pos

    def value(self, vtype: int, keep: bool, depth: int = 0, unique: bool = False) -> object:
        if depth > MAX_NESTING:
            raise ValueError(f"metadata arrays nested over {MAX_NESTING} deep")
        if vtype in _SCALARS:
            return self.scalar(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string(keep)
        if vtype == _ARRAY:
            item_type = int(self.scalar("I"))
            count = int(self.scalar("Q"))
            if count > MAX_ARRAY:
                raise ValueError(f"a metadata array claims {count:,} items")
            if item_type in _SCALARS:
                self.skip(count * struct.calcsize(_SCALARS[item_type]))
            elif item_type == _STRING:
                self._strings(count, unique)
            else:
                for _ in range(count):
                    self.value(item_type, keep=False, depth=depth + 1)
            return None
        raise ValueError(f"unknown metadata type {vtype}")


def _tensor_nbytes(shape: tuple[int, ...], dtype: int) -> int:
    # Imported here: gguf brings numpy (~0.2 s), and the window lists models before it reads one.
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    try:
        block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(dtype)]
    except (ValueError, KeyError):
        raise ValueError(f"unknown tensor type {dtype}") from None
    elements = 1
    for dim in shape:
        elements *= dim
    if shape and shape[0] % block:
        raise ValueError("a tensor's row length does not fit its quantization blocks")
    return elements // block * type_size


def inspect_gguf(path: Path | str) -> GgufInfo:
    """Read and sanity-check a GGUF header; raises UserError with a one-line reason."""
    path = Path(path)
    label = path.name
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UserError(f"{label} is not a file.")
        with path.open("rb") as handle:
            if size == 0:
                return _parse(_Reader(b""), path, size)
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _parse(_Reader(data), path, size)
    except UserError:
        raise
    except FileNotFoundError:
        raise UserError(f"Model file not found: {path}") from None
    except PermissionError:
        raise UserError(f"No permission to read {label}.") from None
    except IsADirectoryError:
        raise UserError(f"{label} is a folder, not a GGUF file.") from None
    except _Truncated:
        raise UserError(f"{label} is truncated (an incomplete download?): its header ends early.") from None
    except (ValueError, struct.error, OverflowError) as exc:
        raise UserError(f"{label} is a damaged GGUF file: {exc}.") from None
    except OSError as exc:
        raise UserError(f"Could not read {label}: {exc.strerror or exc}.") from None


def _parse(reader: _Reader, path: Path, size: int) -> GgufInfo:
    label = path.name
    if size < 4 or reader.take(4) != MAGIC:
        raise UserError(f"{label} is not a GGUF model file (llama.cpp needs .gguf files).")
    version = int(reader.scalar("I"))
    if version not in (2, 3):
        raise UserError(f"{label} uses GGUF version {version}; only versions 2 and 3 are supported.")
    n_tensors = int(reader.scalar("Q"))
    n_keys = int(reader.scalar("Q"))
    if n_tensors > MAX_TENSORS or n_keys > MAX_KEYS:
        raise ValueError(f"it claims {n_tensors:,} tensors and {n_keys:,} metadata keys")
    metadata: dict[str, object] = {}
    for _ in range(n_keys):
        key = reader.string()
        vtype = int(reader.scalar("I"))
        keep = (key.startswith("general.") or key.endswith(_KEPT_SUFFIXES) or key.startswith("tokenizer.ggml.")
                or key == CHAT_TEMPLATE)
        value = reader.value(vtype, keep=keep, unique=key == "tokenizer.ggml.tokens")
        if keep and value is not None:
            metadata[key] = value
    architecture = metadata.get("general.architecture")
    if not isinstance(architecture, str) or not architecture:
        raise UserError(f"{label} does not say which model architecture it holds.")
    alignment = metadata.get("general.alignment", 32)
    if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
        raise ValueError(f"its data alignment {alignment!r} is not a power of two")
    tensors = []
    for _ in range(n_tensors):
        name = reader.string()
        n_dims = int(reader.scalar("I"))
        if not 0 < n_dims <= MAX_DIMS:
            raise ValueError(f"tensor {name!r} has {n_dims} dimensions")
        shape = tuple(int(reader.scalar("Q")) for _ in range(n_dims))
        dtype = int(reader.scalar("I"))
        offset = int(reader.scalar("Q"))
        tensors.append(TensorInfo(name, shape, dtype, offset, _tensor_nbytes(shape, dtype)))
    names = {t.name for t in tensors}
    if len(names) != len(tensors):
        raise ValueError("it names the same tensor twice")
    data_start = -(-reader.tell() // alignment) * alignment
    needed = max((data_start + t.offset + t.nbytes for t in tensors), default=data_start)
    if needed > size:
        raise UserError(
            f"{label} is truncated (an incomplete download?): it holds {_gib(size)} of the {_gib(needed)} it declares."
        )
    return GgufInfo(path, version, architecture, str(metadata.get("general.name", path.stem)), size,
                    metadata, tuple(tensors))


def require_chat_model(info: GgufInfo) -> None:
    if info.architecture not in CHAT_ARCHITECTURES:
        raise UserError(
            f"{info.path.name} is a '{info.architecture}' model; this app chats with gpt-oss models "
            f"(architecture 'gpt-oss')."
        )
    problem = _hparam_problem(info) or _template_problem(info)
    if problem:
        raise UserError(f"{info.path.name} is a damaged gpt-oss file: {problem}.")


def _hparam_problem(info: GgufInfo) -> str | None:
    """Values llama.cpp asserts on while loading (an assert kills the whole process, not a raise)."""
    def count(suffix: str) -> int:
        value = info.hparam(suffix, 0)
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else -1

    blocks, experts, used = count(".block_count"), count(".expert_count"), count(".expert_used_count")
    heads, kv_heads, width = count(".attention.head_count"), count(".attention.head_count_kv"), count(".embedding_length")
    if blocks <= 0 or width <= 0:
        return "its layer count or width is missing"
    if not 0 < used <= experts:
        return f"it routes each token to {used} of {experts} experts"
    if heads <= 0 or kv_heads <= 0 or heads % kv_heads:
        return f"its {heads} attention heads do not split into {kv_heads} key/value groups"
    layers = {int(t.name.split(".")[1]) for t in info.tensors if t.name.startswith("blk.") and t.name.split(".")[1].isdigit()}
    # Length first: set(range(2**31)) from a forged block_count would exhaust memory.
    if len(layers) != blocks or layers != set(range(blocks)):
        return f"it declares {blocks} layers but holds tensors for {len(layers)}"
    for suffix in (".context_length", ".attention.sliding_window"):
        # llama.cpp reads these as int32: above that they wrap negative.
        if info.hparam(suffix) is not None and not 0 < count(suffix) < 2**31:
            return f"its {suffix[1:].replace('_', ' ').replace('.', ' ')} is {info.hparam(suffix)}"
    return _shape_problem(info, blocks, width, heads, kv_heads)


def _template_problem(info: GgufInfo) -> str | None:
    """llama-cpp-python compiles the file's chat template (in Jinja's sandbox) while loading, and a
    syntax error there escapes as a jinja2 exception. The app renders harmony itself, so a broken
    template only needs to be caught, not used."""
    template = info.metadata.get(CHAT_TEMPLATE)
    if template is None:
        return None
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    try:
        # llama.cpp hands the template over as a C string: it ends at the first NUL.
        text = str(template).split("\0", 1)[0]
        ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).parse(text)
    except TemplateError as exc:
        return f"its chat template does not parse ({exc})"
    return None


def _shape_problem(info: GgufInfo, blocks: int, width: int, heads: int, kv_heads: int) -> str | None:
    """Metadata that disagrees with the tensors it describes (llama.cpp refuses such files only
    after reading the whole header; a forged head count also sizes the KV cache)."""
    shapes = {t.name: t.shape for t in info.tensors}
    embd = shapes.get("token_embd.weight")
    if not embd or embd[0] != width:
        return f"its width {width} does not match its token embeddings {embd}"
    # llama.cpp's defaults when the sizes are absent; a mismatch trips a GGML_ASSERT mid-graph.
    key_length, value_length = info.hparam(".attention.key_length"), info.hparam(".attention.value_length")
    head_k = int(key_length) if isinstance(key_length, int) else width // heads
    head_v = int(value_length) if isinstance(value_length, int) else width // heads
    expected = {"attn_q.weight": (width, heads * head_k), "attn_k.weight": (width, kv_heads * head_k),
                "attn_v.weight": (width, kv_heads * head_v), "attn_output.weight": (heads * head_v, width)}
    for layer in range(blocks):
        for suffix, want in expected.items():
            name = f"blk.{layer}.{suffix}"
            shape = shapes.get(name)
            if shape is None or tuple(shape[:2]) != want:
                return f"{heads} heads of sizes {head_k}/{head_v} do not match {name} {shape}"
    return None


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**28 else f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n:,} bytes"
