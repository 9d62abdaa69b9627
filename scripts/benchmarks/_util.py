"""Helpers shared by benchmark modules: timing and peak memory of a child process."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any


def measure(name: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    """One benchmark entry in the bench.py JSON schema."""
    return {"name": name, "value": value, "unit": unit, **extra}


def best_time(fn: Callable[[], object], repeat: int = 3) -> float:
    """Smallest wall-clock time of ``repeat`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_rss_gib_self() -> float:
    """Peak resident set size of this process so far, GiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
