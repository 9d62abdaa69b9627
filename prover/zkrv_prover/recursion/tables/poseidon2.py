"""Poseidon2 table: one Poseidon2-BabyBear permutation (width 16) per row, the
:mod:`zkrv_prover.recursion.poseidon2_air` gadget on the main columns.

Op row: ``(in_0..in_15, out0)``; output i is the base cell ``out0 + i``. Preprocessed:
``is_real, addr_in_0..addr_in_15, out0, mult_0..mult_15`` (mult 0 for unread outputs). Main:
the gadget's columns (padding rows: the permutation of the zero state, which the gadget
constrains like any row; they have no interactions). Each row reads its 16 inputs as base cells
and writes its 16 outputs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

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

WIDTH = 16


def gadget() -> ModuleType:
    """The Poseidon2 AIR gadget (imported on use: it comes from a parallel branch)."""
    return importlib.import_module("zkrv_prover.recursion.poseidon2_air")


class Poseidon2Air(RecursionAir):
    name = "poseidon2"
    preprocessed_width = 2 + 2 * WIDTH
    op_width = WIDTH + 1

    def __init__(self, pre: U32, rows: int, num_public: int = 0) -> None:
        super().__init__(pre, rows, num_public)
        self.main_width = int(gadget().NUM_COLS)

    def eval(self, b: AirBuilder) -> None:
        g = gadget()
        g.eval_permutation(b, 0)
        pre = b.pre_local
        is_real, addr_in, out0, mults = pre[0], pre[1 : 1 + WIDTH], pre[1 + WIDTH], pre[2 + WIDTH :]
        ins = [b.main_local[c] for c in g.input_cols(0)]
        outs = [b.main_local[c] for c in g.output_cols(0)]
        for i in range(WIDTH):
            read_base(b, addr_in[i], ins[i], is_real)
        for i in range(WIDTH):
            write_base(b, out0 + i, outs[i], mults[i])

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return ops[:, :WIDTH].reshape(-1)

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return (ops[:, WIDTH : WIDTH + 1] + np.arange(WIDTH)[None, :]).reshape(-1)

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        ones = np.ones((ops.shape[0], 1), dtype=np.int64)
        mults = reads[ops[:, WIDTH : WIDTH + 1] + np.arange(WIDTH)[None, :]]
        rows = np.concatenate([ones, ops, mults], axis=1)
        return pad_rows(rows.reshape(-1, 2 + 2 * WIDTH), height).astype(np.uint32)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        pre = self.pre.astype(np.int64)
        ins = np.stack(
            [gather(mem, pre[:, 1 + i], self.real, block=False) for i in range(WIDTH)], axis=1
        )
        out: U32 = np.asarray(gadget().generate(ins), dtype=np.uint32)
        return out
