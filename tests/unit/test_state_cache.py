"""The command runner's cache of committed aggregates."""

from __future__ import annotations

from uuid import uuid4

from pathways_infra.commands import StateCache, _Loaded


def test_peek_answers_from_any_thread_without_refreshing_an_entry() -> None:
    cache = StateCache(capacity=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    cache.keep({first: _Loaded("first, version 1", 1), second: _Loaded("second, version 1", 1)})

    assert cache.peek(first) == "first, version 1"
    assert cache.peek(uuid4()) is None
    cache.keep({third: _Loaded("third, version 1", 1)})

    assert cache.peek(first) is None, "a peek must not count as a use: the oldest entry goes first"
    assert (cache.peek(second), cache.peek(third)) == ("second, version 1", "third, version 1")


def test_get_refreshes_an_entry_so_it_stays() -> None:
    cache = StateCache(capacity=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    cache.keep({first: _Loaded("first", 1), second: _Loaded("second", 1)})

    cache.get(first)
    cache.keep({third: _Loaded("third", 1)})

    assert (cache.peek(first), cache.peek(second)) == ("first", None)
