"""zkVM receipts on Ethereum, the layers after the universal recursion program: shrink proof
(recursion/shrink.py) -> final circuit (r1cs/zkvm_wrap.py) -> Groth16.

The universal recursion program is stood in for by a recursion program that only exposes 46
inputs in the ``zkvm_layout`` order (a real Poseidon2 digest as the preprocessed root, real
journal-digest and exit-code bytes). TOY SECURITY: the inner proof uses 2 queries and the shrink
proof 2 queries at blowup 2 (about 2 proven bits); only ``test_production_config`` looks at the
production parameters.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from zkrv.claim import sha256
from zkrv.receipt import StarkReceipt
from zkrv_prover.bn254.groth16 import r1cs_digest
from zkrv_prover.r1cs.builder import ConstraintSystem, UnsatisfiedConstraintError
from zkrv_prover.r1cs.check import first_unsatisfied
from zkrv_prover.r1cs.zkvm_wrap import (
    ZkvmWrapCircuit,
    build_zkvm_circuit,
    circuit_id,
    statement,
    wrap_zkvm,
)
from zkrv_prover.recursion import shrink
from zkrv_prover.recursion import zkvm_layout as layout
from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.prove import program_vk, prove_program
from zkrv_prover.stark.commit import hash_backend as hb
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey
from zkrv_prover.zkvm.image_id import MAX_LOG_TABLE, image_id_from, zkvm_params
from zkrv_prover.zkvm.machine import public_values

#: TOY SECURITY (a few bits): the stand-in universal proof and the shrink proof.
INNER_TOY = PcsParams(num_queries=2, pow_bits=1, hash="poseidon2-babybear")
SHRINK_TOY = PcsParams(num_queries=2, pow_bits=1, log_blowup=1)


@dataclass(frozen=True)
class Receipt:
    """What a zkVM receipt's claim is made of, and its 46 public values."""

    root: int
    log_program: int
    log_image: int
    journal: bytes
    exit_code: int

    @property
    def values(self) -> list[int]:
        pub = public_values(sha256(self.journal), self.exit_code)
        return layout.values(self.root, self.log_program, self.log_image, pub)

    def sdk_claim_digest(self) -> bytes:
        """The SDK's ``Receipt.claim.digest()`` for a receipt with this image and output."""
        image_id = image_id_from(self.root, self.log_program, self.log_image, zkvm_params())
        return StarkReceipt(image_id, self.exit_code, self.journal, b"").claim.digest()


def p2_root(seed: int) -> int:
    """A real Poseidon2-BabyBear digest (of a row of 64 values), as the proof encodes roots."""
    row = (np.arange(64, dtype=np.uint32) * 7 + seed) % P
    return hb.p2_to_ints(hb.p2_hash_rows(row.reshape(1, 64).astype(np.uint32)))[0]


RECEIPT_A = Receipt(p2_root(1), 10, 12, b"hello journal", 7)
RECEIPT_B = Receipt(p2_root(2), 1, MAX_LOG_TABLE, b"", 2**32 - 1)


def inner_proof(
    values: list[int], seed: int = 1, other_program: bool = False
) -> tuple[VerifyingKey, list[int], StarkProof]:
    """The stand-in universal recursion proof: a program exposing ``values`` (any BabyBear
    values: the program checks nothing but one unused addition). ``other_program``: the
    addition's operands swapped, i.e. another inner program with proofs of the same shape."""
    r = RecursionBuilder()
    cells = [r.b_input(v) for v in values]
    for c in cells:
        r.expose_public(c)
    a, b = (cells[1], cells[0]) if other_program else (cells[0], cells[1])
    r.b_add(a, b)
    program, witness = r.finish()
    vk = program_vk(program, INNER_TOY)
    proof = prove_program(vk, witness, rng=FieldRng.seeded(seed), recorded=program)
    return vk, list(witness.public), proof


def shrunk(values: list[int], seed: int = 1, other_program: bool = False) -> shrink.ShrinkProof:
    vk, pub, proof = inner_proof(values, seed, other_program)
    return shrink.prove_shrink(vk, pub, proof, SHRINK_TOY, FieldRng.seeded(seed + 10))


