"""Recursion of recursion (the compose step) and recursion of a zkVM receipt.

Level 1 proves the recorded verifier of a Fibonacci proof with 60-query Poseidon2-BabyBear
parameters; level 2 records the verifier of *that* proof and proves it. Separately, a small
zkVM guest is proven with the zkVM parameters (hash poseidon2-babybear) and its receipt's
verifier is recorded and proven. The outer proofs use the fast test parameters (the recorded
program, i.e. the verifier's cost, depends only on the verified proof's parameters)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from recursion_testutil import FAST

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.verifier import check_shape, verify_with

pytestmark = pytest.mark.slow

#: What the verified (inner and level-1) proofs use: 60 queries, Poseidon2-BabyBear.
P2 = PcsParams(num_queries=60, pow_bits=16, hash="poseidon2-babybear")


def record_verifier(
    vk: VerifyingKey, pub: list[int], proof: StarkProof
) -> tuple[RecursionProgram, RecursionWitness]:
    """The recorded verifier of ``proof``, its public values exposed."""
    r = RecursionBuilder()
    check_shape(vk, proof, len(pub))
    cells = [r.b_input(v) for v in pub]
    verify_with(r, vk, cells, proof)
    for c in cells:
        r.expose_public(c)
    return r.finish()


def prove_and_check(
    program: RecursionProgram, witness: RecursionWitness, params: PcsParams, seed: int
) -> tuple[VerifyingKey, StarkProof]:
    """Prove the program, verify the proof, and check that other public values fail."""
    vk = program_vk(program, params)
    proof = prove_program(vk, witness, rng=FieldRng.seeded(seed), recorded=program)
    pub = list(witness.public)
    verify_program(vk, proof, pub)
    with pytest.raises(VerificationError):
        verify_program(vk, proof, [(pub[0] + 1) % P, *pub[1:]])
    return vk, proof


def test_recursion_of_recursion() -> None:
    vk0 = keygen(fibonacci.machine(), P2)
    traces, pub = fibonacci.trace(5)
    proof0 = prove(vk0, traces, pub, FieldRng.seeded(2))
    prog1, wit1 = record_verifier(vk0, pub, proof0)
    vk1, proof1 = prove_and_check(prog1, wit1, P2, 3)
    prog2, wit2 = record_verifier(vk1, list(wit1.public), proof1)
    assert list(wit2.public) == pub
    assert prog2.rows()["poseidon2"] > prog1.rows()["poseidon2"]
    prove_and_check(prog2, wit2, FAST, 4)


def test_recursion_of_a_zkvm_receipt() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "zkvm"))
    from zkvm_util import asm, image_of

    from zkrv_prover.executor import execute
    from zkrv_prover.stark.protocol.prover import prove as stark_prove
    from zkrv_prover.zkvm.image_id import program_key, zkvm_params
    from zkrv_prover.zkvm.machine import generate

    params = dataclasses.replace(zkvm_params(), hash="poseidon2-babybear")
    # a 100-iteration loop (~300 cycles), exit code 0
    a = asm
    code = [*a.li(5, 100), a.i("addi", 6, 6, 3), a.i("addi", 5, 5, -1), a.b("bne", 5, 0, -8)]
    image = image_of([*code, a.i("addi", 10, 0, 0)])
    key = program_key(image, params)
    res = execute(image, b"", trace=True)
    assert res.trace is not None
    w = generate(key.tables, res.trace, key.vk.layouts)
    proof = stark_prove(key.vk, w.traces, w.public)
    prog, wit = record_verifier(key.vk, list(w.public), proof)
    assert list(wit.public) == list(w.public)
    prove_and_check(prog, wit, FAST, 5)
