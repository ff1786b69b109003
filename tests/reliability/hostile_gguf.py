"""Malformed GGUF files: damaged headers, absurd counts and sizes, wrong or inconsistent models.

    write_hostile_ggufs(folder, valid) -> {path: what is wrong}

Header damage is done by rewriting fields of a valid tiny gpt-oss file in place (its layout is
read with the gguf package), so each file has exactly one thing wrong.
"""

from __future__ import annotations

import random
import struct
from pathlib import Path

import gguf

from tests.fixtures.chat_models import (
    write_not_gguf,
    write_other_arch_gguf,
    write_tiny_gpt_oss,
    write_truncated_gguf,
)

_U32, _I32, _U64, _STR, _ARR = 4, 5, 10, 8, 9


def _string(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def _raw(n_tensors: int, kvs: list[bytes], tensors: bytes = b"", version: int = 3, tail: bytes = b"") -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, len(kvs)) + b"".join(kvs) + tensors + tail


def _kv(key: str, vtype: int, payload: bytes) -> bytes:
    return _string(key) + struct.pack("<I", vtype) + payload


_ARCH_KV = _kv("general.architecture", _STR, _string("gpt-oss"))


def _tensor(name: str, shape: tuple[int, ...], dtype: int = 0, offset: int = 0) -> bytes:
    return _string(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in shape) \
        + struct.pack("<IQ", dtype, offset)


def _patched(valid: Path, field: str, value: int, fmt: str) -> bytes:
    """The valid file's bytes with one header field or metadata scalar replaced."""
    data = bytearray(valid.read_bytes())
    if field == "version":
        struct.pack_into("<I", data, 4, value)
    elif field == "n_tensors":
        struct.pack_into("<Q", data, 8, value)
    elif field == "n_kv":
        struct.pack_into("<Q", data, 16, value)
    else:
        reader = gguf.GGUFReader(valid)
        part = reader.fields[field]
        offset = reader.fields[field].offset + sum(p.nbytes for p in part.parts[:-1])
        struct.pack_into("<" + fmt, data, offset, value)
    return bytes(data)


