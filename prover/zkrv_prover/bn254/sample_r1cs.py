"""Synthetic R1CS instances with satisfying witnesses, for tests and benchmarks.

``chain_r1cs(m)``: public input p (w[1]) and private s_0..s_{m-1} (w[2..]) with
s_i = (s_{i-1} + c_i) * (s_{i-1} + d_i), s_{-1} = p: m constraints, m + 2 variables, 5 non-zero
coefficients per constraint. Built with numpy (no per-constraint Python objects); the witness is a
sequential Python loop (about a second per million constraints).
"""

from __future__ import annotations

import numpy as np

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.system import R1CS, SparseMatrix


def _small_limbs(vals: np.ndarray) -> np.ndarray:
    out = np.zeros((vals.shape[0], 4), dtype=np.uint64)
    out[:, 0] = vals.astype(np.uint64)
    return out


def chain_r1cs(m: int, public_input: int = 3) -> tuple[R1CS, list[int]]:
    """The chain circuit above with ``m >= 1`` constraints, and its full witness."""
    if m < 1:
        raise ValueError("need at least one constraint")
    i = np.arange(m, dtype=np.int64)
    c = i + 1
    d = 2 * i + 3
    prev = np.where(i == 0, 1, i + 1)  # variable index of s_{i-1} (s_{-1} is w[1] = p)
    ones = np.ones(m, dtype=np.int64)

    def two_terms(const: np.ndarray) -> SparseMatrix:
        indices = np.stack([prev, np.zeros(m, dtype=np.int64)], axis=1).reshape(-1)
        coeffs = np.stack([_small_limbs(ones), _small_limbs(const)], axis=1).reshape(-1, 4)
        return SparseMatrix(np.arange(0, 2 * m + 1, 2, dtype=np.int64), indices, coeffs)

    cm = SparseMatrix(np.arange(m + 1, dtype=np.int64), i + 2, _small_limbs(ones))
    r1cs = R1CS(n_vars=m + 2, n_public=1, a=two_terms(c), b=two_terms(d), c=cm)
    w = [1, public_input % R]
    s = w[1]
    for ci, di in zip(c.tolist(), d.tolist(), strict=True):
        s = (s + ci) * (s + di) % R
        w.append(s)
    return r1cs, w
