"""Prover numpy stages with 1 and 2 worker threads (ZKRV_THREADS): LDE, quotient, DEEP.

Each kernel runs on random data of a production shape (the zkVM CPU table's 103 columns, the
benchmark AIR's quotient) with ``parallel.set_threads(1)`` and ``(2)``, interleaved, best of 3
wall-clock times. Every entry carries the 1-minute load average when it was measured: on a
shared 2-core machine a second thread only helps when a core is idle.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
from benchmarks._util import best_time, measure


def run() -> list[dict[str, Any]]:
    from zkrv_prover.stark.air import quotient
    from zkrv_prover.stark.air.air import compile_machine
    from zkrv_prover.stark.commit import pcs
    from zkrv_prover.stark.examples import bench_air
    from zkrv_prover.stark.field import ntt, parallel
    from zkrv_prover.stark.field.field import EXT_DEGREE, GENERATOR, P

    rng = np.random.default_rng(1)
    coeffs = rng.integers(0, P, size=(1 << 16, 103), dtype=np.uint32)
    lde = rng.integers(0, P, size=(1 << 19, 103), dtype=np.uint32)
    ap = rng.integers(0, P, size=(103, EXT_DEGREE), dtype=np.uint32)
    lay = compile_machine(bench_air.machine())[0]
    n = 1 << 14
    M = 4 * n
    leaves = quotient.QuotientLeaves(
        n,
        quotient.domain_points(M, GENERATOR),
        rng.integers(0, P, size=(M, lay.main_width), dtype=np.uint32),
        None,
        rng.integers(0, P, size=(M, lay.aux_width, EXT_DEGREE), dtype=np.uint32),
        [],
        rng.integers(0, P, size=(2, EXT_DEGREE), dtype=np.uint64),
        rng.integers(0, P, size=EXT_DEGREE, dtype=np.uint64),
        bitrev=True,
    )
    gamma = rng.integers(0, P, size=EXT_DEGREE, dtype=np.uint64)
    kernels: dict[str, Callable[[], object]] = {
        "lde_bitrev_2e16x103_blowup8": lambda: ntt.lde_bitrev(coeffs, 3, GENERATOR),
        "quotient_bench_air_2e14_rows": lambda: quotient.combined_quotient(lay, leaves, gamma),
        "deep_dot_alpha_2e19x103": lambda: pcs._dot_alpha(lde, ap),
    }
    before = parallel.threads()
    out: list[dict[str, Any]] = []
    try:
        for name, fn in kernels.items():
            times = {}
            for th in (1, 2, 1, 2):
                parallel.set_threads(th)
                t = best_time(fn)
                times[th] = min(times.get(th, t), t)
            load = os.getloadavg()[0]
            for th in (1, 2):
                out.append(measure(f"{name}_threads{th}", times[th], "s", load1=load))
            out.append(measure(f"{name}_speedup", times[1] / times[2], "x", load1=load))
    finally:
        parallel.set_threads(before)
    return out
