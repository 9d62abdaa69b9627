"""Bits, range checks, BabyBear and its quartic extension against native arithmetic."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets import bits as gb
from zkrv_prover.r1cs.gadgets import ext4
from zkrv_prover.r1cs.gadgets.babybear import P

W = 11
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


def _ext_mul_native(a: list[int], b: list[int]) -> list[int]:
    c = [0] * 7
    for i in range(4):
        for j in range(4):
            c[i + j] += a[i] * b[j]
    return [(c[k] + W * c[k + 4]) % P for k in range(3)] + [c[3] % P]


def test_ext4_against_native(every_var_pinned: Pinned) -> None:
    rng = random.Random(3)
    cs = ConstraintSystem()
    av = [rng.randrange(P) for _ in range(4)]
    bv = [rng.randrange(P) for _ in range(4)]
    a, b = ext4.alloc(cs, av), ext4.alloc(cs, bv)
    n0 = cs.n_constraints
    prod = ext4.mul(cs, a, b, W)
    assert cs.n_constraints - n0 == 7
    assert list(ext4.value(prod)) == _ext_mul_native(av, bv)
    red = ext4.reduce(cs, prod)
    assert cs.n_constraints - n0 <= 300
    # lazy chains: multiply unreduced results several times
    acc, nat = prod, _ext_mul_native(av, bv)
    for _ in range(6):
        acc, nat = ext4.mul(cs, acc, a, W), _ext_mul_native(nat, av)
        acc = ext4.add(cs, acc, b)
        nat = [(x + y) % P for x, y in zip(nat, bv, strict=True)]
        acc = ext4.sub(cs, acc, red)
        nat = [(x - y) % P for x, y in zip(nat, ext4.value(red), strict=True)]
        assert list(ext4.value(acc)) == nat
    inv = ext4.inverse(cs, acc, W)
    assert _ext_mul_native(list(ext4.value(inv)), nat) == [1, 0, 0, 0]
    ext4.assert_eq(cs, acc, ext4.const(nat))
    assert every_var_pinned(cs, 1) == []


def test_ext4_forged_product(is_satisfied: Sat) -> None:
    cs = ConstraintSystem(strict=False)
    a, b = ext4.alloc(cs, [1, 2, 3, 4]), ext4.alloc(cs, [5, 6, 7, 8])
    prod = ext4.mul(cs, a, b, W)
    want = _ext_mul_native([1, 2, 3, 4], [5, 6, 7, 8])
    want[2] = (want[2] + 1) % P
    ext4.assert_eq(cs, prod, ext4.const(want))
    assert not is_satisfied(cs)


@pytest.mark.parametrize("bit", [0, 1])
def test_select(bit: int) -> None:
    cs = ConstraintSystem()
    s = cs.alloc(bit)
    out = bb.select(cs, s, bb.alloc(cs, 10), bb.alloc(cs, 20))
    assert out.value == (10 if bit else 20)
    assert isinstance(out.lc, LC)
