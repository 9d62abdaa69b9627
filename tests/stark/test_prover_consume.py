"""``prove(..., consume=True)``: the caller hands its trace list over so that the witness is not
held twice while proving; the proof is the one ``consume=False`` gives."""

from __future__ import annotations

import pytest

from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import keygen, prove
from zkrv_prover.stark.protocol.verifier import verify


def test_consume_empties_the_list_and_proves_the_same() -> None:
    params = PcsParams(num_queries=2, pow_bits=1)
    vk = keygen(fibonacci.machine(), params)
    traces, pub = fibonacci.trace(4, 1, 1)
    kept = prove(vk, list(traces), pub, FieldRng.seeded(7))
    handed = list(traces)
    given = prove(vk, handed, pub, FieldRng.seeded(7), consume=True)
    assert handed == []
    assert given == kept
    verify(vk, pub, given)


def test_consume_needs_a_list() -> None:
    params = PcsParams(num_queries=2, pow_bits=1)
    vk = keygen(fibonacci.machine(), params)
    traces, pub = fibonacci.trace(4, 1, 1)
    with pytest.raises(TypeError, match="list"):
        prove(vk, tuple(traces), pub, consume=True)
