"""POST /v1/embeddings: the library's embedding model, giving the vectors the library stores
(document prefix, the same truncation, L2-normalised float32)."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from starlette.concurrency import run_in_threadpool

from desktop.server.errors import bad_request
from desktop.server.state import ServerState

MAX_INPUTS = 2048  # OpenAI's limit per request


async def create_embeddings(state: ServerState, body: dict[str, Any]) -> dict[str, Any]:
    embedder = state.embedding_model_for(body.get("model"))
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise bad_request("'input' must be a string or a non-empty list of strings (token ids are not supported).",
                          param="input")
    if len(texts) > MAX_INPUTS:
        raise bad_request(f"'input' may hold at most {MAX_INPUTS} texts.", param="input")
    if not all(texts):
        raise bad_request("'input' must not contain empty strings.", param="input")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise bad_request("'encoding_format' must be 'float' or 'base64'.", param="encoding_format")
    if body.get("dimensions") not in (None, embedder.dim):
        raise bad_request(f"'dimensions' must be {embedder.dim} for this model.", param="dimensions")
    tokens_before = embedder.tokens
    vectors = await run_in_threadpool(embedder.embed_documents, texts)  # the embedder's lock serialises calls
    used = max(0, embedder.tokens - tokens_before)  # approximate when two requests overlap
    data = [{"object": "embedding", "index": i, "embedding": _encode(v, encoding)} for i, v in enumerate(vectors)]
    return {"object": "list", "data": data, "model": state.embedding_model,
            "usage": {"prompt_tokens": used, "total_tokens": used}}


def _encode(vector: np.ndarray, encoding: str) -> list[float] | str:
    if encoding == "base64":  # what the `openai` package asks for by default: little-endian float32
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return vector.astype(float).tolist()
