"""One wrap circuit for a range of trace heights (issue #8): fibonacci STARKs of 2^5, 2^6 and
2^7 rows give the identical R1CS for the range [2^5, 2^7], each with a satisfying witness; the
native verifier runs the same variable-height code; tampered proofs, lies about the height and
heights outside the range leave no witness."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from r1cs_wrap_cases import bump, set_item

from zkrv_prover.bn254.groth16 import r1cs_digest
from zkrv_prover.r1cs.builder import ConstraintSystem, UnsatisfiedConstraintError
from zkrv_prover.r1cs.check import first_unsatisfied
from zkrv_prover.r1cs.stark_arith import CircuitArith
from zkrv_prover.r1cs.wrap import build_circuit, emit_verifier
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.verifier import height_offset, verify, verify_with

#: Toy security; a cap of 4 and a final polynomial of 4 coefficients so that heights 2^5..2^7
#: have real Merkle levels, different cap sizes and FRI schedules [3, 1], [3, 2], [3, 3].
PARAMS = PcsParams(num_queries=2, pow_bits=1, log_cap=2, log_final_poly_len=2)
LO, HI = 5, 7
HEIGHTS = (5, 6, 7)

Proofs = dict[int, tuple[list[int], StarkProof]]


@pytest.fixture(scope="module")
def vk() -> VerifyingKey:
    return keygen(fibonacci.machine(), PARAMS)


@pytest.fixture(scope="module")
def proofs(vk: VerifyingKey) -> Proofs:
    out = {}
    for lg in (*HEIGHTS, HI + 1):
        traces, pub = fibonacci.trace(lg, 2, 3)
        out[lg] = (pub, prove(vk, traces, pub, FieldRng.seeded(lg)))
    return out


def test_range_is_supported(vk: VerifyingKey) -> None:
    height_offset(vk, LO, HI)
    with pytest.raises(ValueError):
        height_offset(vk, 0, HI)  # empty / degenerate
    with pytest.raises(ValueError, match="masking"):
        height_offset(vk, 3, HI)  # tiny tables are padded to another power of two
    # a bare Merkle root (no cap) of an arity-4 tree: the paths' top level arity depends on the
    # height (binary trees, the default, have one arity on every level)
    bare = keygen(fibonacci.machine(), replace(PARAMS, log_cap=0, merkle_arity=4))
    traces, pub = fibonacci.trace(LO)
    proof = prove(bare, traces, pub, FieldRng.seeded(0))
    with pytest.raises(ValueError, match="path arities"):
        verify(bare, pub, proof, height_range=(LO, HI))
    # a final polynomial covering the shorter heights: no FRI layer to line up
    flat = keygen(fibonacci.machine(), replace(PARAMS, log_final_poly_len=6))
    proof = prove(flat, traces, pub, FieldRng.seeded(0))
    with pytest.raises(ValueError, match="FRI layer"):
        verify(flat, pub, proof, height_range=(LO, HI))


def test_native_variable_height_verifier_accepts_every_height(
    vk: VerifyingKey, proofs: Proofs
) -> None:
    for lg in HEIGHTS:
        pub, proof = proofs[lg]
        verify(vk, pub, proof)  # the fixed-height verifier
        verify(vk, pub, proof, height_range=(LO, HI))
        verify(vk, pub, proof, height_range=(lg, lg))  # lo = hi special case


@pytest.mark.slow
def test_one_circuit_for_every_height(vk: VerifyingKey, proofs: Proofs) -> None:
    digests, sizes = set(), set()
    for lg in HEIGHTS:
        pub, proof = proofs[lg]
        c = build_circuit(vk, pub, proof, height_range=(LO, HI))  # strict: raises if unsatisfied
        r1cs = c.cs.to_r1cs()
        assert first_unsatisfied(r1cs, c.cs.witness()) is None
        digests.add(r1cs_digest(r1cs))
        sizes.add(c.verifier_constraints)
        fixed = build_circuit(vk, pub, proof)
        assert fixed.verifier_constraints < c.verifier_constraints
        assert fixed.public_input == c.public_input  # same claim
        if lg == 6:  # the lo = hi special case: a valid circuit, about the fixed one's size
            one = build_circuit(vk, pub, proof, height_range=(lg, lg))
            assert abs(one.verifier_constraints - fixed.verifier_constraints) < 500
    assert len(digests) == 1 and len(sizes) == 1


@pytest.mark.slow
def test_outside_the_range_is_rejected(vk: VerifyingKey, proofs: Proofs) -> None:
    pub, proof = proofs[HI + 1]
    with pytest.raises(VerificationError, match="outside"):
        verify(vk, pub, proof, height_range=(LO, HI))
    with pytest.raises(VerificationError, match="outside"):
        build_circuit(vk, pub, proof, height_range=(LO, HI))
    # the circuit itself (bypassing the native pre-check) has no witness for that height
    with pytest.raises(UnsatisfiedConstraintError):
        _emit_unchecked(ConstraintSystem(), vk, pub, proof)
    cs = ConstraintSystem(strict=False)
    _emit_unchecked(cs, vk, pub, proof)
    assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None


def _emit_unchecked(cs: ConstraintSystem, vk: VerifyingKey, pub: list[int], proof: Any) -> None:
    ar = CircuitArith(cs)
    verify_with(ar, vk, [ar.b_input(v) for v in pub], proof, (LO, HI))


TAMPER: dict[str, Callable[[StarkProof, list[int]], None]] = {
    "opened_main_value": lambda p, _: set_item(p.opened[0][0][0], 1, bump(p.opened[0][0][0][1])),
    "opened_quotient_value": lambda p, _: set_item(
        p.opened[1][0][0], 0, bump(p.opened[1][0][0][0])
    ),
    "merkle_sibling_top_level": lambda p, _: set_item(
        p.pcs_proof.queries[1].inputs[0].siblings[-1],
        0,
        p.pcs_proof.queries[1].inputs[0].siblings[-1][0] ^ 1,
    ),
    "input_cap_entry": lambda p, _: set_item(
        p.pcs_proof.input_caps[1], 1, p.pcs_proof.input_caps[1][1] ^ 1
    ),
    "merkle_row": lambda p, _: set_item(
        p.pcs_proof.queries[0].inputs[1].rows[0],
        0,
        (p.pcs_proof.queries[0].inputs[1].rows[0][0] + 1) % P,
    ),
    "fri_first_layer_value": lambda p, _: set_item(
        p.pcs_proof.queries[0].fri[0].row, 3, bump(p.pcs_proof.queries[0].fri[0].row[3])
    ),
    "fri_last_layer_value": lambda p, _: set_item(
        p.pcs_proof.queries[1].fri[-1].row, 1, bump(p.pcs_proof.queries[1].fri[-1].row[1])
    ),
    "fri_last_layer_cap": lambda p, _: set_item(
        p.pcs_proof.fri_caps[-1], 0, p.pcs_proof.fri_caps[-1][0] ^ 1
    ),
    "final_poly": lambda p, _: set_item(p.pcs_proof.final_poly, 0, bump(p.pcs_proof.final_poly[0])),
    "pow_nonce": lambda p, _: setattr(p.pcs_proof, "pow_nonce", p.pcs_proof.pow_nonce + 1),
    "wrong_public_value": lambda _, pub: set_item(pub, 2, (pub[2] + 1) % P),
}


@pytest.mark.slow
@pytest.mark.parametrize("what", list(TAMPER))
def test_tampered_proof_of_a_shorter_height_has_no_witness(
    vk: VerifyingKey, proofs: Proofs, what: str
) -> None:
    """Height 2^6 in the range [2^5, 2^7]: a middle candidate, with a partial last FRI layer."""
    pub, proof = proofs[6]
    bad, bad_pub = copy.deepcopy(proof), list(pub)
    TAMPER[what](bad, bad_pub)
    with pytest.raises(VerificationError):
        verify(vk, bad_pub, bad, height_range=(LO, HI))
    with pytest.raises(UnsatisfiedConstraintError):
        emit_verifier(ConstraintSystem(), vk, bad_pub, bad, height_range=(LO, HI))
    if what in ("fri_last_layer_value", "merkle_sibling_top_level"):  # (time) two suffice
        cs = ConstraintSystem(strict=False)
        emit_verifier(cs, vk, bad_pub, bad, height_range=(LO, HI))
        assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None


@pytest.mark.slow
@pytest.mark.parametrize("claimed", [5, 7])
def test_lying_about_the_height_has_no_witness(
    vk: VerifyingKey, proofs: Proofs, claimed: int
) -> None:
    """A proof of 2^6 rows whose header claims another height in the range: the native
    structure check rejects it, and in the circuit the header value changes the transcript."""
    pub, proof = proofs[6]
    bad = copy.deepcopy(proof)
    bad.log_heights = [claimed]
    with pytest.raises(VerificationError):
        verify(vk, pub, bad, height_range=(LO, HI))
    cs = ConstraintSystem(strict=False)
    _emit_unchecked(cs, vk, pub, bad)
    assert first_unsatisfied(cs.to_r1cs(), cs.witness()) is not None


# ---- a machine with a fixed-height (preprocessed) table: the benchmark AIR ----------------------
#: bench table 2^10..2^12 rows (LDE 2^13..2^15) over the 256-row byte table (LDE 2^12, fixed):
#: mixed Merkle trees (variable group injected over fixed groups) and a FRI roll-in at 2^12.
BENCH_RANGE = (10, 12)


@pytest.fixture(scope="module")
def bench() -> tuple[VerifyingKey, dict[int, tuple[list[int], StarkProof]]]:
    from zkrv_prover.stark.examples import bench_air

    bvk = keygen(bench_air.machine(), PARAMS)
    out = {}
    for lg in (10, 12):
        traces, pub = bench_air.trace(lg, seed=lg)
        out[lg] = (pub, prove(bvk, traces, pub, FieldRng.seeded(lg)))
    return bvk, out


@pytest.mark.slow
def test_bench_air_one_circuit_for_two_heights(bench: Any) -> None:
    bvk, proofs_ = bench
    digests = set()
    for _lg, (pub, proof) in proofs_.items():
        verify(bvk, pub, proof, height_range=BENCH_RANGE)
        c = build_circuit(bvk, pub, proof, height_range=BENCH_RANGE)
        assert first_unsatisfied(c.cs.to_r1cs(), c.cs.witness()) is None
        digests.add(r1cs_digest(c.cs.to_r1cs()))
    assert len(digests) == 1


BENCH_TAMPER: dict[str, Callable[[StarkProof], None]] = {
    # round 0 = preprocessed (fixed tree), 1 = main (mixed), 3 = quotient (mixed + zk codeword)
    "preprocessed_row": lambda p: set_item(
        p.pcs_proof.queries[0].inputs[0].rows[0],
        0,
        (p.pcs_proof.queries[0].inputs[0].rows[0][0] + 1) % P,
    ),
    "fixed_table_main_row": lambda p: set_item(
        p.pcs_proof.queries[1].inputs[1].rows[1],
        0,
        (p.pcs_proof.queries[1].inputs[1].rows[1][0] + 1) % P,
    ),
    "mixed_tree_top_sibling": lambda p: set_item(
        p.pcs_proof.queries[0].inputs[3].siblings[-1],
        0,
        p.pcs_proof.queries[0].inputs[3].siblings[-1][0] ^ 1,
    ),
    "fixed_fri_layer_value": lambda p: set_item(
        p.pcs_proof.queries[1].fri[-1].row, 0, bump(p.pcs_proof.queries[1].fri[-1].row[0])
    ),
    "fixed_opened_value": lambda p: set_item(p.opened[0][0][0], 0, bump(p.opened[0][0][0][0])),
}


@pytest.mark.slow
@pytest.mark.parametrize("what", list(BENCH_TAMPER))
def test_bench_air_tampered_fixed_parts_have_no_witness(bench: Any, what: str) -> None:
    bvk, proofs_ = bench
    pub, proof = proofs_[10]
    bad = copy.deepcopy(proof)
    BENCH_TAMPER[what](bad)
    with pytest.raises(VerificationError):
        verify(bvk, pub, bad, height_range=BENCH_RANGE)
    with pytest.raises(UnsatisfiedConstraintError):
        emit_verifier(ConstraintSystem(), bvk, pub, bad, height_range=BENCH_RANGE)
