"""The finalize program: the root of a join tree becomes the claim of the whole execution
(``docs/segments.md``, "Join").

It verifies one child, the proof of the tree's root (a join, or the leaf of a one-segment
tree), whose program ID must be the leaf's or the join's (both constants here: the join
program exists before this one), and checks what no join can:

- the range is the whole execution: it starts at segment 0 with ``seg_first = 1`` and ends
  with ``seg_last = 1``; the segment count (last index + 1) is at most ``MAX_SEGMENTS``
  (``last_seg < 2^16``, by bit decomposition);
- the start and end states: ``pre_eof = 0``, ``post_pc = 0`` (HALT jumps to the padding pc);
- the global challenges the segment proofs were verified against are the execution's:
  ``acc_in = start(root felts, heights)`` and ``(alpha_G, beta_G) = finish(acc_out, count)``
  (``stark.protocol.global_challenges``, the chain the segment prover draws them from);
- the shares of the global bus sum to zero;
- a join child expects this join program (``join_root`` = the join's ID).

It exposes the first 46 values of the summary: the universal program's public values
(``zkvm_layout``: root felts, heights, the claim bytes of the last segment), so the layers
above (compress, shrink, the Groth16 circuit) read a multi-segment execution like a one-proof
receipt.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.recursion.builder import BCell, Poseidon2Variant, RecursionBuilder
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.program_id import PROGRAM_ID_LEN
from zkrv_prover.recursion.segment_join import Child, check_child_shape, verify_child
from zkrv_prover.recursion.zkvm_layout import PUBLIC, ZKVM_RECURSION_PUBLIC
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.protocol import global_challenges as gc
from zkrv_prover.stark.protocol.heights import HeightSpec
from zkrv_prover.stark.protocol.prover import VerifyingKey
from zkrv_prover.zkvm.segments import MAX_SEGMENTS

#: ``last_seg`` is decomposed into this many bits: segment count <= MAX_SEGMENTS.
SEGMENT_INDEX_BITS = MAX_SEGMENTS.bit_length() - 1
assert 1 << SEGMENT_INDEX_BITS == MAX_SEGMENTS


def record_finalize(
    vk: VerifyingKey,
    spec: HeightSpec,
    child: Child,
    leaf_id: Sequence[int],
    join_id: Sequence[int],
    poseidon2: Poseidon2Variant = "wide",
) -> tuple[RecursionProgram, RecursionWitness]:
    """Record the finalize program over ``child`` (the tree's root; module doc). ``vk``, ``spec``
    as for ``segment_join.record_join``; ``leaf_id`` and ``join_id``: the two programs' IDs,
    constants of this program. Raises ``VerificationError`` when the child does not verify or
    does not cover a whole execution."""
    check_child_shape(vk, spec, child)
    if len(leaf_id) != PROGRAM_ID_LEN or len(join_id) != PROGRAM_ID_LEN:
        raise ValueError(f"a program ID is {PROGRAM_ID_LEN} base elements")
    r = RecursionBuilder(poseidon2=poseidon2)
    hs = scheme_of(vk.params.hash)
    jid = [r.b_const(int(v)) for v in join_id]
    got = verify_child(r, hs, vk, spec, child, [r.b_const(int(v)) for v in leaf_id], jid)
    zero, one = r.b_const(0), r.b_const(1)

    def eq(a: Sequence[BCell], b: Sequence[BCell], what: str) -> None:
        for x, y in zip(a, b, strict=True):
            r.b_assert_eq(x, y, what)

    eq([got.first_seg, got.first_flag, got.last_flag], [zero, one, one], "a whole execution")
    r.b_to_bits(got.last_seg, SEGMENT_INDEX_BITS)  # at most MAX_SEGMENTS segments
    _, post_pc, pre_eof, _ = got.links
    eq([pre_eof, post_pc], [zero, zero], "the execution starts before end of input and halts")
    eq(got.share, [zero] * len(got.share), "the global bus balances")
    eq(got.join_root, jid, "the tree is made of this join program")
    acc_0 = gc.start(r, hs, list(got.head[:PUBLIC]))
    eq(got.acc_in, acc_0, "the challenge chain starts at the execution's data")
    alpha, beta = gc.finish(r, hs, list(got.acc_out), r.b_add(got.last_seg, one))
    eq([*got.alpha, *got.beta], [*r.e_coeffs(alpha), *r.e_coeffs(beta)], "the global challenges")
    exposed = list(got.head)
    assert len(exposed) == ZKVM_RECURSION_PUBLIC
    for c in exposed:
        r.expose_public(c)
    return r.finish()


__all__ = ["SEGMENT_INDEX_BITS", "record_finalize"]
