"""The in-memory key cache (``zkrv_prover.lru``)."""

import pytest

from zkrv_prover.lru import Lru


def test_lru_drops_least_recent_and_hits_refresh() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent: "b" goes first
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_lru_get_or_make_makes_once() -> None:
    made: list[int] = []
    cache: Lru[int, int] = Lru(1)

    def make() -> int:
        made.append(1)
        return 7

    assert cache.get_or_make(5, make) == 7
    assert cache.get_or_make(5, make) == 7
    assert made == [1]
    cache.clear()
    assert len(cache) == 0 and cache.get(5) is None
    with pytest.raises(ValueError):
        Lru(0)
