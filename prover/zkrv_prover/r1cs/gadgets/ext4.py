"""The BabyBear quartic extension ``F_p[X] / (X^4 - W)`` inside BN254, with lazy reduction.

An element is four :class:`~zkrv_prover.r1cs.gadgets.babybear.BB` coefficients (lowest first).
``W`` is a parameter of every operation (the STARK's field module fixes it).

Multiplication evaluates the degree-6 product polynomial at 7 points instead of forming the 16
coefficient products: the prover supplies the 7 integer product coefficients ``c_0..c_6`` as
witnesses and one constraint per point ``x in {0, 1, -1, 2, -2, 3, inf}`` checks
``A(x) * B(x) = C(x)``. Seven distinct points fix the degree-6 polynomial over F_R, and the true
integer coefficients are below R (bounds are tracked), so the witnesses equal them exactly. The
result ``c_k + W c_{k+4}`` is left unreduced.

Costs (constraints): ``add``/``sub``/``mul_base_const``: 0; ``mul``: 7 unreduced, 7 + 4 reductions
(~283 in total for canonical inputs) when ``reduce`` follows; ``mul_base``: 4; ``alloc``: 140;
``inverse``: 140 + 7 + 4 equality checks; ``assert_eq``: 4 base equalities.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets.babybear import BB, P

Ext = tuple[BB, BB, BB, BB]

_POINTS = (0, 1, -1, 2, -2, 3)  # plus the point at infinity (leading coefficients)


def const(c: Sequence[int]) -> Ext:
    return (bb.const(c[0]), bb.const(c[1]), bb.const(c[2]), bb.const(c[3]))


def from_base(a: BB) -> Ext:
    return (a, bb.const(0), bb.const(0), bb.const(0))


def value(a: Ext) -> tuple[int, int, int, int]:
    return (a[0].value, a[1].value, a[2].value, a[3].value)


def alloc(cs: ConstraintSystem, v: Sequence[int]) -> Ext:
    """Four canonical coefficients (140 constraints)."""
    return (bb.alloc(cs, v[0]), bb.alloc(cs, v[1]), bb.alloc(cs, v[2]), bb.alloc(cs, v[3]))


def add(cs: ConstraintSystem, a: Ext, b: Ext) -> Ext:
    return (
        bb.add(cs, a[0], b[0]),
        bb.add(cs, a[1], b[1]),
        bb.add(cs, a[2], b[2]),
        bb.add(cs, a[3], b[3]),
    )


def sub(cs: ConstraintSystem, a: Ext, b: Ext) -> Ext:
    return (
        bb.sub(cs, a[0], b[0]),
        bb.sub(cs, a[1], b[1]),
        bb.sub(cs, a[2], b[2]),
        bb.sub(cs, a[3], b[3]),
    )


def neg(cs: ConstraintSystem, a: Ext) -> Ext:
    return sub(cs, const((0, 0, 0, 0)), a)


def mul_base(cs: ConstraintSystem, a: Ext, b: BB) -> Ext:
    return (bb.mul(cs, a[0], b), bb.mul(cs, a[1], b), bb.mul(cs, a[2], b), bb.mul(cs, a[3], b))


def mul_base_const(cs: ConstraintSystem, a: Ext, c: int) -> Ext:
    return (
        bb.mul_const(cs, a[0], c),
        bb.mul_const(cs, a[1], c),
        bb.mul_const(cs, a[2], c),
        bb.mul_const(cs, a[3], c),
    )


def reduce(cs: ConstraintSystem, a: Ext, canonical: bool = False) -> Ext:
    return (
        bb.reduce(cs, a[0], canonical),
        bb.reduce(cs, a[1], canonical),
        bb.reduce(cs, a[2], canonical),
        bb.reduce(cs, a[3], canonical),
    )


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
    """``a * b`` (7 constraints; result unreduced). See the module docstring."""
    if _is_const(a) or _is_const(b):
        return _mul_schoolbook(cs, a, b, W)
    ba = max(x.bound for x in a) - 1
    bbnd = max(x.bound for x in b) - 1
    # c_k + W c_{k+4} must stay below LIMIT: 4 products per coefficient, times (2 + |W|)
    wmag = min(W % P, P - W % P)
    while 4 * ba * bbnd * (2 + wmag) >= bb.LIMIT:
        if ba >= bbnd:
            a = reduce(cs, a)
            ba = max(x.bound for x in a) - 1
        else:
            b = reduce(cs, b)
            bbnd = max(x.bound for x in b) - 1
    av = [x.lc.value for x in a]
    bv = [x.lc.value for x in b]
    coeffs = [0] * 7
    for i in range(4):
        for j in range(4):
            coeffs[i + j] += av[i] * bv[j]
    c = [cs.alloc(v) for v in coeffs]
    for x in _POINTS:
        cs.enforce(_eval(a, x), _eval(b, x), _eval_lc(c, x), "ext4 mul")
    cs.enforce(a[3].lc, b[3].lc, c[6], "ext4 mul (infinity)")
    cbound = [min(k + 1, 7 - k, 4) * ba * bbnd + 1 for k in range(7)]
    cb = [BB(c[k], cbound[k]) for k in range(7)]
    out = [cb[k] for k in range(4)]
    for k in range(3):
        out[k] = bb.add(cs, cb[k], bb.mul_const(cs, cb[k + 4], W))
    return (out[0], out[1], out[2], out[3])


def _eval_lc(c: Sequence[LC], x: int) -> LC:
    acc = LC({}, 0)
    xp = 1
    for t in c:
        acc = acc + t * xp
        xp = xp * x % R
    return acc


def _mul_schoolbook(cs: ConstraintSystem, a: Ext, b: Ext, W: int) -> Ext:
    """Product when one side is constant: 16 scalings, no constraints."""
    prods: list[list[BB]] = [[] for _ in range(7)]
    for i in range(4):
        for j in range(4):
            prods[i + j].append(bb.mul(cs, a[i], b[j]))
    c = [bb.sum_all(cs, p) for p in prods]
    out = [c[k] for k in range(4)]
    for k in range(3):
        out[k] = bb.add(cs, c[k], bb.mul_const(cs, c[k + 4], W))
    return (out[0], out[1], out[2], out[3])


def square(cs: ConstraintSystem, a: Ext, W: int) -> Ext:
    return mul(cs, a, a, W)


def assert_eq(cs: ConstraintSystem, a: Ext, b: Ext) -> None:
    for x, y in zip(a, b, strict=True):
        bb.assert_eq(cs, x, y)


def inverse_value(a: Sequence[int], W: int) -> tuple[int, int, int, int]:
    """Native inverse in the extension (via the norm to the quadratic subfield, then to F_p)."""
    a0, a1, a2, a3 = (x % P for x in a)
    # conj(a) = a(-X); a * conj(a) lies in F_p[X^2]
    b0 = (a0 * a0 + W * a2 * a2 - 2 * W * a1 * a3) % P
    b2 = (2 * a0 * a2 - a1 * a1 - W * a3 * a3) % P
    # (b0 + b2 Y) with Y^2 = W; norm = b0^2 - W b2^2
    n = (b0 * b0 - W * b2 * b2) % P
    if n == 0:
        raise ZeroDivisionError("inverse of zero in the quartic extension")
    ni = pow(n, -1, P)
    c0, c2 = b0 * ni % P, (-b2) * ni % P  # (b0 + b2 Y)^-1
    # a^-1 = conj(a) * (c0 + c2 X^2), conj(a) = a0 - a1 X + a2 X^2 - a3 X^3
    ca = (a0, (-a1) % P, a2, (-a3) % P)
    cz = (c0, 0, c2, 0)
    r = [0] * 7
    for i in range(4):
        for j in range(4):
            r[i + j] += ca[i] * cz[j]
    return (
        (r[0] + W * r[4]) % P,
        (r[1] + W * r[5]) % P,
        (r[2] + W * r[6]) % P,
        r[3] % P,
    )


def inverse(cs: ConstraintSystem, a: Ext, W: int) -> Ext:
    """``a^-1`` (canonical hint, check ``a * inv == 1``); no witness exists for ``a == 0``."""
    v = value(a)
    inv_v = inverse_value(v, W) if any(v) else (0, 0, 0, 0)
    inv = alloc(cs, inv_v)
    assert_eq(cs, mul(cs, a, inv, W), const((1, 0, 0, 0)))
    return inv


def select(cs: ConstraintSystem, bit: LC, if_one: Ext, if_zero: Ext) -> Ext:
    return (
        bb.select(cs, bit, if_one[0], if_zero[0]),
        bb.select(cs, bit, if_one[1], if_zero[1]),
        bb.select(cs, bit, if_one[2], if_zero[2]),
        bb.select(cs, bit, if_one[3], if_zero[3]),
    )
