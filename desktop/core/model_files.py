"""Is this file the kind of model the app expects? One check for Settings and the Library set-up.

Checked from the GGUF header alone (desktop.core.gguf_check), so a wrong or damaged file is
refused with a sentence before llama.cpp, which can abort the process on some files, sees it.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core.catalog import CHAT, EMBEDDING, EMBEDDING_ARCHITECTURES
from desktop.core.errors import UserError
from desktop.core.gguf_check import GgufInfo, inspect_gguf, require_chat_model


def check_model_file(path: str | Path, kind: str) -> GgufInfo:
    """The file's header when it holds a model of `kind` (CHAT or EMBEDDING), else UserError."""
    path = Path(path).expanduser()
    if not path.exists():
        raise UserError(f"No file at {path}.")
    if path.is_dir():
        raise UserError(f"{path.name} is a folder: choose the .gguf file inside it.")
    info = inspect_gguf(path)  # not a GGUF, truncated, damaged, a folder: one-line reasons
    if kind == CHAT:
        require_chat_model(info)
    elif kind == EMBEDDING and info.architecture not in EMBEDDING_ARCHITECTURES:
        raise UserError(f"{path.name} is a '{info.architecture}' model, not an embedding model: the library "
                        f"needs a BERT-style embedding GGUF such as bge-small-en-v1.5.")
    return info
