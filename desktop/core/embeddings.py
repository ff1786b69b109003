"""A GGUF embedding model run in-process by llama.cpp, batched, with per-model prefixes.

One `Embedder` owns one `llama_cpp.Llama`; its calls are serialised by a lock (a llama.cpp
context must never run on two threads at once). The library's writer thread has one for
documents and searches get their own, so a question is answered while a folder is indexed.

The context is capped at 512 tokens with n_batch == n_ubatch == n_ctx: measured fastest for
small encoders on laptop CPUs, and an encoder given more tokens in one batch than n_ubatch hits
a C assert that kills the whole process. Inputs are therefore cut to `max_input_tokens` here,
and llama-cpp-python's own `truncate=True` stays on as a second guard. The model runs on the CPU
by default (`gpu_layers=0`): it is small, and VRAM belongs to the chat model.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.errors import UserError
from desktop.core.jobs import CancelToken
from desktop.core.llama_build import load_llama_cpp
from desktop.core.llama_log import route_to_logging, take_first_error

if TYPE_CHECKING:  # numpy loads with the first embedding, not with the window (~0.1 s)
    import numpy as np

DEFAULT_CONTEXT = 512
TEXTS_PER_CALL = 16  # texts per llama.cpp call; cancel is checked between calls


@dataclass(frozen=True)
class Prefixes:
    """Instructions some retrieval models were trained with; wrong or missing ones cost recall."""

    query: str = ""
    document: str = ""


_BGE_QUERY = "Represent this sentence for searching relevant passages: "
# Matched against the GGUF's general.name / basename and the file name, lower-cased, in order.
_KNOWN_PREFIXES: tuple[tuple[str, Prefixes], ...] = (
    ("nomic-embed", Prefixes("search_query: ", "search_document: ")),
    ("bge-m3", Prefixes()),
    ("bge-", Prefixes(_BGE_QUERY, "")),  # bge v1.5 English: query instruction only
    ("mxbai-embed", Prefixes(_BGE_QUERY, "")),
    ("snowflake-arctic-embed", Prefixes(_BGE_QUERY, "")),
    ("e5-", Prefixes("query: ", "passage: ")),
    ("minilm", Prefixes()),
)


def prefixes_for(name: str) -> Prefixes:
    lowered = name.lower()
    for needle, prefixes in _KNOWN_PREFIXES:
        if needle in lowered:
            return prefixes
    return Prefixes()


class Embedder:
    """Embeds queries and documents into L2-normalised float32 vectors."""

    def __init__(self, model_path: str | Path, *, context: int = DEFAULT_CONTEXT,
                 threads: int | None = None, gpu_layers: int = 0,
                 prefixes: Prefixes | None = None) -> None:
        llama_cpp = load_llama_cpp()
        route_to_logging(llama_cpp)  # llama.cpp's lines to the debug log, not the terminal
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise UserError(f"Embedding model not found: {path}")
        self._llm = self._load(llama_cpp, path, context, threads, gpu_layers)
        train_context = llama_cpp.llama_model_n_ctx_train(self._llm.model)  # C API: not on Llama itself
        if 0 < train_context < self._llm.n_ctx():
            # A model trained on shorter inputs has no position embeddings past them.
            self._llm.close()
            self._llm = self._load(llama_cpp, path, train_context, threads, gpu_layers)
        metadata = dict(self._llm.metadata)
        # llama.cpp rounds a context up (to 256): inputs must still fit the trained positions.
        n_ctx = min(self._llm.n_ctx(), train_context) if train_context > 0 else self._llm.n_ctx()
        self.path = path
        self.name = metadata.get("general.name") or path.stem
        self.prefixes = prefixes or prefixes_for(
            " ".join([metadata.get("general.name", ""), metadata.get("general.basename", ""), path.name]))
        self.dim = self._llm.n_embd()
        self.context = n_ctx
        # Room for the text itself: the context minus [CLS]/[SEP] and the longer prefix.
        prefix_tokens = max(self.count_tokens(self.prefixes.query), self.count_tokens(self.prefixes.document))
        self.max_input_tokens = n_ctx - 2 - prefix_tokens
        self.calls = 0  # llama.cpp embed calls made; tests and benchmarks read these
        self.texts = 0
        self.tokens = 0
        # Calls are serialised: a Llama may move between threads, but never run on two at once.
        self._lock = threading.Lock()

    @staticmethod
    def _load(llama_cpp, path: Path, context: int, threads: int | None, gpu_layers: int):
        take_first_error()  # start clean: only this load's errors explain its failure
        try:
            return llama_cpp.Llama(
                model_path=str(path), embedding=True, n_ctx=context, n_batch=context,
                n_ubatch=context, n_threads=threads, n_gpu_layers=gpu_layers, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            # llama.cpp's own first error says why ("bad GGUF version"); the exception only that it failed.
            raise UserError(f"Cannot load embedding model {path.name}: {take_first_error() or exc}") from exc

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` alone (no [CLS]/[SEP]), as the chunker needs them."""
        if not text:
            return 0
        # Tokenizing reads only the vocabulary, so it needs no lock.
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def embed_documents(self, texts: Sequence[str], cancel: CancelToken | None = None) -> np.ndarray:
        return self._embed([self.prefixes.document + self._fit(t) for t in texts], cancel)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([self.prefixes.query + self._fit(text)], None)[0]

    def close(self) -> None:
        self._llm.close()

    def _fit(self, text: str) -> str:
        """Cut a text to `max_input_tokens` (at a token boundary, through the tokenizer)."""
        tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        if len(tokens) <= self.max_input_tokens:
            return text
        kept = self._llm.detokenize(tokens[: self.max_input_tokens]).decode("utf-8", errors="ignore")
        # Detokenizing can merge pieces differently; cut further until it fits.
        while self.count_tokens(kept) > self.max_input_tokens:
            kept = kept[: int(len(kept) * 0.9)]
        return kept

    def _embed(self, texts: list[str], cancel: CancelToken | None) -> np.ndarray:
        import numpy as np

        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), TEXTS_PER_CALL):
            if cancel is not None:
                cancel.raise_if_cancelled()
            batch = texts[start:start + TEXTS_PER_CALL]
            with self._lock:
                result, tokens = self._llm.embed(batch, normalize=False, truncate=True,
                                                 return_count=True)
            block = np.asarray(result, dtype=np.float32)
            # Normalise here (llama.cpp does not by default): cosine == inner product in the index.
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            vectors[start:start + len(batch)] = block / np.maximum(norms, 1e-12)
            self.calls += 1
            self.texts += len(batch)
            self.tokens += tokens
        return vectors
