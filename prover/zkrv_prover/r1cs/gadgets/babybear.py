"""BabyBear (p = 15 * 2^27 + 1) arithmetic inside the BN254 scalar field, with lazy reduction.

A :class:`BB` is a linear combination holding a *non-negative integer* ``x < bound`` that is
congruent mod p to the BabyBear element it represents. Because BN254 scalars have 253+ bits, sums
and products can stay unreduced: additions are free, a product is one constraint, and values are
reduced mod p only when the next operation could push the bound past :data:`LIMIT` (2^250), or
when a canonical value is required (hashing, bit decomposition, exposing outputs).

Costs (constraints):

- ``add``, ``sub``, ``neg``, ``mul_const``, ``const``: 0.
- ``mul``: 1 (plus a reduction of an operand when the product bound would exceed 2^250).
- ``reduce`` of an x with ``b = bit_length(bound - 1)`` bits: ``31 + (b - 30)`` for a result in
  [0, 2^31) and 4 more for a canonical result in [0, p). A product of two canonical values
  (62 bits) reduces for 63 (lazy) / 67 (canonical).
- ``alloc`` of a canonical value (e.g. from a proof): 35.
- ``assert_eq``: 1 if both sides are canonical, else ``b - 30`` for the difference's bound.
- ``inverse``: 35 (canonical hint) + 1 (product) + ~33 (equality): 69.

Soundness of ``reduce``: with ``r`` range-checked to 31 bits and ``q := (x - r) / p`` (a linear
combination, not a hint) range-checked to ``nq`` bits where ``2^nq > (bound - 1) / p``, the field
identity ``x = q p + r`` involves integers below R on both sides, so it holds over the integers.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets.bits import assert_leq_const, pack, to_bits

P = 2**31 - 2**27 + 1
#: Bounds stay below this; anything larger is reduced first.
LIMIT = 1 << 250
_P_INV = pow(P, -1, R)


class BB:
    """A BabyBear value: ``lc`` evaluates to an integer in ``[0, bound)``, congruent mod p."""

    __slots__ = ("_reduced", "bound", "lc")

    def __init__(self, lc: LC, bound: int) -> None:
        self.lc = lc
        self.bound = bound
        #: memoized reductions (lazy, canonical): a value shared by many uses (an alpha power,
        #: a challenge) is reduced once, not once per use
        self._reduced: list[BB | None] | None = None

    @property
    def value(self) -> int:
        """The BabyBear element (canonical) this value represents."""
        return self.lc.value % P

    @property
    def canonical(self) -> bool:
        return self.bound <= P

    def __repr__(self) -> str:
        return f"BB({self.value}, bound=2^{(self.bound - 1).bit_length()})"


def const(c: int) -> BB:
    c %= P
    return BB(LC.const(c), c + 1)


def alloc(cs: ConstraintSystem, value: int) -> BB:
    """A canonical BabyBear witness value, range-checked to [0, p) (35 constraints)."""
    return alloc_bits(cs, value)[0]


def alloc_bits(cs: ConstraintSystem, value: int) -> tuple[BB, list[LC]]:
    """Like :func:`alloc`, also returning the 31 little-endian bits."""
    x = cs.alloc(value)
    bits = to_bits(cs, x, 31)
    assert_leq_const(cs, bits, P - 1)
    return BB(x, P), bits


def _fit(cs: ConstraintSystem, x: BB) -> BB:
    return x if x.bound <= LIMIT else reduce(cs, x)


def add(cs: ConstraintSystem, a: BB, b: BB) -> BB:
    return _fit(cs, BB(a.lc + b.lc, a.bound + b.bound - 1))


def sum_all(cs: ConstraintSystem, xs: Sequence[BB]) -> BB:
    acc = const(0)
    for x in xs:
        acc = add(cs, acc, x)
    return acc


def inner_product(cs: ConstraintSystem, xs: Sequence[BB], ys: Sequence[BB]) -> BB:
    """``sum xs[i] * ys[i]``, left unreduced: one constraint per product of two variables (none
    with a constant factor), no reduction of the sum (a consumer reduces it at most once,
    memoized). Operands above 2^31 are reduced first (memoized: a shared coefficient once).

    Bound: every operand is then below 2^31 (``reduce``) or is a constant (< p), so each product
    is an integer in [0, 2^62) and the sum of n products lies in [0, n * 2^62), below
    ``LIMIT = 2^250`` (hence below R: the LC's value is that integer) whenever n < 2^188.
    The tracked bound is the exact sum of the products' bounds; it is checked against ``LIMIT``
    (``ValueError`` if not below: the sum would have to be split).
    """
    if len(xs) != len(ys):
        raise ValueError("inner_product: operands of different lengths")
    items: list[tuple[LC, int]] = []
    total = 0
    for x, y in zip(xs, ys, strict=True):
        x = x if x.bound <= 1 << 31 else reduce(cs, x)
        y = y if y.bound <= 1 << 31 else reduce(cs, y)
        if x.lc.is_constant():
            prod = y.lc * x.lc.value
        elif y.lc.is_constant():
            prod = x.lc * y.lc.value
        else:
            prod = cs.mul(x.lc, y.lc, "babybear inner product")
        items.append((prod, 1))
        total += (x.bound - 1) * (y.bound - 1)
    if total + 1 > LIMIT:
        raise ValueError(f"inner_product: unreduced sum bound 2^{total.bit_length()} >= LIMIT")
    return BB(LC.combine(items), total + 1)


def sub(cs: ConstraintSystem, a: BB, b: BB) -> BB:
    """``a - b`` as ``a + k p - b`` with ``k p >= b.bound - 1`` so it stays non-negative."""
    k = -(-(b.bound - 1) // P)
    return _fit(cs, BB(a.lc + k * P - b.lc, a.bound + k * P))


def neg(cs: ConstraintSystem, a: BB) -> BB:
    return sub(cs, const(0), a)


def mul_const(cs: ConstraintSystem, a: BB, c: int) -> BB:
    """``a * c`` for a constant; uses ``-(a * (p - c))`` when that has the smaller bound."""
    c %= P
    if c == 0:
        return const(0)
    if P - c < c:
        return neg(cs, mul_const(cs, a, P - c))
    if (a.bound - 1) * c >= LIMIT:
        a = reduce(cs, a)
    return BB(a.lc * c, (a.bound - 1) * c + 1)


def mul(cs: ConstraintSystem, a: BB, b: BB) -> BB:
    """``a * b`` (1 constraint, plus operand reduction when the product could exceed 2^250)."""
    if a.lc.is_constant():
        return mul_const(cs, b, a.lc.value)
    if b.lc.is_constant():
        return mul_const(cs, a, b.lc.value)
    while (a.bound - 1) * (b.bound - 1) >= LIMIT:
        if a.bound >= b.bound:
            a = reduce(cs, a)
        else:
            b = reduce(cs, b)
    return BB(cs.mul(a.lc, b.lc, "babybear mul"), (a.bound - 1) * (b.bound - 1) + 1)


def reduce(cs: ConstraintSystem, x: BB, canonical: bool = False) -> BB:
    """An equal value below 2^31 (or below p when ``canonical``); see module docstring for cost."""
    if x.bound <= P or (not canonical and x.bound <= 1 << 31):
        return x
    if x.lc.is_constant():
        return const(x.lc.value)
    memo = x._reduced
    if memo is None:
        memo = x._reduced = [None, None]
    hit = memo[1] if canonical else (memo[0] or memo[1])
    if hit is None:
        hit = memo[int(canonical)] = reduce_with_hint(cs, x, x.lc.value % P, canonical)[0]
    return hit


def reduce_with_hint(
    cs: ConstraintSystem, x: BB, r: int, canonical: bool = False
) -> tuple[BB, list[LC]]:
    """Reduce ``x`` taking the remainder ``r`` as the prover's hint; returns it and its 31 bits.

    The constraints hold only for ``r = x mod p`` (canonical) or, non-canonically, also for
    ``r = x mod p + p`` when that is below 2^31. Tests pass wrong hints to check that.
    """
    rv = cs.alloc(r)
    bits = to_bits(cs, rv, 31)
    if canonical:
        assert_leq_const(cs, bits, P - 1)
    nq = ((x.bound - 1) // P).bit_length()
    q = (x.lc - rv) * _P_INV
    if nq == 0:
        cs.assert_zero(q, "reduce: zero quotient")
    else:
        to_bits(cs, q, nq, value=(x.lc.value - r) // P)
    return BB(rv, P if canonical else 1 << 31), bits


def to_bits_canonical(cs: ConstraintSystem, x: BB) -> list[LC]:
    """The 31 bits of the canonical representative of ``x`` (35 + reduction constraints)."""
    if x.lc.is_constant():
        v = x.lc.value % P
        return [LC.const((v >> i) & 1) for i in range(31)]
    if x.canonical:
        bits = to_bits(cs, x.lc, 31)
        assert_leq_const(cs, bits, P - 1)
        return bits
    return reduce_with_hint(cs, x, x.lc.value % P, canonical=True)[1]


def assert_eq(cs: ConstraintSystem, a: BB, b: BB) -> None:
    """``a == b`` in BabyBear (1 constraint if both canonical, else ~bits(bound) - 30)."""
    if a.canonical and b.canonical:
        cs.assert_equal(a.lc, b.lc, "babybear equality")
        return
    d = sub(cs, a, b)
    nq = ((d.bound - 1) // P).bit_length()
    q = d.lc * _P_INV
    if nq == 0:
        cs.assert_zero(d.lc, "babybear equality")
    else:
        to_bits(cs, q, nq, value=d.lc.value // P)


def assert_zero(cs: ConstraintSystem, a: BB) -> None:
    assert_eq(cs, a, const(0))


def inverse(cs: ConstraintSystem, a: BB) -> BB:
    """``a^-1`` (hint + check ``a * inv == 1``); no witness exists when ``a == 0``."""
    v = a.value
    inv = alloc(cs, pow(v, -1, P) if v else 0)
    assert_eq(cs, mul(cs, a, inv), const(1))
    return inv


def select(cs: ConstraintSystem, bit: LC, if_one: BB, if_zero: BB) -> BB:
    """``bit ? if_one : if_zero`` for a boolean ``bit`` (1 constraint)."""
    if if_one.lc.terms == if_zero.lc.terms:
        return if_one
    out = if_zero.lc + cs.mul(bit, if_one.lc - if_zero.lc, "babybear select")
    return BB(out, max(if_one.bound, if_zero.bound))


def from_bits(bits: Sequence[LC]) -> BB:
    """The value ``sum 2^i bits[i]`` of boolean LCs (free; not reduced)."""
    return BB(pack(bits), 1 << len(bits))
