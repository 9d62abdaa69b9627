"""Witness table: values the program does not compute: those read from the proof being verified
(``b_input``/``e_input``) and prover hints (``one_hot`` bits).

Op row: ``(addr, is_base)``. Preprocessed: ``addr, mult, is_base``. Main: the block ``v0..v4``,
unconstrained except through its uses, and ``is_base * v_i = 0`` for i >= 1 (a base cell holds
a base value, the invariant block reads of base cells rely on; ``common``).
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
    write_block,
)
from zkrv_prover.stark.air.air import AirBuilder
from zkrv_prover.stark.field.field import EXT_DEGREE


class WitnessAir(RecursionAir):
    name = "witness"
    main_width = EXT_DEGREE
    preprocessed_width = 3
    op_width = 2

    def eval(self, b: AirBuilder) -> None:
        addr, mult, is_base = b.pre_local
        vs = b.main_local
        for i in range(1, EXT_DEGREE):
            b.assert_zero(is_base * vs[i], f"base_hi{i}")
        write_block(b, addr, vs, mult)

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return np.zeros(0, dtype=np.int64)

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return ops[:, 0]

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        rows = np.stack([ops[:, 0], reads[ops[:, 0]], ops[:, 1]], axis=1)
        return pad_rows(rows.reshape(-1, 3), height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        addr = self.pre[:, 0].astype(np.int64)
        return gather(mem, addr, self.real, block=True)
