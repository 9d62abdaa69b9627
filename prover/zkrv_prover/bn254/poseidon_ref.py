"""Pure-Python Poseidon over the BN254 scalar field, bit-compatible with circomlib.

Reference semantics (circomlib / circomlibjs ``poseidon``): for ``k = len(inputs)`` in 1..16 the
state width is ``t = k + 1``, the initial state is ``[0, *inputs]``, and the result is
``state[0]`` after the permutation. Each round adds the round constants, applies x^5 to every
lane (full rounds: the first and last R_F/2) or to lane 0 only (partial rounds), then multiplies
by the MDS matrix. This is the slow, obviously-correct reference the native engine is tested
against; use :func:`zkrv_prover.bn254.poseidon` for speed.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.bn254.constants import R
from zkrv_prover.bn254.poseidon_params import T_MAX, T_MIN, params


def _check_canonical(values: Sequence[int]) -> None:
    for i, v in enumerate(values):
        if not isinstance(v, int) or not 0 <= v < R:
            raise ValueError(f"Poseidon input {i} is not a canonical BN254 scalar (< R): {v}")


def permute(state: Sequence[int]) -> list[int]:
    """The Poseidon permutation on a full state of width ``t = len(state)`` in 2..17."""
    t = len(state)
    if not T_MIN <= t <= T_MAX:
        raise ValueError(f"Poseidon state width {t} unsupported: must be in {T_MIN}..{T_MAX}")
    _check_canonical(state)
    p = params(t)
    half_f = p.rounds_f // 2
    s = list(state)
    for r, consts in enumerate(p.c):
        s = [(x + c) % R for x, c in zip(s, consts, strict=True)]
        if r < half_f or r >= half_f + p.rounds_p:
            s = [pow(x, 5, R) for x in s]
        else:
            s[0] = pow(s[0], 5, R)
        s = [sum(mij * x for mij, x in zip(row, s, strict=True)) % R for row in p.m]
    return s


def poseidon(inputs: Sequence[int]) -> int:
    """circomlib's ``poseidon(inputs)`` for 1..16 canonical inputs (t = len(inputs) + 1).

    Raises ``ValueError`` for an unsupported number of inputs or a value outside [0, R).
    """
    if not 1 <= len(inputs) <= T_MAX - 1:
        raise ValueError(f"Poseidon takes 1..{T_MAX - 1} inputs, got {len(inputs)}")
    _check_canonical(inputs)
    return permute([0, *inputs])[0]
