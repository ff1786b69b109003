from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.settings import SCHEMA_VERSION, Settings, load_settings, save_settings


def test_round_trip_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings().with_section("reasoning", effort="high").with_section("sampling", temperature=0.5)
    save_settings(path, settings)
    raw = json.loads(path.read_text())
    assert raw["schema_version"] == SCHEMA_VERSION
    assert load_settings(path) == settings
    assert not list(tmp_path.glob("*.tmp"))  # the atomic write left no temp file behind


@pytest.mark.parametrize(("section", "changes", "message"), [
    ("reasoning", {"effort": "extreme"}, "Reasoning effort must be one of"),
    ("sampling", {"temperature": 7.0}, "Temperature must be between 0 and 2"),
    ("model", {"context_length": 10}, "Context length must be between"),
    ("sampling", {"top_k": "many"}, "Top-k must be a number"),
])
def test_out_of_range_values_are_refused(section: str, changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings().with_section(section, **changes)


def test_damaged_or_hand_edited_file_never_blocks_start(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{ not json")
    assert load_settings(path) == Settings()
    path.write_text(json.dumps({"schema_version": 1, "sampling": {"temperature": 99, "top_p": 0.5},
                                "reasoning": {"effort": "low", "unknown": 1}, "extra": True}))
    loaded = load_settings(path)
    assert loaded.sampling.temperature == Settings().sampling.temperature  # out of range -> default
    assert loaded.sampling.top_p == 0.5
    assert loaded.reasoning.effort == "low"


def test_every_field_explains_itself_and_names_its_mode_values() -> None:
    """What the Settings pane shows comes from here: a label, a one-line help, a word for -1/0 modes."""
    from dataclasses import fields

    for section in fields(Settings):
        for f in fields(type(getattr(Settings(), section.name))):
            meta = f.metadata
            assert meta["label"] and len(meta["help"]) > 20, f.name
            assert "-1" not in meta["label"] and "(" not in meta["label"], f.name  # no magic numbers in labels
            if "min" in meta and meta["min"] < 0:
                assert meta.get("special"), f"{f.name}: {meta['min']} needs a word such as Auto"
    assert Settings.__dataclass_fields__["model"].default.__dataclass_fields__["gpu_layers"].metadata["special"] == "Auto"


def test_files_written_before_the_new_controls_load_unchanged(tmp_path: Path) -> None:
    # The stored values did not change (-1 still means Auto), so schema 1 files load as they are.
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"schema_version": 1, "model": {"gpu_layers": -1, "threads": 0, "context_length": 4096},
                                "sampling": {"seed": -1, "top_k": 0}}))
    loaded = load_settings(path)
    assert (loaded.model.gpu_layers, loaded.model.threads, loaded.model.context_length) == (-1, 0, 4096)
    assert (loaded.sampling.seed, loaded.sampling.top_k) == (-1, 0)
    assert SCHEMA_VERSION == 1
