"""Helpers shared by benchmark modules: timing and peak memory of a child process."""

from __future__ import annotations

import os
import resource
import threading
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


def _tree_rss_bytes(pid: int) -> int:
    """Resident set of ``pid`` and all its descendants (Linux /proc), bytes."""
    total = 0
    stack = [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue  # exited meanwhile
    return total


class PeakSampler:
    """Samples the total resident set of this process and its descendants every ``period`` s in a
    thread (``with PeakSampler() as p: ...``; ``p.peak`` in bytes)."""

    def __init__(self, period: float = 0.2) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, args=(period,), daemon=True)

    def _run(self, period: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_bytes(os.getpid()))
            self._stop.wait(period)

    def __enter__(self) -> PeakSampler:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
