"""Stored responses (previous_response_id) do not pile up in the data folder: past their age, or
past the count and size caps, the oldest go first; a request that names one gets a clear 404."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from desktop.server.messages import Message
from desktop.server.store import CLEAN_EVERY, ResponseStore, new_response_id

DAY = 86400


def _save(store: ResponseStore, text: str = "hi", age_days: float = 0.0) -> str:
    response_id = new_response_id()
    store.save(response_id, [Message("user", text), Message("assistant", "hello")], {"id": response_id})
    stamp = time.time() - age_days * DAY
    os.utime(store.folder / f"{response_id}.json", (stamp, stamp))
    return response_id


def test_responses_older_than_the_limit_expire_and_newer_ones_continue(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path / "responses", max_age_days=30)
    old = [_save(store, age_days=31 + i) for i in range(3)]
    recent = [_save(store, age_days=29), _save(store)]
    assert store.clean() == 3 and len(list(store.folder.iterdir())) == 2
    assert all(store.conversation(r) is None for r in old)
    assert all(store.conversation(r) == [Message("user", "hi"), Message("assistant", "hello")] for r in recent)


def test_past_the_count_cap_the_oldest_go_first_and_the_one_just_saved_stays(tmp_path: Path) -> None:
    made = [_save(ResponseStore(tmp_path / "responses"), age_days=10 - i) for i in range(5)]  # made[-1] newest
    store = ResponseStore(tmp_path / "responses", max_count=3)
    assert store.clean() == 2
    assert [store.conversation(r) is not None for r in made] == [False, False, True, True, True]
    # Saving checks the caps every CLEAN_EVERY saves: the folder never holds more than that over.
    for _ in range(3 * CLEAN_EVERY):
        latest = _save(store)
        assert len(list(store.folder.glob("resp_*.json"))) <= 3 + CLEAN_EVERY
        assert store.conversation(latest) is not None
    assert len(list(store.folder.glob("resp_*.json"))) <= 3 + CLEAN_EVERY
    assert store.conversation(made[-1]) is None  # the oldest went first


def test_past_the_size_cap_the_oldest_go_first(tmp_path: Path) -> None:
    made = [_save(ResponseStore(tmp_path / "responses"), "x" * 1000, age_days=5 - i) for i in range(5)]
    size = (tmp_path / "responses" / f"{made[0]}.json").stat().st_size
    store = ResponseStore(tmp_path / "responses", max_bytes=3 * size + size // 2)
    assert store.clean() == 2
    kept = [store.conversation(r) is not None for r in made]
    assert kept == [False, False, True, True, True]


def test_files_that_are_not_responses_are_left_alone(tmp_path: Path) -> None:
    store = ResponseStore(tmp_path / "responses", max_age_days=1)
    _save(store, age_days=2)
    other = store.folder / "notes.json"
    other.write_text("{}")
    os.utime(other, (time.time() - 5 * DAY,) * 2)
    assert store.clean() == 1
    assert other.exists()


def test_a_missing_folder_cleans_to_nothing(tmp_path: Path) -> None:
    assert ResponseStore(tmp_path / "never-made").clean() == 0


@pytest.mark.parametrize("bad", ["resp_../../etc/passwd", "../x", "resp_" + "0" * 31])
def test_ids_that_are_not_ours_name_no_file(tmp_path: Path, bad: str) -> None:
    assert ResponseStore(tmp_path).conversation(bad) is None
