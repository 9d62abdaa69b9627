"""The ``Air.logup_degree`` hook: a larger LogUp degree budget puts more interactions on one
helper aux column (fewer columns, higher table degree); proofs stay complete and sound."""

from __future__ import annotations

import numpy as np
import pytest

from zkrv_prover.stark.air.air import Air, AirBuilder, Machine, compile_machine
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import keygen, prove
from zkrv_prover.stark.protocol.testing import unchecked_prover
from zkrv_prover.stark.protocol.verifier import verify

FAST = PcsParams(num_queries=6, pow_bits=1)
BUS, BITS, K = 1, 6, 4


class MultiRangeAir(Air):
    """K value columns, each sent to the range bus, and the preprocessed range 0..2^BITS - 1
    received with multiplicity m: K + 1 interactions of fingerprint degree 1."""

    name = "multi_range"
    main_width = K + 1  # v_0..v_(K-1), m
    preprocessed_width = 1

    def __init__(self, budget: int | None) -> None:
        self.logup_degree = budget

    def eval(self, b: AirBuilder) -> None:
        *vs, m = b.main_local
        for v in vs:
            b.send(BUS, [v])
        b.receive(BUS, [b.pre_local[0]], m)

    def preprocessed_trace(self) -> np.ndarray:
        return np.arange(1 << BITS, dtype=np.uint32)[:, None]


def _trace(seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 1 << BITS
    vs = rng.integers(0, n, size=(n, K), dtype=np.uint32)
    m = np.bincount(vs.ravel(), minlength=n).astype(np.uint32)
    return [np.concatenate([vs, m[:, None]], axis=1)]


@pytest.mark.parametrize(
    ("budget", "groups", "degree"), [(None, 5, 2), (2, 5, 2), (3, 3, 3), (4, 2, 4)]
)
def test_budget_sets_helper_count_and_degree(budget: int | None, groups: int, degree: int) -> None:
    (lay,) = compile_machine(Machine([MultiRangeAir(budget)]))
    assert len(lay.logup_groups) == groups
    # a helper per group but the last, whose fractions are the running sum's step
    assert lay.aux_width == groups
    assert lay.degree == degree


def test_budget_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="budget 1"):
        compile_machine(Machine([MultiRangeAir(1)]))


@pytest.mark.parametrize("budget", [2, 3, 4])
def test_complete_and_sound_for_every_budget(budget: int) -> None:
    vk = keygen(Machine([MultiRangeAir(budget)]), FAST)
    traces = _trace()
    verify(vk, [], prove(vk, traces, [], FieldRng.seeded(budget)))
    # a value out of range (and a multiplicity moved to keep the counts): the bus cannot balance
    bad = [traces[0].copy()]
    old = int(bad[0][3, 1])
    bad[0][3, 1] = 1 << BITS
    bad[0][old, K] -= 1
    with unchecked_prover():
        cheat = prove(vk, bad, [], FieldRng.seeded(7))
    with pytest.raises(VerificationError):
        verify(vk, [], cheat)
