"""The library's lifecycle gate with real threads: nothing is freed while a call still uses it."""

from __future__ import annotations

import threading

import pytest

from desktop.core.library.lifecycle import LibraryClosed, Lifecycle


def test_a_search_slower_than_the_wait_frees_the_parts_itself_when_it_ends() -> None:
    life = Lifecycle()
    inside, finish = threading.Event(), threading.Event()
    freed: list[str] = []

    def slow_search() -> None:
        with life.using():
            inside.set()
            finish.wait()
            freed.append("search ended")

    searcher = threading.Thread(target=slow_search)
    searcher.start()
    inside.wait()
    # The window closes while the search runs longer than close is willing to wait.
    assert life.retire(lambda: lambda: freed.append("freed"), wait_s=0.05, close=True) is False
    assert freed == []  # not under the running search
    with pytest.raises(LibraryClosed, match="The library was closed"):
        with life.using():
            pass
    finish.set()
    searcher.join()
    assert freed == ["search ended", "freed"]  # by the search itself, as it left


def test_a_reopen_lets_new_searches_wait_and_then_run() -> None:
    life = Lifecycle()
    order: list[str] = []
    life.retire(lambda: (order.append("swapped"), lambda: order.append("old freed"))[1], wait_s=1.0)
    with life.using():
        order.append("search")
    assert order == ["swapped", "old freed", "search"] and not life.closed
