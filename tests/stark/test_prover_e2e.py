"""End-to-end: prove and verify the example machines (completeness), with and without zk."""

from __future__ import annotations

from dataclasses import replace

import pytest

from zkrv_prover.stark.air import zk
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci, multi_table, range_check
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.proof import decode_proof, encode_proof
from zkrv_prover.stark.protocol.prover import ProverError, keygen, prove
from zkrv_prover.stark.protocol.testing import unchecked_prover
from zkrv_prover.stark.protocol.verifier import _round_shapes, verify

#: Small, fast parameters for tests (security is not the point here).
FAST = PcsParams(num_queries=6, pow_bits=1)
FAST_NOZK = PcsParams(num_queries=6, pow_bits=1, zk=False)

CASES = [
    ("fib", lambda: fibonacci.machine(), lambda: fibonacci.trace(4)),
    ("range", lambda: range_check.machine(4), lambda: range_check.trace(4)),
    ("multi", lambda: multi_table.machine(), lambda: multi_table.trace(5, 3)),
]


@pytest.mark.parametrize("params", [FAST, FAST_NOZK], ids=["zk", "nozk"])
@pytest.mark.parametrize(("name", "mk", "tr"), CASES, ids=[c[0] for c in CASES])
def test_complete(name, mk, tr, params: PcsParams) -> None:  # type: ignore[no-untyped-def]
    vk = keygen(mk(), params)
    traces, pub = tr()
    proof = prove(vk, traces, pub, FieldRng.seeded(1))
    verify(vk, pub, proof)


def test_zk_masks_differ_between_proofs() -> None:
    vk = keygen(fibonacci.machine(), FAST)
    traces, pub = fibonacci.trace(4)
    p1 = prove(vk, traces, pub, FieldRng.seeded(1))
    p2 = prove(vk, traces, pub, FieldRng.seeded(2))
    assert p1.main_root != p2.main_root
    assert p1.opened[0][0][0] != p2.opened[0][0][0]  # main openings at zeta are masked
    verify(vk, pub, p1)
    verify(vk, pub, p2)


def test_default_parameters_fibonacci() -> None:
    vk = keygen(fibonacci.machine())
    traces, pub = fibonacci.trace(3)
    verify(vk, pub, prove(vk, traces, pub))


def test_prover_refuses_bad_witness() -> None:
    vk = keygen(fibonacci.machine(), FAST)
    traces, pub = fibonacci.trace(4)
    traces[0][5, 0] += 1
    with pytest.raises(ProverError, match="shift"):
        prove(vk, traces, pub)
    vk = keygen(range_check.machine(4), FAST)
    traces, pub = range_check.trace(4)
    traces[0][0, 1] += 1
    with pytest.raises(ProverError, match="LogUp"):
        prove(vk, traces, pub)
    with pytest.raises(ProverError):
        prove(vk, [traces[0][:8]], pub)


def test_relaxed_layout_end_to_end() -> None:
    """2^10 rows with 3 queries: n / 64 = 16 >= 2 * 3 + 2 * EXT_DEGREE revealed values, so the
    trace is masked at its own height (degree < n + 16) instead of a doubled one; quotient
    chunks likewise. (With FAST's queries the table would be padded to 2^11.)"""
    params = replace(FAST, num_queries=3)
    assert zk.revealed(params) <= 16
    vk = keygen(fibonacci.machine(), params)
    assert zk.plan(params, 1 << 10) == zk.MaskPlan(1 << 10, 10, (1 << 10) + 16)
    assert zk.plan(FAST, 1 << 10) == zk.MaskPlan(1 << 10, 11, 1 << 11)
    traces, pub = fibonacci.trace(10)
    p1 = prove(vk, traces, pub, FieldRng.seeded(1))
    verify(vk, pub, p1)
    main, quo = _round_shapes(vk, p1.log_heights)
    assert [s.log_height for s in main[0]] == [10] and [s.log_height for s in quo[0]] == [10]
    assert decode_proof(vk, encode_proof(vk, p1)) == p1
    # fresh masks: other commitments and openings for the same witness
    p2 = prove(vk, traces, pub, FieldRng.seeded(2))
    assert p1.main_root != p2.main_root and p1.opened[0][0][0] != p2.opened[0][0][0]
    verify(vk, pub, p2)
    # soundness at this layout: a wrong cell proven with the prover's checks off is rejected
    bad = [traces[0].copy()]
    bad[0][517, 1] = (int(bad[0][517, 1]) + 1) % P
    with unchecked_prover():
        cheat = prove(vk, bad, pub, FieldRng.seeded(3))
    with pytest.raises(VerificationError):
        verify(vk, pub, cheat)
