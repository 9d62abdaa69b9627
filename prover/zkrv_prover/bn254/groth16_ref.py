"""Pure-Python Groth16 verifier (py_ecc), independent of the native engine, for differential tests.

Decodes zkrv's verifying-key and proof bytes itself (see :mod:`.groth16` for the layouts),
validates every point (canonical coordinates, on the curve, G2 in the r-torsion subgroup) and
checks e(A, B) = e(alpha, beta) e(IC(x), gamma) e(C, delta) with py_ecc's optimized BN254
pairing (one final exponentiation). About a second per proof: tests only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from py_ecc.optimized_bn128 import (
    FQ,
    FQ2,
    FQ12,
    add,
    b,
    b2,
    curve_order,
    field_modulus,
    is_inf,
    is_on_curve,
    multiply,
    neg,
)
from py_ecc.optimized_bn128.optimized_pairing import final_exponentiate, pairing

from zkrv_prover.bn254.constants import R

Point = Any  # py_ecc's projective (x, y, z) tuples


def _coord(raw: bytes, off: int) -> int:
    v = int.from_bytes(raw[off : off + 32], "big")
    if v >= field_modulus:
        raise ValueError("coordinate is not a canonical base-field element (>= P)")
    return v


def decode_g1(raw: bytes, off: int = 0) -> Point:
    x, y = _coord(raw, off), _coord(raw, off + 32)
    if x == 0 and y == 0:
        return (FQ(1), FQ(1), FQ(0))
    p = (FQ(x), FQ(y), FQ(1))
    if not is_on_curve(p, b):
        raise ValueError("G1 point is not on the curve")
    return p


def decode_g2(raw: bytes, off: int = 0) -> Point:
    x1, x0, y1, y0 = (_coord(raw, off + 32 * i) for i in range(4))
    if x0 == x1 == y0 == y1 == 0:
        return (FQ2([1, 0]), FQ2([1, 0]), FQ2([0, 0]))
    p = (FQ2([x0, x1]), FQ2([y0, y1]), FQ2([1, 0]))
    if not is_on_curve(p, b2):
        raise ValueError("G2 point is not on the curve")
    if not is_inf(multiply(p, curve_order)):
        raise ValueError("G2 point is not in the prime-order subgroup")
    return p


def verify(vk: bytes, public: Sequence[int], proof: bytes) -> bool:
    """Reference Groth16 verification; ``ValueError`` for malformed inputs, like the native one."""
    if vk[:8] != b"ZKRVVK1\0":
        raise ValueError("not a zkrv Groth16 verifying key (bad magic)")
    n_public = int.from_bytes(vk[8:12], "big")
    if len(vk) != 12 + 64 + 3 * 128 + 64 * (n_public + 1):
        raise ValueError("verifying key has the wrong length")
    if len(public) != n_public:
        raise ValueError(f"verifying key expects {n_public} public inputs, got {len(public)}")
    if len(proof) != 256:
        raise ValueError("a Groth16 proof is 256 bytes")
    alpha = decode_g1(vk, 12)
    beta, gamma, delta = (decode_g2(vk, 76 + 128 * i) for i in range(3))
    ic = [decode_g1(vk, 460 + 64 * i) for i in range(n_public + 1)]
    a, bb, c = decode_g1(proof, 0), decode_g2(proof, 64), decode_g1(proof, 192)
    acc = ic[0]
    for x, p in zip(public, ic[1:], strict=True):
        if not 0 <= x < R:
            raise ValueError("public input is not a canonical BN254 scalar")
        acc = add(acc, multiply(p, x))
    f = FQ12.one()
    for q, p in ((bb, a), (beta, neg(alpha)), (gamma, neg(acc)), (delta, neg(c))):
        f = f * pairing(q, p, final_exponentiate=False)
    return bool(final_exponentiate(f) == FQ12.one())
