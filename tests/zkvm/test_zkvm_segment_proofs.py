"""Segment proofs end to end (``zkvm.segment_prover``, ``docs/segments.md``): a C guest proven
in one and in four segments of the segmented machine verifies as a family with the claim of the
one-proof receipt of the same run; dropped, swapped and spliced segments, tampered global
shares, wrong claims and proofs for another image are rejected.

Proofs use the zkVM's own parameters (``zkvm_params``), as the one-proof tests do."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from zkrv.build import build
from zkrv_prover.claim import sha256
from zkrv_prover.executor import MemoryImage, execute, load_elf
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.protocol.proof import encode_proof
from zkrv_prover.stark.protocol.prover import StarkProof
from zkrv_prover.zkvm.image_id import program_key, segmented_key, verifier_key, zkvm_params
from zkrv_prover.zkvm.segment_prover import (
    SegmentedProof,
    challenge_data,
    plan_segments,
    prove_segment,
    prove_segmented,
    segment_publics,
    verify_segmented,
)

GUEST = Path(__file__).parent / "guests" / "segments.c"
INPUT = bytes(range(40))  # 7111 cycles: one segment at 2^13, four at 2^11
OTHER_INPUT = bytes(range(64))  # 7264 cycles: also four segments at 2^11
PO2 = 11


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> MemoryImage:
    return load_elf(build([GUEST], tmp_path_factory.mktemp("segp") / "segments.elf"))


@pytest.fixture(scope="module")
def four(image: MemoryImage) -> SegmentedProof:
    t = time.perf_counter()
    proof = prove_segmented(image, INPUT, PO2)
    print(f"4 segments at 2^{PO2}: proven in {time.perf_counter() - t:.1f} s")
    assert proof.segments == 4
    return proof


def _replace(p: SegmentedProof, **kw: object) -> SegmentedProof:
    return dataclasses.replace(p, **kw)  # type: ignore[arg-type]


def _rejects(p: SegmentedProof, image_id: bytes, match: str | None = None) -> None:
    with pytest.raises(VerificationError, match=match):
        verify_segmented(p, image_id)


def test_segmented_key_shares_the_image_id(image: MemoryImage) -> None:
    one, seg = program_key(image), segmented_key(image)
    assert seg.image_id == one.image_id and seg.vk.pre_root == one.vk.pre_root
    assert seg.vk.has_global and not one.vk.has_global
    names = [seg.vk.layouts[t].air.name for t in seg.vk.boundary_tables]
    assert names == ["registers", "memory"]
    data = challenge_data(seg.vk.pre_root, seg.log_program, seg.log_image)
    assert len(data) == 10 and data[-2:] == [seg.log_program, seg.log_image]
    assert all(0 <= v < P for v in data)
    assert sum(f << (32 * i) for i, f in enumerate(data[:8])) == seg.vk.pre_root
    with pytest.raises(ValueError, match="Poseidon2 root"):
        challenge_data(1 << 256, seg.log_program, seg.log_image)


def test_four_segments_prove_and_verify(image: MemoryImage, four: SegmentedProof) -> None:
    """The multi-segment run verifies and claims what a one-run execution computes; the claim's
    digest is the journal's, the links chain and the last segment halts."""
    t = time.perf_counter()
    claim = verify_segmented(four, segmented_key(image).image_id)
    print(f"verified in {time.perf_counter() - t:.2f} s")
    res = execute(image, INPUT, trace=False)
    assert (claim.exit_code, claim.journal_digest) == (res.exit_code, res.journal_digest)
    assert four.journal == res.journal and sha256(four.journal) == four.journal_digest
    assert four.links[0].pre_eof is False and four.links[-1].post_pc == 0
    assert all(a.post_pc == b.pre_pc for a, b in zip(four.links, four.links[1:], strict=False))
    kib = sum(len(p) for p in four.proofs) / 1024
    print(f"proof size {kib:.0f} KiB")
    assert four.decoded(3).boundary_root is not None


def _reencoded(four: SegmentedProof, proofs: list[StarkProof]) -> tuple[bytes, ...]:
    vk = verifier_key(four.pre_root, four.log_program, four.log_image, zkvm_params(), True)
    return tuple(encode_proof(vk, p) for p in proofs)


def test_dropped_or_swapped_segments_are_rejected(image: MemoryImage, four: SegmentedProof) -> None:
    iid = four.image_id
    for drop in (1, 3):  # a middle segment; the halting one
        keep = [s for s in range(4) if s != drop]
        _rejects(
            _replace(
                four,
                links=tuple(four.links[s] for s in keep),
                proofs=tuple(four.proofs[s] for s in keep),
            ),
            iid,
        )
    order = [0, 2, 1, 3]
    swapped = _replace(
        four,
        links=tuple(four.links[s] for s in order),
        proofs=tuple(four.proofs[s] for s in order),
    )
    _rejects(swapped, iid)
    # the links as claimed but the proofs swapped: the STARK check rejects
    _rejects(_replace(four, proofs=tuple(four.proofs[s] for s in order)), iid)


def test_links_are_bound_by_the_proofs(four: SegmentedProof) -> None:
    """Links that still chain but are not the proven ones: segment 0 claimed to start elsewhere
    than the entry (its BUS_ENTRY send fixes the first pc), or the end-of-input flag flipped
    across a boundary consistently on both sides."""
    links = list(four.links)
    links[0] = dataclasses.replace(links[0], pre_pc=links[0].pre_pc + 4)
    _rejects(_replace(four, links=tuple(links)), four.image_id)
    links = list(four.links)
    links[1] = dataclasses.replace(links[1], post_eof=not links[1].post_eof)
    links[2] = dataclasses.replace(links[2], pre_eof=not links[2].pre_eof)
    _rejects(_replace(four, links=tuple(links)), four.image_id)