@pytest.fixture(scope="module")
def proof_a() -> shrink.ShrinkProof:
    return shrunk(RECEIPT_A.values)


@pytest.fixture(scope="module")
def circuit_a(proof_a: shrink.ShrinkProof) -> ZkvmWrapCircuit:
    return build_zkvm_circuit(proof_a.key.vk, proof_a.public, proof_a.proof)


def unsatisfied(cs: ConstraintSystem) -> bool:
    return first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None


def test_layout() -> None:
    assert (layout.PRE_ROOT, layout.LOG_PROGRAM, layout.LOG_IMAGE, layout.PUBLIC) == (0, 8, 9, 10)
    assert layout.ZKVM_RECURSION_PUBLIC == 46
    vals = RECEIPT_A.values
    parts = layout.split(vals)
    assert layout.root_int(parts.pre_root) == RECEIPT_A.root
    assert (parts.log_program, parts.log_image) == (10, 12)
    assert bytes(parts.public) == sha256(b"hello journal") + (7).to_bytes(4, "little")
    with pytest.raises(ValueError):
        layout.split(vals[:-1])
    with pytest.raises(ValueError):
        layout.values(RECEIPT_A.root, 0, 12, parts.public)
    with pytest.raises(ValueError):
        layout.values(RECEIPT_A.root, 10, 12, [256, *parts.public[1:]])
    with pytest.raises(ValueError, match="canonical"):
        layout.root_felts(P)


def test_shrink_proof_verifies(proof_a: shrink.ShrinkProof) -> None:
    proof_a.verify()
    assert list(proof_a.public) == RECEIPT_A.values
    assert proof_a.key.params.hash == "poseidon-bn254"
    # uniform heights, the shrink Poseidon2 table (medium)
    assert len({t.height for t in proof_a.key.program.tables}) == 1
    assert "poseidon2_medium" in proof_a.key.program.rows()
    bad = list(proof_a.public)
    bad[layout.PUBLIC] ^= 1
    with pytest.raises(VerificationError):
        shrink.verify_shrink(proof_a.key, bad, proof_a.proof)


def test_circuit_satisfied_and_claim_is_the_sdks(circuit_a: ZkvmWrapCircuit) -> None:
    assert not unsatisfied(circuit_a.cs)
    want = RECEIPT_A.sdk_claim_digest()
    assert circuit_a.claim_digest == want
    assert circuit_a.public_input == int.from_bytes(want, "big") >> 3
    assert statement(RECEIPT_A.values).claim_digest == want
    assert circuit_a.cs.n_public == 1


def test_public_input_is_pinned(circuit_a: ZkvmWrapCircuit) -> None:
    r1cs = circuit_a.cs.to_r1cs()
    bad = list(circuit_a.cs.witness())
    assert bad[1] == circuit_a.public_input
    bad[1] = (bad[1] + 1) % 2**253
    assert first_unsatisfied(r1cs, bad) is not None


@pytest.mark.slow
def test_same_circuit_for_another_receipt(
    proof_a: shrink.ShrinkProof, circuit_a: ZkvmWrapCircuit
) -> None:
    """Other root, heights, journal and exit code: the cached shrink key, one R1CS."""
    proof_b = shrunk(RECEIPT_B.values, seed=5)
    assert proof_b.key is proof_a.key  # same shrink program: the key came from the cache
    circuit_b = build_zkvm_circuit(proof_b.key.vk, proof_b.public, proof_b.proof)
    assert circuit_b.claim_digest == RECEIPT_B.sdk_claim_digest() != circuit_a.claim_digest
    assert r1cs_digest(circuit_b.cs.to_r1cs()) == r1cs_digest(circuit_a.cs.to_r1cs())
    # so the witness-only wrap's circuit id is the same too
    assert circuit_id(proof_b.key.vk, proof_b.proof) == circuit_id(proof_a.key.vk, proof_a.proof)


