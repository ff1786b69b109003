"""The catalog: entries, Hub metadata (from a local fake Hub), shapes, download, import, remove."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from desktop.core.catalog import CATALOG, CHAT, EMBEDDING, Catalog, scale_shape
from desktop.core.errors import UserError
from desktop.core.planner import gpt_oss_shape
from tests.fixtures.chat_models import write_not_gguf, write_other_arch_gguf
from tests.fixtures.fake_hub import FakeHub, fake_hub, offline_hub_endpoint  # noqa: F401


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "models", tmp_path / "cache")


@pytest.fixture
def hub_with_catalog(fake_hub: FakeHub) -> FakeHub:  # noqa: F811
    """Every catalog file on the fake Hub, as a few KB of bytes (sizes differ per entry)."""
    for i, entry in enumerate(CATALOG):
        fake_hub.add_file(entry.repo_id, entry.filename, os.urandom(10_000 + i))
    return fake_hub


def test_the_catalog_is_well_formed() -> None:
    names = [e.name for e in CATALOG]
    files = [e.filename.lower() for e in CATALOG]
    assert len(set(names)) == len(names) and len(set(files)) == len(files)  # one flat models folder
    assert {e.kind for e in CATALOG} == {CHAT, EMBEDDING}
    (recommended,) = [e for e in CATALOG if e.recommended]
    assert (recommended.repo_id, recommended.filename) == ("ggml-org/gpt-oss-20b-GGUF", "gpt-oss-20b-mxfp4.gguf")
    assert recommended.usable and recommended.shape_is_exact
    assert any(e.kind == CHAT and e.architecture != "gpt-oss" for e in CATALOG)  # the smaller fallback


def test_sizes_are_unknown_until_the_hub_says(catalog: Catalog, hub_with_catalog: FakeHub, tmp_path: Path) -> None:
    entry = catalog.get("gpt-oss-20b-q4_k_m")
    assert catalog.size_bytes(entry) is None and catalog.meta(entry) is None
    assert catalog.shape(entry) is None  # its weights are not described exactly: no guess

    assert catalog.refresh() == []
    served = hub_with_catalog.files[(entry.repo_id, entry.filename)]
    meta = catalog.meta(entry)
    assert meta is not None and (meta.size_bytes, meta.sha256) == (len(served.data), served.sha256)
    # Cached on disk: a new Catalog (a later run, offline) still knows.
    again = Catalog(tmp_path / "models", tmp_path / "cache")
    assert again.size_bytes(entry) == len(served.data)
    assert "sha256" in json.loads((tmp_path / "cache" / "catalog_meta.json").read_text())[
        f"{entry.repo_id}/{entry.filename}"]
    scaled = again.shape(entry)
    assert scaled is not None and scaled.weights_bytes == pytest.approx(len(served.data), rel=0.01)


def test_refresh_offline_reports_once_and_keeps_sizes_unknown(catalog: Catalog,
                                                              offline_hub_endpoint: str) -> None:  # noqa: F811
    problems = catalog.refresh()
    assert len(problems) == 1 and "offline" in problems[0]
    assert all(catalog.size_bytes(e) is None for e in CATALOG)


def test_refresh_finds_the_hubs_spelling_of_a_file_name(catalog: Catalog, fake_hub: FakeHub) -> None:  # noqa: F811
    entry = catalog.get("gpt-oss-20b")
    fake_hub.add_file(entry.repo_id, "GPT-OSS-20B-MXFP4.gguf", b"weights")
    assert catalog.refresh([entry]) == []
    meta = catalog.meta(entry)
    assert meta is not None and meta.hub_filename == "GPT-OSS-20B-MXFP4.gguf"
    assert catalog.path(entry).name == "GPT-OSS-20B-MXFP4.gguf"


def test_the_recommended_model_has_an_exact_shape_offline(catalog: Catalog) -> None:
    assert catalog.shape(catalog.get("gpt-oss-20b")) == gpt_oss_shape()


def test_scaling_a_tied_dense_shape_leaves_the_duplicate_head_out_of_the_file() -> None:
    entry = next(e for e in CATALOG if e.tied_output)
    reference = entry.shape()
    scaled = scale_shape(reference, 2_000_000_000, tied_output=True)
    assert scaled.input_bytes + sum(scaled.layer_bytes) == pytest.approx(2_000_000_000, rel=1e-6)
    assert scaled.output_bytes == scaled.input_bytes  # loaded twice by llama.cpp


def test_download_installs_and_records_the_hubs_answer(catalog: Catalog, hub_with_catalog: FakeHub) -> None:
    entry = catalog.get("bge-small-en-v1.5")
    path = catalog.download(entry)
    served = hub_with_catalog.files[(entry.repo_id, entry.filename)]
    assert path == catalog.models_dir / entry.filename and path.read_bytes() == served.data
    assert catalog.installed_path(entry) == path and catalog.meta(entry).sha256 == served.sha256
    assert [(m.name, m.entry) for m in catalog.installed()] == [(entry.name, entry)]
    gets = len(hub_with_catalog.file_gets())
    assert catalog.download(entry) == path and len(hub_with_catalog.file_gets()) == gets  # nothing fetched again


def test_import_copies_a_valid_gguf(catalog: Catalog, tiny_gpt_oss: Path) -> None:
    path = catalog.import_file(tiny_gpt_oss)
    assert path.parent == catalog.models_dir and not path.is_symlink()
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(tiny_gpt_oss.read_bytes()).digest()
    (model,) = catalog.installed()
    assert model.name == tiny_gpt_oss.name and model.entry is None
    with pytest.raises(UserError, match="already installed"):
        catalog.import_file(copy_to(tiny_gpt_oss, catalog.models_dir.parent / "other" / path.name))


def copy_to(source: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(source.read_bytes())
    return dest


def test_import_can_link_instead_of_copying(catalog: Catalog, tiny_gpt_oss: Path) -> None:
    path = catalog.import_file(tiny_gpt_oss, link=True)
    assert path.is_symlink() and path.resolve() == tiny_gpt_oss.resolve()
    assert catalog.remove(catalog.find_installed(path.name)) == 0  # only the link goes
    assert tiny_gpt_oss.exists() and not path.exists()


def test_import_refuses_what_the_app_cannot_run(catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a GGUF"):
        catalog.import_file(write_not_gguf(tmp_path / "notes.gguf"))
    with pytest.raises(UserError, match="'llama' model"):
        catalog.import_file(write_other_arch_gguf(tmp_path / "llama.gguf"))
    assert catalog.installed() == []


def test_remove_frees_the_file_and_any_partial(catalog: Catalog, tiny_gpt_oss: Path) -> None:
    path = catalog.import_file(tiny_gpt_oss)
    part = path.with_name(path.name + ".part")
    part.write_bytes(b"leftover")
    freed = catalog.remove(catalog.find_installed(path.name))
    assert freed == tiny_gpt_oss.stat().st_size and not path.exists() and not part.exists()
    with pytest.raises(UserError, match="not installed"):
        catalog.find_installed(path.name)


def test_unknown_names_list_the_known_ones(catalog: Catalog) -> None:
    with pytest.raises(UserError, match="gpt-oss-20b"):
        catalog.get("gpt-5")
