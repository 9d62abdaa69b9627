"""The R1CS builder, its bulk export and the vectorized satisfaction checker."""

from __future__ import annotations

import random

import pytest

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.builder import LC, ConstraintSystem, UnsatisfiedConstraintError
from zkrv_prover.r1cs.check import first_unsatisfied


def _random_system(seed: int, n: int) -> ConstraintSystem:
    rng = random.Random(seed)
    cs = ConstraintSystem()
    xs = [cs.alloc(rng.randrange(R)) for _ in range(8)]
    for _ in range(n):
        a = xs[rng.randrange(len(xs))] * rng.choice([1, -1, 2, rng.randrange(R)])
        b = xs[rng.randrange(len(xs))] + rng.choice([0, 5, -3, rng.randrange(R)])
        xs.append(cs.mul(a, b))
    cs.declare_public(xs[-1])
    cs.declare_public(xs[3] + xs[4])  # not a single variable: gets a tied fresh variable
    return cs


def test_export_matches_pure_python_check() -> None:
    cs = _random_system(1, 200)
    r1cs = cs.to_r1cs()
    r1cs.validate()
    w = cs.witness()
    assert r1cs.n_public == 2 and w[0] == 1
    assert w[1:3] == cs.public_values()
    assert r1cs.is_satisfied(w) is None
    assert first_unsatisfied(r1cs, w) is None
    # every single-entry corruption of a constrained variable is caught by both checkers
    for i in (1, 2, 5, 100, r1cs.n_vars - 1):
        bad = list(w)
        bad[i] = (bad[i] + 1) % R
        assert r1cs.is_satisfied(bad) is not None
        assert first_unsatisfied(r1cs, bad) == r1cs.is_satisfied(bad)


def test_coefficient_codes_round_trip() -> None:
    """Small, negative, and large (interned) coefficients all export to the same constraint."""
    cs = ConstraintSystem()
    x = cs.alloc(7)
    coeffs = [1, 2**61, 2**62, -1, -(2**62), R - 2**62 - 1, 2**200, R - 2**100, 3]
    for c in coeffs:
        y = cs.alloc(c * 7)
        cs.enforce(x * c, cs.ONE, y)
    r1cs = cs.to_r1cs()
    for i, c in enumerate(coeffs):
        ((_, got),) = r1cs.a.row(i)
        assert got == c % R
    assert first_unsatisfied(r1cs, cs.witness()) is None


def test_coefficient_limbs_of_many_codes() -> None:
    """The vectorized code -> limbs export against Python ints, over every code range."""
    rng = random.Random(5)
    cs = ConstraintSystem()
    x = cs.alloc(3)
    small = [0, 1, 2**62 - 1, -1, -(2**62), *(rng.randrange(-(2**62), 2**62) for _ in range(300))]
    coeffs = [c % R for c in small] + [rng.randrange(R) for _ in range(50)]
    rng.shuffle(coeffs)
    for c in coeffs:
        cs.enforce(x * c, cs.ONE, cs.alloc(3 * c))
    r1cs = cs.to_r1cs()
    got = [r1cs.a.row(i)[0][1] if c else 0 for i, c in enumerate(coeffs)]
    assert got == coeffs


def test_strict_mode_reports_the_bad_constraint() -> None:
    cs = ConstraintSystem()
    a = cs.alloc(3)
    with pytest.raises(UnsatisfiedConstraintError, match="my check"):
        cs.enforce(a, a, LC.const(10), "my check")
    loose = ConstraintSystem(strict=False)
    b = loose.alloc(3)
    loose.enforce(b, b, LC.const(10))
    assert first_unsatisfied(loose.to_r1cs(), loose.witness()) == 0


def test_lc_algebra() -> None:
    cs = ConstraintSystem()
    a, b = cs.alloc(5), cs.alloc(R - 1)
    e = (a * 3 - b + 7) - (a * 3)
    assert e.value == (-(R - 1) + 7) % R
    assert 0 in e.terms and a.single_var() is not None and e.single_var() is None
    assert (a - a).terms == {} and (a - a).value == 0
    assert cs.mul(LC.const(4), a).value == 20 and cs.n_constraints == 0


def test_checker_on_empty_rows_and_chunks() -> None:
    cs = _random_system(2, 3000)
    cs.enforce(LC({}, 0), LC({}, 0), LC({}, 0))  # an all-empty row
    r1cs = cs.to_r1cs()
    w = cs.witness()
    assert first_unsatisfied(r1cs, w) is None
    w[-1] = (w[-1] + 1) % R
    assert first_unsatisfied(r1cs, w) == r1cs.is_satisfied(w)


def _arrays(cs: ConstraintSystem) -> list[list[int]]:
    r1cs = cs.to_r1cs()
    return [
        arr.ravel().tolist()
        for m in (r1cs.a, r1cs.b, r1cs.c)
        for arr in (m.indptr, m.indices, m.coeffs)
    ]


def test_alloc_bits_records_what_alloc_and_assert_bool_do() -> None:
    """The bulk path is row-for-row the per-bit loop it replaces (same R1CS digest)."""
    rng = random.Random(3)
    loop, bulk = ConstraintSystem(), ConstraintSystem()
    x0 = rng.randrange(R)
    for cs in (loop, bulk):
        x = cs.alloc(x0)
        cs.mul(x, x)  # rows before and after, with big coefficients interned
    for n in (1, 5, 31):
        bits = [rng.randrange(2) for _ in range(n)]
        looped = [loop.alloc(b) for b in bits]
        for b in looped:
            loop.assert_bool(b)
        got = bulk.alloc_bits(bits)
        assert [(g.terms, g.value) for g in got] == [(b.terms, b.value) for b in looped]
    for cs in (loop, bulk):
        y = cs.alloc(7) * (R - 5)
        cs.enforce(y, y + 3, cs.mul(y, y + 3))
        cs.declare_public(y)
    assert _arrays(bulk) == _arrays(loop)
    assert bulk.witness() == loop.witness()
    assert bulk.to_r1cs().is_satisfied(bulk.witness()) is None


def test_alloc_bits_refuses_non_bits() -> None:
    cs = ConstraintSystem(strict=False)
    with pytest.raises(ValueError):
        cs.alloc_bits([0, 2])
    assert cs.n_vars == 1 and cs.n_constraints == 0
