"""Dot table: ``e_lincomb_base`` (``sum_i c_i v_i`` of extension cells ``c_i`` and base cells
``v_i``), one row per term, the running sum kept in the row instead of in memory.

A call of n >= 1 terms is a run of n consecutive rows. Op row: ``(c, v, out)`` per term, ``out``
the sum's address on the run's last row and -1 before it. Preprocessed: ``addr_c, addr_v,
addr_out, mult_out, first, is_real`` (``first`` = 1 on a run's first row and on padding rows,
``mult_out`` the read count of ``out`` on a run's last row, 0 elsewhere). Main: ``c[0..4], v,
acc[0..4]``.

Constraints (degree 3): on the first row ``acc = c v``; on every transition
``acc' = c' v' + (1 - first') acc``. So within a run ``acc`` is the partial sum, restarted at
every ``first`` row, and the run's last row writes it: ``(addr_out, acc)`` with multiplicity
``mult_out``. Each row reads its ``c`` as a block and its ``v`` as a base cell when ``is_real``
(padding rows: every main cell 0, ``first`` = 1, so the chain stays 0 there).

Against two ext_alu rows per term (MUL then ADD, each with its memory write and two reads) a
term costs one row of 11 main columns and three bus interactions, one of them with a zero
multiplicity on all but the last row.
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
from zkrv_prover.stark.field.field import EXT_DEGREE, P

D = EXT_DEGREE
PRE_COLS = 6


class DotAir(RecursionAir):
    name = "dot"
    main_width = 2 * D + 1
    preprocessed_width = PRE_COLS
    op_width = 3

    def eval(self, b: AirBuilder) -> None:
        m, n = b.main_local, b.main_next
        c, v, acc = m[:D], m[D], m[D + 1 :]
        c2, v2, acc2 = n[:D], n[D], n[D + 1 :]
        addr_c, addr_v, addr_out, mult_out, _first, is_real = b.pre_local
        first2 = b.pre_next[4]
        for k in range(D):
            b.when_first_row().assert_zero(acc[k] - c[k] * v, f"start{k}")
            b.when_transition().assert_zero(
                acc2[k] - c2[k] * v2 - (1 - first2) * acc[k], f"accumulate{k}"
            )
        read_block(b, addr_c, c, is_real)
        read_base(b, addr_v, v, is_real)
        write_block(b, addr_out, acc, mult_out)

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return np.concatenate([ops[:, 0], ops[:, 1]])

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return ops[ops[:, 2] >= 0, 2]

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        last = ops[:, 2] >= 0
        out = np.where(last, ops[:, 2], 0)
        mult = np.where(last, reads[out], 0)
        # a run starts at row 0 and after every row that writes its sum
        first = np.ones(ops.shape[0], dtype=np.int64)
        first[1:] = last[:-1]
        real = np.ones(ops.shape[0], dtype=np.int64)
        rows = np.stack([ops[:, 0], ops[:, 1], out, mult, first, real], axis=1)
        pre = pad_rows(rows, height)
        pre[ops.shape[0] :, 4] = 1  # padding rows start runs of their own
        return pre.astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        pre = self.pre.astype(np.int64)
        real = self.real
        c = gather(mem, pre[:, 0], real, block=True).astype(np.uint64)
        v = gather(mem, pre[:, 1], real, block=False).astype(np.uint64)
        terms = c * v[:, None] % P
        # running sums restarted at every run start: prefix sums minus the prefix before it
        pref = np.cumsum(terms, axis=0, dtype=np.uint64) % P  # < 2^31 per step: no overflow
        start = np.maximum.accumulate(np.where(pre[:, 4] == 1, np.arange(self.height), 0))
        before = np.zeros_like(pref)
        before[1:] = pref[:-1]
        acc = (pref + P - before[start]) % P
        return np.concatenate([c, v[:, None], acc], axis=1).astype(np.uint32)
