"""End to end: a Poseidon2-BabyBear Fibonacci STARK proof is verified by the generic verifier
recorded through the RecursionBuilder, and the recorded program's execution is proven and
verified by the recursion STARK (its public values: the inner proof's)."""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from recursion_testutil import FAST, record

from zkrv_prover.recursion import pipeline
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

#: The inner proof: Poseidon2-BabyBear hashing, few queries, small FRI tail.
INNER = PcsParams(
    num_queries=3, pow_bits=4, hash="poseidon2-babybear", log_final_poly_len=2, log_cap=1
)


@pytest.fixture(scope="module")
def inner() -> tuple[VerifyingKey, list[int], StarkProof]:
    vk = keygen(fibonacci.machine(), INNER)
    traces, pub = fibonacci.trace(5)
    return vk, pub, prove(vk, traces, pub, FieldRng.seeded(2))


def record_verifier(
    vk: VerifyingKey, pub: list[int], proof: StarkProof
) -> tuple[RecursionBuilder, list[int]]:
    """Run the generic verifier through a recorder; the inner public values become public."""
    r = RecursionBuilder()
    check_shape(vk, proof, len(pub))
    cells = [r.b_input(v) for v in pub]
    verify_with(r, vk, cells, proof)
    return r, [r.expose_public(c) for c in cells]


def test_recording_verifies(inner: tuple[VerifyingKey, list[int], StarkProof]) -> None:
    vk, pub, proof = inner
    r, idx = record_verifier(vk, pub, proof)
    assert idx == [0, 1, 2]
    counts = r.op_counts()
    assert counts["poseidon2"] > 0 and counts["select"] > 0


def _bump_sibling(p: StarkProof) -> None:
    op = p.pcs_proof.queries[0].inputs[0]
    d = op.siblings[0][0]
    op.siblings[0][0] = d - (d & 0xFFFFFFFF) + ((d & 0xFFFFFFFF) + 1) % P


def _bump_opened(p: StarkProof) -> None:
    v = list(p.opened[1][0][0][0])
    v[0] = (v[0] + 1) % P
    p.opened[1][0][0][0] = tuple(v)


def _bump_final(p: StarkProof) -> None:
    c = list(p.pcs_proof.final_poly[0])
    c[1] = (c[1] + 1) % P
    p.pcs_proof.final_poly[0] = tuple(c)


@pytest.mark.parametrize("tamper", [_bump_sibling, _bump_opened, _bump_final])
def test_tampered_inner_proof_fails_recording(
    inner: tuple[VerifyingKey, list[int], StarkProof], tamper: Callable[[StarkProof], None]
) -> None:
    vk, pub, proof = inner
    bad = copy.deepcopy(proof)
    tamper(bad)
    with pytest.raises(VerificationError):
        record_verifier(vk, pub, bad)


def test_wrong_inner_public_fails_recording(
    inner: tuple[VerifyingKey, list[int], StarkProof],
) -> None:
    vk, pub, proof = inner
    with pytest.raises(VerificationError):
        record_verifier(vk, [pub[0], pub[1], (pub[2] + 1) % P], proof)


def test_program_is_the_verifier_shape(inner: tuple[VerifyingKey, list[int], StarkProof]) -> None:
    """Another proof of the same shape (other public values): the same program."""
    vk, pub, proof = inner
    traces, pub2 = fibonacci.trace(5, 3, 4)
    proof2 = prove(vk, traces, pub2, FieldRng.seeded(9))
    progs = [record_verifier(vk, p, pr)[0].finish()[0] for p, pr in ((pub, proof), (pub2, proof2))]
    assert progs[0].digest == progs[1].digest


def test_recursion_proof(inner: tuple[VerifyingKey, list[int], StarkProof]) -> None:
    """Record the inner verifier, prove the recording and verify the recursion proof."""
    _prove_recorded(*inner)


def _prove_recorded(vk: VerifyingKey, pub: list[int], proof: StarkProof) -> None:
    t0 = time.perf_counter()
    r, _ = record_verifier(vk, pub, proof)
    rc = record(r)
    t_record = time.perf_counter() - t0
    assert rc.problems() == []
    program: RecursionProgram = rc.program
    witness: RecursionWitness = rc.witness
    assert list(witness.public) == pub
    rvk = program_vk(program, FAST)
    t0 = time.perf_counter()
    rproof = prove_program(rvk, witness, rng=FieldRng.seeded(3), recorded=program)
    t_prove = time.perf_counter() - t0
    verify_program(rvk, rproof, pub)
    with pytest.raises(VerificationError):
        verify_program(rvk, rproof, [pub[0], pub[1], (pub[2] + 1) % P])
    print(
        f"\nrecursion program: rows {program.rows()}, heights {program.heights()}, "
        f"{program.num_cells} cells; record {t_record:.2f} s, prove {t_prove:.2f} s"
    )


def test_layer_key_store(inner: tuple[VerifyingKey, list[int], StarkProof], tmp_path: Path) -> None:
    """A layer key made once is written to the store and read back by a fresh process's cache
    (the in-memory cache cleared): same key, proofs under it verify; a file holding another
    program's key is refused, and a changed spec names another file."""
    store = tmp_path / "layers"
    vk, pub, proof = inner
    r, _ = record_verifier(vk, pub, proof)
    rc = record(r)
    spec = pipeline.LayerSpec(FAST.hash, params=FAST)
    pipeline.clear_keys()
    made, src = pipeline.layer_key_from("t", rc.program, spec, "toy", store)
    assert src == "made" and len(list(store.glob("*.key"))) == 1
    assert pipeline.layer_key_from("t", rc.program, spec, "toy", store)[1] == "memory"
    pipeline.clear_keys()
    loaded, src = pipeline.layer_key_from("t", rc.program, spec, "toy", store)
    assert src == "store" and loaded.vk.pre_root == made.vk.pre_root
    rproof = prove_program(loaded.vk, rc.witness, rng=FieldRng.seeded(4), recorded=rc.program)
    verify_program(made.vk, rproof, pub)
    # another spec (parameters) or layer name never reads this file
    other = dataclasses.replace(spec, pow_bits=spec.pow_bits + 1)
    path = pipeline.key_file(store, "t", rc.program, spec, "toy")
    assert pipeline.key_file(store, "t", rc.program, other, "toy") != path
    assert pipeline.key_file(store, "u", rc.program, spec, "toy") != path
    # a file that holds another layer's key is refused, not used
    pipeline.save_layer_key(path, dataclasses.replace(made, name="u"))
    pipeline.clear_keys()
    with pytest.raises(ValueError, match="holds another key"):
        pipeline.layer_key_from("t", rc.program, spec, "toy", store)
    assert not list(store.glob(".*.tmp"))
    pipeline.clear_keys()
