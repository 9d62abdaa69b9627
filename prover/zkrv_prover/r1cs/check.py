"""Vectorized satisfaction check of an :class:`~zkrv_prover.r1cs.system.R1CS` (for tests).

The pure-Python ``R1CS.is_satisfied`` walks rows one by one; this checker evaluates ``A w``,
``B w`` and ``C w`` with numpy object arrays (Python ints inside, loops in C), in row chunks so
memory stays bounded, and handles circuits of 10^4 to 10^6 constraints in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.system import R1CS, Limbs, SparseMatrix

_CHUNK_NNZ = 1 << 20


def limbs_to_objects(limbs: Limbs) -> npt.NDArray[np.object_]:
    """(n, 4) uint64 limbs to an object array of Python ints."""
    out = np.zeros(limbs.shape[0], dtype=object)
    for i in range(3, -1, -1):
        out = (out << 64) + limbs[:, i].astype(object)
    return out


def _row_sums(
    m: SparseMatrix, w: npt.NDArray[np.object_], lo: int, hi: int
) -> npt.NDArray[np.object_]:
    """``(M w)[lo:hi] mod R``."""
    ptr = m.indptr[lo : hi + 1]
    a, b = int(ptr[0]), int(ptr[-1])
    out = np.zeros(hi - lo, dtype=object)
    if a == b:
        return out
    prod = limbs_to_objects(m.coeffs[a:b]) * w[m.indices[a:b]]
    starts = ptr[:-1] - a
    nonempty = ptr[1:] > ptr[:-1]
    # reduceat over non-empty rows only: empty rows would otherwise pick up a neighbour's term
    out[nonempty] = np.add.reduceat(prod, starts[nonempty])
    return out % R


def first_unsatisfied(r1cs: R1CS, witness: Sequence[int]) -> int | None:
    """Index of the first constraint with ``<A_i,w> * <B_i,w> != <C_i,w>``, or None."""
    if len(witness) != r1cs.n_vars or witness[0] != 1:
        raise ValueError("witness must have n_vars entries and w[0] == 1")
    w = np.array([x % R for x in witness], dtype=object)
    n = r1cs.n_constraints
    lo = 0
    while lo < n:
        # grow the chunk until it holds about _CHUNK_NNZ non-zeros in A
        hi = int(np.searchsorted(r1cs.a.indptr, r1cs.a.indptr[lo] + _CHUNK_NNZ, side="right"))
        hi = min(max(hi - 1, lo + 1), n)
        av = _row_sums(r1cs.a, w, lo, hi)
        bv = _row_sums(r1cs.b, w, lo, hi)
        cv = _row_sums(r1cs.c, w, lo, hi)
        bad = np.flatnonzero((av * bv - cv) % R != 0)
        if bad.shape[0]:
            return lo + int(bad[0])
        lo = hi
    return None


def unpinned_vars(r1cs: R1CS, witness: Sequence[int], candidates: Sequence[int]) -> list[int]:
    """Candidates whose value can be changed by +1 without violating any constraint.

    A gadget whose every internal variable is pinned this way has no free witness entry: a
    cheap necessary condition for soundness that tests check on each gadget. Only the rows a
    variable appears in are re-evaluated, so this is fast on circuits of thousands of rows.
    """
    rows_of: dict[int, set[int]] = {}
    for m in (r1cs.a, r1cs.b, r1cs.c):
        row_ids = np.repeat(np.arange(r1cs.n_constraints), np.diff(m.indptr))
        for v, r in zip(m.indices.tolist(), row_ids.tolist(), strict=True):
            rows_of.setdefault(v, set()).add(r)
    w = [x % R for x in witness]

    def row_ok(i: int) -> bool:
        vals = []
        for m in (r1cs.a, r1cs.b, r1cs.c):
            vals.append(sum(c * w[v] for v, c in m.row(i)) % R)
        return vals[0] * vals[1] % R == vals[2]

    free = []
    for v in candidates:
        old = w[v]
        w[v] = (old + 1) % R
        if all(row_ok(i) for i in rows_of.get(v, ())):
            free.append(v)
        w[v] = old
    return free
