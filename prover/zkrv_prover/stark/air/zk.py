"""Zero-knowledge masking of committed traces (see ``docs/stark.md``, "Zero knowledge").

A table of n rows (trace polynomial T of degree < n, interpolating the rows on H_n) is committed
as ``T' = T + Z_H * R`` with Z_H = x^n - 1 and R a uniformly random polynomial of degree < k.
T' equals the trace on H_n (Z_H vanishes there), and for any set S of at most k points outside
H_n the values T'(S) are uniform and independent of T: Z_H is nonzero on S, and R's values on k
distinct points are uniform (the Vandermonde map from R's k coefficients is a bijection).

How many values does a proof reveal per column? Two per FRI query and EXT_DEGREE per
out-of-domain point:

- a query at a point x of the LDE coset (which never meets H_n) opens the committed row T'(x),
  and also the quotient chunks at x. The verifier recombines those into
  Q(x) = C(T'(x), T'(x h)) / Z_H(x), where C is the constraints' random combination, which
  reads the *next* row: Q(x) is a function of T'(x h). For a transition constraint such as
  T(x h) = T(x) + 1 it gives T'(x h) exactly. So each query reveals the column at x and at
  x h (the tree opens one row, but the quotient discloses its neighbour): ``QUERY_POINTS = 2``.
- the out-of-domain openings at zeta and zeta * h are *extension* values: T'(zeta) is
  EXT_DEGREE base-field linear forms in R's coefficients, so each costs EXT_DEGREE degrees of
  freedom, not one.

Hence ``revealed = QUERY_POINTS * num_queries + EXT_DEGREE * OOD_POINTS`` (130 at the defaults)
and masking needs k >= revealed. The count is per column of every masked table, whether or not
its constraints read the next row (LogUp aux columns always do); T' at fewer distinct points
(two queries at neighbouring points) only reveals less.

:func:`plan` picks one of two layouts (the only place deciding it):

- relaxed (n >= 2^ZK_LOG_HEADROOM * revealed): k = n / 2^ZK_LOG_HEADROOM, and T' (n + k
  coefficients) is committed at height n under the PCS's relaxed degree bound
  (``PcsParams.degree_bound``). No doubling: the LDE stays n * blowup.
- padded (smaller tables, where k = n / 64 would be too few): T' of degree < N, N the smallest
  power of two >= n + revealed, committed at height N (k = N - n). Cheap: such tables are small.

The quotient chunks of the table get the same height and degree bound (``quotient.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.commit.params import ZK_LOG_HEADROOM, PcsParams
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.field.randomness import FieldRng, require

U32 = npt.NDArray[np.uint32]

#: Out-of-domain points a column can be opened at (zeta and zeta * h).
OOD_POINTS = 2
#: Points of the LDE coset a query reveals a column at: x (the opened row) and x * h (through
#: the quotient's value at x, module doc).
QUERY_POINTS = 2


def revealed(params: PcsParams) -> int:
    """Base-field degrees of freedom a proof can reveal about one committed column (module
    doc): ``QUERY_POINTS * num_queries + EXT_DEGREE * OOD_POINTS``."""
    return QUERY_POINTS * params.num_queries + EXT_DEGREE * OOD_POINTS


@dataclass(frozen=True)
class MaskPlan:
    """How a table of ``n`` rows is committed: at height 2^``log_height`` as polynomials with
    ``degree_bound`` coefficients (the first n are the trace's, masked; ``k`` = degree_bound - n
    random ones). Without zk: height n, degree bound n, k = 0."""

    n: int
    log_height: int
    degree_bound: int

    @property
    def k(self) -> int:
        """Number of random coefficients of the masking polynomial R."""
        return self.degree_bound - self.n


def plan(params: PcsParams, n: int) -> MaskPlan:
    """The commitment layout of a table of n rows (n a power of two; module doc)."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"table height must be a power of two, got {n}")
    log_n = n.bit_length() - 1
    if not params.zk:
        return MaskPlan(n, log_n, n)
    need = revealed(params)
    if n >> ZK_LOG_HEADROOM >= need:
        return MaskPlan(n, log_n, params.degree_bound(log_n))
    N = 1 << (n + need - 1).bit_length()
    return MaskPlan(n, N.bit_length() - 1, N)


def mask_coeffs(coeffs: U32, mp: MaskPlan, rng: FieldRng | None) -> U32:
    """Coefficients (degree_bound, w) of T' = T + Z_H R from T's (n, w) coefficients, R uniform
    with k coefficients: T' = T - R on [0, k) and + R on [n, n + k). Without masking (k = 0) the
    input is returned as is."""
    out = unmasked(coeffs, mp)
    if mp.k == 0:
        return out
    n, w = coeffs.shape
    k = mp.k
    r = require(rng, "masking").base((k, w)).astype(np.int64)
    # Only 2 k rows change (int64 temporaries of that size). The ranges overlap only for tiny
    # padded tables (k > n); the sequential updates handle that too.
    out[:k] = (out[:k].astype(np.int64) - r) % P
    out[n:] = (out[n:].astype(np.int64) + r) % P
    return out


def unmasked(coeffs: U32, mp: MaskPlan) -> U32:
    """``coeffs`` (n, w) padded with zero rows to the plan's degree bound: the layout of
    :func:`mask_coeffs` with R = 0, for a table whose values are public (an empty table,
    ``prover.empty_tables``), which needs no hiding."""
    n, w = coeffs.shape
    if n != mp.n:
        raise ValueError(f"masking plan is for {mp.n} rows, got {n}")
    if mp.k == 0:
        return coeffs
    out = np.zeros((mp.degree_bound, w), dtype=np.uint32)
    out[:n] = coeffs
    return out


def evals_on_subgroup(coeffs: U32, n: int) -> U32:
    """Values on H_n of column polynomials with any number of coefficients (x^n = 1 there:
    coefficient i lands on i mod n). For tests and debugging."""
    from zkrv_prover.stark.field.ntt import ntt

    m, w = coeffs.shape
    acc = np.zeros((n, w), dtype=np.uint64)
    for start in range(0, m, n):  # at most a few wraps, not rows
        blk = coeffs[start : start + n].astype(np.uint64)
        acc[: blk.shape[0]] += blk
    return ntt((acc % np.uint64(P)).astype(np.uint32))


def logup_blinds(params: PcsParams, count: int, rng: FieldRng | None) -> U32:
    """The LogUp blinds ``b_t`` (count, EXT_DEGREE) of a proof's ``count`` LogUp tables (see
    :mod:`zkrv_prover.stark.air.logup`): uniformly random for all but the last, which is minus
    their sum, so they sum to zero. Without zk they are all zero (the layout stays the same)."""
    out = np.zeros((count, EXT_DEGREE), dtype=np.uint32)
    if not params.zk or count == 0:
        return out
    if rng is None:
        raise ValueError("LogUp blinding needs an rng")
    r = require(rng, "LogUp blinding").base((count - 1, EXT_DEGREE))
    out[: count - 1] = r
    out[count - 1] = (-r.astype(np.int64).sum(axis=0)) % P
    return out
