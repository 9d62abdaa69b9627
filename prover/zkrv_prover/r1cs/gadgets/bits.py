"""Bit decomposition, range checks and comparison with constants.

Costs (constraints): ``to_bits(x, n)`` = n, ``range_check(x, n)`` = n, ``assert_leq_const`` on
bits = (number of 1-bits of the constant after the top one) + (number of runs of 0-bits),
``to_bits_field(x)`` (all 254 bits, canonical) = 254 + that comparison against R - 1.

The top bit of a decomposition is never a variable of its own: it is the linear combination
``(x - sum_{i<n-1} 2^i b_i) / 2^(n-1)``, and its booleanity constraint doubles as the
recomposition check, so an n-bit decomposition costs n constraints, not n + 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.builder import LC, ConstraintSystem

#: Largest n for which an n-bit decomposition cannot wrap around the field.
MAX_RANGE_BITS = R.bit_length() - 1  # 253


def pack(bits: Sequence[LC]) -> LC:
    """``sum 2^i bits[i]`` (free)."""
    return LC.combine((b, 1 << i) for i, b in enumerate(bits))


def to_bits(cs: ConstraintSystem, x: LC, n: int, value: int | None = None) -> list[LC]:
    """Little-endian bits of ``x``, proving ``0 <= x < 2^n`` (n constraints, n <= 253).

    ``value`` overrides the integer the bits are computed from (tests use it to forge
    witnesses); by default it is ``x``'s witness value. A non-strict builder then records an
    unsatisfied top-bit constraint when ``x`` does not fit.
    """
    if not 1 <= n <= MAX_RANGE_BITS:
        raise ValueError(f"bit width {n} outside 1..{MAX_RANGE_BITS}")
    v = x.value if value is None else value
    bits = cs.alloc_bits([(v >> i) & 1 for i in range(n - 1)])
    top = (x - pack(bits)) * pow(1 << (n - 1), -1, R)
    cs.assert_bool(top, "range check top bit")
    bits.append(top)
    return bits


def range_check(cs: ConstraintSystem, x: LC, n: int) -> None:
    """Prove ``0 <= x < 2^n`` (n constraints)."""
    to_bits(cs, x, n)


def assert_leq_const(cs: ConstraintSystem, bits: Sequence[LC], k: int) -> None:
    """Prove ``pack(bits) <= k`` for boolean ``bits`` (little-endian) and a constant ``k``.

    Scan from the most significant bit keeping ``run`` = "all higher bits of x equal those of k
    where k has a 1" (the product of those bits; higher 0-bits of k are already forced to 0 while
    ``run`` holds). Where k has a 0-bit, x's bit must be 0 while ``run`` is 1; a maximal block of
    such 0-bits shares one constraint ``run * sum(block) = 0`` (a sum of booleans is 0 iff all
    are). Cost: one constraint per 1-bit of k below its top 1-bit, plus one per 0-block.
    """
    n = len(bits)
    if k < 0:
        raise ValueError("k must be non-negative")
    if k >= (1 << n) - 1:
        return  # every n-bit value qualifies
    run: LC | None = None  # None = the constant 1 (no 1-bit of k seen yet)
    zeros: list[LC] = []

    def flush() -> None:
        if zeros:
            s = zeros[0]
            for z in zeros[1:]:
                s = s + z
            if run is None:
                cs.assert_zero(s, "leq const: leading zeros")
            else:
                cs.enforce(run, s, LC({}, 0), "leq const: zero block")
            zeros.clear()

    for i in range(n - 1, -1, -1):
        if (k >> i) & 1:
            flush()
            run = bits[i] if run is None else cs.mul(run, bits[i], "leq const: run")
        else:
            zeros.append(bits[i])
    flush()


def to_bits_field(cs: ConstraintSystem, x: LC) -> list[LC]:
    """All 254 little-endian bits of ``x`` with the canonical check ``pack(bits) < R``.

    Cost: 254 booleanity constraints + the comparison with R - 1 (see ``assert_leq_const``).
    Unlike :func:`to_bits`, the 254-bit sum can wrap, so every bit is a variable and the
    recomposition is one extra constraint.
    """
    n = R.bit_length()
    bits = cs.alloc_bits([(x.value >> i) & 1 for i in range(n)])
    cs.assert_equal(pack(bits), x, "field bits recomposition")
    assert_leq_const(cs, bits, R - 1)
    return bits


def select(cs: ConstraintSystem, bit: LC, if_one: LC, if_zero: LC) -> LC:
    """``bit ? if_one : if_zero`` for a boolean ``bit`` (1 constraint, free if bit is constant)."""
    return if_zero + cs.mul(bit, if_one - if_zero, "select")