def test_tampered_global_share_is_rejected(four: SegmentedProof) -> None:
    """A share changed alone, or moved between two proofs so that the family still sums to
    zero: each changed proof fails its own check of the global sum."""
    proofs = [four.decoded(s) for s in range(4)]
    g = proofs[1].global_sums[0]
    proofs[1].global_sums[0] = ((g[0] + 1) % P, *g[1:])
    _rejects(_replace(four, proofs=_reencoded(four, proofs)), four.image_id)
    h = proofs[2].global_sums[0]
    proofs[2].global_sums[0] = ((h[0] - 1) % P, *h[1:])
    _rejects(_replace(four, proofs=_reencoded(four, proofs)), four.image_id)


def test_wrong_claim_is_rejected(four: SegmentedProof) -> None:
    iid = four.image_id
    _rejects(_replace(four, exit_code=four.exit_code ^ 1), iid)
    _rejects(_replace(four, journal_digest=bytes(32)), iid, "journal")
    forged = b"forged journal"  # consistent journal and digest, not the proven ones
    _rejects(_replace(four, journal=forged, journal_digest=sha256(forged)), iid)
    _rejects(_replace(four, exit_code=1 << 32), iid)


def test_proof_for_another_image_is_rejected(four: SegmentedProof) -> None:
    from zkvm_util import every_instruction, image_of

    other = program_key(image_of(every_instruction())).image_id
    _rejects(four, other, "image ID")
    _rejects(_replace(four, image_id=other), other, "image ID")  # root hashes to ours
    _rejects(_replace(four, log_image=four.log_image + 1), four.image_id, "image ID")


def test_malformed_proofs_are_rejected(four: SegmentedProof) -> None:
    iid = four.image_id
    _rejects(_replace(four, links=four.links[:3]), iid, "segments")
    _rejects(_replace(four, links=(), proofs=()), iid, "segments")
    _rejects(_replace(four, pre_root=P**9), iid)
    bad_link = dataclasses.replace(four.links[1], pre_eof=2)  # type: ignore[arg-type]
    _rejects(_replace(four, links=(four.links[0], bad_link, *four.links[2:])), iid, "eof")
    _rejects(_replace(four, proofs=(four.proofs[0][:-1], *four.proofs[1:])), iid, "malformed")
    _rejects(_replace(four, proofs=(four.proofs[0] + b"\0", *four.proofs[1:])), iid, "malformed")
    _rejects(_replace(four, proofs=("not bytes", *four.proofs[1:])), iid, "bytes")


def test_public_values_are_set_by_the_verifier(four: SegmentedProof) -> None:
    pubs = segment_publics(four.links, four.exit_code, four.journal_digest)
    assert [p[36:39] for p in pubs] == [[0, 1, 0], [1, 0, 0], [2, 0, 0], [3, 0, 1]]
    assert all(not any(p[:36]) for p in pubs[:3]) and any(pubs[3][:36])


@pytest.mark.slow
def test_spliced_segment_from_another_input_is_rejected(
    image: MemoryImage, four: SegmentedProof
) -> None:
    """A segment proof of a run on another input (same program, same segment count) spliced in,
    with its own links, or with the links of the segment it replaces: rejected either way."""
    other = prove_segmented(image, OTHER_INPUT, PO2)
    assert other.segments == 4
    verify_segmented(other, other.image_id)
    for s in (1, 2):
        proofs = list(four.proofs)
        proofs[s] = other.proofs[s]
        links = list(four.links)
        _rejects(_replace(four, proofs=tuple(proofs)), four.image_id)
        links[s] = other.links[s]
        _rejects(_replace(four, proofs=tuple(proofs), links=tuple(links)), four.image_id)


@pytest.mark.slow
def test_one_and_four_segments_claim_what_one_proof_claims(
    image: MemoryImage, four: SegmentedProof
) -> None:
    """One segment (the whole run) and four segments verify with the exit code and journal
    digest of the one-proof receipt of the same run."""
    import zkrv

    receipt = zkrv.prove(image, INPUT)
    receipt.verify(receipt.image_id)
    one = prove_segmented(image, INPUT, 13)
    assert one.segments == 1
    for p in (one, four):
        claim = verify_segmented(p, receipt.image_id)
        assert claim.image_id == receipt.image_id
        assert (claim.exit_code, claim.journal_digest) == (
            receipt.exit_code,
            receipt.journal_digest,
        )
        assert p.journal == receipt.journal


@pytest.mark.slow
def test_pass_two_is_reproducible_and_checks_the_root(image: MemoryImage) -> None:
    """Pass 2 of one segment is a function of the job: proving it twice gives the same boundary
    root; a job whose secret differs from pass 1's is refused (its root would not match)."""
    from zkrv_prover.stark.protocol.prover import ProverError

    plan = plan_segments(image, INPUT, 12)
    job = plan.jobs[0]
    a = prove_segment(image, INPUT, job, plan.challenges)
    b = prove_segment(image, INPUT, job, plan.challenges)
    assert a.boundary_root == b.boundary_root == job.root
    forged = dataclasses.replace(job, secret=dataclasses.replace(job.secret, key=bytes(32)))
    with pytest.raises(ProverError, match="boundary root"):
        prove_segment(image, INPUT, forged, plan.challenges)