@pytest.mark.slow
def test_shrink_proof_of_another_inner_program_is_unsatisfied(
    proof_a: shrink.ShrinkProof, circuit_a: ZkvmWrapCircuit
) -> None:
    """The circuit is bound to the shrink key, hence to the inner (universal) program: a valid
    shrink proof, of the same shape, of another inner program exposing the same values is
    refused natively and leaves the circuit unsatisfied."""
    other = shrunk(RECEIPT_A.values, seed=4, other_program=True)
    other.verify()
    assert other.key is not proof_a.key
    assert other.key.program.digest != proof_a.key.program.digest
    assert other.proof.log_heights == proof_a.proof.log_heights  # same shape
    with pytest.raises(VerificationError):
        shrink.verify_shrink(proof_a.key, other.public, other.proof)
    c = build_zkvm_circuit(proof_a.key.vk, other.public, other.proof, strict=False)
    assert unsatisfied(c.cs)
    assert r1cs_digest(c.cs.to_r1cs()) == r1cs_digest(circuit_a.cs.to_r1cs())
    # the other program's own shrink key generates another circuit: another circuit id
    assert circuit_id(other.key.vk, other.proof) != circuit_id(proof_a.key.vk, proof_a.proof)


def _bump(v: tuple[int, ...]) -> tuple[int, ...]:
    return ((v[0] + 1) % P, *v[1:])


