"""Witness tables: values the program does not compute, those read from the proof being verified
(``b_input``/``e_input``) and prover hints (``one_hot`` bits), unconstrained except through their
uses, and the program's constants; each cell is written once, with its read count as
multiplicity.

- :class:`WitnessAir` (``e_input`` and the deduplicated constants of ``b_const``/``e_const``):
  one block cell per row. Op row: ``(is_const, addr, c0..c4)`` (c zero for an input).
  Preprocessed: ``addr, mult, is_const, c0..c4`` (the constants are part of the program). Main:
  the block ``v0..v4``, pinned to ``c`` on constant rows (``is_const (v_k - c_k) = 0``, degree 2);
  the row writes ``(addr, v0..v4)``. One table for both (a constant is a witness whose value the
  key fixes): a table of its own cost a dummy main column, LogUp blind and aux columns.
- :class:`BaseWitnessAir` (``b_input`` and hints): five base cells per row, the op rows in
  order. Op row: ``(addr,)``. Preprocessed: ``addr0..addr4, mult0..mult4`` (a slot past the last
  op has address and multiplicity 0, so it sends nothing). Main: ``v0..v4``; slot k sends
  ``(addr_k, v_k, 0, ..., 0)``: a base cell holds a base value by construction, the invariant
  block reads of base cells rely on (``common``). Against one block row per base value, this
  commits a fifth of the rows.
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

#: Base cells per row of :class:`BaseWitnessAir`.
SLOTS = 5


class WitnessAir(RecursionAir):
    name = "witness"
    main_width = EXT_DEGREE
    preprocessed_width = 3 + EXT_DEGREE
    op_width = 2 + EXT_DEGREE

    def eval(self, b: AirBuilder) -> None:
        addr, mult, is_const, *cs = b.pre_local
        for k, (v, c) in enumerate(zip(b.main_local, cs, strict=True)):
            b.assert_zero(is_const * (v - c), f"const{k}")
        write_block(b, addr, b.main_local, mult)

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return np.zeros(0, dtype=np.int64)

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return ops[:, 1]

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        rows = np.concatenate(
            [ops[:, 1:2], reads[ops[:, 1]][:, None], ops[:, :1], ops[:, 2:]], axis=1
        )
        return pad_rows(rows.reshape(-1, 3 + EXT_DEGREE), height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        addr = self.pre[:, 0].astype(np.int64)
        return gather(mem, addr, self.real, block=True)


class BaseWitnessAir(RecursionAir):
    name = "witness_base"
    main_width = SLOTS
    preprocessed_width = 2 * SLOTS
    op_width = 1
    # pair the five sends on LogUp helpers (degree-1 multiplicities and values)
    logup_degree = 3

    def eval(self, b: AirBuilder) -> None:
        addrs, mults = b.pre_local[:SLOTS], b.pre_local[SLOTS:]
        for k in range(SLOTS):
            write_base(b, addrs[k], b.main_local[k], mults[k])

    @staticmethod
    def num_rows(ops: I64) -> int:
        return -(-int(ops.shape[0]) // SLOTS)

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return np.zeros(0, dtype=np.int64)

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return ops[:, 0]

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        n = ops.shape[0]
        rows = -(-n // SLOTS)
        addr = np.zeros(rows * SLOTS, dtype=np.int64)
        mult = np.zeros(rows * SLOTS, dtype=np.int64)
        addr[:n] = ops[:, 0]
        mult[:n] = reads[ops[:, 0]]
        pre = np.concatenate([addr.reshape(rows, SLOTS), mult.reshape(rows, SLOTS)], axis=1)
        return pad_rows(pre, height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        # a slot past the last op reads cell 0: harmless, it sends with multiplicity 0
        pre = self.pre.astype(np.int64)
        return np.stack(
            [gather(mem, pre[:, k], self.real, block=False) for k in range(SLOTS)], axis=1
        )
