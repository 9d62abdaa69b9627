"""CircuitArith differential tests: the same generic code on NativeArith and on the circuit."""

from __future__ import annotations

import random
from typing import Any

import pytest

from zkrv_prover.bn254.constants import R
from zkrv_prover.r1cs.builder import ConstraintSystem, UnsatisfiedConstraintError
from zkrv_prover.r1cs.check import first_unsatisfied
from zkrv_prover.r1cs.stark_arith import CircuitArith, is_zero
from zkrv_prover.stark.commit.transcript import Transcript
from zkrv_prover.stark.field import arith as ga
from zkrv_prover.stark.field.arith import NativeArith
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_ZERO, P


def _run(ar: Any, inp: Any, seed: int) -> list[Any]:
    """A little verifier-like program over the Arith interface; returns what it computed."""
    rng = random.Random(seed)
    out: list[Any] = []
    b = [inp.b(rng.randrange(P)) for _ in range(6)]
    e = [inp.e([rng.randrange(P) for _ in range(EXT_DEGREE)]) for _ in range(3)]
    d = [inp.d(rng.randrange(R)) for _ in range(3)]
    t = Transcript(ar, "zkrv-test")
    t.observe_digests(d)
    t.observe_base(b)
    t.observe_ext(e)
    alpha = t.sample_ext()
    beta = t.sample_base()
    idx = t.sample_bits(12)
    acc = alpha
    for x in e:
        acc = ar.e_add(ar.e_mul(acc, x), ar.e_mul_base(x, beta))
    acc = ar.e_mul(acc, ar.e_inv(e[0]))
    s = ar.b_sub(ar.b_mul(b[0], b[1]), ar.b_add(b[2], beta))
    s = ar.b_mul(s, ar.b_inv(b[3]))
    s = ga.b_pow_const(ar, s, 12345)
    s = ar.b_add(s, ga.b_pow_bits(ar, 31, idx[:8]))
    bits = ar.b_to_bits(b[4], 31)
    bits5 = ar.b_to_bits(ar.b_const(21), 5)
    sel = ga.select_e_by_bits(ar, [*e, alpha], [bits[0], bits[1]])
    perm = ga.xor_permute(ar, [*d, ar.d_const(5)], idx[:2])
    leaf = ga.leaf_hash(ar, [*b, *[beta] * 20])
    out += [alpha, beta, idx, acc, s, bits, bits5, sel, perm, leaf]
    out.append(ga.e_pow_const(ar, acc, 77))
    return out


class _NativeIn:
    def b(self, v: int) -> int:
        return v

    def e(self, v: list[int]) -> tuple[int, ...]:
        return tuple(v)

    def d(self, v: int) -> int:
        return v


class _CircIn:
    def __init__(self, ca: CircuitArith) -> None:
        self.ca = ca

    def b(self, v: int) -> Any:
        return self.ca.b_input(v)

    def e(self, v: list[int]) -> Any:
        return self.ca.e_input(v)

    def d(self, v: int) -> Any:
        return self.ca.d_input(v)


def _val(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_val(y) for y in x]
    if hasattr(x, "bound"):  # BB
        return x.value
    if hasattr(x, "terms"):  # LC
        return x.value
    return x


def _flat(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_flat(y) for y in x]
    return x


@pytest.mark.parametrize("seed", [1, 2])
def test_circuit_matches_native(seed: int) -> None:
    native = _run(NativeArith(), _NativeIn(), seed)
    cs = ConstraintSystem()
    circ = _run(CircuitArith(cs), _CircIn(CircuitArith(cs)), seed)
    assert _val(circ) == _flat(native)
    assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is None


def test_failed_checks_leave_no_witness() -> None:
    for check in ("b", "e", "d", "bits", "inv", "nonzero"):
        for strict in (True, False):
            cs = ConstraintSystem(strict=strict)
            ca = CircuitArith(cs)

            def go(ca: CircuitArith = ca, check: str = check) -> None:
                if check == "b":
                    ca.b_assert_eq(ca.b_mul(ca.b_input(3), ca.b_input(4)), ca.b_const(13), "b")
                elif check == "e":
                    a = ca.e_input(list(range(1, EXT_DEGREE + 1)))
                    ca.e_assert_eq(a, ca.e_const([*range(1, EXT_DEGREE), 0]), "e")
                elif check == "d":
                    ca.d_assert_eq(ca.d_input(7), ca.d_const(8), "d")
                elif check == "bits":
                    ca.b_to_bits(ca.b_input(40), 5)  # 40 >= 2^5
                elif check == "nonzero":
                    x = ca.e_input([1, 2, 3, 4, 5][:EXT_DEGREE])
                    ca.e_assert_nonzero(
                        ca.e_sub(x, ca.e_const([1, 2, 3, 4, 5 + P][:EXT_DEGREE])), "nonzero"
                    )
                else:
                    ca.b_inv(ca.b_sub(ca.b_input(9), ca.b_const(9)))

            if strict:
                with pytest.raises(UnsatisfiedConstraintError):
                    go()
            else:
                go()
                assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None, check


