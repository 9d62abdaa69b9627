"""End-to-end: prove and verify the example machines (completeness), with and without zk."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark.examples import fibonacci, multi_table, range_check
from zkrv_prover.stark.params import PcsParams
from zkrv_prover.stark.prover import ProverError, keygen, prove
from zkrv_prover.stark.verifier import verify

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
    proof = prove(vk, traces, pub, np.random.default_rng(1))
    verify(vk, pub, proof)


def test_zk_masks_differ_between_proofs() -> None:
    vk = keygen(fibonacci.machine(), FAST)
    traces, pub = fibonacci.trace(4)
    p1 = prove(vk, traces, pub, np.random.default_rng(1))
    p2 = prove(vk, traces, pub, np.random.default_rng(2))
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
