"""The bulk R1CS container handed between the R1CS builder and the native Groth16 engine.

A constraint system over the BN254 scalar field with variables ``w[0..n_vars)``; ``w[0] = 1``
(the iden3 convention), ``w[1..=n_public]`` are the public inputs, the rest private. Constraint
``i`` is ``<A_i, w> * <B_i, w> = <C_i, w>``. Each matrix is stored in CSR form with coefficients
as little-endian 64-bit limbs, so millions of constraints cross into Rust with no per-constraint
Python objects. Field elements are always canonical (< R) and in standard (not Montgomery) form.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zkrv_prover.bn254.constants import R

Limbs = npt.NDArray[np.uint64]  # shape (n, 4), little-endian limbs of canonical field elements


def to_limbs(values: Iterable[int]) -> Limbs:
    """Canonical field elements (Python ints in [0, R)) to an (n, 4) uint64 limb array."""
    vals = list(values)
    for v in vals:
        if not 0 <= v < R:
            raise ValueError(f"not a canonical BN254 scalar: {v}")
    raw = b"".join(v.to_bytes(32, "little") for v in vals)
    return np.frombuffer(raw, dtype="<u8").reshape(len(vals), 4).astype(np.uint64)


def from_limbs(limbs: Limbs) -> list[int]:
    """Inverse of :func:`to_limbs`."""
    arr = np.ascontiguousarray(limbs, dtype="<u8").reshape(-1, 4)
    raw = arr.tobytes()
    return [int.from_bytes(raw[32 * i : 32 * i + 32], "little") for i in range(arr.shape[0])]


@dataclass(frozen=True)
class SparseMatrix:
    """One of A, B, C in CSR form: row ``i`` is ``indices/coeffs[indptr[i]:indptr[i+1]]``."""

    indptr: npt.NDArray[np.int64]  # (n_constraints + 1,)
    indices: npt.NDArray[np.int64]  # (nnz,) variable indices
    coeffs: Limbs  # (nnz, 4)

    @staticmethod
    def from_rows(rows: Sequence[Sequence[tuple[int, int]]]) -> SparseMatrix:
        """Build from rows of ``(variable index, coefficient)`` pairs (small systems, tests)."""
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(r) for r in rows])
        indices = np.array([v for r in rows for v, _ in r], dtype=np.int64)
        coeffs = to_limbs(c % R for r in rows for _, c in r)
        return SparseMatrix(indptr, indices, coeffs)

    def row(self, i: int) -> list[tuple[int, int]]:
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return list(zip(self.indices[lo:hi].tolist(), from_limbs(self.coeffs[lo:hi]), strict=True))


@dataclass(frozen=True)
class R1CS:
    """A rank-1 constraint system; see the module docstring for the conventions."""

    n_vars: int
    n_public: int
    a: SparseMatrix
    b: SparseMatrix
    c: SparseMatrix

    @property
    def n_constraints(self) -> int:
        return int(self.a.indptr.shape[0]) - 1

    def validate(self) -> None:
        """Check shapes and index ranges; raises ``ValueError`` naming the first problem."""
        if not 0 <= self.n_public < self.n_vars:
            raise ValueError(f"n_public={self.n_public} out of range for n_vars={self.n_vars}")
        for name, m in (("A", self.a), ("B", self.b), ("C", self.c)):
            if m.indptr.shape[0] != self.n_constraints + 1:
                raise ValueError(
                    f"matrix {name} has {m.indptr.shape[0] - 1} rows, expected {self.n_constraints}"
                )
            nnz = int(m.indptr[-1])
            if m.indices.shape != (nnz,) or m.coeffs.shape != (nnz, 4):
                raise ValueError(f"matrix {name}: indices/coeffs length disagrees with indptr")
            if nnz and (m.indices.min() < 0 or m.indices.max() >= self.n_vars):
                raise ValueError(f"matrix {name} references a variable outside 0..{self.n_vars}")

    def is_satisfied(self, witness: Sequence[int]) -> int | None:
        """Pure-Python check for tests: index of the first violated constraint, or None."""
        if len(witness) != self.n_vars or witness[0] != 1:
            raise ValueError("witness must have n_vars entries and w[0] == 1")

        def dot(m: SparseMatrix, i: int) -> int:
            return sum(c * witness[v] for v, c in m.row(i)) % R

        for i in range(self.n_constraints):
            if dot(self.a, i) * dot(self.b, i) % R != dot(self.c, i):
                return i
        return None
