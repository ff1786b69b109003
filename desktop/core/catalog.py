"""The models this app knows, the ones on disk, and getting them there (download, import, remove).

The catalog is small and lives in code (or in a JSON file named by GPT_OSS_DESKTOP_CATALOG, for
tests and for organisations with their own mirror). Every entry says how big its file is before
anything is downloaded, and where that figure comes from: a size stated on the publisher's Hub
page (approximate, as the page rounds it), or one computed from the model's shape. A sha256 is
only written here where a public source states it; otherwise it is taken from the Hub's metadata
when the download starts, verified against the bytes and remembered (a JSON cache). A published
hash wins: a Hub that serves another file is refused. A model's memory needs come from its GGUF
header once it is on disk; before that, from its shape described here (exact for gpt-oss-20b
MXFP4; for other files the layout is spread over the file's size).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from desktop.core import downloads
from desktop.core.errors import UserError
from desktop.core.fsutil import atomic_write_text
from desktop.core.gguf_check import CHAT_ARCHITECTURES, inspect_gguf
from desktop.core.hardware import format_bytes
from desktop.core.jobs import CancelToken, Progress, ProgressCallback
from desktop.core.planner import ModelShape, ShapeCache, gpt_oss_shape

log = logging.getLogger(__name__)

CHAT, EMBEDDING = "chat", "embedding"
EMBEDDING_ARCHITECTURES = frozenset({"bert", "nomic-bert"})
CATALOG_ENV = "GPT_OSS_DESKTOP_CATALOG"
# Where an entry's size comes from. APPROXIMATE: the publisher's Hub page (rounded there);
# COMPUTED: from the shape below (tensor bytes; the header adds a few MB). Once known better:
# HUB (the Hub's metadata, exact) or FILE (the file on disk).
APPROXIMATE, COMPUTED, HUB, FILE = "approximate", "computed", "hub", "file"
_COPY_BLOCK = 16 * 2**20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ShapeSpec:
    """A model's layout before its file is here: a family and its hyperparameters (JSON-friendly)."""

    family: str  # "gpt-oss" (planner.gpt_oss_shape) or "dense" (a dense transformer / encoder)
    params: tuple[tuple[str, int | bool], ...] = ()

    def build(self, name: str, architecture: str) -> ModelShape:
        params = dict(self.params)
        if self.family == "gpt-oss":
            return gpt_oss_shape(name=name, **params)
        return _dense_shape(name=name, arch=architecture, **params)

    def to_json(self) -> dict[str, Any]:
        return {"family": self.family, **dict(self.params)}


_SHAPE_PARAMS = {
    "gpt-oss": {"n_layer", "n_embd", "n_head", "n_head_kv", "head_dim", "n_expert", "n_expert_used", "n_ff_exp",
                "n_vocab", "n_ctx_train", "sliding_window"},
    "dense": {"n_layer", "n_embd", "n_head", "n_head_kv", "head_dim", "n_ff", "n_vocab", "n_ctx", "tied",
              "kv_cache"},
}


@dataclass(frozen=True)
class CatalogEntry:
    name: str  # what the CLI takes: `models download gpt-oss-20b`
    title: str
    kind: str  # CHAT or EMBEDDING
    repo_id: str
    filename: str
    architecture: str
    description: str
    spec: ShapeSpec | None
    size_bytes: int | None = None  # before download: see size_basis
    size_basis: str = APPROXIMATE  # APPROXIMATE or COMPUTED
    size_source: str = ""  # the page the size (and any sha256) was read from
    sha256: str | None = None  # only where a public source states it
    recommended: bool = False
    revision: str = "main"
    tied_output: bool = False  # the output head reuses the embedding matrix (not stored twice)

    @property
    def usable(self) -> bool:
        """Whether this app can run it (the chat speaks harmony, i.e. gpt-oss only)."""
        return self.architecture in (CHAT_ARCHITECTURES if self.kind == CHAT else EMBEDDING_ARCHITECTURES)

    @property
    def shape_is_exact(self) -> bool:
        """A size computed from the shape is the shape's own: nothing to scale."""
        return self.spec is not None and self.size_basis == COMPUTED

    def shape(self) -> ModelShape | None:
        return self.spec.build(self.title, self.architecture) if self.spec else None

    def to_json(self) -> dict[str, Any]:
        """The entry as GPT_OSS_DESKTOP_CATALOG files spell it (and `models list --json` prints it)."""
        return {"name": self.name, "title": self.title, "kind": self.kind, "repo_id": self.repo_id,
                "file": self.filename, "revision": self.revision, "architecture": self.architecture,
                "description": self.description, "size_bytes": self.size_bytes, "size_basis": self.size_basis,
                "size_source": self.size_source, "sha256": self.sha256, "recommended": self.recommended,
                "tied_output": self.tied_output, "shape": self.spec.to_json() if self.spec else None}


