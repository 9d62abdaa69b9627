"""The segment recursion program (``recursion/segment_verifier.py``), the leaf of the join tree:
every segment records one program; it exposes the segment's public values, the challenges it
was verified against, its share and the hash-chain step; wrong challenges fail recording; its
proofs bind the exposed values. Inner and recursion proofs use small test parameters (4
queries): the program's shape, not its security, is under test."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from recursion_testutil import FAST

from zkrv.build import build
from zkrv_prover.executor import MemoryImage, load_elf
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.recursion.segment_layout import ACC_OUT, SEGMENT_RECURSION_PUBLIC, SHARE, split
from zkrv_prover.recursion.segment_verifier import record_segment_verifier
from zkrv_prover.recursion.zkvm_layout import root_felts
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import EXT_DEGREE, ExtInt, P
from zkrv_prover.stark.protocol.global_challenges import accumulators, global_challenges
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey
from zkrv_prover.zkvm.image_id import program_key, segmented_key, zkvm_params
from zkrv_prover.zkvm.segment_prover import (
    SegmentedProof,
    challenge_data,
    prove_segmented,
    segment_publics,
)

ROOT = Path(__file__).resolve().parents[2]
GUEST = ROOT / "tests" / "zkvm" / "guests" / "segments.c"
INPUT = bytes(range(40))  # 7111 cycles: two segments of 2^12
#: Inner zkVM proofs with the zkVM's hash and layout at 4 queries.
INNER = replace(zkvm_params(), num_queries=4, pow_bits=1)

pytestmark = pytest.mark.slow

Leaf = tuple[RecursionProgram, RecursionWitness]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> MemoryImage:
    return load_elf(build([GUEST], tmp_path_factory.mktemp("leaf") / "segments.elf"))


@pytest.fixture(scope="module")
def run(image: MemoryImage) -> SegmentedProof:
    proof = prove_segmented(image, INPUT, 12, params=INNER)
    assert proof.segments == 2
    return proof


@dataclass
class Family:
    """The segmented key and, natively, each segment's public values and proof, the
    accumulators of the global-challenge chain and the challenges."""

    vk: VerifyingKey
    publics: list[list[int]]
    proofs: list[StarkProof]
    accs: list[list[int]]
    challenges: tuple[ExtInt, ExtInt]


@pytest.fixture(scope="module")
def family(image: MemoryImage, run: SegmentedProof) -> Family:
    publics = segment_publics(run.links, run.exit_code, run.journal_digest)
    proofs = [run.decoded(s, INNER) for s in range(run.segments)]
    entries = [(pub, int(p.boundary_root or 0)) for pub, p in zip(publics, proofs, strict=True)]
    data = challenge_data(run.pre_root, run.log_program, run.log_image)
    return Family(
        segmented_key(image, INNER).vk,
        publics,
        proofs,
        accumulators(INNER, entries, data),
        global_challenges(INNER, entries, data),
    )


@pytest.fixture(scope="module")
def leaves(family: Family) -> list[Leaf]:
    f = family
    return [
        record_segment_verifier(f.vk, pub, proof, f.challenges, f.accs[s])
        for s, (pub, proof) in enumerate(zip(f.publics, f.proofs, strict=True))
    ]


def test_every_segment_records_one_program(
    run: SegmentedProof, family: Family, leaves: list[Leaf]
) -> None:
    (p0, w0), (p1, w1) = leaves
    assert p0.digest == p1.digest
    publics, proofs, accs, ch = family.publics, family.proofs, family.accs, family.challenges
    total = [0] * EXT_DEGREE
    for s, (_, w) in enumerate(leaves):
        assert len(w.public) == SEGMENT_RECURSION_PUBLIC
        got = split(list(w.public))
        assert list(got.pre_root) == root_felts(run.pre_root)
        assert (got.log_program, got.log_image) == (run.log_program, run.log_image)
        assert list(got.public) == publics[s]
        assert (got.alpha, got.beta) == ch
        assert got.share == proofs[s].global_sum
        assert list(got.acc_in) == accs[s] and list(got.acc_out) == accs[s + 1]
        total = [(t + v) % P for t, v in zip(total, got.share, strict=True)]
    assert total == [0] * EXT_DEGREE  # the shares of the execution's segments cancel
    # segment 1 starts where segment 0 ends: what a join checks
    assert split(list(w0.public)).acc_out == split(list(w1.public)).acc_in


def test_wrong_challenges_or_accumulator(family: Family) -> None:
    vk, publics, proofs, accs = family.vk, family.publics, family.proofs, family.accs
    alpha, beta = family.challenges
    bad = ((alpha[0] + 1) % P, *alpha[1:])
    with pytest.raises(VerificationError):
        record_segment_verifier(vk, publics[0], proofs[0], (bad, beta), accs[0])
    # another input accumulator still verifies the proof, but the step it exposes no longer
    # continues the execution's chain, so a join refuses it
    other = [(accs[0][0] + 1) % P, *accs[0][1:]]
    _, w = record_segment_verifier(vk, publics[0], proofs[0], (alpha, beta), other)
    assert list(split(list(w.public)).acc_out) != accs[1]
    with pytest.raises(ValueError, match="accumulator"):
        record_segment_verifier(vk, publics[0], proofs[0], (alpha, beta), accs[0][:7])
    bad_pub = list(publics[0])
    bad_pub[-1] ^= 1  # post_eof: a public value the proof does not prove
    with pytest.raises(VerificationError):
        record_segment_verifier(vk, bad_pub, proofs[0], (alpha, beta), accs[0])


def test_one_proof_key_is_refused(image: MemoryImage, family: Family) -> None:
    f = family
    with pytest.raises(ValueError, match="segmented machine"):
        record_segment_verifier(
            program_key(image, INNER).vk, f.publics[0], f.proofs[0], f.challenges, f.accs[0]
        )


def test_leaf_proofs_bind_the_exposed_values(leaves: list[Leaf]) -> None:
    prog, wit = leaves[1]
    vk = program_vk(prog, FAST)
    proof = prove_program(vk, wit, recorded=prog)
    verify_program(vk, proof, wit.public)
    for i in (SHARE, ACC_OUT + 7, 10 + 39):  # a share coefficient, acc_out, pre_pc
        bad = list(wit.public)
        bad[i] = (bad[i] + 1) % P
        with pytest.raises(VerificationError):
            verify_program(vk, proof, bad)
