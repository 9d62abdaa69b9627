"""The segment recursion program: one recursion program that verifies any segment proof of any
guest's multi-segment execution, the leaf of the join tree (``docs/segments.md``, "Join").

It is the universal program (``zkvm_verifier.py``) for the segmented machine: every table height
and the preprocessed root are data, and besides them it takes as data what a segment proof is
verified against but does not itself bind:

- the global challenges (alpha_G, beta_G), which depend on every segment of the execution;
- the accumulator ``acc_in`` of the global-challenge hash chain before this segment;
- the expected join program root, passed through unchecked (the joins check it).

It verifies the proof against those challenges, adds its boundary tables' global sums into the
segment's *share*, computes ``acc_out = global_challenges.step(acc_in, public, boundary root)``
with the boundary root the proof was verified with, and exposes the 93 values of
:mod:`.segment_layout` for the one-segment range (its first and last segment are this one).
A join of two adjacent ranges (``segment_join.py``) then checks the pc/eof links, equal
challenges, roots and heights, and ``acc_out`` of the left range = ``acc_in`` of the right
one; the root of the tree recomputes the challenges from the last accumulator and checks that
the shares sum to zero. Since the control flow depends only on the height spec, every segment of
every guest records the same program (same verifying key).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.recursion.builder import Poseidon2Variant, RecursionBuilder
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.segment_layout import SEGMENT_RECURSION_PUBLIC, RangeSummary
from zkrv_prover.recursion.zkvm_layout import PRE_ROOT_LEN
from zkrv_prover.recursion.zkvm_verifier import check_receipt_shape, image_material
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.field.field import ExtInt
from zkrv_prover.stark.protocol import global_challenges as gc
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey
from zkrv_prover.stark.protocol.verifier import verify_with
from zkrv_prover.zkvm.memory import (
    NUM_PUBLIC,
    PUB_POST_EOF,
    PUB_POST_PC,
    PUB_PRE_EOF,
    PUB_PRE_PC,
    PUB_SEG,
    PUB_SEG_FIRST,
    PUB_SEG_LAST,
)


def record_segment_verifier(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    challenges: tuple[ExtInt, ExtInt],
    acc_in: Sequence[int],
    join_root: Sequence[int],
    poseidon2: Poseidon2Variant = "wide",
) -> tuple[RecursionProgram, RecursionWitness]:
    """Record the segment program verifying ``proof`` (one segment's proof with its public
    values ``public`` under the segmented machine's lifted key ``vk``) against the global
    ``challenges``, with the accumulator ``acc_in`` before the segment and the expected join
    root's felts ``join_root`` (exposed as given). Raises ``VerificationError`` exactly where
    the native verifier would with those challenges (and for heights outside
    ``zkvm_height_spec``); ``ValueError`` for a key without global buses or an accumulator or
    join root of the wrong length."""
    if not vk.has_global:
        raise ValueError("the segment program verifies proofs of the segmented machine")
    if len(acc_in) != gc.ACC_LEN:
        raise ValueError(f"an accumulator is {gc.ACC_LEN} base elements")
    if len(join_root) != PRE_ROOT_LEN:
        raise ValueError(f"a join root is {PRE_ROOT_LEN} felts")
    spec = check_receipt_shape(vk, public, proof)
    r = RecursionBuilder(poseidon2=poseidon2)
    cells = [r.b_input(int(v)) for v in public]
    alpha, beta = (r.e_input([int(x) for x in c]) for c in challenges)
    acc = [r.b_input(int(v)) for v in acc_in]
    got = verify_with(
        r, vk, cells, proof, heights=spec, pre_root_input=True, global_challenges=[alpha, beta]
    )
    assert got is not None and got.boundary_root is not None and got.global_sums
    share = got.global_sums[0]
    for g in got.global_sums[1:]:
        share = r.e_add(share, g)
    acc_out = gc.step(r, scheme_of(vk.params.hash), acc, cells, got.boundary_root)
    seg = cells[PUB_SEG]
    exposed = RangeSummary(
        head=(*image_material(vk, got), *cells[:NUM_PUBLIC]),
        first_seg=seg,
        first_flag=cells[PUB_SEG_FIRST],
        last_seg=seg,
        last_flag=cells[PUB_SEG_LAST],
        links=tuple(cells[i] for i in (PUB_PRE_PC, PUB_POST_PC, PUB_PRE_EOF, PUB_POST_EOF)),
        alpha=tuple(r.e_coeffs(alpha)),
        beta=tuple(r.e_coeffs(beta)),
        share=tuple(r.e_coeffs(share)),
        acc_in=tuple(acc),
        acc_out=tuple(acc_out),
        join_root=tuple(r.b_input(int(v)) for v in join_root),
    ).values()
    assert len(exposed) == SEGMENT_RECURSION_PUBLIC
    for c in exposed:
        r.expose_public(c)
    return r.finish()


__all__ = ["record_segment_verifier"]