def _dense_shape(*, name: str, arch: str, n_layer: int, n_embd: int, n_head: int, n_head_kv: int, head_dim: int,
                 n_ff: int, n_vocab: int, n_ctx: int, tied: bool = False, kv_cache: bool = True) -> ModelShape:
    """A dense transformer's layout in parameters (1 byte each); scaled to the real file size later."""
    layer = n_embd * n_head * head_dim * 2 + n_embd * n_head_kv * head_dim * 2 + 3 * n_embd * n_ff
    embd = n_embd * n_vocab
    return ModelShape(name=name, architecture=arch, n_layer=n_layer, n_embd=n_embd, n_head=n_head,
                      n_head_kv=n_head_kv, head_dim_k=head_dim, head_dim_v=head_dim, n_vocab=n_vocab,
                      n_ff_active=n_ff, n_ctx_train=n_ctx, layer_bytes=(layer,) * n_layer, input_bytes=embd,
                      # Tied embeddings: llama.cpp loads the matrix a second time as the output head.
                      output_bytes=embd if tied else 0, has_kv_cache=kv_cache)


_GPT_OSS = ShapeSpec("gpt-oss")

CATALOG: tuple[CatalogEntry, ...] = (
    # ggml-org renamed the file from gpt-oss-20b-mxfp4.gguf to gpt-oss-20b-MXFP4.gguf; the old name
    # answers "Entry not found" (https://github.com/NVIDIA/dgx-spark-playbooks/pull/99,
    # https://github.com/OpenWhispr/openwhispr/pull/1292). No size or sha256 for this file was found
    # in a public source, so the size is computed from its shape: 12,096,558,336 bytes of tensors
    # (planner.gpt_oss_shape; the tokenizer in the header adds a few MB). The sha256 comes from the
    # Hub at download. Model card: https://huggingface.co/ggml-org/gpt-oss-20b-GGUF
    CatalogEntry(
        name="gpt-oss-20b", title="gpt-oss-20b (MXFP4, ggml-org)", kind=CHAT,
        repo_id="ggml-org/gpt-oss-20b-GGUF", filename="gpt-oss-20b-MXFP4.gguf", architecture="gpt-oss",
        description="OpenAI's open-weight reasoning model in its native MXFP4 format; the file llama.cpp recommends.",
        spec=_GPT_OSS, size_bytes=gpt_oss_shape().weights_bytes, size_basis=COMPUTED,
        size_source="https://huggingface.co/ggml-org/gpt-oss-20b-GGUF", recommended=True,
    ),
    # "gpt-oss-20b-MXFP4.gguf | MXFP4 | 12.1GB", the model card's file table:
    # https://huggingface.co/bartowski/openai_gpt-oss-20b-GGUF (no sha256 published there).
    CatalogEntry(
        name="gpt-oss-20b-bartowski", title="gpt-oss-20b (MXFP4, bartowski)", kind=CHAT,
        repo_id="bartowski/openai_gpt-oss-20b-GGUF", filename="openai_gpt-oss-20b-MXFP4.gguf",
        architecture="gpt-oss", description="The same MXFP4 weights converted by another publisher.",
        spec=_GPT_OSS, size_bytes=12_100_000_000, size_basis=APPROXIMATE,
        size_source="https://huggingface.co/bartowski/openai_gpt-oss-20b-GGUF",
    ),
    # "gpt-oss-20b-Q4_K_M.gguf 11.6 GB", the repository's file listing:
    # https://huggingface.co/unsloth/gpt-oss-20b-GGUF/tree/main (no sha256 on the listing).
    CatalogEntry(
        name="gpt-oss-20b-q4_k_m", title="gpt-oss-20b (Q4_K_M, unsloth)", kind=CHAT,
        repo_id="unsloth/gpt-oss-20b-GGUF", filename="gpt-oss-20b-Q4_K_M.gguf", architecture="gpt-oss",
        description="Attention and embeddings in 4-bit; the experts stay MXFP4, so it is barely smaller.",
        spec=_GPT_OSS, size_bytes=11_600_000_000, size_basis=APPROXIMATE,
        size_source="https://huggingface.co/unsloth/gpt-oss-20b-GGUF/tree/main",
    ),
    # Qwen3 4B was listed for machines where gpt-oss does not fit, but the chat speaks only harmony
    # (gpt-oss's format): it could be downloaded and never used. It is out until the engine renders
    # other chat templates.
    # "bge-small-en-v1.5-q8_0.gguf 36.8 MB", the repository's file listing:
    # https://huggingface.co/CompendiumLabs/bge-small-en-v1.5-gguf/tree/main (no sha256 there).
    CatalogEntry(
        name="bge-small-en-v1.5", title="bge-small-en-v1.5 (Q8_0)", kind=EMBEDDING,
        repo_id="CompendiumLabs/bge-small-en-v1.5-gguf", filename="bge-small-en-v1.5-q8_0.gguf",
        architecture="bert", description="Small English embedding model (384 dimensions) for the document library.",
        spec=ShapeSpec("dense", (("n_layer", 12), ("n_embd", 384), ("n_head", 12), ("n_head_kv", 12),
                                 ("head_dim", 32), ("n_ff", 1536), ("n_vocab", 30522), ("n_ctx", 512),
                                 ("kv_cache", False))),
        size_bytes=36_800_000, size_basis=APPROXIMATE,
        size_source="https://huggingface.co/CompendiumLabs/bge-small-en-v1.5-gguf/tree/main",
    ),
)


