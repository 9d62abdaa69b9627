"""Poseidon parameters for BN254 as circomlib uses them, regenerated from first principles.

circomlib generated its constants with the Poseidon authors' reference script
(``generate_parameters_grain.sage 1 0 254 t 8 R_P <R>``): a Grain LFSR seeded with the parameter
description yields the round constants (254-bit chunks, rejection-sampled below R) and then a Cauchy
MDS matrix ``M[i][j] = 1 / (x_i + y_j)``. This module reimplements that generator; the test suite
checks the result against circomlibjs, so our constants are derived, not copied.

Parameters: S-box x^5, R_F = 8 full rounds, R_P partial rounds per width t = 2..17 (the numbers of
the Poseidon paper rounded up as circomlib did).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from zkrv_prover.bn254.constants import R

#: Number of full rounds (half before, half after the partial rounds).
ROUNDS_F: int = 8
#: Number of partial rounds, indexed by t - 2 for t = 2..17 (circomlib's table).
ROUNDS_P: tuple[int, ...] = (56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68)
#: Smallest and largest supported state width (inputs + 1).
T_MIN: int = 2
T_MAX: int = 17
_FIELD_BITS = 254  # n in the reference script: bit length of R


@dataclass(frozen=True)
class PoseidonParams:
    """Round constants ``c[r][i]`` (round r, lane i) and MDS matrix ``m[i][j]`` for one width."""

    t: int
    rounds_f: int
    rounds_p: int
    c: tuple[tuple[int, ...], ...]
    m: tuple[tuple[int, ...], ...]


class _Grain:
    """The reference script's Grain LFSR in self-shrinking mode, producing output bits.

    Raw recurrence: s[i+80] = s[i+62] ^ s[i+51] ^ s[i+38] ^ s[i+23] ^ s[i+13] ^ s[i]; the first 160
    raw bits are discarded, then raw bits are read in pairs (a, b) and b is output when a == 1.
    Raw bits are produced 18 at a time (the recurrence allows that many in parallel) and filtered
    with numpy, so generating all widths takes well under a second.
    """

    def __init__(self, t: int, rounds_f: int, rounds_p: int) -> None:
        fields = [(1, 2), (0, 4), (_FIELD_BITS, 12), (t, 12), (rounds_f, 10), (rounds_p, 10)]
        bits = "".join(format(v, f"0{w}b") for v, w in fields) + "1" * 30
        # Window of the last 80 raw bits: bit j of the int is s[base + j].
        self._w = sum(int(b) << j for j, b in enumerate(bits))
        self._out: list[int] = []
        self._pos = 0
        self._raw(160)

    def _raw(self, count: int) -> npt.NDArray[np.uint8]:
        """Next ``count`` raw LFSR bits as a 0/1 array."""
        w, acc, done = self._w, 0, 0
        while done < count:
            k = min(18, count - done)
            new = ((w >> 62) ^ (w >> 51) ^ (w >> 38) ^ (w >> 23) ^ (w >> 13) ^ w) & ((1 << k) - 1)
            w = (w >> k) | (new << (80 - k))
            acc |= new << done
            done += k
        self._w = w
        raw = np.frombuffer(acc.to_bytes((count + 7) // 8, "little"), dtype=np.uint8)
        return np.unpackbits(raw, bitorder="little")[:count]

    def bits(self, n: int) -> list[int]:
        """Next ``n`` output bits."""
        while len(self._out) - self._pos < n:
            raw = self._raw(18 * 400)
            self._out.extend(raw[1::2][raw[0::2] == 1].tolist())
        res = self._out[self._pos : self._pos + n]
        self._pos += n
        return res

    def integer(self, n: int) -> int:
        """Next ``n`` output bits as an integer, most significant bit first."""
        return int("".join(map(str, self.bits(n))), 2)


@cache
def params(t: int) -> PoseidonParams:
    """Generate (and cache) the parameters for state width ``t`` in 2..17."""
    if not T_MIN <= t <= T_MAX:
        raise ValueError(f"Poseidon width t={t} unsupported: t must be in {T_MIN}..{T_MAX}")
    rounds_p = ROUNDS_P[t - T_MIN]
    g = _Grain(t, ROUNDS_F, rounds_p)
    flat: list[int] = []
    for _ in range((ROUNDS_F + rounds_p) * t):
        v = g.integer(_FIELD_BITS)
        while v >= R:  # rejection sampling, as in the reference script
            v = g.integer(_FIELD_BITS)
        flat.append(v)
    c = tuple(tuple(flat[r * t : (r + 1) * t]) for r in range(ROUNDS_F + rounds_p))
    while True:  # Cauchy matrix from 2t distinct values reduced mod R (no rejection here)
        vals = [g.integer(_FIELD_BITS) % R for _ in range(2 * t)]
        while len(set(vals)) != len(vals):
            vals = [g.integer(_FIELD_BITS) % R for _ in range(2 * t)]
        xs, ys = vals[:t], vals[t:]
        if all((x + y) % R for x in xs for y in ys):
            break
    m = tuple(tuple(pow(x + y, -1, R) for y in ys) for x in xs)
    return PoseidonParams(t=t, rounds_f=ROUNDS_F, rounds_p=rounds_p, c=c, m=m)
