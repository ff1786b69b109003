"""An EngineService on a real model, as the engine tests build it."""

from __future__ import annotations

from pathlib import Path

from desktop.core.runtime import LoadOptions
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.service import EngineService


def engine_on(model: Path) -> EngineService:
    backend = LlamaCppBackend()
    backend.load(model, lambda: (LoadOptions(n_ctx=4096), None)).result()
    return EngineService(backend)
