"""Helpers shared by the ALU tables: named column layouts, event batches, padding, dedup.

Nothing here constrains anything; it only keeps the AIR code and the trace generators of one table
pointing at the same column indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.air.air import Expr

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]


class Columns:
    """A table's main columns as named groups, e.g. ``Columns(("a", 4), ("m", 1))``.

    ``bind(row)`` maps a builder row (``b.main_local``) to ``{name: [Expr, ...]}``; ``zeros(n)``
    makes an empty trace and ``put(trace, name, values)`` fills a group (values of shape ``(n,)``
    for one column or ``(n, k)`` for a group of k)."""

    def __init__(self, *groups: tuple[str, int]) -> None:
        self.start: dict[str, int] = {}
        self.size: dict[str, int] = {}
        pos = 0
        for name, k in groups:
            if name in self.start or k < 1:
                raise ValueError(f"bad column group {name!r}")
            self.start[name], self.size[name] = pos, k
            pos += k
        self.width = pos

    def index(self, name: str, i: int = 0) -> int:
        """Column index of element ``i`` of group ``name``."""
        if not 0 <= i < self.size[name]:
            raise IndexError(f"{name}[{i}]")
        return self.start[name] + i

    def bind(self, row: Sequence[Expr]) -> dict[str, list[Expr]]:
        if len(row) != self.width:
            raise ValueError(f"row has {len(row)} columns, layout {self.width}")
        return {n: list(row[s : s + self.size[n]]) for n, s in self.start.items()}

    def zeros(self, n: int) -> npt.NDArray[np.int64]:
        return np.zeros((n, self.width), dtype=np.int64)

    def put(self, trace: npt.NDArray[np.int64], name: str, values: npt.ArrayLike) -> None:
        s, k = self.start[name], self.size[name]
        v = np.asarray(values, dtype=np.int64)
        rows = v.shape[0]
        trace[:rows, s : s + k] = v.reshape(rows, k)

    def get(self, trace: np.ndarray, name: str) -> np.ndarray:
        s, k = self.start[name], self.size[name]
        return trace[:, s : s + k] if k > 1 else trace[:, s]


def padded_height(n: int) -> int:
    """Smallest power of two >= max(n, 2) (the STARK needs power-of-two heights >= 2)."""
    return max(2, 1 << max(0, n - 1).bit_length())


def to_field(trace: npt.NDArray[np.int64]) -> U32:
    """A trace of non-negative integers below p (small values or field elements) as uint32;
    raises ``ValueError`` for anything else."""
    from zkrv_prover.stark.air.air import P_BB

    if trace.size and (int(trace.min()) < 0 or int(trace.max()) >= P_BB):
        raise ValueError("trace value outside [0, p)")
    return np.ascontiguousarray(trace, dtype=np.uint32)


@dataclass(frozen=True)
class AluEvents:
    """A batch of ``BUS_ALU`` requests ``a = op(b, c)``: parallel uint32 arrays (a is computed by
    the tables' trace generators; only op, b, c are inputs)."""

    op: U32
    b: U32
    c: U32

    @staticmethod
    def of(op: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike) -> AluEvents:
        o = np.asarray(op, dtype=np.uint32).reshape(-1)
        bb = np.asarray(b, dtype=np.uint64).reshape(-1)
        cc = np.asarray(c, dtype=np.uint64).reshape(-1)
        if not (o.shape == bb.shape == cc.shape):
            raise ValueError("op, b and c must have the same length")
        if (bb >> 32).any() or (cc >> 32).any():
            raise ValueError("ALU operands must be 32-bit words")
        return AluEvents(o, bb.astype(np.uint32), cc.astype(np.uint32))

    def __len__(self) -> int:
        return int(self.op.size)

    def select(self, mask: npt.NDArray[np.bool_]) -> AluEvents:
        return AluEvents(self.op[mask], self.b[mask], self.c[mask])

    @staticmethod
    def concat(parts: Sequence[AluEvents]) -> AluEvents:
        if not parts:
            e = np.zeros(0, dtype=np.uint32)
            return AluEvents(e, e, e)
        return AluEvents(
            np.concatenate([p.op for p in parts]),
            np.concatenate([p.b for p in parts]),
            np.concatenate([p.c for p in parts]),
        )


def unique_rows(*keys: npt.NDArray[np.integer]) -> tuple[npt.NDArray[np.int64], I64, I64]:
    """Distinct tuples of the parallel key arrays: ``(first_index, inverse, counts)`` with the
    tuples in sorted order (``first_index[j]`` is an event holding tuple j)."""
    if keys[0].size == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    stacked = np.stack([np.asarray(k, dtype=np.int64) for k in keys], axis=1)
    _, first, inverse, counts = np.unique(
        stacked, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64), counts.astype(np.int64)


def word_bytes(words: npt.ArrayLike) -> I64:
    """uint32 words as little-endian bytes, shape ``(n, 4)`` int64."""
    w = np.asarray(words, dtype=np.int64)
    return (w[:, None] >> np.array([0, 8, 16, 24], dtype=np.int64)) & 0xFF


def signed(words: npt.ArrayLike) -> I64:
    """uint32 words read as two's-complement int32 values (as int64)."""
    w = np.asarray(words, dtype=np.int64)
    return w - ((w >> 31) << 32)


def limb16(v: Sequence[Expr], hi: bool) -> Expr:
    """The low (``hi=False``) or high 16-bit limb ``v0 + 256 v1`` of a 4-byte word."""
    o = 2 if hi else 0
    return v[o] + 256 * v[o + 1]
