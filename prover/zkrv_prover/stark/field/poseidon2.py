"""Poseidon2 over BabyBear, width 16: the reference permutation (scalar and numpy-batched).

This is the field-native hash of zkrv's recursion-friendly proofs (``PcsParams.hash =
"poseidon2-babybear"``): a STARK whose verifier runs inside another BabyBear STARK must hash with
a permutation over BabyBear itself. The instance is Plonky3's ``default_babybear_poseidon2_16``
(Poseidon2 paper, ePrint 2023/323), so its outputs are checked against Plonky3's test vector:

- S-box x^7 (the smallest exponent coprime to p - 1); 8 full rounds (4 before, 4 after) and 13
  partial rounds (the Groebner-basis bound 11.7 plus Plonky3's 7.5% margin, rounded up).
- External linear layer: the 4x4 matrix ``M4`` below on each quarter of the state, then every
  element adds the sum of its position across the four quarters (circ(2 M4, M4, M4, M4)). It is
  applied once before the first round.
- Internal linear layer: ``x_i <- sum(x) + DIAG[i] * x_i``.
- A full round adds 16 round constants, applies the S-box to all 16 elements, then the external
  layer; a partial round adds one constant to x_0, applies the S-box to x_0 only, then the
  internal layer.

The native engine (``zkrv_prover._native``) computes the same permutation for the prover's
batch hashing; tests compare the two.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.field.field import P, inv_int
from zkrv_prover.stark.field.poseidon2_constants import EXTERNAL_FINAL, EXTERNAL_INITIAL, INTERNAL

#: State width (elements), rate and digest size (elements) of the constructions built on it.
WIDTH = 16
#: Full rounds before and after the partial rounds, and the number of partial rounds.
HALF_FULL_ROUNDS = 4
PARTIAL_ROUNDS = 13
#: The S-box exponent.
SBOX_DEGREE = 7

_INV2 = inv_int(2)


def _neg(v: int) -> int:
    return (-v) % P


#: Internal diagonal: [-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/2^8, 1/4, 1/8, 1/2^27, -1/2^8, -1/16,
#: -1/2^27] (Plonky3's choice: small values and inverse powers of two, cheap in Montgomery form).
DIAG: tuple[int, ...] = (
    _neg(2),
    1,
    2,
    _INV2,
    3,
    4,
    _neg(_INV2),
    _neg(3),
    _neg(4),
    inv_int(1 << 8),
    inv_int(4),
    inv_int(8),
    inv_int(1 << 27),
    _neg(inv_int(1 << 8)),
    _neg(inv_int(16)),
    _neg(inv_int(1 << 27)),
)

#: The 4x4 block of the external layer (rows).
M4: tuple[tuple[int, ...], ...] = ((2, 3, 1, 1), (1, 2, 3, 1), (1, 1, 2, 3), (3, 1, 1, 2))

_RC_INITIAL = [EXTERNAL_INITIAL[16 * r : 16 * r + 16] for r in range(HALF_FULL_ROUNDS)]
_RC_FINAL = [EXTERNAL_FINAL[16 * r : 16 * r + 16] for r in range(HALF_FULL_ROUNDS)]

if len(INTERNAL) != PARTIAL_ROUNDS or len(EXTERNAL_INITIAL) != 16 * HALF_FULL_ROUNDS:
    raise ImportError("Poseidon2 constants do not match the round counts")


# ------------------------------------------------------------------------------------------------
# Scalar reference (Python ints; the native verifier's permutation)
# ------------------------------------------------------------------------------------------------


def external_linear(x: Sequence[int]) -> list[int]:
    """The external linear layer on a 16-element state (canonical ints in, canonical out)."""
    blocks = []
    for q in range(4):
        c = x[4 * q : 4 * q + 4]
        blocks.append([sum(m * v for m, v in zip(row, c, strict=True)) for row in M4])
    sums = [sum(blocks[q][i] for q in range(4)) for i in range(4)]
    return [(blocks[q][i] + sums[i]) % P for q in range(4) for i in range(4)]


def internal_linear(x: Sequence[int]) -> list[int]:
    """The internal linear layer: x_i <- sum(x) + DIAG[i] x_i."""
    s = sum(x)
    return [(s + d * v) % P for d, v in zip(DIAG, x, strict=True)]


def permute(state: Sequence[int]) -> list[int]:
    """The permutation of a 16-element state of canonical BabyBear values."""
    if len(state) != WIDTH:
        raise ValueError(f"Poseidon2 permutes {WIDTH} elements, got {len(state)}")
    x = external_linear([int(v) % P for v in state])
    for rc in _RC_INITIAL:
        x = external_linear([pow((v + c) % P, SBOX_DEGREE, P) for v, c in zip(x, rc, strict=True)])
    for c in INTERNAL:
        x[0] = pow((x[0] + c) % P, SBOX_DEGREE, P)
        x = internal_linear(x)
    for rc in _RC_FINAL:
        x = external_linear([pow((v + c) % P, SBOX_DEGREE, P) for v, c in zip(x, rc, strict=True)])
    return x


# ------------------------------------------------------------------------------------------------
# numpy batch reference (many states at once; the "reference" hashing backend)
# ------------------------------------------------------------------------------------------------

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
_P64 = np.uint64(P)


def _sbox(v: U64) -> U64:
    v2 = v * v % _P64
    v3 = v2 * v % _P64
    v6 = v3 * v3 % _P64
    return v6 * v % _P64


def _external_batch(x: U64) -> U64:
    q = x.reshape(x.shape[0], 4, 4)
    m = np.array(M4, dtype=np.uint64)
    blocks = np.einsum("ij,nqj->nqi", m, q) % _P64  # entries < 7p before the reduction
    sums = blocks.sum(axis=1, keepdims=True)
    return ((blocks + sums) % _P64).reshape(x.shape[0], WIDTH)


_DIAG64 = np.array(DIAG, dtype=np.uint64)


def permute_batch(states: npt.ArrayLike) -> U32:
    """The permutation of every row of an (n, 16) array of canonical values (uint32 out)."""
    x = np.asarray(states, dtype=np.uint64)
    if x.ndim != 2 or x.shape[1] != WIDTH:
        raise ValueError(f"permute_batch takes an (n, {WIDTH}) array")
    if x.size and int(x.max()) >= P:
        raise ValueError("Poseidon2 input is not canonical")
    x = _external_batch(x)
    for rc in _RC_INITIAL:
        x = _external_batch(_sbox((x + np.array(rc, dtype=np.uint64)) % _P64))
    for c in INTERNAL:
        x[:, 0] = _sbox((x[:, 0] + np.uint64(c)) % _P64)
        s = x.sum(axis=1, keepdims=True) % _P64
        x = (s + _DIAG64 * x % _P64) % _P64
    for rc in _RC_FINAL:
        x = _external_batch(_sbox((x + np.array(rc, dtype=np.uint64)) % _P64))
    return x.astype(np.uint32)


__all__ = [
    "DIAG",
    "HALF_FULL_ROUNDS",
    "M4",
    "PARTIAL_ROUNDS",
    "SBOX_DEGREE",
    "WIDTH",
    "external_linear",
    "internal_linear",
    "permute",
    "permute_batch",
]
