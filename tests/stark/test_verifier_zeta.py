"""The verifier rejects an out-of-domain point zeta in the trace domain H_n or in the LDE coset
GENERATOR * H_N (``ood.check_zeta``): directly, with a variable height, and end to end with a
transcript forced to such a point."""

from __future__ import annotations

from typing import Any

import pytest

from zkrv_prover.stark.air.ood import check_zeta
from zkrv_prover.stark.commit import transcript
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.arith import LogHeight, NativeArith, VerificationError
from zkrv_prover.stark.field.field import GENERATOR, P, ext_embed, ext_mul_int, two_adic_generator
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import keygen, mask_plan, prove
from zkrv_prover.stark.protocol.verifier import verify

Ext = tuple[int, int, int, int]
LOG_N, LOG_LDE = 5, 9


def _base(v: int) -> Ext:
    return ext_embed(v % P)


def _bad_points(log_n: int, log_lde: int) -> list[Ext]:
    h = two_adic_generator(log_n)
    om = two_adic_generator(log_lde)
    return [
        _base(1),
        _base(h),  # zeta * h^-1 = 1: the point whose zeta * h is in H_n
        _base(pow(h, 7, P)),
        _base(GENERATOR),
        _base(GENERATOR * pow(om, 37, P)),
        _base(GENERATOR * pow(om, (1 << log_lde) - 1, P)),
    ]


def _good_points(log_n: int, log_lde: int) -> list[Ext]:
    om = two_adic_generator(log_lde)
    return [
        (3, 1, 4, 1, 5),
        _base(om),  # in H_N but not in H_n (N > n): harmless
        _base(GENERATOR * GENERATOR),  # another coset
        _base(pow(two_adic_generator(log_lde + 1), 1, P) * GENERATOR),  # outside g H_N
    ]


def test_check_zeta_fixed_heights() -> None:
    ar = NativeArith()
    for z in _good_points(LOG_N, LOG_LDE):
        check_zeta(ar, z, LOG_N, LOG_LDE)
    for z in _bad_points(LOG_N, LOG_LDE):
        with pytest.raises(VerificationError, match="out-of-domain point"):
            check_zeta(ar, z, LOG_N, LOG_LDE)
    # zeta * h for a zeta in the subgroup or coset stays there: both are rejected
    h = two_adic_generator(LOG_N)
    for z in _bad_points(LOG_N, LOG_LDE):
        with pytest.raises(VerificationError):
            check_zeta(ar, ext_mul_int(z, _base(h)), LOG_N, LOG_LDE)


def test_check_zeta_variable_height() -> None:
    """Height as data (one-hot over [4, 6], LDE = height + 4): the check uses the selected
    height, not the range's largest."""
    ar = NativeArith()
    for lg in (4, 5, 6):
        var = LogHeight(4, 6, tuple(ar.one_hot(lg, 4, 6)))
        for z in _good_points(lg, lg + 4):
            check_zeta(ar, z, var, var.shifted(4))
        for z in _bad_points(lg, lg + 4):
            with pytest.raises(VerificationError, match="out-of-domain point"):
                check_zeta(ar, z, var, var.shifted(4))
    # a point of H_64 is fine for a 2^4-row proof (its H_16 does not contain it)
    var4 = LogHeight(4, 6, tuple(ar.one_hot(4, 4, 6)))
    check_zeta(ar, _base(two_adic_generator(6)), var4, var4.shifted(4))


@pytest.mark.parametrize("where", ["trace", "coset"])
def test_verifier_rejects_forced_zeta(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """A transcript whose zeta (fibonacci has no LogUp: the second extension challenge, after
    gamma) lands in H_n or in the LDE coset is rejected with the verifier's error."""
    params = PcsParams(num_queries=2, pow_bits=1)
    vk = keygen(fibonacci.machine(), params)
    log_n = 4
    traces, pub = fibonacci.trace(log_n)
    proof = prove(vk, traces, pub, FieldRng.seeded(1))
    verify(vk, pub, proof)
    log_lde = mask_plan(params, 1 << log_n).log_height + params.log_blowup
    bad = (
        _base(pow(two_adic_generator(log_n), 3, P))
        if where == "trace"
        else _base(GENERATOR * pow(two_adic_generator(log_lde), 11, P))
    )
    orig = transcript.Transcript.sample_ext
    calls = {"n": 0}

    def forced(self: Any) -> Any:
        out = orig(self)
        calls["n"] += 1
        return self.ar.e_const(bad) if calls["n"] == 2 else out

    monkeypatch.setattr(transcript.Transcript, "sample_ext", forced)
    with pytest.raises(VerificationError, match="out-of-domain point"):
        verify(vk, pub, proof)
