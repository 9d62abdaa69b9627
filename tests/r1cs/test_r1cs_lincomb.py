"""``e_lincomb_base`` (lazy inner products) and committed proof inputs (31-bit range checks)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from zkrv_prover.r1cs.builder import ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets.babybear import BB
from zkrv_prover.r1cs.stark_arith import CircuitArith
from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.stark.field.arith import Arith, NativeArith
from zkrv_prover.stark.field.field import EXT_DEGREE, P

Sat = Callable[[ConstraintSystem], bool]
EDGE = [0, 1, 2, P - 2, P - 1]


def _val(rng: random.Random) -> int:
    return rng.choice(EDGE) if rng.random() < 0.4 else rng.randrange(P)


@pytest.mark.parametrize("n", [0, 1, 7, 64])
def test_lincomb_matches_native(n: int, is_satisfied: Sat) -> None:
    rng = random.Random(n)
    coeffs = [[_val(rng) for _ in range(EXT_DEGREE)] for _ in range(n)]
    vals = [_val(rng) for _ in range(n)]
    native = NativeArith()
    want = native.e_lincomb_base([tuple(c) for c in coeffs], vals)
    # the default (e_mul_base / e_add chain) agrees with NativeArith's direct sum
    assert Arith.e_lincomb_base(native, [tuple(c) for c in coeffs], vals) == want
    cs = ConstraintSystem()
    ar = CircuitArith(cs)
    ec = [ar.e_input(c) for c in coeffs]
    # inputs of every kind: canonical, committed (31-bit) and an unreduced product
    bv = [
        ar.b_input(v) if i % 3 == 0 else ar.b_input_committed(v) if i % 3 == 1 else
        ar.b_mul(ar.b_input(v), ar.b_const(1))
        for i, v in enumerate(vals)
    ]  # fmt: skip
    n0 = cs.n_constraints
    out = ar.e_lincomb_base(ec, bv)
    # one constraint per product of variables (the constant-1 products are free)
    assert cs.n_constraints - n0 == EXT_DEGREE * n
    assert tuple(x.value for x in out) == want
    assert all(x.bound <= max(n, 1) * (1 << 62) for x in out)
    assert is_satisfied(cs)


def test_lincomb_reduces_large_operands_once() -> None:
    cs = ConstraintSystem()
    ar = CircuitArith(cs)
    a = ar.e_input([P - 1] * EXT_DEGREE)
    big = ar.e_mul(a, a)  # unreduced, ~2^66 coefficients
    vals = [ar.b_input(P - 1) for _ in range(3)]
    out1 = ar.e_lincomb_base([big] * 3, vals)
    n1 = cs.n_constraints
    out2 = ar.e_lincomb_base([big] * 3, vals)  # the reductions are memoized
    assert cs.n_constraints - n1 == 3 * EXT_DEGREE
    want = NativeArith().e_lincomb_base([NativeArith().e_mul((P - 1,) * 5, (P - 1,) * 5)] * 3,
                                        [P - 1] * 3)  # fmt: skip
    assert tuple(x.value for x in out1) == tuple(x.value for x in out2) == want
    assert all(x.bound <= 3 << 62 for x in out1)


def test_lincomb_wrong_reduced_output_fails(is_satisfied: Sat) -> None:
    rng = random.Random(7)
    for wrong in (1, P, -1):
        cs = ConstraintSystem(strict=False)
        ar = CircuitArith(cs)
        ec = [ar.e_input([_val(rng) for _ in range(EXT_DEGREE)]) for _ in range(20)]
        out = ar.e_lincomb_base(ec, [ar.b_input(P - 1) for _ in range(20)])
        x = out[rng.randrange(EXT_DEGREE)]
        r = x.lc.value % P
        bb.reduce_with_hint(cs, x, (r + wrong) % (1 << 31), canonical=True)
        assert not is_satisfied(cs)
    # and the honest reduction is satisfied
    cs = ConstraintSystem(strict=False)
    ar = CircuitArith(cs)
    out = ar.e_lincomb_base([ar.e_input([P - 1] * EXT_DEGREE)], [ar.b_input(P - 1)])
    bb.reduce_with_hint(cs, out[0], out[0].lc.value % P, canonical=True)
    assert is_satisfied(cs)


def test_inner_product_bound_is_asserted(monkeypatch: pytest.MonkeyPatch) -> None:
    cs = ConstraintSystem()
    xs = [bb.alloc(cs, P - 1) for _ in range(1 << 9)]
    bb.inner_product(cs, xs, xs)  # 2^9 products of 62 bits: below 2^71
    monkeypatch.setattr(bb, "LIMIT", 1 << 70)
    with pytest.raises(ValueError, match="bound"):
        bb.inner_product(cs, xs, xs)
    with pytest.raises(ValueError, match="lengths"):
        bb.inner_product(cs, xs, xs[:-1])


def test_committed_input_range_and_packing(is_satisfied: Sat) -> None:
    native = NativeArith()
    vals = [0, 1, P - 1, 12345, P - 2, 7, 8, 2**30]
    cs = ConstraintSystem()
    ar = CircuitArith(cs)
    n0 = cs.n_constraints
    cells = [ar.b_input_committed(v) for v in vals]
    assert cs.n_constraints - n0 == 31 * len(vals)
    n0 = cs.n_constraints
    assert ar.pack_base(cells).value == native.pack_base(vals)
    assert cs.n_constraints == n0  # packed as is
    with pytest.raises(ValueError):
        ar.b_input_committed(P)
    # a witness of 2^31 or more violates the range check
    loose = ConstraintSystem(strict=False)
    x = loose.alloc(2**31 + 3)
    from zkrv_prover.r1cs.gadgets.bits import to_bits

    to_bits(loose, x, 31)
    assert not is_satisfied(loose)
    # a non-canonical 31-bit witness (v + p) satisfies the range check but packs to a different
    # element than the canonical row: the leaf digest (hence the Merkle check) tells them apart
    loose = ConstraintSystem(strict=False)
    la = CircuitArith(loose)
    forged = la.b_input_committed(5)
    forged.lc.value = 5 + P  # the prover's choice of witness
    assert la.pack_base([forged]).value != native.pack_base([5])
    # a plain (computed) value of bound 2^31 is canonicalized, not packed as is
    cs = ConstraintSystem()
    ar = CircuitArith(cs)
    y = BB(cs.alloc(P + 4), 1 << 31)
    assert ar.pack_base([y]).value == 4


def test_defaults_are_inherited() -> None:
    """The recursion recorder records the default input chains; its ``e_lincomb_base`` is its
    own (the Dot table, ``recursion/tables/dot.py``) and computes the same sum."""
    for name in ("b_input_committed", "e_input_committed"):
        assert getattr(RecursionBuilder, name) is getattr(Arith, name)
    assert RecursionBuilder.e_lincomb_base is not Arith.e_lincomb_base
