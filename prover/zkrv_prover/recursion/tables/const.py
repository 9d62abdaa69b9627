"""Const table: one row per distinct constant block (the recorder deduplicates them).

Op row: ``(addr, v0, ..., v4)``. Preprocessed: ``addr, mult, v0..v4`` (the constants are part of
the program). Main: one dummy column (the STARK needs a main column; it is unconstrained and the
honest trace leaves it zero). Each row writes its cell ``mult`` times.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkrv_prover.recursion.tables.common import I64, U32, RecursionAir, pad_rows, write_block
from zkrv_prover.stark.air.air import AirBuilder
from zkrv_prover.stark.field.field import EXT_DEGREE


class ConstAir(RecursionAir):
    name = "const"
    main_width = 1
    preprocessed_width = 2 + EXT_DEGREE
    op_width = 1 + EXT_DEGREE

    def eval(self, b: AirBuilder) -> None:
        addr, mult, *vs = b.pre_local
        write_block(b, addr, vs, mult)

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return np.zeros(0, dtype=np.int64)

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return ops[:, 0]

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        rows = np.concatenate([ops[:, :1], reads[ops[:, 0]][:, None], ops[:, 1:]], axis=1)
        return pad_rows(rows, height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        return np.zeros((self.height, 1), dtype=np.uint32)
