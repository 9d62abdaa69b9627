"""The wrap circuit: the STARK verifier as R1CS plus the claim digest of the public values.

A fibonacci STARK of 2^3 rows with small parameters (2 queries, a Merkle cap of 4 so the paths
have real levels): completeness, the public input against ``zkrv.claim``, one R1CS for every
proof of the same key and heights, and tampered proofs leaving no satisfying witness.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from r1cs_wrap_cases import Case, bump, fib_case, logup_case, set_item

from zkrv.claim import claim_public_input, ok_claim_digest, sha256
from zkrv_prover.bn254.groth16 import r1cs_digest
from zkrv_prover.r1cs.builder import ConstraintSystem, UnsatisfiedConstraintError
from zkrv_prover.r1cs.check import first_unsatisfied
from zkrv_prover.r1cs.profile import ProfilingCircuitArith, random_shaped_proof
from zkrv_prover.r1cs.vk_digest import stark_vk_digest
from zkrv_prover.r1cs.wrap import WrapCircuit, build_circuit, emit_verifier, journal_bytes
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.protocol.prover import StarkProof
from zkrv_prover.stark.protocol.verifier import verify


@pytest.fixture(scope="module")
def case() -> Case:
    return fib_case()


@pytest.fixture(scope="module")
def circuit(case: Case) -> WrapCircuit:
    vk, pub, proof = case
    return build_circuit(vk, pub, proof)


def test_wrap_circuit_is_satisfied_and_exposes_the_claim(case: Case, circuit: WrapCircuit) -> None:
    vk, pub, _proof = case
    cs = circuit.cs
    assert cs.n_public == 1
    image_id = stark_vk_digest(vk)
    journal = journal_bytes(pub)
    assert journal == b"".join(v.to_bytes(4, "little") for v in pub)
    want = ok_claim_digest(image_id, sha256(journal))
    assert circuit.image_id == image_id and circuit.journal == journal
    assert circuit.claim_digest == want
    assert circuit.public_input == claim_public_input(want)
    r1cs, w = cs.to_r1cs(), cs.witness()
    assert w[1] == circuit.public_input
    assert first_unsatisfied(r1cs, w) is None
    assert circuit.n_constraints == circuit.verifier_constraints + circuit.claim_constraints
    assert 30_000 < circuit.verifier_constraints < 100_000  # 82,466 with binary Merkle trees
    # the public input is pinned by the constraints
    bad = list(w)
    bad[1] = (bad[1] + 1) % 2**253
    assert first_unsatisfied(r1cs, bad) is not None


@pytest.mark.slow
def test_one_circuit_for_every_proof_of_a_shape(case: Case, circuit: WrapCircuit) -> None:
    """Another proof (other public values, other prover randomness) of the same key and
    heights gives the identical R1CS, so one Groth16 key serves all of them."""
    vk2, pub2, proof2 = fib_case(a0=3, b0=5, seed=2)
    assert pub2 != case[1]
    other = build_circuit(vk2, pub2, proof2)
    assert other.public_input != circuit.public_input
    assert r1cs_digest(other.cs.to_r1cs()) == r1cs_digest(circuit.cs.to_r1cs())


TAMPER: dict[str, Callable[[StarkProof, list[int]], None]] = {
    "opened_main_value": lambda p, _: set_item(p.opened[0][0][0], 1, bump(p.opened[0][0][0][1])),
    "opened_quotient_value": lambda p, _: set_item(
        p.opened[1][0][0], 0, bump(p.opened[1][0][0][0])
    ),
    "merkle_sibling": lambda p, _: set_item(
        p.pcs_proof.queries[1].inputs[0].siblings[0],
        -1,
        p.pcs_proof.queries[1].inputs[0].siblings[0][-1] ^ 1,
    ),
    "merkle_row": lambda p, _: set_item(
        p.pcs_proof.queries[0].inputs[1].rows[0],
        0,
        (p.pcs_proof.queries[0].inputs[1].rows[0][0] + 1) % P,
    ),
    "fri_value": lambda p, _: set_item(
        p.pcs_proof.queries[0].fri[0].row, 3, bump(p.pcs_proof.queries[0].fri[0].row[3])
    ),
    "final_poly": lambda p, _: set_item(p.pcs_proof.final_poly, 0, bump(p.pcs_proof.final_poly[0])),
    "pow_nonce": lambda p, _: setattr(p.pcs_proof, "pow_nonce", p.pcs_proof.pow_nonce + 1),
    "wrong_public_value": lambda _, pub: set_item(pub, 2, (pub[2] + 1) % P),
}


@pytest.mark.slow
@pytest.mark.parametrize("what", list(TAMPER))
def test_tampered_stark_proof_has_no_witness(case: Case, what: str) -> None:
    vk, pub, proof = case
    bad, bad_pub = copy.deepcopy(proof), list(pub)
    TAMPER[what](bad, bad_pub)
    with pytest.raises(VerificationError):
        verify(vk, bad_pub, bad)  # the native verifier agrees the proof is bad
    # strict builder: the failing check raises while the circuit is built
    with pytest.raises(UnsatisfiedConstraintError):
        emit_verifier(ConstraintSystem(), vk, bad_pub, bad)
    # non-strict: the circuit is complete, but the computed witness violates a constraint
    cs = ConstraintSystem(strict=False)
    emit_verifier(cs, vk, bad_pub, bad)
    assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None


def test_shape_and_range_errors_are_native(case: Case) -> None:
    vk, pub, proof = case
    with pytest.raises(VerificationError, match="public values"):
        build_circuit(vk, pub[:2], proof)
    with pytest.raises(VerificationError, match="canonical"):
        build_circuit(vk, [pub[0], pub[1], P], proof)
    bad = copy.deepcopy(proof)
    bad.opened[0][0].pop()
    with pytest.raises(VerificationError):
        build_circuit(vk, pub, bad)


def test_random_shaped_proof_gives_the_same_circuit(case: Case, circuit: WrapCircuit) -> None:
    """The benchmark's method: a random proof of the right shape, non-strict builder, emits the
    R1CS of a real proof (the circuit depends only on the shape); the profiler attributes every
    verifier constraint to a phase and a primitive."""
    vk, pub, proof = case
    real = ConstraintSystem()
    emit_verifier(real, vk, pub, proof)
    fake_proof = random_shaped_proof(vk, proof.log_heights, seed=5)
    assert fake_proof.main_root != proof.main_root
    fake = ConstraintSystem(strict=False)
    ar = ProfilingCircuitArith(fake)
    emit_verifier(fake, vk, [7, 8, 9], fake_proof, arith=ar)
    assert r1cs_digest(fake.to_r1cs()) == r1cs_digest(real.to_r1cs())
    assert first_unsatisfied(fake.to_r1cs(), fake.witness()) is not None  # not a valid proof
    public_value_checks = 3 * 35
    assert sum(ar.by_phase.values()) == real.n_constraints - public_value_checks
    assert sum(ar.by_primitive.values()) == sum(ar.by_phase.values())
    assert {"merkle_paths_inputs", "merkle_paths_fri", "fri_folding", "transcript"} <= set(
        ar.by_phase
    )
    with pytest.raises(ValueError):
        emit_verifier(ConstraintSystem(), vk, pub, proof, arith=ar)  # arith of another system


def test_logup_blinds_in_the_wrap_circuit() -> None:
    """A machine with LogUp blind columns (extension constants in its constraints): the honest
    proof's circuit is satisfied; sums re-split between the tables (total still zero) leave no
    witness, as natively."""
    vk, pub, proof = logup_case()
    assert any(any(c) for c in proof.cumsums)  # blinded, not the zero genuine sums
    circuit = build_circuit(vk, pub, proof)
    assert first_unsatisfied(circuit.cs.to_r1cs(), circuit.cs.witness()) is None
    bad = copy.deepcopy(proof)
    bad.cumsums[0] = bump(bad.cumsums[0])
    c1 = bad.cumsums[1]
    bad.cumsums[1] = ((c1[0] - 1) % P, *c1[1:])
    with pytest.raises(VerificationError):
        verify(vk, pub, bad)
    with pytest.raises(UnsatisfiedConstraintError):
        emit_verifier(ConstraintSystem(), vk, pub, bad)
