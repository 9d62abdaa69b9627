"""Constraint expressions over bit columns, shared by the precompile tables that hold their
operands as bits (``sha256``, ``keccak_f``)."""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.stark.air.air import Expr


def xor(x: Expr, y: Expr, z: Expr | None = None) -> Expr:
    """XOR of two or three bits as a polynomial (degree 2 or 3): exact on bits only."""
    if z is None:
        return x + y - 2 * x * y
    return x + y + z - 2 * (x * y + x * z + y * z) + 4 * x * y * z


def pack(bits: Sequence[Expr]) -> Expr:
    """The integer whose little-endian bits are ``bits``: ``sum 2^i bits[i]``."""
    out: Expr = bits[0]
    for i in range(1, len(bits)):
        out = out + (1 << i) * bits[i]
    return out
