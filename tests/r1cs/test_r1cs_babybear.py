"""Bits, range checks, BabyBear and its binomial extensions against native arithmetic."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from zkrv_prover.r1cs.builder import ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets import bits as gb
from zkrv_prover.r1cs.gadgets import ext
from zkrv_prover.r1cs.gadgets.babybear import P

#: (degree, W) of the extensions the gadget is tested on: x^4 - 11 and x^5 - 2.
CONFIGS = [(4, 11), (5, 2)]
Pinned = Callable[[ConstraintSystem, int], list[int]]
Sat = Callable[[ConstraintSystem], bool]


def test_to_bits_and_forged_range(is_satisfied: Sat) -> None:
    cs = ConstraintSystem()
    x = cs.alloc(0b1011)
    bits = gb.to_bits(cs, x, 4)
    assert [b.value for b in bits] == [1, 1, 0, 1] and cs.n_constraints == 4
    for n, v in ((4, 16), (8, 300), (31, 2**31 + 5)):
        loose = ConstraintSystem(strict=False)
        gb.to_bits(loose, loose.alloc(v), n)  # does not fit
        assert not is_satisfied(loose)
    # forging the bits of an in-range value (wrong decomposition) is caught too
    loose = ConstraintSystem(strict=False)
    gb.to_bits(loose, loose.alloc(5), 8, value=6)
    assert not is_satisfied(loose)


def test_leq_const_exhaustive(is_satisfied: Sat) -> None:
    n = 5
    for k in range(2**n):
        for x in range(2**n):
            cs = ConstraintSystem(strict=False)
            bits = [cs.alloc((x >> i) & 1) for i in range(n)]
            gb.assert_leq_const(cs, bits, k)
            assert is_satisfied(cs) == (x <= k), (x, k)


def test_field_bits_canonical(is_satisfied: Sat) -> None:
    from zkrv_prover.bn254.constants import R

    cs = ConstraintSystem()
    v = R - 12345
    bits = gb.to_bits_field(cs, cs.alloc(v))
    assert sum(b.value << i for i, b in enumerate(bits)) == v
    # the non-canonical decomposition v + R (fits 254 bits) is rejected
    loose = ConstraintSystem(strict=False)
    x = loose.alloc(5)
    forged = [loose.alloc(((5 + R) >> i) & 1) for i in range(254)]
    for b in forged:
        loose.assert_bool(b)
    loose.assert_equal(gb.pack(forged), x)
    assert is_satisfied(loose)  # the recomposition alone wraps ...
    gb.assert_leq_const(loose, forged, R - 1)
    assert not is_satisfied(loose)  # ... the canonical check catches it


def test_babybear_random_expressions(every_var_pinned: Pinned) -> None:
    rng = random.Random(7)
    for _ in range(5):
        cs = ConstraintSystem()
        vals = [rng.randrange(P) for _ in range(6)]
        xs = [bb.alloc(cs, v) for v in vals]
        # a long lazy chain: products of sums, differences, constants, reductions forced
        acc, native = xs[0], vals[0]
        for i in range(40):
            j = rng.randrange(6)
            op = rng.randrange(4)
            if op == 0:
                acc, native = bb.mul(cs, acc, xs[j]), native * vals[j] % P
            elif op == 1:
                acc, native = bb.add(cs, acc, xs[j]), (native + vals[j]) % P
            elif op == 2:
                acc, native = bb.sub(cs, acc, xs[j]), (native - vals[j]) % P
            else:
                c = rng.randrange(P)
                acc, native = bb.mul_const(cs, acc, c), native * c % P
            assert acc.bound <= bb.LIMIT
            assert acc.value == native, i
        red = bb.reduce(cs, acc, canonical=True)
        assert red.lc.value == native and red.canonical
        bb.assert_eq(cs, acc, bb.const(native))
        inv = bb.inverse(cs, xs[1])
        assert inv.value * vals[1] % P == 1
        assert every_var_pinned(cs, 1) == []


def test_babybear_costs() -> None:
    cs = ConstraintSystem()
    a, b = bb.alloc(cs, 5), bb.alloc(cs, P - 1)
    assert cs.n_constraints == 70
    n0 = cs.n_constraints
    prod = bb.mul(cs, a, b)
    assert cs.n_constraints - n0 == 1
    n0 = cs.n_constraints
    bb.reduce(cs, prod)
    assert cs.n_constraints - n0 == 31 + 31  # 62-bit product: 31 bits of r, 31 of q


def test_babybear_forged_hints(is_satisfied: Sat) -> None:
    def build(r: int, canonical: bool, x: int = 123456789 * 987654321) -> bool:
        cs = ConstraintSystem(strict=False)
        xv = bb.BB(cs.alloc(x), 1 << 62)
        bb.reduce_with_hint(cs, xv, r, canonical)
        return is_satisfied(cs)

    x = 123456789 * 987654321
    r = x % P
    assert build(r, True) and build(r, False)
    assert not build(r + 1, False) and not build(r - 1, True)
    assert r + P < 2**31
    assert build(r + P, False)  # non-canonical remainder: allowed (still congruent)
    assert not build(r + P, True)  # ... but not when a canonical value is required
    # a canonical alloc of p itself or of 2^31 - 1 is rejected
    for v in (P, P + 3, 2**31 - 1):
        cs = ConstraintSystem(strict=False)
        bb.alloc(cs, v)
        assert not is_satisfied(cs)
    # equality with a different value (congruent mod R but not mod p, or just wrong)
    cs = ConstraintSystem(strict=False)
    a = bb.mul(cs, bb.alloc(cs, 3), bb.alloc(cs, 5))
    bb.assert_eq(cs, a, bb.const(16))
    assert not is_satisfied(cs)
    cs = ConstraintSystem(strict=False)
    bb.inverse(cs, bb.alloc(cs, 0))
    assert not is_satisfied(cs)


def _ext_mul_native(a: list[int], b: list[int], w: int) -> list[int]:
    d = len(a)
    c = [0] * (2 * d - 1)
    for i in range(d):
        for j in range(d):
            c[i + j] += a[i] * b[j]
    return [(c[k] + (w * c[k + d] if k + d < 2 * d - 1 else 0)) % P for k in range(d)]


@pytest.mark.parametrize(("d", "w"), CONFIGS)
def test_ext_against_native(every_var_pinned: Pinned, d: int, w: int) -> None:
    rng = random.Random(3)
    cs = ConstraintSystem()
    av = [rng.randrange(P) for _ in range(d)]
    bv = [rng.randrange(P) for _ in range(d)]
    a, b = ext.alloc(cs, av), ext.alloc(cs, bv)
    n0 = cs.n_constraints
    prod = ext.mul(cs, a, b, w)
    assert cs.n_constraints - n0 == 2 * d - 1
    assert list(ext.value(prod)) == _ext_mul_native(av, bv, w)
    red = ext.reduce(cs, prod)
    assert cs.n_constraints - n0 <= 75 * d
    # lazy chains: multiply unreduced results several times
    acc, nat = prod, _ext_mul_native(av, bv, w)
    for _ in range(6):
        acc, nat = ext.mul(cs, acc, a, w), _ext_mul_native(nat, av, w)
        acc = ext.add(cs, acc, b)
        nat = [(x + y) % P for x, y in zip(nat, bv, strict=True)]
        acc = ext.sub(cs, acc, red)
        nat = [(x - y) % P for x, y in zip(nat, ext.value(red), strict=True)]
        assert list(ext.value(acc)) == nat
    inv = ext.inverse(cs, acc, w)
    assert _ext_mul_native(list(ext.value(inv)), nat, w) == [1] + [0] * (d - 1)
    ext.assert_eq(cs, acc, ext.const(nat))
    # a constant operand takes the schoolbook path (no constraints)
    n1 = cs.n_constraints
    cv = [rng.randrange(P) for _ in range(d)]
    assert list(ext.value(ext.mul(cs, acc, ext.const(cv), w))) == _ext_mul_native(nat, cv, w)
    assert cs.n_constraints == n1
    assert every_var_pinned(cs, 1) == []


@pytest.mark.parametrize(("d", "w"), CONFIGS)
def test_ext_forged_product(is_satisfied: Sat, d: int, w: int) -> None:
    cs = ConstraintSystem(strict=False)
    av, bv = list(range(1, d + 1)), list(range(d + 1, 2 * d + 1))
    a, b = ext.alloc(cs, av), ext.alloc(cs, bv)
    prod = ext.mul(cs, a, b, w)
    want = _ext_mul_native(av, bv, w)
    want[2] = (want[2] + 1) % P
    ext.assert_eq(cs, prod, ext.const(want))
    assert not is_satisfied(cs)


@pytest.mark.parametrize(("d", "w"), CONFIGS)
def test_ext_inverse_of_zero_has_no_witness(is_satisfied: Sat, d: int, w: int) -> None:
    cs = ConstraintSystem(strict=False)
    ext.inverse(cs, ext.alloc(cs, [0] * d), w)
    assert not is_satisfied(cs)