# --- GPT_OSS_DESKTOP_CATALOG ------------------------------------------------------------------

def load_catalog(environ: dict[str, str] | None = None) -> tuple[CatalogEntry, ...]:
    """The built-in catalog, or the one in the file GPT_OSS_DESKTOP_CATALOG names (UserError if malformed)."""
    path = (environ if environ is not None else os.environ).get(CATALOG_ENV)
    return read_catalog_file(Path(path)) if path else CATALOG


def read_catalog_file(path: Path) -> tuple[CatalogEntry, ...]:
    """A JSON list of entries with the keys `models list --json` prints; one line says what is wrong."""
    def bad(reason: str) -> UserError:
        return UserError(f"The catalog file {path} ({CATALOG_ENV}) is not usable: {reason}.")

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise bad(exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise bad("it is not UTF-8 text") from None
    except ValueError as exc:
        raise bad(f"not JSON ({exc})") from None
    if not isinstance(data, list) or not data:
        raise bad("it must be a non-empty JSON list of models")
    entries = []
    for index, item in enumerate(data):
        label = f"entry {index + 1}"
        if not isinstance(item, dict):
            raise bad(f"{label} is not an object")
        try:
            entries.append(_entry_from_json(item))
        except (TypeError, ValueError) as exc:
            name = item.get("name")
            raise bad(f"{label}{f' ({name})' if isinstance(name, str) else ''}: {exc}") from None
    names = [e.name for e in entries]
    files = [e.filename.lower() for e in entries]
    if len(set(names)) != len(names):
        raise bad("two entries have the same name")
    if len(set(files)) != len(files):
        raise bad("two entries have the same file (the models folder is flat)")
    return tuple(entries)


def _entry_from_json(item: dict[str, Any]) -> CatalogEntry:
    def text(key: str, default: str | None = None) -> str:
        value = item.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"'{key}' must be a non-empty string")
        return value

    kind = text("kind")
    if kind not in (CHAT, EMBEDDING):
        raise ValueError(f"'kind' must be '{CHAT}' or '{EMBEDDING}'")
    filename = text("file")
    if "/" in filename or "\\" in filename or not filename.lower().endswith(".gguf"):
        raise ValueError("'file' must be a .gguf file name without folders")
    size = item.get("size_bytes")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size <= 0):
        raise ValueError("'size_bytes' must be a positive whole number or null")
    basis = item.get("size_basis", APPROXIMATE)
    if basis not in (APPROXIMATE, COMPUTED, HUB, FILE):
        raise ValueError(f"'size_basis' must be one of {APPROXIMATE}, {COMPUTED}")
    sha = item.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not _SHA256.match(sha.lower())):
        raise ValueError("'sha256' must be 64 hex digits or null")
    for flag in ("recommended", "tied_output"):
        if not isinstance(item.get(flag, False), bool):
            raise TypeError(f"'{flag}' must be true or false")
    return CatalogEntry(
        name=text("name"), title=text("title", item.get("name")), kind=kind, repo_id=text("repo_id"),
        filename=filename, architecture=text("architecture"), description=str(item.get("description") or ""),
        spec=_spec_from_json(item.get("shape")), size_bytes=size,
        # A size remembered from the Hub or a file is as good as published: keep it approximate.
        size_basis=basis if basis in (APPROXIMATE, COMPUTED) else APPROXIMATE,
        size_source=str(item.get("size_source") or ""), sha256=sha.lower() if sha else None,
        recommended=item.get("recommended", False), revision=text("revision", "main"),
        tied_output=item.get("tied_output", False),
    )


