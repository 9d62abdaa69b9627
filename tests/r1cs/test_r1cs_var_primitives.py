"""The Arith primitives behind variable-height verification (one_hot, bit_and, bit_sum,
bit_const, LogHeight selections, conditional asserts, conditional transcript steps): the same
generic code on NativeArith and CircuitArith gives the same values; out-of-range heights and
failed conditional checks leave no witness."""

from __future__ import annotations

from typing import Any

import pytest

from zkrv_prover.r1cs.builder import ConstraintSystem, UnsatisfiedConstraintError
from zkrv_prover.r1cs.check import first_unsatisfied
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets import ext
from zkrv_prover.r1cs.stark_arith import CircuitArith
from zkrv_prover.stark.air.ood import zeta_pow_height
from zkrv_prover.stark.commit.transcript import Transcript
from zkrv_prover.stark.field.arith import (
    LogHeight,
    NativeArith,
    VerificationError,
    d_assert_eq_if,
    e_assert_eq_if,
)
from zkrv_prover.stark.field.field import EXT_DEGREE, P, two_adic_generator

LO, HI = 3, 7
ZETA = (5, 17, 123456, 99, 31337)[:EXT_DEGREE]


def _program(ar: Any, height: int) -> list[Any]:
    """Height-dependent values computed by selection (what the verifier does)."""
    h = ar.b_input(height)
    lh: LogHeight[Any, Any] = LogHeight(LO, HI, tuple(ar.one_hot(h, LO, HI)))
    bits = [ar.d_to_bits(ar.d_input(0b1011_0110_1101), 12)][0]
    out: list[Any] = [
        lh.select_b_const(ar, two_adic_generator),
        lh.select_b_const(ar, lambda lg: 1 << lg),
        ar.bit_to_base(lh.when(ar, lambda lg: lg >= 5)),
        ar.bit_to_base(lh.select_bit(ar, lambda lg: bits[lg])),
        ar.bit_to_base(lh.select_bit(ar, lambda lg: bits[lg] if lg % 2 else None)),
        zeta_pow_height(ar, ar.e_input(ZETA), lh),
    ]
    t = Transcript(ar, "zkrv-test")
    t.observe_base([ar.b_const(1)])
    t.sample_base()  # conditional steps start from an empty queue
    for j in range(3):  # steps that happen only for heights above LO + j
        t2 = t.copy()
        t2.observe_digest(ar.d_const(1000 + j))
        t2.sample_ext()
        t.adopt_if(lh.when(ar, lambda lg, j=j: lg > LO + j), t2)  # type: ignore[misc]
    out.append(t.sample_ext())
    return out


def _native_value(v: Any) -> Any:
    return v


def _circuit_value(v: Any) -> Any:
    if isinstance(v, bb.BB):
        return v.value % P
    return tuple(x % P for x in ext.value(v))


def _expected_transcript(height: int) -> Any:
    ar = NativeArith()
    t = Transcript(ar, "zkrv-test")
    t.observe_base([1])
    t.sample_base()
    for j in range(3):
        if height > LO + j:
            t.observe_digest(1000 + j)
            t.sample_ext()
    return t.sample_ext()


@pytest.mark.parametrize("height", [3, 4, 6, 7])
def test_selection_matches_native_and_direct_values(height: int) -> None:
    native = _program(NativeArith(), height)
    assert native[0] == two_adic_generator(height)
    assert native[1] == 1 << height
    assert native[2] == int(height >= 5)
    assert native[3] == (0b1011_0110_1101 >> height) & 1
    assert native[4] == ((0b1011_0110_1101 >> height) & 1 if height % 2 else 0)
    z = NativeArith()
    want = z.e_const(ZETA)
    for _ in range(height):
        want = z.e_mul(want, want)
    assert native[5] == want
    assert native[6] == _expected_transcript(height)
    cs = ConstraintSystem()
    circuit = _program(CircuitArith(cs), height)
    assert [_circuit_value(v) for v in circuit[:6]] == [
        v if isinstance(v, tuple) else v % P for v in native[:6]
    ]
    assert _circuit_value(circuit[6]) == native[6]
    assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is None


def test_same_circuit_for_every_height() -> None:
    from zkrv_prover.bn254.groth16 import r1cs_digest

    digests = set()
    for height in range(LO, HI + 1):
        cs = ConstraintSystem()
        _program(CircuitArith(cs), height)
        digests.add(r1cs_digest(cs.to_r1cs()))
    assert len(digests) == 1


@pytest.mark.parametrize("height", [LO - 1, HI + 1, 0])
def test_height_outside_the_range_has_no_witness(height: int) -> None:
    with pytest.raises(VerificationError, match="range"):
        NativeArith().one_hot(height, LO, HI)
    with pytest.raises(UnsatisfiedConstraintError):
        _program(CircuitArith(ConstraintSystem()), height)
    cs = ConstraintSystem(strict=False)
    _program(CircuitArith(cs), height)
    assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None


def test_one_hot_is_pinned() -> None:
    """Flipping the set selector bit, or setting a second one, violates a constraint."""
    cs = ConstraintSystem()
    ar = CircuitArith(cs)
    sel = ar.one_hot(ar.b_input(5), LO, HI)
    assert cs.n_constraints == 35 + (HI - LO + 1) + 2
    r1cs, w = cs.to_r1cs(), cs.witness()
    idx = [next(iter(s.terms)) for s in sel]
    for i in idx:
        bad = list(w)
        bad[i] = 1 - bad[i]
        assert first_unsatisfied(r1cs, bad) is not None
    # moving the one to another candidate without changing the value
    bad = list(w)
    bad[idx[2]], bad[idx[3]] = 0, 1
    assert first_unsatisfied(r1cs, bad) is not None


def test_fixed_height_special_case_is_free_of_selectors() -> None:
    cs = ConstraintSystem()
    ar = CircuitArith(cs)
    h = ar.b_input(5)
    n0 = cs.n_constraints
    lh: LogHeight[Any, Any] = LogHeight(5, 5, tuple(ar.one_hot(h, 5, 5)))
    assert cs.n_constraints == n0 + 1  # only h == 5
    n1 = cs.n_constraints
    lh.select_b_const(ar, two_adic_generator)
    lh.when(ar, lambda lg: lg > 3)
    assert cs.n_constraints == n1


def test_conditional_asserts() -> None:
    for ar_kind in ("native", "circuit"):
        cs = ConstraintSystem(strict=False)
        ar: Any = NativeArith() if ar_kind == "native" else CircuitArith(cs)
        a = ar.e_input(tuple(range(1, EXT_DEGREE + 1)))
        b = ar.e_input((*range(1, EXT_DEGREE), EXT_DEGREE + 1))
        e_assert_eq_if(ar, ar.bit_const(0), a, b, "skipped")
        d_assert_eq_if(ar, ar.bit_const(0), ar.d_input(1), ar.d_input(2), "skipped")
        e_assert_eq_if(ar, ar.bit_const(1), a, a, "equal")
        if ar_kind == "circuit":
            assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is None
        if ar_kind == "native":
            with pytest.raises(VerificationError):
                e_assert_eq_if(ar, 1, a, b, "checked")
            with pytest.raises(ValueError, match="exclusive"):
                ar.bit_sum([1, 1])
        else:
            e_assert_eq_if(ar, ar.bit_const(1), a, b, "checked")
            assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None
