"""Per-table heights of lifted proofs (Poseidon2 STARK proofs, ``docs/stark.md``, "Lifted
layout"): the height spec a verifier accepts and the committed heights of each round's
matrices, shared by prover, verifier and codec.

In the lifted layout each table has its own quotient (``air/lifted_quotient.py``), every round
but the preprocessed one is one lifted tree at the global top H (the tallest committed LDE), the
preprocessed round one lifted tree at its own height (keygen does not know H), and FRI folds by
two (``commit/pcs_verify_lifted.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkrv_prover.stark.air import zk
from zkrv_prover.stark.air.air import TableLayout
from zkrv_prover.stark.air.lifted_quotient import chunk_plan
from zkrv_prover.stark.commit.params import MAX_LOG_HEIGHT, PcsParams


@dataclass(frozen=True)
class HeightSpec:
    """The log2 row counts a verifier accepts: ``ranges[t] = (lo, hi)`` per table (a fixed
    table: lo = hi). One recorded verifier serves every proof whose heights lie in the spec."""

    ranges: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        for lo, hi in self.ranges:
            if not 1 <= lo <= hi <= MAX_LOG_HEIGHT:
                raise ValueError(f"height range [{lo}, {hi}] empty or beyond 2^{MAX_LOG_HEIGHT}")

    @staticmethod
    def exact(log_heights: Sequence[int]) -> HeightSpec:
        """The degenerate spec of one proof's heights (fixed-shape verification)."""
        return HeightSpec(tuple((int(h), int(h)) for h in log_heights))

    @staticmethod
    def of_layouts(
        layouts: Sequence[TableLayout], lo: int, hi: int, pre_ranges: dict[int, tuple[int, int]]
    ) -> HeightSpec:
        """Tables without preprocessed columns in [lo, hi]; preprocessed tables at their own
        height unless ``pre_ranges`` gives one (tables whose preprocessed columns differ per
        program, verified with the preprocessed root as data)."""
        out = []
        for t, lay in enumerate(layouts):
            if t in pre_ranges:
                out.append(pre_ranges[t])
            elif lay.preprocessed is not None:
                h = lay.preprocessed.shape[0].bit_length() - 1
                out.append((h, h))
            else:
                out.append((lo, hi))
        return HeightSpec(tuple(out))

    def check(self, log_heights: Sequence[int]) -> None:
        """``ValueError`` unless the heights lie in the spec (one per table)."""
        if len(log_heights) != len(self.ranges):
            raise ValueError(f"{len(log_heights)} table heights, the spec has {len(self.ranges)}")
        for t, (h, (lo, hi)) in enumerate(zip(log_heights, self.ranges, strict=True)):
            if not lo <= h <= hi:
                raise ValueError(f"table {t}: height 2^{h} outside the spec [2^{lo}, 2^{hi}]")


def min_log(params: PcsParams) -> int:
    """Smallest committed log height of the lifted layout: one above the final FRI domain
    (``pcs_verify_lifted``: a matrix at that height could not be rolled in). Smaller matrices
    are committed there, under that height's larger degree bound (as the padded zk layout
    does): the DEEP-ALI identity stays a low-degree one."""
    return params.log_final_poly_len + 1


def committed_log(params: PcsParams, log_n: int) -> int:
    """Committed (masked) log height of a table of 2^log_n rows: main and aux matrices."""
    return max(zk.plan(params, 1 << log_n).log_height, min_log(params))


def quotient_log(params: PcsParams, degree: int, log_n: int) -> int:
    """Committed log height of a table's quotient chunks (``lifted_quotient.chunk_plan``)."""
    return max(chunk_plan(params, degree, 1 << log_n).commit.log_height, min_log(params))


def pre_log(params: PcsParams, log_n: int) -> int:
    """Committed log height of a table's preprocessed matrix (public: not masked)."""
    return max(log_n, min_log(params))


def pre_tree_log(
    params: PcsParams, layouts: Sequence[TableLayout], log_heights: Sequence[int]
) -> int | None:
    """Log height (rows, before the blowup) of the lifted preprocessed tree: its tallest
    matrix (None without preprocessed tables)."""
    hs = [h for lay, h in zip(layouts, log_heights, strict=True) if lay.preprocessed is not None]
    return pre_log(params, max(hs)) if hs else None


def top_log(params: PcsParams, layouts: Sequence[TableLayout], log_heights: Sequence[int]) -> int:
    """The global top (rows, before the blowup): the tallest committed matrix of any round
    (main and quotient matrices dominate aux and preprocessed ones)."""
    return max(
        max(committed_log(params, h), quotient_log(params, lay.degree, h))
        for lay, h in zip(layouts, log_heights, strict=True)
    )


__all__ = [
    "HeightSpec",
    "committed_log",
    "min_log",
    "pre_log",
    "pre_tree_log",
    "quotient_log",
    "top_log",
]
