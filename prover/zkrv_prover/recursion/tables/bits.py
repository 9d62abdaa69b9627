"""Bits table: ``b_to_bits(a, n)``, the canonical little-endian decomposition of a base cell.

Op row: ``(a, out0, n)`` with 0 <= n <= :data:`NBITS`; the output bit i < n is the base cell
``out0 + i`` (consecutive addresses). Preprocessed: ``addr_a, is_real, out0, mult_0..mult_30,
allowed_0..allowed_30`` (allowed_i = [i < n]). Main: ``b_0..b_30, t``. Constraints:

- every b_i is boolean, and b_i = 0 unless allowed_i (so a < 2^n; padding rows: all zero);
- canonical: the integer sum b_i 2^i < 2^31 is < p = 15 * 2^27 + 1, i.e. if b27..b30 are all 1
  then b0..b26 are 0: ``t = b27 b28 b29`` (a committed partial product, degree 3) and
  ``t * b30 * sum_{i<27} b_i = 0`` (a sum of at most 27 bits is zero only if each is);
- the row reads ``(addr_a, sum b_i 2^i, 0, ...)`` and writes bit i to ``out0 + i``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkrv_prover.recursion.tables.common import (
    I64,
    U32,
    RecursionAir,
    gather,
    pad_rows,
    read_base,
    write_base,
)
from zkrv_prover.stark.air.air import AirBuilder, Expr

#: Bits per row: BabyBear elements have 31 bits.
NBITS = 31
#: The top bits whose all-ones pattern forces the low ones to zero (p - 1 = 15 * 2^27).
TOP = 27


class BitsAir(RecursionAir):
    name = "bits"
    main_width = NBITS + 1
    preprocessed_width = 3 + 2 * NBITS
    op_width = 3

    def eval(self, b: AirBuilder) -> None:
        bits, t = b.main_local[:NBITS], b.main_local[NBITS]
        pre = b.pre_local
        addr_a, is_real, out0 = pre[0], pre[1], pre[2]
        mults, allowed = pre[3 : 3 + NBITS], pre[3 + NBITS :]
        value: Expr = Expr.const(0)
        for i, bit in enumerate(bits):
            b.assert_bool(bit, f"bool{i}")
            b.assert_zero((1 - allowed[i]) * bit, f"width{i}")
            value = value + bit * (1 << i)
        b.assert_eq(t, bits[TOP] * bits[TOP + 1] * bits[TOP + 2], "top_product")
        low: Expr = Expr.const(0)
        for bit in bits[:TOP]:
            low = low + bit
        b.assert_zero(t * bits[NBITS - 1] * low, "canonical")
        read_base(b, addr_a, value, is_real)
        for i, bit in enumerate(bits):
            write_base(b, out0 + i, bit, mults[i])

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return ops[:, 0]

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        i = np.arange(NBITS)[None, :]
        return (ops[:, 1:2] + i)[i < ops[:, 2:3]]

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        i = np.arange(NBITS)[None, :]
        allowed = i < ops[:, 2:3]
        mults = np.where(allowed, reads[np.where(allowed, ops[:, 1:2] + i, 0)], 0)
        ones = np.ones((ops.shape[0], 1), dtype=np.int64)
        rows = np.concatenate([ops[:, :1], ones, ops[:, 1:2], mults, allowed], axis=1)
        return pad_rows(rows.reshape(-1, 3 + 2 * NBITS), height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        v = gather(mem, self.pre[:, 0].astype(np.int64), self.real, block=False)
        bits = (v[:, None] >> np.arange(NBITS, dtype=np.uint32)[None, :]) & 1
        t = bits[:, TOP] & bits[:, TOP + 1] & bits[:, TOP + 2]
        return np.concatenate([bits, t[:, None]], axis=1).astype(np.uint32)
