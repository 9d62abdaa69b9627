"""Skinny Poseidon2 table: one Poseidon2-BabyBear permutation spread over :data:`ROWS` rows
(one round per row), for recursion proofs whose opened width matters more than their height
(the shrink layer wrapped by the R1CS verifier: its cost grows with every opened column).

Same MEMORY-bus interface and op rows as :mod:`.poseidon2` (``(in_0..in_15, out0, bit)``: read
16 base cells and a swap bit, permute with the halves swapped when bit = 1, write the 16
outputs to ``out0 + i``); ``RecursionBuilder(poseidon2="skinny")`` records into it.

Rows of one permutation (``j`` = row in the block, round constants per row preprocessed):

- ``j = 0`` (*in*): ``s`` = the 16 cells read, ``bit`` the swap bit; next ``s = M_E(x)`` with
  ``x_i = s_i + bit (s_{i XOR 8} - s_i)`` (the initial external layer);
- ``j = 1..4`` and ``18..21`` (*full*): next ``s = M_E(w)``;
- ``j = 5..17`` (*partial*): next ``s = M_I(w_0, s_1, ..., s_15)``;
- ``j = 22`` (*out*): ``s`` = the permutation's output, written to memory.

Main columns: ``s_0..s_15`` (state entering the row), ``y_0..y_15`` and ``w_0..w_15`` with
``t_i = s_i + rc_i``, ``y_i = t_i^3`` and ``w_i = y_i^2 t_i = t_i^7`` on *every* row (no
selector, so degree 3; rows that do not use an S-box output just carry it), then ``bit``.
Committing ``w`` keeps the selected transition ``sel * (s' - M(w))`` at degree 2 (degree 3 for
the swap on *in* rows); without it the S-box output would be degree 3 and its selection 4.

Preprocessed: ``rc_0..rc_15, is_in, is_full, is_partial, addr_0..addr_15, mult_0..mult_15,
addr_bit``. The *k*-th memory slot sends ``(addr_k, s_k, 0, ...)`` with multiplicity
``mult_k - is_in``: a read on *in* rows (``addr_k`` the input cell), a write of the output cell
``out0 + k`` with its read count on *out* rows (``addr_k = out0 + k``), nothing elsewhere; the
bit cell is received once on *in* rows. So a row has 17 interactions (9 LogUp helper columns at
degree 3) however many rounds the permutation has.

Selectors are mutually exclusive (fixed by the verifying key), so one constraint per element
``(is_in + is_full + is_partial) s'_j = is_in M_E(x)_j + is_full M_E(w)_j + is_partial M_I_j``
carries all three transitions. Padding rows (after the last block; there is always at least one,
as 23 does not divide a power of two) have all selectors, constants and multiplicities zero and
an all-zero main row, which satisfies ``y = s^3``, ``w = y^2 s``; so no transition ever wraps
around the table. Width per opened row: 49 main (+5 blind), 52 preprocessed, 10 aux extension
columns, against 315 (+5), 35 and 18 for :mod:`.poseidon2`; 23 times the rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from zkrv_prover.recursion.poseidon2_air import _RC_FINAL, _RC_INITIAL, _external, _internal
from zkrv_prover.recursion.tables.common import (
    I64,
    U32,
    RecursionAir,
    read_base,
    write_base,
)
from zkrv_prover.recursion.tables.poseidon2 import Poseidon2Air, block_inputs, block_io_pre
from zkrv_prover.stark.air.air import AirBuilder, Expr
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.poseidon2 import HALF_FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH
from zkrv_prover.stark.field.poseidon2_constants import INTERNAL

#: Rows per permutation: in, 4 full, 13 partial, 4 full, out.
ROWS = 2 + 2 * HALF_FULL_ROUNDS + PARTIAL_ROUNDS
IN, OUT = 0, ROWS - 1
#: Row kinds of a block (row j): 0 in, 1 full, 2 partial, 3 out.
_KIND_IN, _KIND_FULL, _KIND_PARTIAL, _KIND_OUT = 0, 1, 2, 3
_PARTIAL_FIRST = 1 + HALF_FULL_ROUNDS
_FINAL_FIRST = _PARTIAL_FIRST + PARTIAL_ROUNDS

# main columns
S, Y, W = 0, WIDTH, 2 * WIDTH
BIT = 3 * WIDTH
MAIN_WIDTH = BIT + 1
# preprocessed columns
RC = 0
IS_IN, IS_FULL, IS_PARTIAL = WIDTH, WIDTH + 1, WIDTH + 2
ADDR = WIDTH + 3
MULT = ADDR + WIDTH
ADDR_BIT = MULT + WIDTH
PRE_WIDTH = ADDR_BIT + 1


def _block_constants() -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per block row: the round constants ((ROWS, 16)) and the row kind ((ROWS,))."""
    rc = np.zeros((ROWS, WIDTH), dtype=np.int64)
    kind = np.full(ROWS, _KIND_FULL, dtype=np.int64)
    kind[IN], kind[OUT] = _KIND_IN, _KIND_OUT
    for r in range(HALF_FULL_ROUNDS):
        rc[1 + r] = _RC_INITIAL[r]
        rc[_FINAL_FIRST + r] = _RC_FINAL[r]
    for k, c in enumerate(INTERNAL):
        rc[_PARTIAL_FIRST + k, 0] = c
        kind[_PARTIAL_FIRST + k] = _KIND_PARTIAL
    return rc, kind


