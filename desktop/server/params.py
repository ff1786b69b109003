"""Reading a request body's fields with their types checked: a wrong type is a 400 that names the
field, never a TypeError deep inside."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from starlette.requests import Request

from desktop.core.harmony import EFFORTS
from desktop.core.runtime import Sampling
from desktop.server.errors import ApiError, bad_request

MAX_STOP_STRINGS = 4


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object; 413 past `limit` bytes (read no further), 400 if not JSON."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The request body is not valid JSON.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", code="invalid_json")
    return body


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is larger than this server accepts ({limit:,} bytes).",
                    "request_too_large")


def optional(body: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """body[key] if present and not null, checked against `kind` (bools are not numbers)."""
    value = body.get(key)
    if value is None:
        return None
    numeric = kind in (int, float) or kind == (int, float)
    if (numeric and isinstance(value, bool)) or not isinstance(value, kind):
        raise bad_request(f"'{key}' must be {what}.", param=key)
    return value


def number_in(body: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = optional(body, key, (int, float), f"a number from {low:g} to {high:g}")
    if value is not None and not low <= value <= high:
        raise bad_request(f"'{key}' must be a number from {low:g} to {high:g}, not {value}.", param=key)
    return value


def positive_int(body: dict[str, Any], key: str) -> int | None:
    value = optional(body, key, int, "a whole number of at least 1")
    if value is not None and value < 1:
        raise bad_request(f"'{key}' must be at least 1, not {value}.", param=key)
    return value


def effort(value: Any, key: str, default: str) -> str:
    if value is None:
        return default
    if value not in EFFORTS:
        raise bad_request(f"'{key}' must be one of {', '.join(EFFORTS)}, not {value!r}.", param=key)
    return value


def sampling(body: dict[str, Any], defaults: Sampling, max_keys: tuple[str, ...]) -> Sampling:
    """temperature, top_p, seed and the first of `max_keys` given, over the server's defaults."""
    result = defaults
    temperature = number_in(body, "temperature", 0.0, 2.0)
    if temperature is not None:
        result = replace(result, temperature=float(temperature))
    top_p = number_in(body, "top_p", 0.0, 1.0)
    if top_p is not None:
        result = replace(result, top_p=float(top_p) if top_p > 0 else 1e-6)
    seed = optional(body, "seed", int, "a whole number")
    if seed is not None:
        result = replace(result, seed=seed & 0x7FFFFFFF)  # llama.cpp's seed is 32 bits; -1 means random
    for key in max_keys:
        limit = positive_int(body, key)
        if limit is not None:
            result = replace(result, max_tokens=limit)
            break
    return result


def stop_strings(body: dict[str, Any]) -> tuple[str, ...]:
    value = body.get("stop")
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if (not isinstance(value, list) or len(value) > MAX_STOP_STRINGS
            or not all(isinstance(s, str) and s for s in value)):
        raise bad_request(f"'stop' must be a string or a list of at most {MAX_STOP_STRINGS} non-empty strings.",
                          param="stop")
    return tuple(value)
