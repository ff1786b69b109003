from __future__ import annotations

import struct
from pathlib import Path

import pytest

from desktop.core.errors import UserError
from desktop.core.gguf_check import inspect_gguf, require_chat_model


def test_valid_gpt_oss_header_is_read(tiny_gpt_oss: Path) -> None:
    info = inspect_gguf(tiny_gpt_oss)
    assert info.architecture == "gpt-oss"
    assert info.hparam(".block_count") == 2
    assert info.weights_bytes > 0
    assert any(t.name == "blk.0.attn_sinks.weight" or t.name.startswith("blk.0.attn_sinks") for t in info.tensors)
    require_chat_model(info)  # does not raise


@pytest.mark.parametrize(("kind", "expected"), [
    ("not_gguf", "is not a GGUF model file"),
    ("truncated", "is truncated"),
    ("truncated_header", "is truncated"),
])
def test_bad_files_get_one_line_reasons(bad_models: dict[str, Path], kind: str, expected: str) -> None:
    with pytest.raises(UserError) as err:
        inspect_gguf(bad_models[kind])
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_other_architecture_is_refused_for_chat(bad_models: dict[str, Path]) -> None:
    info = inspect_gguf(bad_models["other_arch"])
    assert info.architecture == "llama"
    with pytest.raises(UserError, match="'llama' model; this app chats with gpt-oss"):
        require_chat_model(info)


def _header(n_tensors: int, n_keys: int) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, n_tensors, n_keys)


@pytest.mark.parametrize(("payload", "expected"), [
    (b"", "is not a GGUF model file"),
    (b"GGUF" + struct.pack("<I", 99), "GGUF version 99"),
    (_header(10**12, 1), "damaged GGUF"),
    # A key whose string length asks for terabytes must not be allocated.
    (_header(0, 1) + struct.pack("<Q", 2**40), "damaged GGUF"),
    # A valid key but no general.architecture.
    (_header(0, 1) + struct.pack("<Q", 8) + b"some.key" + struct.pack("<II", 4, 7), "does not say which model"),
])
def test_hostile_headers_fail_cleanly(tmp_path: Path, payload: bytes, expected: str) -> None:
    path = tmp_path / "hostile.gguf"
    path.write_bytes(payload)
    with pytest.raises(UserError, match=expected):
        inspect_gguf(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        inspect_gguf(tmp_path / "nope.gguf")
    with pytest.raises(UserError, match="not a file|folder"):
        inspect_gguf(tmp_path)


def test_hparams_llama_cpp_would_abort_on_are_refused(tmp_path: Path) -> None:
    from tests.fixtures.chat_models import write_tiny_gpt_oss

    # llama.cpp hits GGML_ASSERT (process abort) when more experts are used than exist.
    broken = write_tiny_gpt_oss(tmp_path / "broken.gguf", n_expert=2, n_expert_used=4)
    with pytest.raises(UserError, match="routes each token to 4 of 2 experts"):
        require_chat_model(inspect_gguf(broken))