TAMPER: dict[str, Callable[[StarkProof], None]] = {
    "opened_value": lambda p: p.opened[0][0][0].__setitem__(1, _bump(p.opened[0][0][0][1])),
    "merkle_row": lambda p: (
        p.pcs_proof.queries[0]
        .inputs[1]
        .rows[0]
        .__setitem__(0, (p.pcs_proof.queries[0].inputs[1].rows[0][0] + 1) % P)
    ),
    "fri_value": lambda p: (
        p.pcs_proof.queries[1]
        .fri[0]
        .row.__setitem__(2, _bump(p.pcs_proof.queries[1].fri[0].row[2]))
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("what", list(TAMPER))
def test_tampered_shrink_proof_is_unsatisfied(proof_a: shrink.ShrinkProof, what: str) -> None:
    bad = copy.deepcopy(proof_a.proof)
    TAMPER[what](bad)
    with pytest.raises(VerificationError):
        shrink.verify_shrink(proof_a.key, proof_a.public, bad)
    c = build_zkvm_circuit(proof_a.key.vk, proof_a.public, bad, strict=False)
    assert unsatisfied(c.cs)


@pytest.mark.slow
@pytest.mark.parametrize(
    "offset",
    [layout.PRE_ROOT + 3, layout.LOG_PROGRAM, layout.LOG_IMAGE, layout.PUBLIC + 5, 45],
)
def test_wrong_public_value_is_unsatisfied(proof_a: shrink.ShrinkProof, offset: int) -> None:
    """Each part of the claim is bound to the shrink proof: one changed value (still in its
    range) makes the verifier part fail."""
    vals = list(proof_a.public)
    vals[offset] = vals[offset] - 1 if vals[offset] > 1 else vals[offset] + 1
    with pytest.raises(VerificationError):
        shrink.verify_shrink(proof_a.key, vals, proof_a.proof)
    c = build_zkvm_circuit(proof_a.key.vk, vals, proof_a.proof, strict=False)
    assert unsatisfied(c.cs)
    with pytest.raises(UnsatisfiedConstraintError):
        build_zkvm_circuit(proof_a.key.vk, vals, proof_a.proof)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("offset", "value"),
    [(layout.PUBLIC + 33, 256), (layout.LOG_IMAGE, 0), (layout.LOG_PROGRAM, 23)],
)
def test_valid_proof_of_out_of_range_values_is_unsatisfied(
    proof_a: shrink.ShrinkProof, offset: int, value: int
) -> None:
    """A *valid* shrink proof whose values the claim refuses (a public value that is not a
    byte, a height outside [1, 22]): the claim's range checks leave the circuit unsatisfied."""
    vals = RECEIPT_A.values
    vals[offset] = value
    bad = shrunk(vals, seed=3)
    assert bad.key is proof_a.key
    bad.verify()  # the shrink proof itself is fine
    with pytest.raises(ValueError):
        statement(vals)
    with pytest.raises(UnsatisfiedConstraintError):
        build_zkvm_circuit(bad.key.vk, bad.public, bad.proof)
    c = build_zkvm_circuit(bad.key.vk, bad.public, bad.proof, strict=False)
    assert unsatisfied(c.cs)


def test_refusals(proof_a: shrink.ShrinkProof) -> None:
    vk, pub, proof = proof_a.key.vk, list(proof_a.public), proof_a.proof
    with pytest.raises(ValueError, match="46"):
        build_zkvm_circuit(vk, pub[:-1], proof)
    with pytest.raises(VerificationError, match="canonical"):
        build_zkvm_circuit(vk, [*pub[:-1], P], proof)
    ivk, ipub, iproof = inner_proof(RECEIPT_A.values)
    with pytest.raises(ValueError, match="poseidon-bn254"):
        build_zkvm_circuit(ivk, ipub, iproof)  # a Poseidon2 proof is not wrappable
    with pytest.raises(ValueError, match="poseidon-bn254"):
        shrink.shrink_key(proof_a.key.program, INNER_TOY)


def test_production_config(proof_a: shrink.ShrinkProof) -> None:
    """The production parameters of this shrink program reach the target (the toy ones do
    not, and say so)."""
    cfg = shrink.shrink_config(proof_a.key.program)
    assert cfg.bits >= shrink.TARGET_BITS
    assert cfg.params.hash == "poseidon-bn254"
    assert cfg.params.log_blowup == shrink.SHRINK_LOG_BLOWUP
    assert cfg.params.pow_bits == shrink.SHRINK_POW_BITS
    assert proof_a.key.config.bits < 10  # toy


@pytest.mark.slow
def test_groth16_end_to_end(proof_a: shrink.ShrinkProof, tmp_path: Path) -> None:
    """UNSAFE dev setup at toy size (~0.9 M constraints): prove, verify natively, refuse
    another public input."""
    from zkrv_prover.bn254 import groth16

    wp = wrap_zkvm(proof_a.key.vk, proof_a.public, proof_a.proof, cache=tmp_path, seed=1)
    assert wp.verify()
    assert wp.statement.claim_digest == RECEIPT_A.sdk_claim_digest()
    assert wp.public_input == int.from_bytes(RECEIPT_A.sdk_claim_digest(), "big") >> 3
    assert not groth16.verify(wp.vk, [wp.public_input ^ 1], wp.proof)
    assert wp.unsafe_dev_setup


@pytest.mark.slow
def test_groth16_witness_only(
    proof_a: shrink.ShrinkProof, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first wrap (full path, dev setup) records the circuit id; the next one proves from
    the witness alone (never exporting the R1CS) and gives the same proof for the same seed; a
    recorded key whose proof does not verify (a stale record) sends the wrap down the full path
    with a warning, and the record is rewritten."""
    from zkrv_prover.bn254 import groth16

    args = (proof_a.key.vk, proof_a.public, proof_a.proof)
    first = wrap_zkvm(*args, cache=tmp_path, seed=1)
    index = groth16.CircuitIndex(tmp_path / "circuits")
    record = index.get(circuit_id(proof_a.key.vk, proof_a.proof))
    assert record is not None and (tmp_path / f"{record.r1cs_digest}.pk").is_file()

    def no_export(self: ConstraintSystem) -> None:
        raise AssertionError("the witness-only wrap exported the R1CS")

    with monkeypatch.context() as m:
        m.setattr(ConstraintSystem, "to_r1cs", no_export)
        second = wrap_zkvm(*args, cache=tmp_path, seed=1)
    assert second.proof.raw == first.proof.raw and second.verify()

    prove_assignment = groth16.prove_assignment

    def stale(pk: groth16.ProvingKey, asg: groth16.Assignment, **kw: object) -> groth16.Proof:
        raw = prove_assignment(pk, asg, **kw).raw  # type: ignore[arg-type]
        return groth16.Proof(raw[192:] + raw[64:192] + raw[:64])  # A and C swapped

    monkeypatch.setattr(groth16, "prove_assignment", stale)
    with pytest.warns(RuntimeWarning, match="does not fit"):
        third = wrap_zkvm(*args, cache=tmp_path, seed=1)
    assert third.proof.raw == first.proof.raw and third.verify()
    assert index.get(circuit_id(proof_a.key.vk, proof_a.proof)) == record
