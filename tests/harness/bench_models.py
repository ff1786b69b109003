"""The models the long-run benches (soak, offline proof) use: the ones given, else tiny generated ones.

The generators live in tests/fixtures, so the fallback needs a source checkout (the frozen app
has no tests/); with both models given, nothing is generated.
"""

from __future__ import annotations

from pathlib import Path


def given_or_tiny(chat: str | None, embedding: str | None, folder: Path,
                  n_ctx_train: int = 4096) -> tuple[Path, Path]:
    """(chat model, embedding model): each as given, or written into `folder`."""
    if chat and embedding:
        return Path(chat), Path(embedding)
    from tests.fixtures.chat_models import write_tiny_gpt_oss
    from tests.fixtures.embedding_models import write_tiny_bert

    folder.mkdir(parents=True, exist_ok=True)
    return (Path(chat) if chat else write_tiny_gpt_oss(folder / "tiny-gpt-oss.gguf", n_ctx_train=n_ctx_train),
            Path(embedding) if embedding else write_tiny_bert(folder / "tiny-bert.gguf"))