_BLOCK_RC, _BLOCK_KIND = _block_constants()


class SkinnyPoseidon2Air(RecursionAir):
    name = "poseidon2_skinny"
    main_width = MAIN_WIDTH
    preprocessed_width = PRE_WIDTH
    op_width = Poseidon2Air.op_width

    def eval(self, b: AirBuilder) -> None:
        loc, nxt, pre = b.main_local, b.main_next, b.pre_local
        s, y, w, bit = loc[S:Y], loc[Y:W], loc[W:BIT], loc[BIT]
        rc = pre[RC : RC + WIDTH]
        is_in, is_full, is_partial = pre[IS_IN], pre[IS_FULL], pre[IS_PARTIAL]
        ts = [s[i] + rc[i] for i in range(WIDTH)]
        for i, t in enumerate(ts):
            b.assert_eq(y[i], t * t * t, f"cube{i}")
            b.assert_eq(w[i], y[i] * y[i] * t, f"sbox{i}")
        b.assert_bool(bit, "swap_bit_bool")
        half = WIDTH // 2
        x: list[Expr] = [s[i] + bit * (s[i ^ half] - s[i]) for i in range(WIDTH)]
        after_in = _external(x)
        after_full = _external(list(w))
        after_partial = _internal([w[0], *s[1:]])
        active = is_in + is_full + is_partial
        for j in range(WIDTH):
            want = is_in * after_in[j] + is_full * after_full[j] + is_partial * after_partial[j]
            b.assert_zero(active * nxt[S + j] - want, f"next{j}")
        for k in range(WIDTH):
            write_base(b, pre[ADDR + k], s[k], pre[MULT + k] - is_in)
        read_base(b, pre[ADDR_BIT], bit, is_in)

    # -- program side ------------------------------------------------------------------------
    @staticmethod
    def num_rows(ops: I64) -> int:
        return ROWS * int(ops.shape[0])

    @staticmethod
    def read_addrs(ops: I64) -> I64:
        return Poseidon2Air.read_addrs(ops)

    @staticmethod
    def write_addrs(ops: I64) -> I64:
        return Poseidon2Air.write_addrs(ops)

    @staticmethod
    def preprocess(ops: I64, reads: I64, height: int) -> U32:
        n = ops.shape[0]
        if ROWS * n >= height:
            raise ValueError("the skinny Poseidon2 table needs a padding row after its blocks")
        block = np.zeros((n, ROWS, PRE_WIDTH), dtype=np.int64)
        block[:, :, RC : RC + WIDTH] = _BLOCK_RC[None]
        block[:, :, IS_IN] = _BLOCK_KIND[None] == _KIND_IN
        block[:, :, IS_FULL] = _BLOCK_KIND[None] == _KIND_FULL
        block[:, :, IS_PARTIAL] = _BLOCK_KIND[None] == _KIND_PARTIAL
        block_io_pre(block, ops, reads, ADDR, MULT, ADDR_BIT, OUT)
        out = np.zeros((height, PRE_WIDTH), dtype=np.int64)
        out[: ROWS * n] = block.reshape(-1, PRE_WIDTH)
        return out.astype(np.uint32)

    # -- proof side --------------------------------------------------------------------------
    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        n = self.rows // ROWS
        pre = self.pre[: self.rows].astype(np.int64).reshape(n, ROWS, PRE_WIDTH)
        reads, bit = block_inputs(mem, pre, ADDR, ADDR_BIT)
        out = np.zeros((self.height, MAIN_WIDTH), dtype=np.uint32)
        blocks = block_trace(reads, bit)
        out[: self.rows] = blocks.reshape(-1, MAIN_WIDTH)
        return out


_P64 = np.uint64(P)


def block_trace(reads: npt.NDArray[np.uint64], bit: npt.NDArray[np.uint64]) -> U32:
    """The (n, ROWS, MAIN_WIDTH) main rows of n permutations of canonical ``reads`` ((n, 16))
    with swap bits ``bit`` ((n,), 0 or 1)."""
    n = reads.shape[0]
    out = np.zeros((n, ROWS, MAIN_WIDTH), dtype=np.uint32)
    state = [reads[:, i] for i in range(WIDTH)]
    out[:, 0, BIT] = bit
    for j in range(ROWS):
        t = [(state[i] + np.uint64(int(_BLOCK_RC[j, i]))) % _P64 for i in range(WIDTH)]
        y = [ti * ti % _P64 * ti % _P64 for ti in t]
        w = [yi * yi % _P64 * ti % _P64 for yi, ti in zip(y, t, strict=True)]
        out[:, j, S:Y] = np.stack(state, axis=1)
        out[:, j, Y:W] = np.stack(y, axis=1)
        out[:, j, W:BIT] = np.stack(w, axis=1)
        kind = int(_BLOCK_KIND[j])
        if kind == _KIND_IN:
            sw = bit == 1
            x = [np.where(sw, state[i ^ (WIDTH // 2)], state[i]) for i in range(WIDTH)]
            state = [v % _P64 for v in _external(x)]
        elif kind == _KIND_FULL:
            state = [v % _P64 for v in _external(w)]
        elif kind == _KIND_PARTIAL:
            state = [v % _P64 for v in _internal([w[0], *state[1:]])]
    return out