def write_hostile_ggufs(folder: Path, valid: Path) -> dict[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[Path, str] = {}

    def put(name: str, data: bytes, why: str) -> None:
        path = folder / name
        path.write_bytes(data)
        out[path] = why

    body = valid.read_bytes()
    put("empty.gguf", b"", "empty file")
    put("three-bytes.gguf", b"GGU", "shorter than the magic")
    put("magic-only.gguf", b"GGUF", "magic and nothing else")
    put("bad-magic.gguf", b"GGML" + body[4:], "bad magic")
    out[write_not_gguf(folder / "text.gguf")] = "text renamed .gguf"
    put("version-1.gguf", _patched(valid, "version", 1, "I"), "GGUF version 1")
    put("version-99.gguf", _patched(valid, "version", 99, "I"), "unknown GGUF version")
    out[write_truncated_gguf(folder / "cut-header.gguf", valid, cut="header")] = "truncated header"
    out[write_truncated_gguf(folder / "cut-data.gguf", valid)] = "truncated tensor data"
    put("cut-tensor-table.gguf", body[:gguf.GGUFReader(valid).data_offset - 40], "truncated tensor table")
    put("tensors-2e63.gguf", _patched(valid, "n_tensors", 2**63 - 1, "Q"), "absurd tensor count")
    put("tensors-plus-one.gguf", _patched(valid, "n_tensors", len(gguf.GGUFReader(valid).tensors) + 1, "Q"),
        "one tensor more than the table holds")
    put("keys-2e40.gguf", _patched(valid, "n_kv", 2**40, "Q"), "absurd metadata key count")
    put("string-2e62.gguf", _raw(0, [struct.pack("<Q", 2**62)]),
        "a key claiming 4 EiB")
    put("array-2e60.gguf", _raw(0, [_ARCH_KV, _kv("tokenizer.ggml.tokens", _ARR, struct.pack("<IQ", _STR, 2**60))]),
        "an array claiming 2^60 items")
    nested = struct.pack("<IQ", _ARR, 1) * 200_000 + struct.pack("<IQ", _U32, 0)
    put("array-nested-deep.gguf", _raw(0, [_ARCH_KV, _kv("x.nested", _ARR, nested)]), "arrays nested 200k deep")
    put("value-type-99.gguf", _raw(0, [_ARCH_KV, _kv("x.weird", 99, b"")]), "unknown metadata type")
    put("arch-is-int.gguf", _raw(0, [_kv("general.architecture", _U32, struct.pack("<I", 7))]),
        "architecture stored as a number")
    put("no-arch.gguf", _raw(0, [_kv("general.name", _STR, _string("nameless"))]), "no architecture")
    put("arch-invalid-utf8.gguf", _raw(0, [_kv("general.architecture", _STR, _string(b"gpt-\xff\xfe"))]),
        "architecture in invalid UTF-8")
    put("ndims-1000.gguf", _raw(1, [_ARCH_KV], _string("t") + struct.pack("<I", 1000)), "a 1000-dimension tensor")
    put("tensor-terabytes.gguf", _raw(1, [_ARCH_KV], _tensor("token_embd.weight", (2**20, 2**20, 16))),
        "a tensor of 64 TiB")
    put("tensor-shape-overflow.gguf", _raw(1, [_ARCH_KV], _tensor("token_embd.weight", (2**63, 2**63))),
        "tensor dimensions whose product overflows 64 bits")
    put("tensor-offset-2e63.gguf", _raw(1, [_ARCH_KV], _tensor("token_embd.weight", (32,), offset=2**63)),
        "tensor data at offset 2^63")
    put("tensor-type-999.gguf", _raw(1, [_ARCH_KV], _tensor("token_embd.weight", (32,), dtype=999)),
        "unknown tensor type")
    put("tensor-dim-zero.gguf", _raw(1, [_ARCH_KV], _tensor("token_embd.weight", (0, 4096))),
        "a tensor with a zero dimension")
    put("alignment-3.gguf", _raw(0, [_ARCH_KV, _kv("general.alignment", _U32, struct.pack("<I", 3))]),
        "alignment not a power of two")
    put("alignment-0.gguf", _raw(0, [_ARCH_KV, _kv("general.alignment", _U32, struct.pack("<I", 0))]),
        "alignment zero")
    put("duplicate-tensor.gguf", _raw(2, [_ARCH_KV], _tensor("a", (32,)) + _tensor("a", (32,), offset=128),
                                      tail=bytes(512)), "duplicate tensor names")
    put("context-negative.gguf", _patched(valid, "gpt-oss.context_length", -4096, "i"),
        "negative training context")
    put("heads-zero.gguf", _patched(valid, "gpt-oss.attention.head_count", 0, "I"), "zero attention heads")
    put("heads-huge.gguf", _patched(valid, "gpt-oss.attention.head_count", 2**31, "I"),
        "2^31 attention heads (asks for terabytes of KV cache)")
    put("kv-heads-odd.gguf", _patched(valid, "gpt-oss.attention.head_count_kv", 3, "I"),
        "heads do not split into key/value groups")
    put("width-mismatch.gguf", _patched(valid, "gpt-oss.embedding_length", 96, "I"),
        "embedding width that does not match the tensors")
    put("blocks-3.gguf", _patched(valid, "gpt-oss.block_count", 3, "I"), "3 layers declared, 2 present")
    put("blocks-2e31.gguf", _patched(valid, "gpt-oss.block_count", 2**31, "I"), "2^31 layers declared")
    put("key-length-zero.gguf", _patched(valid, "gpt-oss.attention.key_length", 0, "I"), "zero head size")
    put("window-zero.gguf", _patched(valid, "gpt-oss.attention.sliding_window", 0, "I"), "zero sliding window")
    put("experts-zero.gguf", _patched(valid, "gpt-oss.expert_count", 0, "I"), "zero experts")
    out[write_tiny_gpt_oss(folder / "experts-used-over.gguf", n_expert=2, n_expert_used=4)] = \
        "routes to 4 of 2 experts (GGML_ASSERT in llama.cpp)"
    out[write_other_arch_gguf(folder / "llama-arch.gguf")] = "a working llama model, not gpt-oss"
    out[write_other_arch_gguf(folder / "made-up-arch.gguf", arch="made-up-ssm")] = "an unknown architecture"
    return out


def write_header_mutants(valid: Path, folder: Path, count: int, max_flips: int, seed: int) -> list[Path]:
    """`count` copies of `valid` with 1 to `max_flips` random bit flips in the header (after the
    magic), where the checks and llama.cpp's parser work; the tensor data is left alone."""
    data, end = valid.read_bytes(), gguf.GGUFReader(valid).data_offset
    rng, paths = random.Random(seed), []
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, max_flips)):
            mutated[rng.randrange(4, end)] ^= 1 << rng.randrange(8)
        paths.append(folder / f"mutant-{i:03d}.gguf")
        paths[-1].write_bytes(bytes(mutated))
    return paths
