"""The models this app knows, the ones on disk, and getting them there (download, import, remove).

The catalog is small and lives in code. Sizes and sha256 are never written here: they come from
the Hub's metadata when online and are cached in a JSON file (`unknown` until then). A model's
memory needs come from its GGUF header once it is on disk; before that, from a shape described
here (exact for gpt-oss-20b MXFP4; for other files the hyperparameters are known and the weights
are spread over the size the Hub reports).
"""

from __future__ import annotations

import json
import logging
import os
import time
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
_COPY_BLOCK = 16 * 2**20


@dataclass(frozen=True)
class CatalogEntry:
    name: str  # what the CLI takes: `models download gpt-oss-20b`
    title: str
    kind: str  # CHAT or EMBEDDING
    repo_id: str
    filename: str
    architecture: str
    description: str
    shape: Callable[[], ModelShape]
    shape_is_exact: bool = False  # False: spread the Hub's file size over `shape`'s layout
    tied_output: bool = False  # the output head reuses the embedding matrix (not stored twice)
    recommended: bool = False
    revision: str = "main"

    @property
    def usable(self) -> bool:
        """Whether this app can run it today (the chat speaks harmony, i.e. gpt-oss only)."""
        return self.architecture in (CHAT_ARCHITECTURES if self.kind == CHAT else EMBEDDING_ARCHITECTURES)


def _dense_shape(*, name: str, arch: str, n_layer: int, n_embd: int, n_head: int, n_head_kv: int, head_dim: int,
                 n_ff: int, n_vocab: int, n_ctx: int, tied: bool, kv_cache: bool = True) -> ModelShape:
    """A dense transformer's layout in parameters (1 byte each); scaled to the real file size later."""
    layer = n_embd * n_head * head_dim * 2 + n_embd * n_head_kv * head_dim * 2 + 3 * n_embd * n_ff
    embd = n_embd * n_vocab
    return ModelShape(name=name, architecture=arch, n_layer=n_layer, n_embd=n_embd, n_head=n_head,
                      n_head_kv=n_head_kv, head_dim_k=head_dim, head_dim_v=head_dim, n_vocab=n_vocab,
                      n_ff_active=n_ff, n_ctx_train=n_ctx, layer_bytes=(layer,) * n_layer, input_bytes=embd,
                      # Tied embeddings: llama.cpp loads the matrix a second time as the output head.
                      output_bytes=embd if tied else 0, has_kv_cache=kv_cache)


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        name="gpt-oss-20b", title="gpt-oss-20b (MXFP4, ggml-org)", kind=CHAT,
        repo_id="ggml-org/gpt-oss-20b-GGUF", filename="gpt-oss-20b-mxfp4.gguf", architecture="gpt-oss",
        description="OpenAI's open-weight reasoning model in its native MXFP4 format; the file llama.cpp recommends.",
        shape=gpt_oss_shape, shape_is_exact=True, recommended=True,
    ),
    CatalogEntry(
        name="gpt-oss-20b-bartowski", title="gpt-oss-20b (MXFP4, bartowski)", kind=CHAT,
        repo_id="bartowski/openai_gpt-oss-20b-GGUF", filename="openai_gpt-oss-20b-MXFP4.gguf",
        architecture="gpt-oss",
        description="The same MXFP4 weights converted by another publisher.",
        shape=gpt_oss_shape,
    ),
    CatalogEntry(
        name="gpt-oss-20b-q4_k_m", title="gpt-oss-20b (Q4_K_M, unsloth)", kind=CHAT,
        repo_id="unsloth/gpt-oss-20b-GGUF", filename="gpt-oss-20b-Q4_K_M.gguf", architecture="gpt-oss",
        description="Attention and embeddings in 4-bit; the experts stay MXFP4, so it is barely smaller.",
        shape=gpt_oss_shape,
    ),
    CatalogEntry(
        name="qwen3-4b", title="Qwen3 4B (Q4_K_M)", kind=CHAT,
        repo_id="Qwen/Qwen3-4B-GGUF", filename="Qwen3-4B-Q4_K_M.gguf", architecture="qwen3",
        description="A small model for machines where gpt-oss-20b will not fit (needs a non-harmony chat format).",
        shape=lambda: _dense_shape(name="Qwen3-4B", arch="qwen3", n_layer=36, n_embd=2560, n_head=32, n_head_kv=8,
                                   head_dim=128, n_ff=9728, n_vocab=151936, n_ctx=40960, tied=True),
        tied_output=True,
    ),
    CatalogEntry(
        name="bge-small-en-v1.5", title="bge-small-en-v1.5 (Q8_0)", kind=EMBEDDING,
        repo_id="CompendiumLabs/bge-small-en-v1.5-gguf", filename="bge-small-en-v1.5-q8_0.gguf",
        architecture="bert",
        description="Small English embedding model (384 dimensions) for the document library.",
        shape=lambda: _dense_shape(name="bge-small-en-v1.5", arch="bert", n_layer=12, n_embd=384, n_head=12,
                                   n_head_kv=12, head_dim=32, n_ff=1536, n_vocab=30522, n_ctx=512, tied=False,
                                   kv_cache=False),
    ),
)


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


class Catalog:
    """Known models + what is in the models folder. All file work; no Qt, no threads."""

    def __init__(self, models_dir: Path, cache_dir: Path, entries: tuple[CatalogEntry, ...] = CATALOG) -> None:
        self.models_dir = models_dir
        self.entries = entries
        self._meta_file = cache_dir / "catalog_meta.json"
        self.shapes = ShapeCache(cache_dir / "model_shapes.json")

    # -- lookup ------------------------------------------------------------------------------
    def get(self, name: str) -> CatalogEntry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        known = ", ".join(e.name for e in self.entries)
        raise UserError(f"No model called '{name}' in the catalog. Known models: {known}.")

    def recommended(self, kind: str = CHAT) -> CatalogEntry:
        return next(e for e in self.entries if e.kind == kind and (e.recommended or kind == EMBEDDING))

    def path(self, entry: CatalogEntry) -> Path:
        meta = self.meta(entry)
        return self.models_dir / (meta.hub_filename if meta else entry.filename)

    def installed_path(self, entry: CatalogEntry) -> Path | None:
        for candidate in (self.path(entry), self.models_dir / entry.filename):
            if candidate.is_file():
                return candidate
        return None

    def installed(self) -> list[InstalledModel]:
        """Every GGUF in the models folder, catalog or imported (partial downloads excluded)."""
        by_file = {e.filename.lower(): e for e in self.entries}
        found = []
        if self.models_dir.is_dir():
            for path in sorted(self.models_dir.iterdir()):
                if path.suffix.lower() != ".gguf" or not path.is_file():
                    continue
                entry = by_file.get(path.name.lower())
                found.append(InstalledModel(entry.name if entry else path.name, path, path.stat().st_size, entry))
        return found

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
        installed = self.installed_path(entry)
        if installed:
            return installed.stat().st_size
        meta = self.meta(entry)
        return meta.size_bytes if meta else None

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
        if entry.shape_is_exact:
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


def _key(entry: CatalogEntry) -> str:
    return f"{entry.repo_id}/{entry.filename}"

