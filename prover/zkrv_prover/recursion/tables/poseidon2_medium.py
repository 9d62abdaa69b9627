"""Medium Poseidon2 table: one Poseidon2-BabyBear permutation over :data:`ROWS` = 7 rows (two
full rounds per row, all 13 partial rounds in one row), for proofs that need the opened width
of :mod:`.poseidon2_skinny` (23 rows per permutation) at about a third of its height.

Same MEMORY-bus interface and op rows as :mod:`.poseidon2` (``(in_0..in_15, out0, bit)``: read
16 base cells and a swap bit, permute with the halves swapped when bit = 1, write the 16
outputs to ``out0 + i``); ``RecursionBuilder(poseidon2="medium")`` records into it.

Main columns (81): ``s_0..s_15`` (the state entering the row), two S-box stages ``y1, w1, y2,
w2`` (16 each), ``bit``. On *every* row (no selector, degree 3)::

    t1 = s + rc1,        y1 = t1^3,  w1 = y1^2 t1    (= t1^7)
    t2 = M_E(w1) + rc2,  y2 = t2^3,  w2 = y2^2 t2    (= t2^7)

so a row computes two full rounds of its state (round constants ``rc1, rc2`` per row kind; on
rows that do not use the stages they just carry cubes of whatever is there).

Rows of one permutation (``u`` = the state entering the partial rounds):

- ``j = 0`` (*in*): ``s`` = the 16 cells read, ``bit`` the swap bit; next
  ``s = M_E(x)``, ``x_i = s_i + bit (s_{i XOR 8} - s_i)``;
- ``j = 1, 2, 4, 5`` (*full*: rounds 0-1, 2-3, 4-5, 6-7): next ``s = M_E(w2)``, except that
  row 2 enters the partial row (below);
- ``j = 3`` (*partial*): ``s_k`` (k < 13) is x_0 entering partial round k, so stage 1 with
  ``rc1_k`` = the k-th internal constant makes ``w1_k`` the k-th partial S-box output; each
  ``s_k`` is a linear form ``a_k . u + b_k . w1`` (the internal layers between are linear and
  only x_0 goes through the S-box), so the transition from row 2 sets
  ``s'_k = a_k . M_E(w2) + b_k . w1'`` (w1' on the partial row itself). Three more columns
  ``s_13..s_15`` hold ``u_j`` for the three unit vectors ``e_j`` completing ``a_0..a_12`` to
  a basis (:data:`EXTRA`), so on the partial row ``u = A^{-1} (s - B w1)`` and the state after
  the partial rounds, ``C_u u + C_w w1``, is a linear form of ``(s, w1)``: the transition out
  of the partial row is ``s' = OUT_S s + OUT_W w1`` (constants computed at import). Stage 2 is
  unused there (``rc2 = 0``);
- ``j = 6`` (*out*): ``s`` = the permutation's output (next ``s`` of row 5 is ``M_E(w2)``, the
  last external layer), written to memory.

Preprocessed (39): six row-kind selectors ``is_in, is_f01, is_f23, is_p, is_f45, is_f67``,
``addr_0..addr_15, mult_0..mult_15, addr_bit``. The round constants are not columns: ``rc1 =
sum_kind is_kind * RC1[kind]`` (a linear form of the selectors, degree 1), likewise ``rc2``.
The memory slots are the skinny table's: slot k sends ``(addr_k, s_k, 0, ...)`` with
multiplicity ``mult_k - is_in`` (reads on *in* rows, writes with their read counts on *out*
rows), and the bit cell is received once on *in* rows: 17 interactions, 9 LogUp helpers.

Transitions: one constraint per element, ``(is_in + is_full + is_f23 + is_p) s'_j = is_in
M_E(x)_j + is_full M_E(w2)_j + is_f23 E_j + is_p O_j`` (``is_full = is_f01 + is_f45 +
is_f67``, E and O the linear forms above), degree 3 (the swap term). Selectors are one-hot and
fixed by the verifying key. *Out* rows have no transition, so a block never constrains the next
block's *in* row; padding rows (all preprocessed columns zero, all-zero main row) satisfy every
constraint and have no interactions.

Soundness: on a row with ``is_kind = 1`` the constraints are exactly the round equations, so by
induction over the block the *in* row's ``s`` (the cells read, by the bus) determines every
later ``s`` as the reference permutation's states: rows 1, 2 compute full rounds 0-3 from
``M_E(x)``; on the partial row the row-2 transition fixes ``s_k`` from u and the S-box outputs
``w1_0..w1_{k-1}``, which stage 1 forces to ``(s_j + c_j)^7``, so ``s_0..s_12, w1_0..w1_12``
are the honest partial-round values and ``s_13..15`` are u's entries ``EXTRA``; A is invertible
so ``A^{-1}(s - B w1) = u`` and the row-3 transition gives the honest state after the partial
rounds; rows 4, 5 compute rounds 4-7 and the *out* row's ``s`` (the cells written) is the
permutation's output. Width per opened row: 81 main (+5 blind), 39 preprocessed, 10 aux
extension columns, against 49 (+5), 52, 10 for the skinny table.
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
from zkrv_prover.stark.field.field import P, inv_int
from zkrv_prover.stark.field.poseidon2 import DIAG, PARTIAL_ROUNDS, WIDTH
from zkrv_prover.stark.field.poseidon2_constants import INTERNAL

#: Rows per permutation: in, rounds 0-1, rounds 2-3, partial, rounds 4-5, rounds 6-7, out.
ROWS = 7
IN, F01, F23, PARTIAL, F45, F67, OUT = range(ROWS)
#: Row kinds with a selector (the *out* row has none), in preprocessed column order.
_SEL_ROWS = (IN, F01, F23, PARTIAL, F45, F67)

# main columns
S, Y1, W1, Y2, W2 = 0, WIDTH, 2 * WIDTH, 3 * WIDTH, 4 * WIDTH
BIT = 5 * WIDTH
MAIN_WIDTH = BIT + 1
# preprocessed columns
IS_IN, IS_F01, IS_F23, IS_P, IS_F45, IS_F67 = range(6)
ADDR = 6
MULT = ADDR + WIDTH
ADDR_BIT = MULT + WIDTH
PRE_WIDTH = ADDR_BIT + 1

_ZERO = [0] * WIDTH
#: Round constants of stage 1 and stage 2 per row of a block (rows without a round: zeros).
RC1: list[list[int]] = [
    _ZERO,
    list(_RC_INITIAL[0]),
    list(_RC_INITIAL[2]),
    [*INTERNAL, *([0] * (WIDTH - PARTIAL_ROUNDS))],
    list(_RC_FINAL[0]),
    list(_RC_FINAL[2]),
    _ZERO,
]
RC2: list[list[int]] = [
    _ZERO,
    list(_RC_INITIAL[1]),
    list(_RC_INITIAL[3]),
    _ZERO,
    list(_RC_FINAL[1]),
    list(_RC_FINAL[3]),
    _ZERO,
]


# ------------------------------------------------------------------------------------------------
# The partial rounds as linear algebra over (u, w): u the 16 entering elements, w the 13 S-box
# outputs (all mod p, Python ints)
# ------------------------------------------------------------------------------------------------

_NV = WIDTH + PARTIAL_ROUNDS  # variables: u_0..u_15, w_0..w_12


def _unit(i: int) -> list[int]:
    v = [0] * _NV
    v[i] = 1
    return v


def _internal_forms(x: list[list[int]]) -> list[list[int]]:
    """The internal layer applied to 16 linear forms."""
    tot = [sum(col) % P for col in zip(*x, strict=True)]
    return [
        [(t + d * c) % P for t, c in zip(tot, row, strict=True)]
        for row, d in zip(x, DIAG, strict=True)
    ]


def _partial_forms() -> tuple[list[list[int]], list[list[int]]]:
    """(x_0 entering each partial round, the state after them) as linear forms of (u, w)."""
    state = [_unit(i) for i in range(WIDTH)]
    s0: list[list[int]] = []
    for k in range(PARTIAL_ROUNDS):
        s0.append(state[0])
        state = _internal_forms([_unit(WIDTH + k), *state[1:]])
    return s0, state


def _inverse(m: list[list[int]]) -> list[list[int]] | None:
    """The inverse of a square matrix mod p (None when singular)."""
    n = len(m)
    a = [[*row, *(1 if i == j else 0 for j in range(n))] for i, row in enumerate(m)]
    for c in range(n):
        piv = next((r for r in range(c, n) if a[r][c] % P), None)
        if piv is None:
            return None
        a[c], a[piv] = a[piv], a[c]
        inv = inv_int(a[c][c])
        a[c] = [v * inv % P for v in a[c]]
        for r in range(n):
            if r != c and a[r][c]:
                f = a[r][c]
                a[r] = [(v - f * w) % P for v, w in zip(a[r], a[c], strict=True)]
    return [row[n:] for row in a]


def _rank(rows: list[list[int]]) -> int:
    """The rank of a matrix mod p."""
    a = [r[:] for r in rows]
    rank = 0
    for c in range(len(a[0]) if a else 0):
        piv = next((r for r in range(rank, len(a)) if a[r][c] % P), None)
        if piv is None:
            continue
        a[rank], a[piv] = a[piv], a[rank]
        inv = inv_int(a[rank][c])
        a[rank] = [v * inv % P for v in a[rank]]
        for r in range(len(a)):
            if r != rank and a[r][c]:
                f = a[r][c]
                a[r] = [(v - f * w) % P for v, w in zip(a[r], a[rank], strict=True)]
        rank += 1
    return rank


def _solve() -> tuple[
    tuple[int, ...], list[list[int]], list[list[int]], list[list[int]], list[list[int]]
]:
    """EXTRA (the u entries completing the x_0 forms' u parts to a basis), A_PARTIAL and B
    (the u and w parts of x_0 entering each partial round: 13 x 16 and 13 x 13), and the
    transition out of the partial row, OUT_S (16 x 16, on s) and OUT_W (16 x 13, on w)."""
    s0, after = _partial_forms()
    a_rows = [f[:WIDTH] for f in s0]
    extra: list[int] = []
    for j in range(WIDTH):
        trial = a_rows + [_unit(i)[:WIDTH] for i in (*extra, j)]
        if len(extra) < WIDTH - PARTIAL_ROUNDS and _rank(trial) == len(trial):
            extra.append(j)
    a_inv = _inverse(a_rows + [_unit(j)[:WIDTH] for j in extra])
    if len(extra) != WIDTH - PARTIAL_ROUNDS or a_inv is None:
        raise ImportError("the partial-round forms do not extend to a basis")
    b = [f[WIDTH:] for f in s0]
    b_full = b + [[0] * PARTIAL_ROUNDS for _ in extra]
    c_u = [f[:WIDTH] for f in after]
    c_w = [f[WIDTH:] for f in after]
    # state after = C_u u + C_w w with u = A^-1 (s - B w)
    out_s = [
        [sum(c_u[i][k] * a_inv[k][j] for k in range(WIDTH)) % P for j in range(WIDTH)]
        for i in range(WIDTH)
    ]
    out_w = [
        [
            (c_w[i][j] - sum(out_s[i][k] * b_full[k][j] for k in range(WIDTH))) % P
            for j in range(PARTIAL_ROUNDS)
        ]
        for i in range(WIDTH)
    ]
    return tuple(extra), a_rows, b, out_s, out_w


EXTRA, A_PARTIAL, B_PARTIAL, OUT_S, OUT_W = _solve()


def _dot(coeffs: Sequence[int], xs: Sequence[Expr]) -> Expr:
    """sum c_i x_i as an expression (zero coefficients skipped)."""
    acc: Expr = Expr.const(0)
    for c, x in zip(coeffs, xs, strict=True):
        if c == 1:
            acc = acc + x
        elif c:
            acc = acc + x * c
    return acc


class MediumPoseidon2Air(RecursionAir):
    name = "poseidon2_medium"
    main_width = MAIN_WIDTH
    preprocessed_width = PRE_WIDTH
    op_width = Poseidon2Air.op_width

    def eval(self, b: AirBuilder) -> None:
        loc, nxt, pre = b.main_local, b.main_next, b.pre_local
        s, y1, w1, y2, w2 = (loc[c : c + WIDTH] for c in (S, Y1, W1, Y2, W2))
        bit = loc[BIT]
        sels = [pre[c] for c in range(len(_SEL_ROWS))]
        rc1 = [_dot([RC1[r][i] for r in _SEL_ROWS], sels) for i in range(WIDTH)]
        rc2 = [_dot([RC2[r][i] for r in _SEL_ROWS], sels) for i in range(WIDTH)]
        t1 = [s[i] + rc1[i] for i in range(WIDTH)]
        for i, t in enumerate(t1):
            b.assert_eq(y1[i], t * t * t, f"cube1_{i}")
            b.assert_eq(w1[i], y1[i] * y1[i] * t, f"sbox1_{i}")
        u2 = _external(list(w1))
        t2 = [u2[i] + rc2[i] for i in range(WIDTH)]
        for i, t in enumerate(t2):
            b.assert_eq(y2[i], t * t * t, f"cube2_{i}")
            b.assert_eq(w2[i], y2[i] * y2[i] * t, f"sbox2_{i}")
        b.assert_bool(bit, "swap_bit_bool")
        half = WIDTH // 2
        x: list[Expr] = [s[i] + bit * (s[i ^ half] - s[i]) for i in range(WIDTH)]
        after_in = _external(x)
        after_full = _external(list(w2))
        # into the partial row: x_0 of each partial round from u = M_E(w2) and the next row's w1
        w1_next = nxt[W1 : W1 + PARTIAL_ROUNDS]
        into_p = [
            _dot(A_PARTIAL[k], after_full) + _dot(B_PARTIAL[k], w1_next)
            for k in range(PARTIAL_ROUNDS)
        ] + [after_full[j] for j in EXTRA]
        # out of the partial row: the state after the partial rounds
        w1_p = list(w1[:PARTIAL_ROUNDS])
        out_p = [_dot(OUT_S[j], s) + _dot(OUT_W[j], w1_p) for j in range(WIDTH)]
        is_in, is_f23, is_p = pre[IS_IN], pre[IS_F23], pre[IS_P]
        is_full = pre[IS_F01] + pre[IS_F45] + pre[IS_F67]
        active = is_in + is_full + is_f23 + is_p
        for j in range(WIDTH):
            want = (
                is_in * after_in[j] + is_full * after_full[j] + is_f23 * into_p[j] + is_p * out_p[j]
            )
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
        if ROWS * n > height:
            raise ValueError("the medium Poseidon2 table's blocks exceed its height")
        block = np.zeros((n, ROWS, PRE_WIDTH), dtype=np.int64)
        for c, r in enumerate(_SEL_ROWS):
            block[:, r, c] = 1
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
        out[: self.rows] = block_trace(reads, bit).reshape(-1, MAIN_WIDTH)
        return out


_P64 = np.uint64(P)
_Col = npt.NDArray[np.uint64]


def _sbox(x: _Col, c: int) -> tuple[_Col, _Col]:
    """(t^3, t^7) for t = x + c (canonical)."""
    t = (x + np.uint64(c)) % _P64
    y = t * t % _P64 * t % _P64
    return y, y * y % _P64 * t % _P64


def block_trace(reads: npt.NDArray[np.uint64], bit: npt.NDArray[np.uint64]) -> U32:
    """The (n, ROWS, MAIN_WIDTH) main rows of n permutations of canonical ``reads`` ((n, 16))
    with swap bits ``bit`` ((n,), 0 or 1)."""
    n = reads.shape[0]
    out = np.zeros((n, ROWS, MAIN_WIDTH), dtype=np.uint32)
    out[:, IN, BIT] = bit
    state = [reads[:, i] for i in range(WIDTH)]
    for j in range(ROWS):
        if j == PARTIAL:
            # state = u: the row holds x_0 entering each partial round, then u at EXTRA
            u = state
            cur = list(u)
            s0: list[_Col] = []
            for c in INTERNAL:
                s0.append(cur[0])
                _, sb = _sbox(cur[0], c)
                cur = [v % _P64 for v in _internal([sb, *cur[1:]])]
            state = [*s0, *(u[e] for e in EXTRA)]
            after_partial = cur
        st1 = [_sbox(state[i], RC1[j][i]) for i in range(WIDTH)]
        w1 = [w for _, w in st1]
        u2 = [v % _P64 for v in _external(w1)]
        st2 = [_sbox(u2[i], RC2[j][i]) for i in range(WIDTH)]
        w2 = [w for _, w in st2]
        out[:, j, S:Y1] = np.stack(state, axis=1)
        out[:, j, Y1:W1] = np.stack([y for y, _ in st1], axis=1)
        out[:, j, W1:Y2] = np.stack(w1, axis=1)
        out[:, j, Y2:W2] = np.stack([y for y, _ in st2], axis=1)
        out[:, j, W2:BIT] = np.stack(w2, axis=1)
        if j == IN:
            sw = bit == 1
            x = [np.where(sw, state[i ^ (WIDTH // 2)], state[i]) for i in range(WIDTH)]
            state = [v % _P64 for v in _external(x)]
        elif j == PARTIAL:
            state = after_partial
        elif j != OUT:
            state = [v % _P64 for v in _external(w2)]
    return out
