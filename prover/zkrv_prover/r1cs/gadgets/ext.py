"""A BabyBear binomial extension ``F_p[X] / (X^d - W)`` inside BN254, with lazy reduction.

An element is d :class:`~zkrv_prover.r1cs.gadgets.babybear.BB` coefficients (lowest first); the
degree d is the length of the operands (the STARK uses ``field.EXT_DEGREE``) and ``W`` is a
parameter of every operation that needs it (the STARK's field module fixes it).

Multiplication evaluates the degree-(2d-2) product polynomial at 2d - 1 points instead of forming
the d^2 coefficient products: the prover supplies the 2d - 1 integer product coefficients
``c_0..c_{2d-2}`` as witnesses and one constraint per point ``x in {0, 1, -1, 2, -2, ...}`` (the
first 2d - 2 of that sequence) and ``x = inf`` checks ``A(x) * B(x) = C(x)``. 2d - 1 distinct
points fix the polynomial over F_R, and the true integer coefficients are below R (bounds are
tracked), so the witnesses equal them exactly. The result ``c_k + W c_{k+d}`` is left unreduced.

Costs (constraints), for degree d: ``add``/``sub``/``mul_base_const``: 0; ``mul``: 2d - 1
unreduced, 2d - 1 + d reductions when ``reduce`` follows (d = 4: ~283 in total for canonical
inputs); ``mul_base``: d; ``alloc``: 35 d; ``inverse``: 35 d + 2d - 1 + d equality checks;
``assert_eq``: d base equalities.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets.babybear import BB, P
from zkrv_prover.stark.field.field import EXT_DEGREE, binomial_extension

#: An extension element: its d coefficients.
Ext = tuple[BB, ...]


def _points(d: int) -> list[int]:
    """The 2d - 2 finite evaluation points 0, 1, -1, 2, -2, ... (infinity is the last check)."""
    out = [0]
    k = 1
    while len(out) < 2 * d - 2:
        out.extend((k, -k))
        k += 1
    return out[: 2 * d - 2]


def const(c: Sequence[int]) -> Ext:
    return tuple(bb.const(x) for x in c)


def from_base(a: BB, d: int = EXT_DEGREE) -> Ext:
    return (a, *(bb.const(0) for _ in range(d - 1)))


def value(a: Ext) -> tuple[int, ...]:
    return tuple(x.value for x in a)


def alloc(cs: ConstraintSystem, v: Sequence[int]) -> Ext:
    """Canonical coefficients (35 constraints each)."""
    return tuple(bb.alloc(cs, x) for x in v)


def add(cs: ConstraintSystem, a: Ext, b: Ext) -> Ext:
    return tuple(bb.add(cs, x, y) for x, y in zip(a, b, strict=True))


def sub(cs: ConstraintSystem, a: Ext, b: Ext) -> Ext:
    return tuple(bb.sub(cs, x, y) for x, y in zip(a, b, strict=True))


def neg(cs: ConstraintSystem, a: Ext) -> Ext:
    return sub(cs, const([0] * len(a)), a)


def mul_base(cs: ConstraintSystem, a: Ext, b: BB) -> Ext:
    return tuple(bb.mul(cs, x, b) for x in a)


def mul_base_const(cs: ConstraintSystem, a: Ext, c: int) -> Ext:
    return tuple(bb.mul_const(cs, x, c) for x in a)


def reduce(cs: ConstraintSystem, a: Ext, canonical: bool = False) -> Ext:
    return tuple(bb.reduce(cs, x, canonical) for x in a)


def _is_const(a: Ext) -> bool:
    return all(x.lc.is_constant() for x in a)


def _eval(a: Sequence[BB], x: int) -> LC:
    acc = LC({}, 0)
    xp = 1
    for c in a:
        acc = acc + c.lc * xp
        xp = xp * x % R
    return acc


def mul(cs: ConstraintSystem, a: Ext, b: Ext, W: int) -> Ext:
    """``a * b`` (2d - 1 constraints; result unreduced). See the module docstring."""
    d = len(a)
    if len(b) != d:
        raise ValueError("extension operands of different degrees")
    if _is_const(a) or _is_const(b):
        return _mul_schoolbook(cs, a, b, W)
    ba = max(x.bound for x in a) - 1
    bbnd = max(x.bound for x in b) - 1
    # c_k + W c_{k+d} must stay below LIMIT: d products per coefficient, times (2 + |W|)
    wmag = min(W % P, P - W % P)
    while d * ba * bbnd * (2 + wmag) >= bb.LIMIT:
        if ba >= bbnd:
            a = reduce(cs, a)
            ba = max(x.bound for x in a) - 1
        else:
            b = reduce(cs, b)
            bbnd = max(x.bound for x in b) - 1
    av = [x.lc.value for x in a]
    bv = [x.lc.value for x in b]
    n = 2 * d - 1
    coeffs = [0] * n
    for i in range(d):
        for j in range(d):
            coeffs[i + j] += av[i] * bv[j]
    c = [cs.alloc(v) for v in coeffs]
    for x in _points(d):
        cs.enforce(_eval(a, x), _eval(b, x), _eval_lc(c, x), "ext mul")
    cs.enforce(a[d - 1].lc, b[d - 1].lc, c[n - 1], "ext mul (infinity)")
    cbound = [min(k + 1, n - k, d) * ba * bbnd + 1 for k in range(n)]
    cb = [BB(c[k], cbound[k]) for k in range(n)]
    out = [cb[k] for k in range(d)]
    for k in range(d - 1):
        out[k] = bb.add(cs, cb[k], bb.mul_const(cs, cb[k + d], W))
    return tuple(out)


def _eval_lc(c: Sequence[LC], x: int) -> LC:
    acc = LC({}, 0)
    xp = 1
    for t in c:
        acc = acc + t * xp
        xp = xp * x % R
    return acc


def _mul_schoolbook(cs: ConstraintSystem, a: Ext, b: Ext, W: int) -> Ext:
    """Product when one side is constant: d^2 scalings, no constraints."""
    d = len(a)
    prods: list[list[BB]] = [[] for _ in range(2 * d - 1)]
    for i in range(d):
        for j in range(d):
            prods[i + j].append(bb.mul(cs, a[i], b[j]))
    c = [bb.sum_all(cs, p) for p in prods]
    out = [c[k] for k in range(d)]
    for k in range(d - 1):
        out[k] = bb.add(cs, c[k], bb.mul_const(cs, c[k + d], W))
    return tuple(out)


def square(cs: ConstraintSystem, a: Ext, W: int) -> Ext:
    return mul(cs, a, a, W)


def assert_eq(cs: ConstraintSystem, a: Ext, b: Ext) -> None:
    for x, y in zip(a, b, strict=True):
        bb.assert_eq(cs, x, y)


def inverse_value(a: Sequence[int], W: int) -> tuple[int, ...]:
    """Native inverse in F_p[X]/(X^len(a) - W) (``field.BinomialExtension``)."""
    return binomial_extension(len(a), W).inv_int(a)


def inverse(cs: ConstraintSystem, a: Ext, W: int) -> Ext:
    """``a^-1`` (canonical hint, check ``a * inv == 1``); no witness exists for ``a == 0``."""
    d = len(a)
    v = value(a)
    inv_v = inverse_value(v, W) if any(v) else (0,) * d
    inv = alloc(cs, inv_v)
    assert_eq(cs, mul(cs, a, inv, W), const([1] + [0] * (d - 1)))
    return inv


def select(cs: ConstraintSystem, bit: LC, if_one: Ext, if_zero: Ext) -> Ext:
    return tuple(bb.select(cs, bit, x, y) for x, y in zip(if_one, if_zero, strict=True))
