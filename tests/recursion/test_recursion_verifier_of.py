"""``recursion.prove.record_verifier_of``: one recorded program verifies lifted proofs of any of
several recursion programs (root and heights as data, program ID among constants) and refuses
a proof by a program it does not accept. Small test parameters (4 queries)."""

from __future__ import annotations

import pytest

from zkrv_prover.recursion.machine import machine_log_heights
from zkrv_prover.recursion.program_id import key_program_id
from zkrv_prover.recursion.prove import (
    program_vk,
    prove_program,
    record_verifier,
    record_verifier_of,
    verify_program,
)
from zkrv_prover.recursion.segment_join import tree_spec
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, prove

#: Lifted Poseidon2 proofs at 4 queries, no zk (the inner Fibonacci proofs and the programs').
P2 = PcsParams(hash="poseidon2-babybear", num_queries=4, pow_bits=1, zk=False)


def _program_proof(log_n: int) -> tuple[VerifyingKey, list[int], StarkProof]:
    """A recursion program verifying a 2^log_n-row Fibonacci proof, proven in the lifted
    layout: (its key, public values, proof)."""
    vk = keygen(fibonacci.machine(), P2)
    traces, pub = fibonacci.trace(log_n)
    prog, wit = record_verifier(vk, list(pub), prove(vk, traces, pub))
    rvk = program_vk(prog, P2, lifted=True)
    return rvk, list(wit.public), prove_program(rvk, wit, recorded=prog)


def test_one_program_accepts_either_and_refuses_others() -> None:
    a, b, c = (_program_proof(n) for n in (4, 6, 8))
    ids = [key_program_id(vk, pr.log_heights) for vk, _, pr in (a, b, c)]
    assert len({tuple(i) for i in ids}) == 3  # three different programs
    spec = tree_spec(*(pr.log_heights for _, _, pr in (a, b, c)))
    recorded = [record_verifier_of(a[0], spec, pub, pr, ids[:2]) for _, pub, pr in (a, b)]
    (pa, wa), (pb, wb) = recorded
    assert pa.digest == pb.digest  # one program for both
    assert list(wa.public) == a[1] and list(wb.public) == b[1]
    with pytest.raises(VerificationError, match="accepted programs"):
        record_verifier_of(a[0], spec, c[1], c[2], ids[:2])
    # the recorded program proves, and its proof binds the exposed values
    vk = program_vk(pa, P2)
    proof = prove_program(vk, wb, recorded=pb)
    verify_program(vk, proof, wb.public)
    bad = list(wb.public)
    bad[0] = (bad[0] + 1) % P
    with pytest.raises(VerificationError):
        verify_program(vk, proof, bad)
    assert machine_log_heights(pa) == machine_log_heights(pb)


def test_accepted_ids_are_checked() -> None:
    vk = keygen(fibonacci.machine(), P2, lifted=True)
    traces, pub = fibonacci.trace(4)
    proof = prove(vk, traces, pub)
    spec = tree_spec(proof.log_heights)
    with pytest.raises(ValueError, match="accepted program IDs"):
        record_verifier_of(vk, spec, list(pub), proof, [])
    with pytest.raises(ValueError, match="accepted program IDs"):
        record_verifier_of(vk, spec, list(pub), proof, [[0] * 7])