def _spec_from_json(value: Any) -> ShapeSpec | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("family") not in _SHAPE_PARAMS:
        raise ValueError(f"'shape' must be null or an object with a family of {sorted(_SHAPE_PARAMS)}")
    family = value["family"]
    params = {k: v for k, v in value.items() if k != "family"}
    unknown = set(params) - _SHAPE_PARAMS[family]
    if unknown:
        raise ValueError(f"'shape' has unknown keys: {', '.join(sorted(unknown))}")
    for key, number in params.items():
        if key in ("tied", "kv_cache"):
            if not isinstance(number, bool):
                raise ValueError(f"'shape.{key}' must be true or false")
        elif isinstance(number, bool) or not isinstance(number, int) or number <= 0:
            raise ValueError(f"'shape.{key}' must be a positive whole number")
    if family == "dense":
        missing = {"n_layer", "n_embd", "n_head", "n_head_kv", "head_dim", "n_ff", "n_vocab", "n_ctx"} - set(params)
        if missing:
            raise ValueError(f"'shape' lacks {', '.join(sorted(missing))}")
    return ShapeSpec(family, tuple(sorted(params.items())))


@dataclass(frozen=True)
class RemoteMeta:
    size_bytes: int
    sha256: str | None
    commit: str | None
    hub_filename: str  # the Hub's spelling of the file name
    checked_at: float


@dataclass(frozen=True)
class InstalledModel:
    name: str  # catalog name, or the file name for imported files
    path: Path
    size_bytes: int
    entry: CatalogEntry | None


def _catalog_file_version() -> tuple[str, int, int] | None:
    """The catalog file named in the environment, with its size and mtime: an edited file is read again."""
    path = os.environ.get(CATALOG_ENV)
    if not path:
        return None
    try:
        info = Path(path).stat()
    except OSError:
        return (path, -1, -1)
    return (path, info.st_size, info.st_mtime_ns)


