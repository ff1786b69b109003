"""The catalog: entries, Hub metadata (from a local fake Hub), shapes, download, import, remove."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from desktop.core.catalog import (
    APPROXIMATE,
    CATALOG,
    CATALOG_ENV,
    CHAT,
    COMPUTED,
    EMBEDDING,
    HUB,
    Catalog,
    ShapeSpec,
    load_catalog,
    read_catalog_file,
    scale_shape,
)
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


def write_catalog(path: Path, entries: list[dict]) -> Path:
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def test_the_catalog_is_well_formed() -> None:
    names = [e.name for e in CATALOG]
    files = [e.filename.lower() for e in CATALOG]
    assert len(set(names)) == len(names) and len(set(files)) == len(files)  # one flat models folder
    assert {e.kind for e in CATALOG} == {CHAT, EMBEDDING}
    (recommended,) = [e for e in CATALOG if e.recommended]
    # ggml-org's current spelling; the lower-case name answers "Entry not found" on the Hub.
    assert (recommended.repo_id, recommended.filename) == ("ggml-org/gpt-oss-20b-GGUF", "gpt-oss-20b-MXFP4.gguf")
    assert recommended.shape_is_exact and recommended.size_bytes == gpt_oss_shape().weights_bytes
    for entry in CATALOG:
        assert entry.usable, f"{entry.name}: listed but the app cannot run it"
        assert entry.size_bytes and entry.size_basis in (APPROXIMATE, COMPUTED), entry.name
        assert entry.size_source.startswith("https://huggingface.co/" + entry.repo_id), entry.name
        assert entry.sha256 is None or len(entry.sha256) == 64
        assert entry.shape() is not None


def test_every_entry_has_a_size_and_a_shape_offline(catalog: Catalog) -> None:
    for entry in CATALOG:
        size, basis = catalog.size_info(entry)
        assert (size, basis) == (entry.size_bytes, entry.size_basis)
        shape = catalog.shape(entry)
        assert shape is not None and shape.weights_bytes == pytest.approx(size, rel=0.02 if shape.has_kv_cache else 0.1)


def test_the_hubs_size_and_hash_replace_the_published_ones(catalog: Catalog, hub_with_catalog: FakeHub,
                                                          tmp_path: Path) -> None:
    entry = catalog.get("gpt-oss-20b-q4_k_m")
    assert catalog.sha256(entry) is None and catalog.meta(entry) is None
    assert catalog.refresh() == []
    served = hub_with_catalog.files[(entry.repo_id, entry.filename)]
    meta = catalog.meta(entry)
    assert meta is not None and (meta.size_bytes, meta.sha256) == (len(served.data), served.sha256)
    # Cached on disk: a new Catalog (a later run, offline) still knows.
    again = Catalog(tmp_path / "models", tmp_path / "cache")
    assert again.size_info(entry) == (len(served.data), HUB) and again.sha256(entry) == served.sha256
    assert "sha256" in json.loads((tmp_path / "cache" / "catalog_meta.json").read_text())[
        f"{entry.repo_id}/{entry.filename}"]
    scaled = again.shape(entry)
    assert scaled is not None and scaled.weights_bytes == pytest.approx(len(served.data), rel=0.01)


def test_refresh_offline_reports_once_and_keeps_the_published_sizes(catalog: Catalog,
                                                                   offline_hub_endpoint: str) -> None:  # noqa: F811
    problems = catalog.refresh()
    assert len(problems) == 1 and "offline" in problems[0]
    assert all(catalog.size_info(e) == (e.size_bytes, e.size_basis) for e in CATALOG)


def test_refresh_finds_the_hubs_spelling_of_a_file_name(catalog: Catalog, fake_hub: FakeHub) -> None:  # noqa: F811
    entry = catalog.get("gpt-oss-20b")
    fake_hub.add_file(entry.repo_id, "GPT-OSS-20B-MXFP4.gguf", b"weights")
    assert catalog.refresh([entry]) == []
    meta = catalog.meta(entry)
    assert meta is not None and meta.hub_filename == "GPT-OSS-20B-MXFP4.gguf"
    assert catalog.path(entry).name == "GPT-OSS-20B-MXFP4.gguf"


def test_a_file_renamed_by_case_is_still_installed(catalog: Catalog, tiny_gpt_oss: Path) -> None:
    entry = catalog.get("gpt-oss-20b")
    catalog.models_dir.mkdir(parents=True)
    old = catalog.models_dir / "gpt-oss-20b-mxfp4.gguf"  # downloaded before ggml-org's rename
    old.write_bytes(tiny_gpt_oss.read_bytes())
    assert catalog.installed_path(entry) == old
    assert catalog.size_info(entry) == (old.stat().st_size, "file")


def test_the_recommended_model_has_an_exact_shape_offline(catalog: Catalog) -> None:
    assert catalog.shape(catalog.get("gpt-oss-20b")) == gpt_oss_shape(name="gpt-oss-20b (MXFP4, ggml-org)")


def test_scaling_a_tied_dense_shape_leaves_the_duplicate_head_out_of_the_file() -> None:
    spec = ShapeSpec("dense", (("n_layer", 36), ("n_embd", 2560), ("n_head", 32), ("n_head_kv", 8),
                               ("head_dim", 128), ("n_ff", 9728), ("n_vocab", 151936), ("n_ctx", 40960),
                               ("tied", True)))
    reference = spec.build("a tied model", "qwen3")
    scaled = scale_shape(reference, 2_000_000_000, tied_output=True)
    assert scaled.input_bytes + sum(scaled.layer_bytes) == pytest.approx(2_000_000_000, rel=1e-6)
    assert scaled.output_bytes == scaled.input_bytes  # loaded twice by llama.cpp


def test_download_installs_and_records_the_hubs_answer(catalog: Catalog, hub_with_catalog: FakeHub) -> None:
    entry = catalog.get("bge-small-en-v1.5")
    path = catalog.download(entry)
    served = hub_with_catalog.files[(entry.repo_id, entry.filename)]
    assert path == catalog.models_dir / entry.filename and path.read_bytes() == served.data
    assert catalog.installed_path(entry) == path and catalog.meta(entry).sha256 == served.sha256
    assert catalog.sha256(entry) == served.sha256  # remembered once verified
    assert [(m.name, m.entry) for m in catalog.installed()] == [(entry.name, entry)]
    gets = len(hub_with_catalog.file_gets())
    assert catalog.download(entry) == path and len(hub_with_catalog.file_gets()) == gets  # nothing fetched again


def test_a_published_sha256_wins_over_the_hubs(tmp_path: Path, fake_hub: FakeHub) -> None:  # noqa: F811
    served = fake_hub.add_file("org/model-GGUF", "model.gguf", os.urandom(20_000))
    entry = {"name": "mirror-model", "kind": "chat", "repo_id": "org/model-GGUF", "file": "model.gguf",
             "architecture": "gpt-oss", "size_bytes": 20_000, "shape": {"family": "gpt-oss"}}
    other = hashlib.sha256(b"the file its maker published").hexdigest()
    refusing = Catalog(tmp_path / "models", tmp_path / "cache",
                       read_catalog_file(write_catalog(tmp_path / "a.json", [{**entry, "sha256": other}])))
    with pytest.raises(UserError, match="different model.gguf"):
        refusing.download(refusing.get("mirror-model"))
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())  # nothing written

    trusting = Catalog(tmp_path / "models", tmp_path / "cache",
                       read_catalog_file(write_catalog(tmp_path / "b.json", [{**entry, "sha256": served.sha256}])))
    path = trusting.download(trusting.get("mirror-model"))
    assert path.read_bytes() == served.data and trusting.sha256(trusting.get("mirror-model")) == served.sha256


def test_a_catalog_file_replaces_the_built_in_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_catalog({}) == CATALOG
    listed = [e.to_json() for e in CATALOG][:2]
    listed[0] = {**listed[0], "name": "ours", "repo_id": "mirror/gpt-oss", "installed": False, "verdict": "CPU only"}
    monkeypatch.setenv(CATALOG_ENV, str(write_catalog(tmp_path / "ours.json", listed)))
    entries = Catalog(tmp_path / "models", tmp_path / "cache").entries
    assert [e.name for e in entries] == ["ours", CATALOG[1].name]
    assert entries[1] == CATALOG[1]  # what `to_json` writes reads back as the same entry
    assert entries[0].repo_id == "mirror/gpt-oss" and entries[0].shape() is not None


@pytest.mark.parametrize(("content", "reason"), [
    ("{not json", "not JSON"),
    ("{}", "non-empty JSON list"),
    ("[]", "non-empty JSON list"),
    ("[1]", "entry 1 is not an object"),
    ('[{"name": "x", "kind": "chat", "repo_id": "a/b", "architecture": "gpt-oss"}]', "'file'"),
    ('[{"name": "x", "kind": "vision", "repo_id": "a/b", "file": "x.gguf", "architecture": "gpt-oss"}]', "'kind'"),
    ('[{"name": "x", "kind": "chat", "repo_id": "a/b", "file": "../x.gguf", "architecture": "gpt-oss"}]', "folders"),
    (('[{"name": "x", "kind": "chat", "repo_id": "a/b", "file": "x.gguf", "architecture": "gpt-oss", '
      '"sha256": "abc"}]'), "64 hex"),
    (('[{"name": "x", "kind": "chat", "repo_id": "a/b", "file": "x.gguf", "architecture": "gpt-oss", '
      '"size_bytes": -5}]'), "positive"),
    (('[{"name": "x", "kind": "chat", "repo_id": "a/b", "file": "x.gguf", "architecture": "gpt-oss", '
      '"shape": {"family": "gpt-oss", "n_layers": 3}}]'), "unknown keys: n_layers"),
    (('[{"name": "x", "kind": "chat", "repo_id": "a/b", "file": "x.gguf", "architecture": "gpt-oss"},'
      ' {"name": "x", "kind": "chat", "repo_id": "a/c", "file": "y.gguf", "architecture": "gpt-oss"}]'), "same name"),
])
def test_a_malformed_catalog_file_is_one_clear_line(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_catalog({CATALOG_ENV: str(path)})
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and reason in message


def test_a_missing_catalog_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="No such file"):
        load_catalog({CATALOG_ENV: str(tmp_path / "missing.json")})


def test_the_window_reports_a_bad_catalog_file_and_keeps_the_built_in_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CATALOG_ENV, str(write_catalog(tmp_path / "bad.json", [])))
    with pytest.raises(UserError):
        Catalog(tmp_path / "models", tmp_path / "cache")
    catalog = Catalog.for_window(tmp_path / "models", tmp_path / "cache")
    assert catalog.entries == CATALOG and "bad.json" in (catalog.problem or "")


def test_a_linked_model_is_one_choice_in_the_picker(catalog: Catalog, tiny_gpt_oss: Path) -> None:
    link = catalog.import_file(tiny_gpt_oss, link=True)
    # The user first opened the file where it lives, then linked it into the models folder.
    choices, selected = catalog.chat_choices(str(tiny_gpt_oss))
    assert choices == {str(link): link.name} and selected == str(link)
    choices, selected = catalog.chat_choices("/elsewhere/other.gguf")  # a current model outside stays listed
    assert set(choices) == {str(link), "/elsewhere/other.gguf"} and selected == "/elsewhere/other.gguf"


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
