"""Typed, versioned settings stored as JSON; Qt-free so the CLI and tests share them.

Each field carries its valid range in its metadata, so the Settings pane and the loader
validate against one definition; the metadata also holds what the pane shows: a label, a unit,
a one-line explanation, and the word for a mode value ("Auto" for -1) so no magic number shows. Unknown keys are dropped and out-of-range values fall back to
the default (with a warning) so a hand-edited or older file never stops the app from starting.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from desktop.core.fsutil import atomic_write_text

SCHEMA_VERSION = 1
EFFORTS = ("low", "medium", "high")
THEMES = ("system", "light", "dark")
ENGINES = ("local", "remote")
LIBRARY_LOCATIONS = ("local", "server")
LIBRARY_MODES = ("search", "browse")
LANGUAGES = ("system", "en", "ar")

log = logging.getLogger(__name__)


def _range(low: float, high: float, label: str, *, help: str, unit: str = "", step: float | None = None,
           decimals: int | None = None, special: str | None = None) -> dict[str, Any]:
    """A number field. `special` names the minimum when it means a mode rather than an amount
    ("Auto", "Random"): the window shows that word instead of a magic number. `unit` is shown
    after the number; `help` is the one-line explanation under the field."""
    meta: dict[str, Any] = {"min": low, "max": high, "label": label, "help": help, "unit": unit}
    for key, value in (("step", step), ("decimals", decimals), ("special", special)):
        if value is not None:
            meta[key] = value
    return meta


def _choice(options: tuple[str, ...], label: str, *, help: str, names: tuple[str, ...]) -> dict[str, Any]:
    """A pick from `options` (the stored values), shown to people as `names`."""
    return {"choices": options, "names": dict(zip(options, names, strict=True)), "label": label, "help": help}


def _path(kind: str, label: str, *, help: str) -> dict[str, Any]:
    """A model file; `kind` ("chat" or "embedding") is what the file must hold to be accepted."""
    return {"path": kind, "label": label, "help": help}


@dataclass(frozen=True)
class ModelSettings:
    chat_model_path: str | None = field(default=None, metadata=_path(
        "chat", "Chat model", help="A gpt-oss GGUF file. Manage models… downloads one."))
    context_length: int = field(default=8192, metadata=_range(
        512, 131072, "Context length", unit=" tokens", step=1024,
        help="How much of the conversation the model sees at once; more needs more memory."))
    # -1 = auto (the planner decides), 0 = CPU only, N = that many layers on the GPU.
    gpu_layers: int = field(default=-1, metadata=_range(
        -1, 999, "GPU layers", unit=" layers", special="Auto",
        help="Auto fits as many layers as the GPU's free memory holds; 0 runs on the CPU only."))
    # "ram": MoE experts stay in host memory, everything else on the GPU (for GPUs with a few GB).
    experts: str = field(default="gpu", metadata=_choice(
        ("gpu", "ram"), "MoE experts", names=("On the GPU", "In RAM"),
        help="In RAM lets a GPU with a few GB run the model: slower, but it fits."))
    # 0 = let llama.cpp choose.
    threads: int = field(default=0, metadata=_range(
        0, 256, "CPU threads", unit=" threads", special="Auto",
        help="Auto uses the CPU cores llama.cpp finds best for this machine."))
    # Where the chat model runs. These are edited by the engine box of the Model section
    # (desktop/ui/settings_remote.py, "own_editor"); the API key is kept apart (engine/api_keys.py).
    engine: str = field(default="local", metadata={**_choice(
        ENGINES, "The model runs on", names=("This computer (GGUF)", "Remote engine"),
        help="A remote engine is an OpenAI-compatible server (vLLM, llama-server, ...) your questions are sent to."),
        "own_editor": True})
    remote_url: str = field(default="", metadata={
        "label": "Engine URL", "own_editor": True,
        "help": "The server's base URL as OpenAI clients take it, e.g. http://gpu-server.local:8000/v1."})
    remote_model: str = field(default="", metadata={
        "label": "Engine model", "own_editor": True, "help": "The model id the server lists in /v1/models."})
    remote_timeout_s: float = field(default=60.0, metadata={**_range(
        1, 3600, "Engine timeout", unit=" s", step=5, decimals=0,
        help="Give up when the server stays silent this long (a busy server may need more)."), "own_editor": True})


@dataclass(frozen=True)
class ReasoningSettings:
    effort: str = field(default="medium", metadata=_choice(
        EFFORTS, "Reasoning effort", names=("Low", "Medium", "High"),
        help="How long the model thinks before it answers; the chat's effort switch overrides it."))
    system_prompt: str = field(default="", metadata={
        "label": "Instructions", "help": "Sent before every conversation, e.g. \"Answer in French.\""})


@dataclass(frozen=True)
class SamplingSettings:
    # OpenAI's recommendation for gpt-oss is temperature 1.0, top-p 1.0. top-k stays on: without
    # it every token sorts the whole 201k vocabulary, a large slowdown on fast GPUs.
    temperature: float = field(default=1.0, metadata=_range(
        0.0, 2.0, "Temperature", step=0.05, decimals=2,
        help="Lower is more predictable, higher more varied; 1.0 is what OpenAI recommends."))
    top_p: float = field(default=1.0, metadata=_range(
        0.0, 1.0, "Top-p", step=0.05, decimals=2,
        help="Only the likeliest tokens that together reach this probability are considered."))
    top_k: int = field(default=40, metadata=_range(
        0, 1000, "Top-k", unit=" tokens", step=5, special="Off",
        help="Only this many of the likeliest tokens are considered; Off is slower on fast GPUs."))
    min_p: float = field(default=0.0, metadata=_range(
        0.0, 1.0, "Min-p", step=0.01, decimals=2, special="Off",
        help="Drops tokens less likely than this share of the likeliest one."))
    repeat_penalty: float = field(default=1.0, metadata=_range(
        0.5, 2.0, "Repeat penalty", step=0.05, decimals=2,
        help="Above 1.0 discourages repeating words; 1.0 leaves the model as it is."))
    max_tokens: int = field(default=4096, metadata=_range(
        1, 131072, "Answer length limit", unit=" tokens", step=256,
        help="An answer stops here, thinking included."))
    seed: int = field(default=-1, metadata=_range(
        -1, 2**31 - 1, "Seed", special="Random",
        help="A fixed number repeats the same answer to the same question."))


@dataclass(frozen=True)
class LibrarySettings:
    embedding_model_path: str | None = field(default=None, metadata=_path(
        "embedding", "Embedding model", help="A GGUF embedding model (e.g. bge-small); the Library pane offers one."))
    top_k: int = field(default=3, metadata=_range(
        1, 20, "Sources per question", unit=" sources",
        help="How many passages of your documents go with each question."))
    # "search": the best passages go with each question (one retrieval, fast); "browse": gpt-oss
    # searches, opens and cites documents itself with the browser tool it was trained on (slower).
    # The window's chats (desktop/ui/chat_tools.py) and `ask` both follow it.
    mode: str = field(default="search", metadata=_choice(
        LIBRARY_MODES, "Library use", names=("Search once", "Let the model browse"),
        help="Search once sends the best passages with each question; browsing lets the model search and "
             "read your documents itself, which takes longer."))
    chunk_tokens: int = field(default=256, metadata=_range(
        64, 480, "Passage size", unit=" tokens", step=32,
        help="Documents are cut into passages of this size; applies to files indexed from now on."))
    chunk_overlap: int = field(default=32, metadata=_range(
        0, 128, "Passage overlap", unit=" tokens", step=8,
        help="Text shared by neighbouring passages, so a sentence is not cut in two."))
    # Where the library's passages are stored; edited by the library box of the Library section
    # (desktop/ui/settings_remote.py); the token is kept apart like an API key.
    location: str = field(default="local", metadata={**_choice(
        LIBRARY_LOCATIONS, "Library kept", names=("On this computer", "Milvus server"),
        help="A Milvus server lets a team share one library; your documents' passages are sent to it."),
        "own_editor": True})
    server_uri: str = field(default="", metadata={
        "label": "Milvus URI", "own_editor": True, "help": "The server's address, e.g. http://milvus.local:19530."})
    server_database: str = field(default="", metadata={
        "label": "Database", "own_editor": True, "help": "The Milvus database to use; empty means \"default\"."})


@dataclass(frozen=True)
class AppearanceSettings:
    theme: str = field(default="system", metadata=_choice(
        THEMES, "Theme", names=("Follow the system", "Light", "Dark"),
        help="Light or dark; by default the app follows the operating system's choice."))
    # The codes are those with a translation in resources/translations; English is the source.
    language: str = field(default="system", metadata=_choice(
        LANGUAGES, "Language", names=("Follow the system", "English", "العربية (Arabic)"),
        help="The window's language; a change applies the next time the app starts."))


API_ACCESS = ("off", "local", "network")
API_KEY_MODES = ("required", "off")


@dataclass(frozen=True)
class ApiSettings:
    """The local OpenAI-compatible API the window serves (the key itself lives in the keychain)."""

    access: str = field(default="off", metadata=_choice(
        API_ACCESS, "Local API", names=("Off", "This computer only", "This computer and the network"),
        help="Serves the loaded model to editors, scripts and agents; on the network a key is always required."))
    port: int = field(default=8080, metadata=_range(
        0, 65535, "Port", special="Any free port",
        help="Clients connect to http://127.0.0.1:PORT/v1; pick another if this one is taken."))
    key: str = field(default="required", metadata=_choice(
        API_KEY_MODES, "API key", names=("Required", "Not required (this computer only)"),
        help="Clients send the key as 'Authorization: Bearer KEY'; the network always needs it."))
    cors_origins: str = field(default="", metadata={
        "label": "Web pages allowed",
        "help": "Origins of web pages that may call the API from a browser, e.g. http://localhost:3000; "
                "separate several with spaces. Empty: none."})
    max_body_mb: int = field(default=8, metadata=_range(
        1, 1024, "Largest request", unit=" MB", help="A request larger than this is refused."))
    max_connections: int = field(default=16, metadata=_range(
        1, 256, "Open requests at most", unit=" requests",
        help="More requests than this at once are told to try again shortly."))


@dataclass(frozen=True)
class Settings:
    model: ModelSettings = ModelSettings()
    reasoning: ReasoningSettings = ReasoningSettings()
    sampling: SamplingSettings = SamplingSettings()
    library: LibrarySettings = LibrarySettings()
    appearance: AppearanceSettings = AppearanceSettings()
    api: ApiSettings = ApiSettings()

    def to_json(self) -> str:
        return json.dumps({"schema_version": SCHEMA_VERSION, **asdict(self)}, indent=2)

    def with_section(self, name: str, **changes: Any) -> Settings:
        """A copy with fields of one section changed; raises ValueError when a value is invalid."""
        section = replace(getattr(self, name), **changes)
        for f in fields(section):
            problem = validate_field(f.metadata, getattr(section, f.name))
            if problem:
                raise ValueError(problem)
        return replace(self, **{name: section})


def validate_field(metadata: Any, value: Any) -> str | None:
    """A human message when `value` is outside what the field allows, else None."""
    label = metadata.get("label", "Value")
    if "choices" in metadata and value not in metadata["choices"]:
        return f"{label} must be one of: {', '.join(metadata['choices'])}."
    if "min" in metadata:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{label} must be a number."
        if not metadata["min"] <= value <= metadata["max"]:
            return f"{label} must be between {metadata['min']:g} and {metadata['max']:g}."
    return None


def _migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring an older file forward, one version at a time (none yet: version 1 is the first)."""
    version = raw.get("schema_version", 1)
    if version > SCHEMA_VERSION:
        log.warning("settings were written by a newer version (%s); unknown keys are ignored", version)
    return raw


def _section_from(cls: type, raw: Any) -> Any:
    default = cls()
    if not isinstance(raw, dict):
        return default
    values = {}
    for f in fields(cls):
        if f.name not in raw:
            continue
        value = raw[f.name]
        expected = type(getattr(default, f.name))
        if isinstance(value, int) and expected is float and not isinstance(value, bool):
            value = float(value)
        problem = validate_field(f.metadata, value)
        if problem or (getattr(default, f.name) is not None and not isinstance(value, expected)):
            log.warning("settings: ignoring %s.%s=%r (%s)", cls.__name__, f.name, value, problem or "wrong type")
            continue
        values[f.name] = value
    return cls(**values)


def load_settings(path: Path) -> Settings:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()
    if not isinstance(raw, dict):
        return Settings()
    raw = _migrate(raw)
    return Settings(**{f.name: _section_from(f.type if isinstance(f.type, type) else type(f.default), raw.get(f.name))
                       for f in fields(Settings)})


def save_settings(path: Path, settings: Settings) -> None:
    atomic_write_text(path, settings.to_json())
