"""gpt-oss browsing the library in the tool loop, end to end: the scripted model (real llama.cpp)
searches, opens a result and cites it; real Milvus Lite with a real embedding model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.chat import ChatRequest
from desktop.core.harmony import Turn
from desktop.core.library import Library
from desktop.core.rag import Source
from desktop.core.runtime import LoadOptions, Sampling
from desktop.engine.agent import AgentTurn
from desktop.engine.backend import LlamaCppBackend
from desktop.engine.service import EngineService
from desktop.tools.browser import LibraryBrowser, system_section
from desktop.tools.runner import LocalFunctions
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    BROWSE_ANSWER,
    BROWSE_SEARCH,
    BROWSE_TRIGGER,
    scripted_gpt_oss,
)

QUESTION = f"What does the heat pump{BROWSE_TRIGGER} say about defrost?"
DEFROST = "In winter the defrost cycle runs every 90 minutes and the fan stops while it runs."
HEAT_PUMP = f"# Heat pump\n\n{DEFROST}\n\nSteam from the outdoor unit is normal.\n"


@pytest.fixture
def library(tmp_path: Path, tiny_bert_gguf: Path) -> Iterator[Library]:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "heat-pump.md").write_text(HEAT_PUMP, encoding="utf-8")
    library = Library(str(tmp_path / "library.db"), tmp_path / "library.sqlite3", tiny_bert_gguf)
    assert library.add([tmp_path / "docs"]).indexed
    yield library
    library.close()


@pytest.fixture
def engine(scripted_gpt_oss: Path) -> Iterator[EngineService]:
    backend = LlamaCppBackend()
    backend.load(scripted_gpt_oss, lambda: (LoadOptions(n_ctx=4096), None)).result()
    engine = EngineService(backend)
    yield engine
    engine.close()


def _never_asked(name: str, arguments: dict[str, Any]) -> bool:
    raise AssertionError(f"the browser reads the library without asking, yet {name} was put to the person")


def test_the_model_searches_opens_and_cites_the_library(engine: EngineService, library: Library) -> None:
    agent = AgentTurn(engine, LocalFunctions({}), _never_asked, browser=LibraryBrowser(library))
    out = agent.run(ChatRequest((Turn("user", QUESTION),)), Sampling(temperature=0.0, max_tokens=200))
    assert out.status == "complete", out.error
    assert [(s.name, s.arguments, s.status) for s in out.steps] == [
        ("browser.search", {"query": "defrost"}, "ok"), ("browser.open", {"id": 0}, "ok")]
    search, opened = (s.result for s in out.steps)
    assert search.startswith("[0] defrost\n**viewing lines [0 - ") and "  * 【0†heat-pump.md】 " in search
    path = next(r.path for r in library.documents())
    assert opened.startswith(f"[1] heat-pump.md ({path})\n**viewing lines [0 - ")
    assert "\nL2: In winter the defrost cycle runs every 90 minutes and the fan stops while it " in opened
    # The citation became the app's [1], a source that opens the document where the model read it.
    assert out.result is not None and out.result.answer == "Defrost runs every 90 minutes [1]"
    assert BROWSE_ANSWER.answer.endswith("【1†L2-L3】")
    assert out.result.sources == [Source(1, path, None, DEFROST, "Heat pump")]
    prompt = out.result.prompt
    assert prompt.count(system_section()) == 1 and "namespace functions" not in prompt
    # Each call went back on the channel the model wrote it on, with its reasoning, and its page after it.
    assert ("<|start|>assistant<|channel|>analysis<|message|>I should search the library.<|end|>"
            '<|start|>assistant<|channel|>analysis to=browser.search<|message|>{"query": "defrost"}<|call|>'
            "<|start|>browser.search to=assistant<|channel|>analysis<|message|>[0] defrost\n") in prompt
    assert ('<|start|>assistant<|channel|>analysis to=browser.open<|message|>{"id": 0}<|call|>'
            "<|start|>browser.open to=assistant<|channel|>analysis<|message|>[1] heat-pump.md") in prompt
    assert out.reasoning == BROWSE_SEARCH.reasoning
    # The prompt only grew from step to step: llama.cpp kept each earlier prompt in its cache.
    assert len(out.step_reused_tokens) == 3
    assert all(reused >= prompt for reused, prompt in zip(out.step_reused_tokens[1:], out.step_prompt_tokens))


def test_a_bad_browser_call_is_told_to_the_model(engine: EngineService, library: Library) -> None:
    browser = LibraryBrowser(library)
    library.remove(next(r.path for r in library.documents()))  # the search finds nothing to open
    out = AgentTurn(engine, LocalFunctions({}), _never_asked, browser=browser).run(
        ChatRequest((Turn("user", QUESTION),)), Sampling(temperature=0.0, max_tokens=200))
    assert out.status == "complete"
    assert [(s.name, s.status) for s in out.steps] == [("browser.search", "ok"), ("browser.open", "error")]
    assert "No documents in the library match `defrost`." in out.steps[0].result
    assert out.steps[1].result == "Error: Invalid link id `0`."
    # A citation of a page that was never shown opens nothing: it is dropped, not numbered.
    assert out.result is not None and out.result.answer == "Defrost runs every 90 minutes" and not out.result.sources
