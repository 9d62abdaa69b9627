"""Public table: exposes chosen base cells as the recursion proof's public values.

Op row: ``(addr,)``; row i exposes public value i. Preprocessed: ``addr, is_real, onehot_0..
onehot_{k-1}`` (k public values, onehot_j = [row == j]). Main: ``value``, constrained to
``sum_j onehot_j * public[j]`` (0 on padding rows); the row reads ``(addr, value, 0, ...)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zkrv_prover.recursion.tables.common import I64, U32, RecursionAir, pad_rows, read_base
from zkrv_prover.stark.air.air import AirBuilder, Expr


class PublicAir(RecursionAir):
    name = "public"
    main_width = 1
    op_width = 1

    def __init__(self, pre: U32, rows: int, num_public: int = 0) -> None:
        super().__init__(pre, rows, num_public)
        self.preprocessed_width = 2 + num_public

    def eval(self, b: AirBuilder) -> None:
        (value,) = b.main_local
        addr, is_real, *onehot = b.pre_local
        expected: Expr = Expr.const(0)
        for j, sel in enumerate(onehot):
            expected = expected + sel * b.public[j]
        b.assert_eq(value, expected, "public_value")
        read_base(b, addr, value, is_real)

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return ops[:, 0]

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return np.zeros(0, dtype=np.int64)

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        k = ops.shape[0]
        rows = np.concatenate(
            [ops[:, :1], np.ones((k, 1), dtype=np.int64), np.eye(k, dtype=np.int64)], axis=1
        )
        return pad_rows(rows.reshape(k, 2 + k), height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        out = np.zeros((self.height, 1), dtype=np.uint32)
        out[: len(public), 0] = np.asarray(public, dtype=np.uint32)
        return out
