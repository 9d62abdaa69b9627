"""Quotient chunks of one table in the lifted layout (Poseidon2 proofs, per-table heights).

In the lifted layout every table has its own quotient (no grouping by equal heights: which
tables share a height is data there), and the chunk *count* must not depend on the table's
height, so that one verifier serves every height in a range. The stride of the chunks is the
table's committed trace height ``s = 2^zk.plan(n).log_height`` (n without zk or for large
tables, the padded N for small zk tables), ``Q(x) = sum_j x^(j s) Q_j(x)``:

- Q has fewer than ``top = D (Nd - 1) + 2 - n`` coefficients (``quotient.quotient_len``) and
  ``c = max(1, ceil(top / s))`` is ``max(1, D - 1)`` without zk and ``D`` with zk, whatever
  n >= 64 (relaxed: ``(D - 1) n < top <= D n``; padded: ``(D - 1) N < top <= D N`` since
  ``N >= n + revealed``). The verifier checks the count is constant over its range anyway.
- Each chunk is committed like a table of s rows (``zk.plan(params, s)``): at height s with the
  relaxed bound for large tables (blinding room s/64 >= revealed), at 2s for padded ones
  (room s >= n + revealed); ``quotient.split_coeffs(coeffs, s, bound, c, rng)`` blinds them
  (``Q_j' = Q_j + x^s b_j - b_(j-1)`` telescopes, as with stride n).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkrv_prover.stark.air import zk
from zkrv_prover.stark.air.quotient import quotient_len
from zkrv_prover.stark.commit.params import PcsParams


@dataclass(frozen=True)
class ChunkPlan:
    """The lifted quotient layout of a table of n rows: ``c`` chunks of stride ``stride``, each
    committed as ``commit`` says (height, degree bound)."""

    stride: int
    chunks: int
    commit: zk.MaskPlan

    @property
    def log_stride(self) -> int:
        return self.stride.bit_length() - 1


def chunk_plan(params: PcsParams, degree: int, n: int) -> ChunkPlan:
    """The chunk layout (module doc) of a table of n rows and constraint degree ``degree``."""
    tp = zk.plan(params, n)
    s = 1 << tp.log_height
    c = max(1, -(-quotient_len(degree, n, tp.degree_bound) // s))
    return ChunkPlan(s, c, zk.plan(params, s))


def chunk_count(params: PcsParams, degree: int, log_lo: int, log_hi: int) -> int:
    """The chunk count of a table over the log heights [log_lo, log_hi]; ``ValueError`` if it
    varies (it does not for heights >= 64 rows, module doc)."""
    cs = {chunk_plan(params, degree, 1 << lg).chunks for lg in range(log_lo, log_hi + 1)}
    if len(cs) != 1:
        raise ValueError(f"quotient chunk count varies over heights 2^{log_lo}..2^{log_hi}")
    return cs.pop()


__all__ = ["ChunkPlan", "chunk_count", "chunk_plan"]
