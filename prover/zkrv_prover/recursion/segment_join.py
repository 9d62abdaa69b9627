"""The join program: one recursion program that verifies two proofs of adjacent segment ranges,
each made by the leaf program (``segment_verifier.py``) or by this program, and exposes the
summary of the joined range (``segment_layout.py``; ``docs/segments.md``, "Join").

Children are lifted recursion proofs (:func:`segment_key`) verified with their heights and
preprocessed root as data, so one recording serves both kinds of child. Which program made a
child is fixed by its **program ID**, :func:`program_id` of its root and table heights (the root
alone does not fix the heights its matrices are read at): the leaf's ID is a constant of the
join; the join's own ID cannot be (the join's key commits the join), so it is data, the
``join_root`` field, and every join checks that its join children expose the same one. The root
of the tree checks that value against the actual join program's ID, so a whole tree is made of
the leaf and one join program.

For children ``L`` (segments ``a..b``) and ``R`` (``b+1..c``) the join checks: equal root
felts and heights (the first 10 values), equal challenges; ``L``'s claim bytes are zero (only
the execution's last segment carries the claim); ``L.last_flag = 0`` and ``R.first_flag = 0``
(``seg_last`` of segment b, ``seg_first`` of segment b+1); ``R.first_seg = L.last_seg + 1``;
``L.post_pc = R.pre_pc`` and ``L.post_eof = R.pre_eof``; ``L.acc_out = R.acc_in``. It exposes
the range ``a..c``: ``L``'s root, heights, first segment, start links and ``acc_in``, ``R``'s
claim, last segment, end links and ``acc_out``, the two shares added, the challenges and the
join program ID. Every segment boundary of an execution is one join of the tree, so every
segment but the first has ``seg_first = 0``, every one but the last ``seg_last = 0``, and the
segment indices are consecutive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkrv_prover.recursion.builder import BCell, Poseidon2Variant, RecursionBuilder
from zkrv_prover.recursion.machine import build_machine
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.program_id import PROGRAM_ID_LEN, program_id
from zkrv_prover.recursion.segment_layout import SEGMENT_RECURSION_PUBLIC, RangeSummary, split
from zkrv_prover.recursion.zkvm_layout import PUBLIC
from zkrv_prover.recursion.zkvm_verifier import check_lifted_shape
from zkrv_prover.stark.commit.hash_scheme import HashScheme, scheme_of
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.protocol.heights import HeightSpec
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen
from zkrv_prover.stark.protocol.verifier import verify_with


def segment_key(program: RecursionProgram, params: PcsParams) -> VerifyingKey:
    """The lifted verifying key a leaf or join program is proven under (Poseidon2-BabyBear
    binary trees: ``params`` must allow the lifted layout)."""
    return keygen(build_machine(program), params, lifted=True)


def tree_spec(*log_heights: Sequence[int]) -> HeightSpec:
    """The heights a join accepts for its children: per table, the range of the given
    programs' heights (the leaf's and the join's)."""
    if not log_heights or len({len(h) for h in log_heights}) != 1:
        raise ValueError("the programs of a join tree have the same tables")
    return HeightSpec(tuple((min(hs), max(hs)) for hs in zip(*log_heights, strict=True)))


@dataclass(frozen=True)
class Child:
    """One proof a join verifies: its 93 public values, the proof, and whether the join
    program (True) or the leaf program (False) made it."""

    public: Sequence[int]
    proof: StarkProof
    is_join: bool


def check_child_shape(vk: VerifyingKey, spec: HeightSpec, child: Child) -> None:
    """The native checks before a child is verified in a recording (``VerificationError``)."""
    if len(child.public) != SEGMENT_RECURSION_PUBLIC:
        raise ValueError(f"a child has {SEGMENT_RECURSION_PUBLIC} public values")
    check_lifted_shape(vk, child.public, child.proof, spec)


