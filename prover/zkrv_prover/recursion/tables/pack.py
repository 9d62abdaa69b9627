"""Pack table: ``e_from_coeffs`` (PACK: five base cells -> one block) and ``e_coeffs`` (UNPACK:
one block -> five base cells). Constraint-free: only bus interactions whose multiplicities
depend on the mode.

Op row: ``(mode, block, c0..c4)`` (mode 1 = PACK, 2 = UNPACK). Preprocessed: ``addr_block,
addr_c0..c4, mult_block, mult_c0..c4, is_pack, is_unpack`` (a mult column is the read count of
the cell the row writes, 0 otherwise). Main: ``c0..c4``. The block interaction
``(addr_block, c0..c4)`` has multiplicity ``mult_block - is_unpack`` (written on PACK rows, read
once on UNPACK rows), each coefficient's ``(addr_ci, ci, 0, ..., 0)`` has ``mult_ci - is_pack``.
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
    write_base,
    write_block,
)
from zkrv_prover.stark.air.air import AirBuilder
from zkrv_prover.stark.field.field import EXT_DEGREE

D = EXT_DEGREE
PACK, UNPACK = 1, 2


class PackAir(RecursionAir):
    name = "pack"
    main_width = D
    preprocessed_width = 2 * (1 + D) + 2
    op_width = 2 + D
    # pairs of interactions share a LogUp helper (6 interactions: 3 helpers, not 6); degree 3
    # like the machine's other tables
    logup_degree = 3

    def eval(self, b: AirBuilder) -> None:
        cs = b.main_local
        pre = b.pre_local
        addr_block, addr_c = pre[0], pre[1 : 1 + D]
        mult_block, mult_c = pre[1 + D], pre[2 + D : 2 + 2 * D]
        is_pack, is_unpack = pre[2 + 2 * D], pre[3 + 2 * D]
        write_block(b, addr_block, cs, mult_block - is_unpack)
        for k in range(D):
            write_base(b, addr_c[k], cs[k], mult_c[k] - is_pack)

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        pack = ops[:, 0] == PACK
        return np.concatenate([ops[pack, 2:].reshape(-1), ops[~pack, 1]])

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        pack = ops[:, 0] == PACK
        return np.concatenate([ops[pack, 1], ops[~pack, 2:].reshape(-1)])

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        pack = (ops[:, 0] == PACK)[:, None]
        mult_block = np.where(pack, reads[ops[:, 1:2]], 0)
        mult_c = np.where(pack, 0, reads[ops[:, 2:]])
        flags = np.concatenate([pack, ~pack], axis=1).astype(np.int64)
        rows = np.concatenate([ops[:, 1:], mult_block, mult_c, flags], axis=1)
        return pad_rows(rows.reshape(-1, 2 * (1 + D) + 2), height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        pre = self.pre.astype(np.int64)
        real = self.real
        return np.stack([gather(mem, pre[:, 1 + k], real, block=False) for k in range(D)], axis=1)
