"""Public table: exposes chosen base cells as the recursion proof's public values.

Op row: ``(addr,)``; row j exposes public value j. The row index is written in a mixed radix of
at most :data:`MAX_DIGITS` digits (:func:`radices`: the fewest selector columns whose product
covers the k public values, e.g. 4 * 4 * 3 for k = 46), ``j = d_0 + r_0 (d_1 + r_1 d_2)``, and
each digit is one-hot: preprocessed ``addr, sel_{0,0..r_0-1}, sel_{1,0..r_1-1}, ...`` with
``sel_{f,d} = [digit f of the row index = d]`` on the k real rows, all zero on padding rows.
Main: ``value``, constrained to ``sum_j public[j] prod_f sel_{f, digit f of j}`` (on row j
exactly the product of j's digits is 1; 0 on padding rows); the row reads ``(addr, value, 0,
...)`` with multiplicity ``is_real = sum_d sel_{0,d}``. Degree: the number of digits (<= 3, the
recursion machine's degree); ``sum r_f`` selector columns instead of k one-hot ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from zkrv_prover.recursion.tables.common import I64, U32, RecursionAir, pad_rows, read_base
from zkrv_prover.stark.air.air import AirBuilder, Expr

#: The most digits (selector factors) a row index takes: the constraint's degree.
MAX_DIGITS = 3


def radices(k: int) -> tuple[int, ...]:
    """The digit radices of row indices 0..k-1: the fewest selector columns (then the fewest
    digits) whose product is >= k; ``()`` for k = 0."""
    if k <= 1:
        return (k,) if k else ()
    best: tuple[int, ...] | None = None
    for f in range(1, MAX_DIGITS + 1):
        r = [math.ceil(k ** (1 / f) - 1e-9)] * f
        while math.prod(r) < k:  # float rounding
            r[0] += 1
        for i in reversed(range(f)):
            while r[i] > 1 and math.prod(r) // r[i] * (r[i] - 1) >= k:
                r[i] -= 1
        if best is None or sum(r) < sum(best):
            best = tuple(r)
    assert best is not None
    return best


def digits(j: int, rs: Sequence[int]) -> list[int]:
    """The mixed-radix digits of ``j`` (least significant first)."""
    out = []
    for r in rs:
        j, d = divmod(j, r)
        out.append(d)
    return out


class PublicAir(RecursionAir):
    name = "public"
    main_width = 1
    op_width = 1

    def __init__(self, pre: U32, rows: int, num_public: int = 0) -> None:
        super().__init__(pre, rows, num_public)
        self.radices = radices(num_public)
        self.preprocessed_width = 1 + sum(self.radices)

    def eval(self, b: AirBuilder) -> None:
        (value,) = b.main_local
        addr, *sels = b.pre_local
        groups, at = [], 0
        for r in self.radices:
            groups.append(sels[at : at + r])
            at += r
        expected: Expr = Expr.const(0)
        for j in range(self.num_public):
            term: Expr = b.public[j]
            for g, d in zip(groups, digits(j, self.radices), strict=True):
                term = term * g[d]
            expected = expected + term
        b.assert_eq(value, expected, "public_value")
        is_real: Expr = Expr.const(0)
        for sel in groups[0] if groups else []:
            is_real = is_real + sel
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
        rs = radices(k)
        cols = [ops[:, :1]]
        for f, r in enumerate(rs):
            ds = np.array([digits(j, rs)[f] for j in range(k)], dtype=np.int64)
            cols.append((ds[:, None] == np.arange(r)[None, :]).astype(np.int64))
        rows = np.concatenate(cols, axis=1)
        return pad_rows(rows.reshape(k, 1 + sum(rs)), height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        out = np.zeros((self.height, 1), dtype=np.uint32)
        out[: len(public), 0] = np.asarray(public, dtype=np.uint32)
        return out
