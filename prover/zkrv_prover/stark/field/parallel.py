"""The prover's thread count and a shared pool for numpy work split into independent blocks.

numpy releases the GIL inside ufunc loops over large arrays, so blocks of a few hundred KiB and up
run concurrently on several cores from plain threads (no pickling, shared memory). The worker
count is one setting: the environment variable ``ZKRV_THREADS`` (read once, at first use), else
``os.cpu_count()`` capped at :data:`MAX_THREADS`. ``ZKRV_THREADS=1`` runs every block inline in
the calling thread, in order.

Results never depend on the thread count: callers split work into blocks that write disjoint
output slices (or return values combined in block order), so the arithmetic is the same.

While blocks run, the BLAS library numpy links (OpenBLAS) is limited to one thread through
``threadpoolctl``: the blocks are the parallelism, and OpenBLAS's own spinning threads on top of
them made the skinny matrix products of the DEEP reduction about 5 times slower (measured:
1.9 s against 0.36 s for a 2^19 x 103 product on this machine's 2 cores).

Allocator (glibc only; ``ZKRV_MALLOC_TUNE=0`` leaves it alone): block-wise numpy code allocates
and frees many temporaries of 100 KiB to a few MiB. With glibc's defaults those are mmap'd and
trimmed back to the kernel on every free, so each use page-faults afresh, and page faults from
two threads serialize in the kernel: the quotient ran no faster on 2 threads than on 1. At
import this module raises the mmap threshold to 32 MiB and the trim threshold to 256 MiB
(``mallopt``), so such temporaries are reused from the heap; larger arrays are still mmap'd and
returned on free. Measured on the benchmark AIR's quotient (2^16 points): 0.30 s -> 0.20 s on
one thread, 0.15 s on two.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from zkrv_prover.errors import ZkrvError

T = TypeVar("T")
R = TypeVar("R")

#: Upper bound of the default worker count (beyond that, numpy passes are memory-bound).
MAX_THREADS = 8

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_local = threading.local()
_blas: Any = None  # threadpoolctl.ThreadpoolController, created after numpy loaded its BLAS


class ThreadsSettingError(ZkrvError, ValueError):
    """``ZKRV_THREADS`` is not a positive integer (a user setting: one-line CLI error)."""


def _from_env() -> int:
    raw = os.environ.get("ZKRV_THREADS", "").strip()
    if raw:
        try:
            n = int(raw)
        except ValueError as e:
            raise ThreadsSettingError(
                f"ZKRV_THREADS must be a positive integer, got {raw!r}"
            ) from e
        if n < 1:
            raise ThreadsSettingError(f"ZKRV_THREADS must be a positive integer, got {raw!r}")
        return n
    return max(1, min(os.cpu_count() or 1, MAX_THREADS))


_threads = _from_env()

#: glibc mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def _tune_malloc() -> bool:
    """Raise glibc's mmap and trim thresholds (module doc); True if applied."""
    if os.environ.get("ZKRV_MALLOC_TUNE", "1").strip() == "0" or not sys.platform.startswith(
        "linux"
    ):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = mallopt(_M_MMAP_THRESHOLD, 32 << 20) == 1
    return bool(mallopt(_M_TRIM_THRESHOLD, 256 << 20) == 1 and ok)


MALLOC_TUNED = _tune_malloc()


def threads() -> int:
    """The configured worker count (>= 1)."""
    return _threads


def set_threads(n: int) -> None:
    """Change the worker count for this process (tests, benchmarks); takes effect for the next
    :func:`map_blocks` call."""
    global _threads
    if n < 1:
        raise ValueError("thread count must be >= 1")
    _threads = n


def _executor(n: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != n:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="zkrv-prover")
            _pool_size = n
        return _pool


def _blas_one_thread() -> AbstractContextManager[object]:
    """Context limiting numpy's BLAS to one thread (restored on exit)."""
    global _blas
    import numpy  # noqa: F401  (loads the BLAS library the controller must see)
    from threadpoolctl import ThreadpoolController

    with _lock:
        if _blas is None:
            _blas = ThreadpoolController()
    limiter: AbstractContextManager[object] = _blas.limit(limits=1, user_api="blas")
    return limiter


def map_blocks(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(item) for item in items]``, the calls spread over :func:`threads` workers, with
    BLAS limited to one thread meanwhile.

    Runs inline when called from inside a worker (nested parallel sections would otherwise wait
    on their own pool), or, still with the BLAS limit, when there is one worker or one item.
    Exceptions propagate."""
    seq: Sequence[T] = items if isinstance(items, Sequence) else list(items)
    if getattr(_local, "inside", False):
        return [fn(x) for x in seq]
    n = _threads

    def run(x: T) -> R:
        _local.inside = True
        try:
            return fn(x)
        finally:
            _local.inside = False

    with _blas_one_thread():
        if n == 1 or len(seq) <= 1:
            return [run(x) for x in seq]
        return list(_executor(n).map(run, seq))


def split(total: int, block: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(total)`` in blocks of ``block`` (last shorter)."""
    if block < 1:
        raise ValueError("block size must be >= 1")
    return [(s, min(total, s + block)) for s in range(0, total, block)]