def test_d_to_base_rejects_non_integer_decomposition() -> None:
    """A digest just below R: the digits + p^k * rest decomposition must be the integer one."""
    from zkrv_prover.r1cs.builder import LC
    from zkrv_prover.r1cs.gadgets import babybear as bb
    from zkrv_prover.r1cs.gadgets.bits import assert_leq_const, to_bits

    for k in (1, 4):
        pk = P**k
        m = (R - 1) // pk
        # the honest path works for the largest digests
        cs = ConstraintSystem()
        ca = CircuitArith(cs)
        for v in (R - 1, pk * m, pk * m - 1, 0):
            got = [x.value for x in ca.d_to_base(ca.d_input(v), k)]
            assert got == [(v // P**i) % P for i in range(k)]
        assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is None
        # a forged decomposition of d = v via v + R (rest = M, digit sum too large) is rejected
        v = 5
        alt = v + R
        assert alt // pk == m
        cs = ConstraintSystem(strict=False)
        d = cs.alloc(v)
        digits = [bb.alloc(cs, (alt // P**i) % P) for i in range(k)]
        low = LC({}, 0)
        for i, x in enumerate(digits):
            low = low + x.lc * pow(P, i, R)
        rest = (d - low) * pow(pk, -1, R)
        assert_leq_const(cs, to_bits(cs, rest, m.bit_length(), value=m), m)
        assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is None  # range alone passes...
        at_max = is_zero(cs, rest - m)
        slack = cs.mul(at_max, LC.const(R - 1 - pk * m) - low)
        to_bits(cs, slack, (pk - 1).bit_length())
        assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None  # ...the top check not


def test_proof_of_work_in_circuit() -> None:
    na = NativeArith()
    tn = Transcript(na, "pow")
    tn.observe_digest(123)
    state = tn.pow_state()
    nonce = next(n for n in range(10**6) if na.hash([state, n]) % 16 == 0)
    tn.check_pow(nonce, 4)
    for good in (True, False):
        cs = ConstraintSystem(strict=False)
        ca = CircuitArith(cs)
        tc = Transcript(ca, "pow")
        tc.observe_digest(ca.d_input(123))
        tc.check_pow(ca.d_input(nonce if good else nonce + 1), 4)
        ok = first_unsatisfied(cs.to_r1cs(), cs.witness()) is None
        assert ok == good or (not good and na.hash([state, nonce + 1]) % 16 == 0)


def test_e_assert_nonzero_satisfied_for_nonzero_values() -> None:
    for v in (
        [*EXT_ZERO[1:], 1],
        [P - 1, *EXT_ZERO[1:]],
        [5, 6, 7, 8, 9][:EXT_DEGREE],
    ):
        cs = ConstraintSystem()
        ca = CircuitArith(cs)
        ca.e_assert_nonzero(ca.e_mul(ca.e_input(v), ca.e_const([1, 1, *EXT_ZERO[2:]])), "nonzero")
        assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is None


@pytest.mark.parametrize("variable", [False, True])
def test_check_zeta_in_circuit(variable: bool) -> None:
    """ood.check_zeta as R1CS: satisfied for a zeta off H_n and the LDE coset, no witness for
    one in H_n or in GENERATOR * H_N (fixed heights, and a height that is data)."""
    from zkrv_prover.stark.air.ood import check_zeta
    from zkrv_prover.stark.field.arith import LogHeight
    from zkrv_prover.stark.field.field import GENERATOR, ext_embed, two_adic_generator

    log_n, log_lde = 5, 9
    cases = [
        ((3, 1, 4, 1, 5), True),
        (ext_embed(two_adic_generator(log_lde)), True),
        (ext_embed(pow(two_adic_generator(log_n), 3, P)), False),
        (ext_embed(GENERATOR * pow(two_adic_generator(log_lde), 11, P) % P), False),
    ]
    for zeta, ok in cases:
        for strict in (True, False):
            cs = ConstraintSystem(strict=strict)
            ca = CircuitArith(cs)
            z = ca.e_input(list(zeta))
            n_arg: Any = log_n
            lde_arg: Any = log_lde
            if variable:
                var = LogHeight(4, 6, tuple(ca.one_hot(ca.b_input(log_n), 4, 6)))
                n_arg, lde_arg = var, var.shifted(log_lde - log_n)
            if ok or not strict:
                check_zeta(ca, z, n_arg, lde_arg)
                assert (first_unsatisfied(cs.to_r1cs(), cs.witness()) is None) == ok, zeta
            else:
                with pytest.raises(UnsatisfiedConstraintError):
                    check_zeta(ca, z, n_arg, lde_arg)