def record_join(
    vk: VerifyingKey,
    spec: HeightSpec,
    left: Child,
    right: Child,
    leaf_id: Sequence[int],
    join_id: Sequence[int],
    poseidon2: Poseidon2Variant = "wide",
) -> tuple[RecursionProgram, RecursionWitness]:
    """Record the join of ``left`` and ``right`` (module doc). ``vk``: a segment key (its shape
    is every leaf's and join's; the root is read from each proof), ``spec``: the children's
    height spec (:func:`tree_spec`), ``leaf_id``: the leaf program's ID (a constant of the
    program), ``join_id``: the join program's ID (data, exposed). Raises ``VerificationError``
    where a child does not verify or the ranges do not join."""
    for child in (left, right):
        check_child_shape(vk, spec, child)
    if len(leaf_id) != PROGRAM_ID_LEN or len(join_id) != PROGRAM_ID_LEN:
        raise ValueError(f"a program ID is {PROGRAM_ID_LEN} base elements")
    r = RecursionBuilder(poseidon2=poseidon2)
    hs = scheme_of(vk.params.hash)
    jid = [r.b_input(int(v)) for v in join_id]
    lid = [r.b_const(int(v)) for v in leaf_id]
    kids = [verify_child(r, hs, vk, spec, c, lid, jid) for c in (left, right)]
    exposed = _joined(r, kids[0], kids[1], jid).values()
    assert len(exposed) == SEGMENT_RECURSION_PUBLIC
    for c in exposed:
        r.expose_public(c)
    return r.finish()


def verify_child(
    r: RecursionBuilder,
    hs: HashScheme,
    vk: VerifyingKey,
    spec: HeightSpec,
    child: Child,
    leaf_id: list[BCell],
    join_id: list[BCell],
) -> RangeSummary[BCell]:
    """Verify one child (its shape checked by :func:`check_child_shape`) and check which
    program made it: its program ID must be ``join_id`` if ``child.is_join``, else
    ``leaf_id``, and a join child must expose ``join_id`` as its expected join program. Its
    summary as cells."""
    cells = [r.b_input(int(v)) for v in child.public]
    got = verify_with(r, vk, cells, child.proof, heights=spec, pre_root_input=True)
    assert got is not None and got.pre_root is not None
    (is_join,) = r.b_to_bits(r.b_input(int(child.is_join)), 1)
    pid = program_id(r, hs, got.pre_root, got.pre_log_heights)
    want = r.select_b_vec(is_join, join_id, leaf_id)
    for a, b in zip(pid, want, strict=True):
        r.b_assert_eq(a, b, "a child is a proof of the leaf or the join program")
    summary = split(cells)
    # a join child must expect the same join program as this join
    same = r.select_b_vec(is_join, list(summary.join_root), join_id)
    for a, b in zip(same, join_id, strict=True):
        r.b_assert_eq(a, b, "a join child expects another join program")
    return summary


def _joined(
    r: RecursionBuilder, lt: RangeSummary[BCell], rt: RangeSummary[BCell], join_id: list[BCell]
) -> RangeSummary[BCell]:
    """Check that ``lt`` and ``rt`` are adjacent ranges of one execution; the joined range."""

    def eq(a: Sequence[BCell], b: Sequence[BCell], what: str) -> None:
        for x, y in zip(a, b, strict=True):
            r.b_assert_eq(x, y, what)

    zero, one = r.b_const(0), r.b_const(1)
    eq(lt.head[:PUBLIC], rt.head[:PUBLIC], "both ranges are of one program (root, heights)")
    eq(lt.head[PUBLIC:], [zero] * (len(lt.head) - PUBLIC), "the left range's claim is zero")
    eq([lt.last_flag, rt.first_flag], [zero, zero], "no seg_last/seg_first inside the range")
    eq([rt.first_seg], [r.b_add(lt.last_seg, one)], "the ranges are adjacent")
    eq([lt.links[1], lt.links[3]], [rt.links[0], rt.links[2]], "pc and eof link the ranges")
    eq([*lt.alpha, *lt.beta], [*rt.alpha, *rt.beta], "one set of global challenges")
    eq(lt.acc_out, rt.acc_in, "the challenge chain continues")
    share = r.e_coeffs(r.e_add(r.e_from_coeffs(lt.share), r.e_from_coeffs(rt.share)))
    return RangeSummary(
        head=(*lt.head[:PUBLIC], *rt.head[PUBLIC:]),
        first_seg=lt.first_seg,
        first_flag=lt.first_flag,
        last_seg=rt.last_seg,
        last_flag=rt.last_flag,
        links=(lt.links[0], rt.links[1], lt.links[2], rt.links[3]),
        alpha=lt.alpha,
        beta=lt.beta,
        share=tuple(share),
        acc_in=lt.acc_in,
        acc_out=rt.acc_out,
        join_root=tuple(join_id),
    )


__all__ = [
    "Child",
    "check_child_shape",
    "record_join",
    "segment_key",
    "tree_spec",
    "verify_child",
]
