"""Bits table: ``b_to_bits(a, n)``, the canonical little-endian decomposition of a base cell,
one bit per row.

Op row: ``(a, out0, n)`` with 1 <= n <= :data:`NBITS`; the output bit i < n is the base cell
``out0 + i`` (consecutive addresses). A decomposition is a *block* of n consecutive rows holding
the bits most significant first (row j of the block: bit n - 1 - j).

Preprocessed: ``addr_bit, mult, addr_a, is_last, in_top`` (the row's bit cell and its read
count; on a block's last row, the address of ``a`` and ``is_last`` = 1; ``in_top`` marks the
rows whose bit is multiplied into ``top``: bits 29..27 of a 31-bit block, every row but the first
of a shorter one). Main: ``b, acc, top``. Constraints (``'`` = next row, on transitions):

- ``b`` is boolean;
- ``acc`` is the block's prefix value: ``acc = b`` on the first row,
  ``acc' = 2 (1 - is_last) acc + b'`` (restarted after a block's last row), so on the last row
  ``acc = sum_i b_i 2^i`` (as an integer < 2^n, no wrap-around since n <= 31), which the row
  reads as ``(addr_a, acc, 0, ...)``;
- canonical (< p = 15 * 2^27 + 1 for n = 31): ``top = b`` on the first row,
  ``top' = is_last b' + in_top' top b' + (1 - is_last - in_top') top`` (restart, multiply or
  carry), so from bit 27 on ``top = b30 b29 b28 b27``; on every row that neither starts a block
  nor is ``in_top`` (bits 26..0 of a 31-bit block) ``top b = 0``: the low 27 bits are zero when
  the top four are all one. Shorter blocks have no such row (their value is < 2^30 < p);
- each row writes its bit to ``addr_bit`` with multiplicity ``mult``.

Padding rows (every preprocessed column 0) are all zero and touch no bus. Against one row of 31
bits (31 bit, 31 multiplicity and 31 width columns, 32 interactions), a row costs 8 columns
and 2 interactions (one LogUp helper).
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
from zkrv_prover.stark.air.air import AirBuilder

#: Bits of a full decomposition: BabyBear elements have 31 bits.
NBITS = 31
#: The top bits whose all-ones pattern forces the low ones to zero (p - 1 = 15 * 2^27).
TOP = 27

# preprocessed columns
_ADDR_BIT, _MULT, _ADDR_A, _IS_LAST, _IN_TOP = range(5)
PRE_WIDTH = 5
# main columns
_B, _ACC, _TOP = range(3)


class BitsAir(RecursionAir):
    name = "bits"
    main_width = 3
    preprocessed_width = PRE_WIDTH
    op_width = 3

    def eval(self, b: AirBuilder) -> None:
        bit, acc, top = b.main_local
        bit2, acc2, top2 = b.main_next
        addr_bit, mult, addr_a, is_last, _in_top = b.pre_local
        in_top2 = b.pre_next[_IN_TOP]
        b.assert_bool(bit, "bool")
        b.when_first_row().assert_eq(acc, bit, "acc_first")
        b.when_transition().assert_eq(acc2, 2 * (1 - is_last) * acc + bit2, "acc_step")
        b.when_first_row().assert_eq(top, bit, "top_first")
        carry = 1 - is_last - in_top2
        b.when_transition().assert_eq(
            top2, is_last * bit2 + in_top2 * top * bit2 + carry * top, "top_step"
        )
        b.when_transition().assert_zero(carry * top2 * bit2, "canonical")
        read_base(b, addr_a, acc, is_last)
        write_base(b, addr_bit, bit, mult)

    @staticmethod
    def num_rows(ops: I64) -> int:
        return int(ops[:, 2].sum())

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return ops[:, 0]

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        i = np.arange(NBITS)[None, :]
        return (ops[:, 1:2] + i)[i < ops[:, 2:3]]

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        n = ops[:, 2]
        if ops.shape[0] and not (n.min() >= 1 and n.max() <= NBITS):
            raise ValueError(f"bits rows take 1..{NBITS} bits")
        block = np.repeat(np.arange(ops.shape[0]), n)  # each row's op
        start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
        j = np.arange(block.shape[0]) - start[block]  # row within its block
        nb = n[block]
        addr_bit = ops[block, 1] + (nb - 1 - j)
        last = j == nb - 1
        in_top = np.where(nb == NBITS, (j >= 1) & (j <= NBITS - TOP - 1), j >= 1)
        rows = np.stack(
            [addr_bit, reads[addr_bit], np.where(last, ops[block, 0], 0), last, in_top], axis=1
        )
        return pad_rows(rows.reshape(-1, PRE_WIDTH), height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        pre = self.pre.astype(np.int64)
        real = self.real
        out = np.zeros((self.height, 3), dtype=np.uint32)
        bits = gather(mem, pre[:, _ADDR_BIT], real, block=False)
        out[:, _B] = bits
        acc = top = 0
        last, in_top = pre[:, _IS_LAST], pre[:, _IN_TOP]
        for r in range(self.rows):
            bit = int(bits[r])
            first = r == 0 or last[r - 1] == 1
            acc = bit if first else 2 * acc + bit
            top = bit if first else (top * bit if in_top[r] else top)
            out[r, _ACC], out[r, _TOP] = acc, top
        return out
