"""Select table: ``(bit, a, b) -> out1 = bit ? a : b, out2 = bit ? b : a`` on blocks (select_b
on base cells, whose blocks are (v, 0, ..., 0), select_e on extension cells; a conditional swap
is one row).

Op row: ``(bit, a, b, out1, out2)``. Preprocessed: ``addr_bit, addr_a, addr_b, addr_out1,
addr_out2, mult1, mult2, is_real``. Main: ``bit, a[0..4], b[0..4], out1[0..4]``; out2 is written
as ``a + b - out1`` (no columns of its own). Constraints: bit is boolean, out1 = b + bit (a - b)
(degree 2). Reads bit as a base cell, a and b as blocks.
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
    read_block,
    write_block,
)
from zkrv_prover.stark.air.air import AirBuilder
from zkrv_prover.stark.field.field import EXT_DEGREE

D = EXT_DEGREE


class SelectAir(RecursionAir):
    name = "select"
    main_width = 1 + 3 * D
    preprocessed_width = 8
    op_width = 5
    # pairs of interactions share a LogUp helper (5 interactions: 3 helpers, not 5); degree 3
    # like the machine's other tables
    logup_degree = 3

    def eval(self, b: AirBuilder) -> None:
        m = b.main_local
        bit, a, bb, out1 = m[0], m[1 : 1 + D], m[1 + D : 1 + 2 * D], m[1 + 2 * D :]
        addr_bit, addr_a, addr_b, addr_o1, addr_o2, m1, m2, is_real = b.pre_local
        b.assert_bool(bit, "bit_bool")
        for k in range(D):
            b.assert_zero(out1[k] - bb[k] - bit * (a[k] - bb[k]), f"select{k}")
        read_base(b, addr_bit, bit, is_real)
        read_block(b, addr_a, a, is_real)
        read_block(b, addr_b, bb, is_real)
        write_block(b, addr_o1, out1, m1)
        write_block(b, addr_o2, [a[k] + bb[k] - out1[k] for k in range(D)], m2)

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return ops[:, 0:3].reshape(-1)

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return ops[:, 3:5].reshape(-1)

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        rows = np.concatenate(
            [ops, reads[ops[:, 3:5]], np.ones((ops.shape[0], 1), dtype=np.int64)], axis=1
        )
        return pad_rows(rows.reshape(-1, 8), height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        pre = self.pre.astype(np.int64)
        real = self.real
        return np.concatenate(
            [
                gather(mem, pre[:, 0], real, block=False)[:, None],
                gather(mem, pre[:, 1], real, block=True),
                gather(mem, pre[:, 2], real, block=True),
                gather(mem, pre[:, 3], real, block=True),
            ],
            axis=1,
        )
