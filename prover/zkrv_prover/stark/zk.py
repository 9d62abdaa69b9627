"""Zero-knowledge masking of committed traces (see ``docs/stark.md``, "Zero knowledge").

A table of n rows is committed as a polynomial T' of degree < N (N a power of two > n) that
agrees with the trace on the constraint domain H_n and is uniformly random elsewhere: on H_N the
rows at multiples of N / n are the trace rows (H_n is the subgroup of H_N of index N / n) and
every other row is uniform. T' = T + Z_{H_n} R with R uniform of degree < N - n, so any N - n
evaluations of T' outside H_n are independent and uniform: the openings at zeta, zeta * h and at
the FRI query points reveal nothing about the trace as long as the proof reveals at most N - n
evaluations per column. :func:`masked_height` picks N from that count.
"""

from __future__ import annotations

import numpy as np

from zkrv_prover.stark.field import random as random_base


def masked_height(n: int, revealed: int) -> int:
    """Smallest power of two N >= 2 n with N - n >= revealed."""
    need = max(2 * n, n + revealed)
    return 1 << (need - 1).bit_length()


def mask_trace(trace: np.ndarray, N: int, rng: np.random.Generator) -> np.ndarray:
    """(N, w) uint32: trace rows at multiples of N / n, uniform rows elsewhere."""
    n, w = trace.shape
    stride = N // n
    out = random_base((N, w), rng)
    out[::stride] = trace
    return out


def unmask_rows(masked: np.ndarray, n: int) -> np.ndarray:
    """The trace rows back from a masked matrix (for tests)."""
    return masked[:: masked.shape[0] // n]
