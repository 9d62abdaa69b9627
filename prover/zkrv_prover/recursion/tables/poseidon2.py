"""Poseidon2 table: one Poseidon2-BabyBear permutation (width 16) per row, the
:mod:`zkrv_prover.recursion.poseidon2_air` gadget on the main columns.

A row may swap the halves of its input first (a Merkle level: ``compress`` of the path node and
its sibling in the order given by an index bit), so Merkle paths need no Select rows: the
permutation input is ``x_i = r_i + bit (r_{i XOR 8} - r_i)`` with ``r`` the 16 cells read and
``bit`` a boolean cell read too (the constant 0 for a plain permutation).

Op row: ``(in_0..in_15, out0, bit)``; output i is the base cell ``out0 + i``. Preprocessed:
``is_real, addr_in_0..addr_in_15, out0, mult_0..mult_15, addr_bit`` (mult 0 for unread
outputs). Main: the gadget's columns, then ``r_0..r_15, bit`` (padding rows: the permutation of
the zero state, which the gadget constrains like any row, and zeros; they have no
interactions). Each row reads its 16 inputs and its bit as base cells and writes its 16
outputs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

import numpy as np
import numpy.typing as npt

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
    preprocessed_width = 3 + 2 * WIDTH
    op_width = WIDTH + 2

    def __init__(self, pre: U32, rows: int, num_public: int = 0) -> None:
        super().__init__(pre, rows, num_public)
        self.main_width = int(gadget().NUM_COLS) + WIDTH + 1

    def eval(self, b: AirBuilder) -> None:
        g = gadget()
        g.eval_permutation(b, 0)
        pre = b.pre_local
        is_real, addr_in, out0 = pre[0], pre[1 : 1 + WIDTH], pre[1 + WIDTH]
        mults, addr_bit = pre[2 + WIDTH : 2 + 2 * WIDTH], pre[2 + 2 * WIDTH]
        ins = [b.main_local[c] for c in g.input_cols(0)]
        outs = [b.main_local[c] for c in g.output_cols(0)]
        n = int(g.NUM_COLS)
        reads, bit = b.main_local[n : n + WIDTH], b.main_local[n + WIDTH]
        b.assert_bool(bit, "swap_bit_bool")
        half = WIDTH // 2
        for i in range(WIDTH):
            other = reads[i ^ half]
            b.assert_zero(ins[i] - reads[i] - bit * (other - reads[i]), f"swap{i}")
        for i in range(WIDTH):
            read_base(b, addr_in[i], reads[i], is_real)
        read_base(b, addr_bit, bit, is_real)
        for i in range(WIDTH):
            write_base(b, out0 + i, outs[i], mults[i])

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return (ops[:, WIDTH : WIDTH + 1] + np.arange(WIDTH)[None, :]).reshape(-1)

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        ones = np.ones((ops.shape[0], 1), dtype=np.int64)
        mults = reads[ops[:, WIDTH : WIDTH + 1] + np.arange(WIDTH)[None, :]]
        rows = np.concatenate([ones, ops[:, : WIDTH + 1], mults, ops[:, WIDTH + 1 :]], axis=1)
        return pad_rows(rows.reshape(-1, 3 + 2 * WIDTH), height).astype(np.uint32)

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return np.concatenate([ops[:, :WIDTH].reshape(-1), ops[:, WIDTH + 1]])

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        pre = self.pre.astype(np.int64)
        reads = np.stack(
            [gather(mem, pre[:, 1 + i], self.real, block=False) for i in range(WIDTH)], axis=1
        )
        bit = gather(mem, pre[:, 2 + 2 * WIDTH], self.real, block=False)
        swapped = np.concatenate([reads[:, WIDTH // 2 :], reads[:, : WIDTH // 2]], axis=1)
        ins = np.where(bit[:, None] == 1, swapped, reads)
        perm = np.asarray(gadget().generate(ins), dtype=np.uint32)
        return np.concatenate([perm, reads, bit[:, None]], axis=1).astype(np.uint32)


def block_io_pre(
    block: I64, ops: I64, reads: I64, addr: int, mult: int, addr_bit: int, out_row: int
) -> None:
    """Fill the memory interface of a multi-row Poseidon2 table's preprocessed blocks
    (``block``: (permutations, rows, width), row 0 the input row): input addresses and the bit
    address on row 0, output addresses ``out0 + i`` and their read counts on ``out_row``."""
    outs = ops[:, WIDTH : WIDTH + 1] + np.arange(WIDTH)[None, :]
    block[:, 0, addr : addr + WIDTH] = ops[:, :WIDTH]
    block[:, out_row, addr : addr + WIDTH] = outs
    block[:, out_row, mult : mult + WIDTH] = reads[outs]
    block[:, 0, addr_bit] = ops[:, WIDTH + 1]


def block_inputs(
    mem: U32, pre: I64, addr: int, addr_bit: int
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The 16 cells and the swap bit each block of a multi-row Poseidon2 table reads
    (``pre``: its preprocessed blocks, (permutations, rows, width), row 0 the input row)."""
    real = np.ones(pre.shape[0], dtype=np.bool_)
    reads = np.stack(
        [gather(mem, pre[:, 0, addr + i], real, block=False) for i in range(WIDTH)], axis=1
    ).astype(np.uint64)
    bit = gather(mem, pre[:, 0, addr_bit], real, block=False).astype(np.uint64)
    return reads, bit
