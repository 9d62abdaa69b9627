"""The global challenges as a hash chain (``stark/protocol/global_challenges.py``): the chain
can be cut between any two proofs, and every input it binds changes the challenges."""

from __future__ import annotations

import pytest

from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.arith import NativeArith
from zkrv_prover.stark.field.field import EXT_DEGREE, P
from zkrv_prover.stark.protocol.global_challenges import (
    ACC_LEN,
    accumulators,
    finish,
    global_challenges,
    start,
    step,
)

P2 = PcsParams(hash="poseidon2-babybear")
DATA = [7, 8, 9]
ENTRIES = [([1, 2, 3], 11), ([4, 5, 6], 22), ([0, 0, P - 1], 33)]


@pytest.mark.parametrize("params", [P2, PcsParams()], ids=["poseidon2", "bn254"])
def test_chain_steps_compose(params: PcsParams) -> None:
    """The challenges are finish(step(...step(start(data))...), n): the same functions a
    recursion program calls one step at a time, so any split of the chain gives them."""
    ar, hs = NativeArith(native_hash=True), scheme_of(params.hash)
    accs = accumulators(params, ENTRIES, DATA)
    assert len(accs) == len(ENTRIES) + 1 and all(len(a) == ACC_LEN for a in accs)
    assert [int(x) for x in start(ar, hs, [ar.b_const(v) for v in DATA])] == accs[0]
    for s, (pub, root) in enumerate(ENTRIES):  # each step needs only its own input accumulator
        acc = [ar.b_const(x) for x in accs[s]]
        got = step(ar, hs, acc, [ar.b_const(v) for v in pub], hs.digest_const(ar, root))
        assert [int(x) for x in got] == accs[s + 1]
    alpha, beta = finish(ar, hs, [ar.b_const(x) for x in accs[-1]], ar.b_const(len(ENTRIES)))
    ch = global_challenges(params, ENTRIES, DATA)
    assert len(ch[0]) == len(ch[1]) == EXT_DEGREE
    assert ch == (tuple(int(x) for x in alpha), tuple(int(x) for x in beta))


def test_every_input_is_bound() -> None:
    base = global_challenges(P2, ENTRIES, DATA)
    variants = [
        (ENTRIES, [7, 8, 10]),  # the data
        (ENTRIES, [7, 8]),  # its length
        (ENTRIES[:2], DATA),  # the count
        (ENTRIES[::-1], DATA),  # the order
        ([ENTRIES[0], ([4, 5, 7], 22), ENTRIES[2]], DATA),  # a public value
        ([ENTRIES[0], ([4, 5, 6, 0], 22), ENTRIES[2]], DATA),  # a public value count
        ([ENTRIES[0], ([4, 5, 6], 23), ENTRIES[2]], DATA),  # a boundary root
    ]
    seen = {base}
    for entries, data in variants:
        ch = global_challenges(P2, entries, data)
        assert ch not in seen
        seen.add(ch)
    assert global_challenges(P2, ENTRIES, DATA) == base  # deterministic


def test_non_canonical_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="canonical"):
        global_challenges(P2, ENTRIES, [P])
    with pytest.raises(ValueError, match="canonical"):
        global_challenges(P2, [([P], 1)], DATA)
    ar, hs = NativeArith(native_hash=True), scheme_of(P2.hash)
    with pytest.raises(ValueError, match="accumulator"):
        step(ar, hs, [ar.b_const(0)] * (ACC_LEN - 1), [], hs.digest_const(ar, 0))
    with pytest.raises(ValueError, match="accumulator"):
        finish(ar, hs, [ar.b_const(0)] * (ACC_LEN + 1), ar.b_const(1))