class Catalog:
    """Known models + what is in the models folder. All file work; no Qt, no threads."""

    def __init__(self, models_dir: Path, cache_dir: Path, entries: tuple[CatalogEntry, ...] | None = None) -> None:
        self.models_dir = models_dir
        self.entries = load_catalog() if entries is None else entries
        self._meta_file = cache_dir / "catalog_meta.json"
        self.shapes = ShapeCache(cache_dir / "model_shapes.json")
        self.problem: str | None = None  # set by for_window when a catalog file had to be passed over

    @classmethod
    def for_window(cls, models_dir: Path, cache_dir: Path) -> Catalog:
        """As the window needs it: a malformed catalog file is reported (`problem`), not fatal.

        One per models folder (and catalog file version) while anything holds it: the window's
        panes, its downloads and the Models view all get the same instance, so the catalog file
        is read once and every view sees the same `problem` and the same Hub metadata.
        """
        key = (Path(models_dir).resolve(), Path(cache_dir).resolve(), _catalog_file_version())
        with _WINDOW_CATALOGS_LOCK:
            shared = _WINDOW_CATALOGS.get(key)
            if shared is None:
                try:
                    shared = cls(models_dir, cache_dir)
                except UserError as exc:
                    shared = cls(models_dir, cache_dir, CATALOG)
                    shared.problem = f"{exc} Showing the built-in catalog."
                _WINDOW_CATALOGS[key] = shared
            return shared

    # -- lookup ------------------------------------------------------------------------------
    def get(self, name: str) -> CatalogEntry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        known = ", ".join(e.name for e in self.entries)
        raise UserError(f"No model called '{name}' in the catalog. Known models: {known}.")

    def recommended(self, kind: str = CHAT) -> CatalogEntry | None:
        of_kind = [e for e in self.entries if e.kind == kind]
        return next((e for e in of_kind if e.recommended), of_kind[0] if of_kind else None)

    def path(self, entry: CatalogEntry) -> Path:
        meta = self.meta(entry)
        return self.models_dir / (meta.hub_filename if meta else entry.filename)

    def installed_path(self, entry: CatalogEntry) -> Path | None:
        # Matched without case: publishers rename files by case (ggml-org's -mxfp4 became -MXFP4).
        for model in self.installed():
            if model.entry == entry:
                return model.path
        return None

    def installed(self) -> list[InstalledModel]:
        """Every GGUF in the models folder, catalog or imported (partial downloads excluded)."""
        by_file = {e.filename.lower(): e for e in self.entries}
        for entry in self.entries:
            meta = self.meta(entry)
            if meta:
                by_file.setdefault(meta.hub_filename.lower(), entry)
        found = []
        if self.models_dir.is_dir():
            for path in sorted(self.models_dir.iterdir()):
                if path.suffix.lower() != ".gguf" or not path.is_file():
                    continue
                entry = by_file.get(path.name.lower())
                found.append(InstalledModel(entry.name if entry else path.name, path, path.stat().st_size, entry))
        return found

    def chat_choices(self, current: str | None) -> tuple[dict[str, str], str | None]:
        """Installed chat models by path (name shown), and which of them is `current`.

        A file linked into the models folder and opened from where it lives is one model, not
        two: `current` is matched by the file it resolves to.
        """
        choices: dict[str, str] = {}
        selected = None
        target = _resolved(current) if current else None
        for model in self.installed():
            if model.entry is None or model.entry.kind == CHAT:
                if model.entry is not None and not model.entry.usable:
                    continue
                choices[str(model.path)] = model.name
                if target is not None and selected is None and _resolved(str(model.path)) == target:
                    selected = str(model.path)
        if current and selected is None:
            choices[current] = Path(current).name
            selected = current
        return choices, selected

    def in_use(self, model: InstalledModel, paths: tuple[str | None, ...]) -> bool:
        """Whether `model` is one of `paths` (the chat and embedding models in the settings)."""
        mine = _resolved(str(model.path))
        return any(p and _resolved(p) == mine for p in paths)

    def find_installed(self, name_or_path: str) -> InstalledModel:
        for model in self.installed():
            if name_or_path in (model.name, model.path.name, str(model.path)):
                return model
        raise UserError(f"'{name_or_path}' is not installed. `models list` shows what is.")

    # -- Hub metadata ------------------------------------------------------------------------
    def meta(self, entry: CatalogEntry) -> RemoteMeta | None:
        record = self._load_meta().get(_key(entry))
        try:
            return RemoteMeta(**record) if isinstance(record, dict) else None
        except TypeError:
            return None

    def size_bytes(self, entry: CatalogEntry) -> int | None:
        return self.size_info(entry)[0]

    def size_info(self, entry: CatalogEntry) -> tuple[int | None, str]:
        """The file's size and where it comes from: FILE, HUB, or the entry's own basis."""
        installed = self.installed_path(entry)
        if installed:
            return installed.stat().st_size, FILE
        meta = self.meta(entry)
        if meta:
            return meta.size_bytes, HUB
        return entry.size_bytes, entry.size_basis

    def sha256(self, entry: CatalogEntry) -> str | None:
        """The published hash, else the one the Hub gave (and the download verified); None if neither."""
        meta = self.meta(entry)
        return entry.sha256 or (meta.sha256 if meta else None)

    def refresh(self, entries: list[CatalogEntry] | None = None, *, timeout: float = 15.0) -> list[str]:
        """Fetch sizes and sha256 from the Hub for `entries` (default all); returns problems, one line each."""
        from huggingface_hub import HfApi

        downloads._hub()  # telemetry off before any request
        api = HfApi(endpoint=downloads.hub_endpoint(), library_name=downloads.APP_LIBRARY)
        problems = []
        for entry in entries or list(self.entries):
            try:
                info = api.model_info(entry.repo_id, revision=entry.revision, files_metadata=True, timeout=timeout)
            except Exception as exc:
                problem = str(downloads.hub_error(exc, entry.repo_id))
                problems.append(problem)
                if "offline" in problem:
                    break  # no point asking again for every entry
                continue
            sibling = next((s for s in info.siblings or [] if s.rfilename.lower() == entry.filename.lower()), None)
            if sibling is None:
                problems.append(f"{entry.repo_id} has no file {entry.filename}.")
                continue
            lfs = sibling.lfs
            size = (lfs.size if lfs else None) or sibling.size
            if size is None:
                problems.append(f"The hub gave no size for {entry.filename}.")
                continue
            sha = lfs.sha256 if lfs else None
            self._store(entry, RemoteMeta(int(size), sha, info.sha, sibling.rfilename, time.time()))
        return problems

    def record(self, entry: CatalogEntry, remote: downloads.RemoteFile) -> None:
        """Remember what the Hub said when a download started (it is the freshest answer)."""
        self._store(entry, RemoteMeta(remote.size, remote.sha256, remote.commit, remote.filename, time.time()))

    def _store(self, entry: CatalogEntry, meta: RemoteMeta) -> None:
        data = self._load_meta()
        data[_key(entry)] = meta.__dict__
        try:
            atomic_write_text(self._meta_file, json.dumps(data, indent=2))
        except OSError as exc:
            log.warning("could not save catalog metadata: %s", exc)

    def _load_meta(self) -> dict[str, Any]:
        try:
            data = json.loads(self._meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    # -- shapes for the planner ----------------------------------------------------------------
    def shape(self, entry: CatalogEntry) -> ModelShape | None:
        """The model's shape: from the file when installed, else described; None when unknown."""
        installed = self.installed_path(entry)
        if installed:
            try:
                return self.shapes.get(installed)
            except UserError as exc:
                log.warning("cannot read %s: %s", installed, exc)
                return None
        reference = entry.shape()
        if reference is None or entry.shape_is_exact:
            return reference
        size = self.size_bytes(entry)
        return scale_shape(reference, size, tied_output=entry.tied_output) if size else None

    # -- getting files in and out --------------------------------------------------------------
    def download(self, entry: CatalogEntry, *, cancel: CancelToken | None = None,
                 on_progress: ProgressCallback | None = None,
                 disk_free: Callable[[Path], int] | None = None) -> Path:
        existing = self.installed_path(entry)
        if existing:
            return existing
        meta = self.meta(entry)
        remote = downloads.resolve(entry.repo_id, meta.hub_filename if meta else entry.filename, entry.revision)
        if entry.sha256 and remote.sha256.lower() != entry.sha256:
            # The catalog's hash was published by the model's maker; a Hub (or mirror) serving
            # other bytes under the same name is not trusted over it.
            raise UserError(f"The model hub serves a different {remote.filename} (sha256 {remote.sha256[:12]}…) than "
                            f"the catalog lists ({entry.sha256[:12]}…); not downloading it.")
        self.record(entry, remote)
        return downloads.download(remote, self.models_dir / remote.filename, cancel=cancel,
                                  on_progress=on_progress, disk_free=disk_free)

    def partial_bytes(self, entry: CatalogEntry) -> int:
        return downloads.partial_bytes(self.path(entry))

    def import_file(self, source: Path, *, link: bool = False, cancel: CancelToken | None = None,
                    on_progress: ProgressCallback | None = None) -> Path:
        """Copy (or symlink) a GGUF into the models folder after checking its header."""
        info = inspect_gguf(source)  # UserError for non-GGUF, truncated or damaged files
        if info.architecture not in CHAT_ARCHITECTURES | EMBEDDING_ARCHITECTURES:
            raise UserError(f"{source.name} is a '{info.architecture}' model; this app runs gpt-oss chat models "
                            f"and BERT-style embedding models.")
        dest = self.models_dir / source.name
        if dest.exists() or dest.is_symlink():
            if dest.resolve() == source.resolve():
                return dest
            raise UserError(f"A model named {source.name} is already installed; remove it first or rename the file.")
        self.models_dir.mkdir(parents=True, exist_ok=True)
        if link:
            try:
                dest.symlink_to(source.resolve())
            except OSError as exc:
                reason = exc.strerror or exc
                raise UserError(f"Could not link {source.name} ({reason}); import a copy instead.") from None
            return dest
        _copy_with_progress(source, dest, cancel or CancelToken(), on_progress)
        return dest

    def remove(self, model: InstalledModel) -> int:
        """Delete a model (a link only loses the link); returns the bytes freed."""
        freed = 0 if model.path.is_symlink() else model.size_bytes
        model.path.unlink()
        downloads.discard_partial(model.path)
        return freed


def scale_shape(shape: ModelShape, file_bytes: int, *, tied_output: bool = False) -> ModelShape:
    """Spread a file's size over a described layout (a tied output head is not in the file)."""
    in_file = shape.input_bytes + sum(shape.layer_bytes) + (0 if tied_output else shape.output_bytes)
    factor = file_bytes / in_file
    return replace(shape, layer_bytes=tuple(int(b * factor) for b in shape.layer_bytes),
                   input_bytes=int(shape.input_bytes * factor), output_bytes=int(shape.output_bytes * factor))


def _copy_with_progress(source: Path, dest: Path, cancel: CancelToken, on_progress: ProgressCallback | None) -> None:
    total = source.stat().st_size
    downloads.check_disk(dest.parent, total)
    tmp = dest.with_name(dest.name + ".importing")
    done = 0
    try:
        with open(source, "rb") as src, open(tmp, "wb") as out:
            while block := src.read(_COPY_BLOCK):
                cancel.raise_if_cancelled()
                out.write(block)
                done += len(block)
                if on_progress:
                    on_progress(Progress(done, total, f"Copying {format_bytes(done)} of {format_bytes(total)}"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UserError(f"Could not copy {source.name}: {exc.strerror or exc}.") from None
        raise


def _resolved(path: str) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError):  # a link loop: compare as written
        return Path(path)


def _key(entry: CatalogEntry) -> str:
    return f"{entry.repo_id}/{entry.filename}"


# The window's catalogs (`Catalog.for_window`), kept only while something holds them.
_WINDOW_CATALOGS: weakref.WeakValueDictionary[tuple, Catalog] = weakref.WeakValueDictionary()
_WINDOW_CATALOGS_LOCK = threading.Lock()
