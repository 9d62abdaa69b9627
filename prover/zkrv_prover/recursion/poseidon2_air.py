"""An AIR gadget for the Poseidon2-BabyBear width-16 permutation: one permutation per row.

The permutation is :mod:`zkrv_prover.stark.field.poseidon2` (Plonky3's default instance: the
external layer once up front, 4 full rounds, 13 partial rounds, 4 full rounds, S-box x^7). Every
constraint has degree 3 in trace units, so a table using the gadget keeps a small quotient.

Layout of the ``NUM_COLS`` main columns, relative to the caller's ``offset``:

- ``[0, 16)``: the input state;
- per initial full round r (4): 16 cubes ``y = (s + rc)^3`` then the 16 round outputs, where
  ``s`` is the state entering the round;
- per partial round (13): the cube ``y = (s_0 + c)^3`` and the S-box output ``y^2 (s_0 + c)``;
- per final full round (4): 16 cubes then 16 round outputs; the last round's outputs are the
  permutation's output (:func:`output_cols`).

A committed cube ``y`` turns x^7 into two degree-3 constraints, ``y = t^3`` and (S-box output)
``= y^2 t``. Full-round outputs are committed because the external layer mixes 16 degree-3
S-box outputs; committing them restarts the next round from degree 1. Inside the partial rounds
only x_0 goes through the S-box, and the internal layer is linear, so the other 15 elements stay
linear expressions of committed columns (built symbolically below, never committed).

Rows need no selector: padding rows of a table using the gadget are permutations of the zero
state (:func:`generate` of zeros), which satisfy every constraint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.poseidon2 import DIAG, HALF_FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH
from zkrv_prover.stark.field.poseidon2_constants import EXTERNAL_FINAL, EXTERNAL_INITIAL, INTERNAL

#: Committed columns of one full round (cubes, then outputs) and of one partial round.
FULL_ROUND_COLS = 2 * WIDTH
PARTIAL_ROUND_COLS = 2
#: Main columns of one permutation: 16 + 8 * 32 + 13 * 2 = 298.
NUM_COLS = WIDTH + 2 * HALF_FULL_ROUNDS * FULL_ROUND_COLS + PARTIAL_ROUNDS * PARTIAL_ROUND_COLS

_RC_INITIAL = [EXTERNAL_INITIAL[WIDTH * r : WIDTH * (r + 1)] for r in range(HALF_FULL_ROUNDS)]
_RC_FINAL = [EXTERNAL_FINAL[WIDTH * r : WIDTH * (r + 1)] for r in range(HALF_FULL_ROUNDS)]
#: First column (relative) of the initial full rounds, the partial rounds, the final full rounds.
_INITIAL_START = WIDTH
_PARTIAL_START = _INITIAL_START + HALF_FULL_ROUNDS * FULL_ROUND_COLS
_FINAL_START = _PARTIAL_START + PARTIAL_ROUNDS * PARTIAL_ROUND_COLS
assert _FINAL_START + HALF_FULL_ROUNDS * FULL_ROUND_COLS == NUM_COLS


def input_cols(offset: int = 0) -> list[int]:
    """The 16 column indices of the input state."""
    return list(range(offset, offset + WIDTH))


def output_cols(offset: int = 0) -> list[int]:
    """The 16 column indices of the output state (the last full round's committed outputs)."""
    start = offset + NUM_COLS - WIDTH
    return list(range(start, start + WIDTH))


# ------------------------------------------------------------------------------------------------
# Linear layers, written once over Expr (constraints) and uint64 columns (trace generation)
# ------------------------------------------------------------------------------------------------

# Expr for the AIR; an (n,) uint64 array of canonical values for the generator, which must reduce
# the results mod p (they stay below 2^63: see the bounds in the comments).
_L = TypeVar("_L", Expr, npt.NDArray[np.uint64])


def _m4(x0: _L, x1: _L, x2: _L, x3: _L) -> list[_L]:
    """The 4x4 block ``poseidon2.M4`` (rows 2311, 1231, 1123, 3112) by additions only
    (Plonky3's ``apply_mat4``); outputs < 7p for canonical inputs."""
    t01 = x0 + x1
    t23 = x2 + x3
    t0123 = t01 + t23
    t01123 = t0123 + x1
    t01233 = t0123 + x3
    return [t01123 + t01, t01123 + x2 + x2, t01233 + t23, t01233 + x0 + x0]


def _external(x: list[_L]) -> list[_L]:
    """The external layer circ(2 M4, M4, M4, M4); outputs < 35p for canonical inputs."""
    blocks = [_m4(*x[4 * q : 4 * q + 4]) for q in range(4)]
    sums = [blocks[0][i] + blocks[1][i] + blocks[2][i] + blocks[3][i] for i in range(4)]
    return [blocks[q][i] + sums[i] for q in range(4) for i in range(4)]


def _internal(x: list[_L]) -> list[_L]:
    """The internal layer x_i <- sum(x) + DIAG[i] x_i; outputs < 16p + p^2 < 2^63 for canonical
    inputs."""
    s = x[0]
    for v in x[1:]:
        s = s + v
    return [s + v if d == 1 else s + v * d for v, d in zip(x, DIAG, strict=True)]


# ------------------------------------------------------------------------------------------------
# Constraints
# ------------------------------------------------------------------------------------------------


def _full_round(
    b: AirBuilder, state: list[Expr], rc: Sequence[int], col: int, name: str
) -> list[Expr]:
    """Constrain one full round whose cubes start at column ``col`` (outputs at ``col + 16``);
    returns the committed outputs."""
    loc = b.main_local
    cubes, outs = loc[col : col + WIDTH], loc[col + WIDTH : col + 2 * WIDTH]
    sbox: list[Expr] = []
    for i in range(WIDTH):
        t = state[i] + rc[i]
        b.assert_eq(cubes[i], t * t * t, f"{name}_cube{i}")
        sbox.append(cubes[i] * cubes[i] * t)
    for i, v in enumerate(_external(sbox)):
        b.assert_eq(outs[i], v, f"{name}_out{i}")
    return outs


def eval_permutation(b: AirBuilder, offset: int = 0) -> None:
    """Constrain columns ``[offset, offset + NUM_COLS)`` of every row to hold a valid
    permutation (the layout of the module doc): then ``output_cols(offset)`` is the Poseidon2
    permutation of ``input_cols(offset)``. All constraints have degree 3; no selector."""
    if not 0 <= offset <= len(b.main_local) - NUM_COLS:
        raise ValueError(f"Poseidon2 columns [{offset}, {offset + NUM_COLS}) exceed the table")
    loc = b.main_local
    tag = "p2" if offset == 0 else f"p2@{offset}"
    state = _external(loc[offset : offset + WIDTH])
    for r, rc in enumerate(_RC_INITIAL):
        col = offset + _INITIAL_START + r * FULL_ROUND_COLS
        state = _full_round(b, state, rc, col, f"{tag}_full{r}")
    for k, c in enumerate(INTERNAL):
        col = offset + _PARTIAL_START + k * PARTIAL_ROUND_COLS
        cube, out = loc[col], loc[col + 1]
        t = state[0] + c
        b.assert_eq(cube, t * t * t, f"{tag}_partial{k}_cube")
        b.assert_eq(out, cube * cube * t, f"{tag}_partial{k}_sbox")
        state = _internal([out, *state[1:]])
    for r, rc in enumerate(_RC_FINAL):
        col = offset + _FINAL_START + r * FULL_ROUND_COLS
        state = _full_round(b, state, rc, col, f"{tag}_full{HALF_FULL_ROUNDS + r}")


# ------------------------------------------------------------------------------------------------
# Trace generation
# ------------------------------------------------------------------------------------------------

_P64 = np.uint64(P)


def _cube_sbox(
    x: npt.NDArray[np.uint64], c: int
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """(t^3, t^7) for t = x + c, canonical."""
    t = (x + np.uint64(c)) % _P64
    y = t * t % _P64 * t % _P64
    return y, y * y % _P64 * t % _P64


def generate(inputs: npt.ArrayLike) -> npt.NDArray[np.uint32]:
    """The gadget's ``NUM_COLS`` main columns for each row of an (n, 16) array of canonical
    BabyBear inputs, as an (n, NUM_COLS) uint32 array (vectorized over rows)."""
    x_in = np.asarray(inputs, dtype=np.uint64)
    if x_in.ndim != 2 or x_in.shape[1] != WIDTH:
        raise ValueError(f"generate takes an (n, {WIDTH}) array")
    if x_in.size and int(x_in.max()) >= P:
        raise ValueError("Poseidon2 input is not canonical")
    n = x_in.shape[0]
    out = np.empty((n, NUM_COLS), dtype=np.uint32)
    out[:, :WIDTH] = x_in
    state = [v % _P64 for v in _external([x_in[:, i] for i in range(WIDTH)])]

    def full_round(rc: Sequence[int], col: int) -> list[npt.NDArray[np.uint64]]:
        pairs = [_cube_sbox(state[i], rc[i]) for i in range(WIDTH)]
        outs = [v % _P64 for v in _external([s for _, s in pairs])]
        out[:, col : col + WIDTH] = np.stack([y for y, _ in pairs], axis=1)
        out[:, col + WIDTH : col + 2 * WIDTH] = np.stack(outs, axis=1)
        return outs

    for r, rc in enumerate(_RC_INITIAL):
        state = full_round(rc, _INITIAL_START + r * FULL_ROUND_COLS)
    for k, c in enumerate(INTERNAL):
        col = _PARTIAL_START + k * PARTIAL_ROUND_COLS
        y, s0 = _cube_sbox(state[0], c)
        out[:, col], out[:, col + 1] = y, s0
        state = [v % _P64 for v in _internal([s0, *state[1:]])]
    for r, rc in enumerate(_RC_FINAL):
        state = full_round(rc, _FINAL_START + r * FULL_ROUND_COLS)
    return out


def table_trace(inputs: npt.ArrayLike, height: int | None = None) -> npt.NDArray[np.uint32]:
    """The main trace of a :class:`Poseidon2Air` permuting the rows of ``inputs`` ((n, 16)),
    padded with permutations of the zero state to ``height`` (default: the next power of two,
    at least 2)."""
    x = np.asarray(inputs, dtype=np.uint64).reshape(-1, WIDTH)
    n = x.shape[0]
    h = max(2, 1 << max(0, n - 1).bit_length()) if height is None else height
    if h < n or h < 2 or h & (h - 1):
        raise ValueError(f"height {h} is not a power of two >= max(2, {n})")
    padded = np.zeros((h, WIDTH), dtype=np.uint64)
    padded[:n] = x
    return generate(padded)


class Poseidon2Air(Air):
    """A standalone table: each row is one permutation (``main`` = the gadget at offset 0)."""

    name = "poseidon2"
    main_width = NUM_COLS

    def eval(self, b: AirBuilder) -> None:
        eval_permutation(b, 0)


__all__ = [
    "NUM_COLS",
    "Poseidon2Air",
    "eval_permutation",
    "generate",
    "input_cols",
    "output_cols",
    "table_trace",
]
