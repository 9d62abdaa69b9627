"""The join tree of segment proofs (``recursion/segment_verifier.py``, the leaf;
``recursion/segment_join.py``, the join): every segment records one leaf program and every join
one join program; the summaries they expose are the native values (hash chain, shares,
links, flags, claim); proofs of ranges that do not join, or of other programs, fail recording;
the recursion proofs bind the exposed values. Inner and recursion proofs use small test
parameters (4 queries): the programs' shape, not their security, is under test."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from zkrv.build import build
from zkrv_prover.executor import MemoryImage, load_elf
from zkrv_prover.recursion.machine import machine_log_heights
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.program_id import key_program_id
from zkrv_prover.recursion.prove import prove_program, verify_program
from zkrv_prover.recursion.segment_finalize import record_finalize
from zkrv_prover.recursion.segment_join import (
    Child,
    record_join,
    segment_key,
    tree_spec,
)
from zkrv_prover.recursion.segment_layout import (
    ACC_OUT,
    JOIN_ROOT,
    LAST_SEG,
    SEGMENT_RECURSION_PUBLIC,
    SHARE,
    RangeSummary,
    split,
)
from zkrv_prover.recursion.segment_verifier import record_segment_verifier
from zkrv_prover.recursion.zkvm_layout import root_felts, values
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import EXT_DEGREE, ExtInt, P
from zkrv_prover.stark.protocol.global_challenges import accumulators, global_challenges
from zkrv_prover.stark.protocol.heights import HeightSpec
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey
from zkrv_prover.zkvm.image_id import program_key, segmented_key, zkvm_params
from zkrv_prover.zkvm.memory import NUM_PUBLIC
from zkrv_prover.zkvm.segment_prover import (
    SegmentedProof,
    challenge_data,
    plan_segments,
    prove_segment,
    prove_segmented,
    segment_publics,
)

ROOT = Path(__file__).resolve().parents[2]
GUEST = ROOT / "tests" / "zkvm" / "guests" / "segments.c"
INPUT = bytes(range(40))  # 7111 cycles: four segments of 2^11
#: Inner zkVM proofs with the zkVM's hash and layout at 4 queries.
INNER = replace(zkvm_params(), num_queries=4, pow_bits=1)
#: Leaf and join proofs: lifted Poseidon2 proofs at 4 queries, no zk (intermediate proofs).
TREE = PcsParams(hash="poseidon2-babybear", num_queries=4, pow_bits=1, zk=False)
#: A placeholder join ID for recordings made before the join's key exists.
NO_ID = [0] * 8

pytestmark = pytest.mark.slow

Recorded = tuple[RecursionProgram, RecursionWitness]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> MemoryImage:
    return load_elf(build([GUEST], tmp_path_factory.mktemp("join") / "segments.elf"))


@dataclass
class Family:
    """A four-segment run and, natively, each segment's public values and proof, the
    accumulators of the global-challenge chain and the challenges."""

    run: SegmentedProof
    vk: VerifyingKey
    publics: list[list[int]]
    proofs: list[StarkProof]
    accs: list[list[int]]
    challenges: tuple[ExtInt, ExtInt]


@pytest.fixture(scope="module")
def family(image: MemoryImage) -> Family:
    run = prove_segmented(image, INPUT, 11, params=INNER)
    assert run.segments == 4
    publics = segment_publics(run.links, run.exit_code, run.journal_digest)
    proofs = [run.decoded(s, INNER) for s in range(run.segments)]
    entries = [(pub, int(p.boundary_root or 0)) for pub, p in zip(publics, proofs, strict=True)]
    data = challenge_data(run.pre_root, run.log_program, run.log_image)
    return Family(
        run,
        segmented_key(image, INNER).vk,
        publics,
        proofs,
        accumulators(INNER, entries, data),
        global_challenges(INNER, entries, data),
    )


def _leaf(f: Family, s: int, join_id: list[int] = NO_ID) -> Recorded:
    return record_segment_verifier(
        f.vk, f.publics[s], f.proofs[s], f.challenges, f.accs[s], join_id
    )


@dataclass
class Tree:
    """The leaf and join keys, IDs and the children's spec, and the four leaves proven."""

    leaf_vk: VerifyingKey
    join_vk: VerifyingKey
    leaf_id: list[int]
    join_id: list[int]
    spec: HeightSpec
    join_program: RecursionProgram
    leaves: list[Child]

    def join(self, left: Child, right: Child) -> Child:
        """Record, prove and verify one join."""
        prog, wit = record_join(self.leaf_vk, self.spec, left, right, self.leaf_id, self.join_id)
        assert prog.digest == self.join_program.digest
        proof = prove_program(self.join_vk, wit, recorded=prog)
        verify_program(self.join_vk, proof, wit.public)
        return Child(list(wit.public), proof, True)


@pytest.fixture(scope="module")
def tree(family: Family) -> Tree:
    leaves = [_leaf(family, s) for s in range(4)]
    assert len({prog.digest for prog, _ in leaves}) == 1  # one leaf program for every segment
    leaf_prog = leaves[0][0]
    leaf_vk = segment_key(leaf_prog, TREE)
    leaf_h = machine_log_heights(leaf_prog)
    leaf_id = key_program_id(leaf_vk, leaf_h)
    children = [
        Child(list(w.public), prove_program(leaf_vk, w, recorded=p), False) for p, w in leaves
    ]
    # the children's spec must hold the join's own heights: widen until it does
    spec = tree_spec(leaf_h)
    while True:
        prog, _ = record_join(leaf_vk, spec, children[0], children[1], leaf_id, NO_ID)
        join_h = machine_log_heights(prog)
        if all(lo <= h <= hi for h, (lo, hi) in zip(join_h, spec.ranges, strict=True)):
            break
        spec = tree_spec(leaf_h, join_h)
    join_vk = segment_key(prog, TREE)
    return Tree(leaf_vk, join_vk, leaf_id, key_program_id(join_vk, join_h), spec, prog, children)


def _expect_root(f: Family, got: RangeSummary[int], join_id: list[int]) -> None:
    """The summary of the whole execution: what the root of the tree will check."""
    run = f.run
    assert list(got.head) == [
        *root_felts(run.pre_root),
        run.log_program,
        run.log_image,
        *f.publics[-1][:NUM_PUBLIC],
    ]
    assert (got.first_seg, got.first_flag, got.last_seg, got.last_flag) == (0, 1, 3, 1)
    first, last = run.links[0], run.links[-1]
    assert list(got.links) == [first.pre_pc, last.post_pc, int(first.pre_eof), int(last.post_eof)]
    assert (got.alpha, got.beta) == f.challenges
    assert got.share == (0,) * EXT_DEGREE  # the global bus balances over the execution
    assert list(got.acc_in) == f.accs[0] and list(got.acc_out) == f.accs[-1]
    assert list(got.join_root) == join_id


def test_leaves_expose_the_native_chain(family: Family, tree: Tree) -> None:
    total = [0] * EXT_DEGREE
    for s, child in enumerate(tree.leaves):
        got = split(child.public)
        assert len(child.public) == SEGMENT_RECURSION_PUBLIC
        pub = family.publics[s]
        assert list(got.head[10:]) == pub[:NUM_PUBLIC]
        assert (got.first_seg, got.last_seg) == (s, s)
        assert (got.first_flag, got.last_flag) == (int(s == 0), int(s == 3))
        assert (got.alpha, got.beta) == family.challenges
        assert got.share == family.proofs[s].global_sum
        assert list(got.acc_in) == family.accs[s] and list(got.acc_out) == family.accs[s + 1]
        total = [(t + v) % P for t, v in zip(total, got.share, strict=True)]
    assert total == [0] * EXT_DEGREE


def test_trees_of_any_shape_join_the_execution(family: Family, tree: Tree) -> None:
    l0, l1, l2, l3 = tree.leaves
    balanced = tree.join(tree.join(l0, l1), tree.join(l2, l3))
    left_deep = tree.join(tree.join(tree.join(l0, l1), l2), l3)
    for root in (balanced, left_deep):
        _expect_root(family, split(root.public), tree.join_id)


def test_ranges_that_do_not_join_are_refused(tree: Tree) -> None:
    l0, l1, l2, _ = tree.leaves

    def refused(left: Child, right: Child, match: str) -> None:
        with pytest.raises(VerificationError, match=match):
            record_join(tree.leaf_vk, tree.spec, left, right, tree.leaf_id, tree.join_id)

    refused(l1, l0, "check failed")  # swapped: seg_last/seg_first or adjacency fail
    refused(l0, l2, "adjacent")  # a segment left out
    refused(replace(l0, is_join=True), l1, "leaf or the join program")  # a leaf called a join
    j01 = tree.join(l0, l1)
    refused(replace(j01, is_join=False), l2, "leaf or the join program")  # a join called a leaf
    # a valid join proof that expects another join program (the same program, another ID)
    other_id = [(tree.join_id[0] + 1) % P, *tree.join_id[1:]]
    prog, wit = record_join(tree.leaf_vk, tree.spec, l0, l1, tree.leaf_id, other_id)
    stray = Child(list(wit.public), prove_program(tree.join_vk, wit, recorded=prog), True)
    verify_program(tree.join_vk, stray.proof, stray.public)
    refused(stray, l2, "another join program")


def test_leaf_recording_refuses_bad_inputs(image: MemoryImage, family: Family) -> None:
    f = family
    alpha, beta = f.challenges
    bad = ((alpha[0] + 1) % P, *alpha[1:])
    with pytest.raises(VerificationError):
        record_segment_verifier(f.vk, f.publics[0], f.proofs[0], (bad, beta), f.accs[0], NO_ID)
    # another input accumulator still verifies the proof, but its step no longer continues the
    # execution's chain, so a join refuses it
    other = [(f.accs[0][0] + 1) % P, *f.accs[0][1:]]
    _, w = record_segment_verifier(f.vk, f.publics[0], f.proofs[0], f.challenges, other, NO_ID)
    assert list(split(list(w.public)).acc_out) != f.accs[1]
    with pytest.raises(ValueError, match="accumulator"):
        record_segment_verifier(f.vk, f.publics[0], f.proofs[0], f.challenges, f.accs[0][:7], NO_ID)
    bad_pub = list(f.publics[0])
    bad_pub[-1] ^= 1  # post_eof: a public value the proof does not prove
    with pytest.raises(VerificationError):
        record_segment_verifier(f.vk, bad_pub, f.proofs[0], f.challenges, f.accs[0], NO_ID)
    with pytest.raises(ValueError, match="segmented machine"):
        record_segment_verifier(
            program_key(image, INNER).vk, f.publics[0], f.proofs[0], f.challenges, f.accs[0], NO_ID
        )


def test_recursion_proofs_bind_the_exposed_values(tree: Tree) -> None:
    l0, l1 = tree.leaves[:2]
    j01 = tree.join(l0, l1)
    for vk, child in ((tree.leaf_vk, l1), (tree.join_vk, j01)):
        for i in (SHARE, ACC_OUT + 7, LAST_SEG, JOIN_ROOT + 3):
            bad = list(child.public)
            bad[i] = (bad[i] + 1) % P
            with pytest.raises(VerificationError):
                verify_program(vk, child.proof, bad)


def _prove_leaf(tree: Tree, recorded: Recorded) -> Child:
    prog, wit = recorded
    return Child(list(wit.public), prove_program(tree.leaf_vk, wit, recorded=prog), False)


def _finalize(tree: Tree, child: Child, join_id: list[int] | None = None) -> list[int]:
    """Record, prove and verify the finalize program over ``child``; its public values."""
    jid = tree.join_id if join_id is None else join_id
    prog, wit = record_finalize(tree.leaf_vk, tree.spec, child, tree.leaf_id, jid)
    vk = segment_key(prog, TREE)
    verify_program(vk, prove_program(vk, wit, recorded=prog), wit.public)
    return list(wit.public)


def test_finalize_exposes_the_execution_claim(family: Family, tree: Tree) -> None:
    l0, l1, l2, l3 = tree.leaves
    j01 = tree.join(l0, l1)
    root = tree.join(j01, tree.join(l2, l3))
    run = family.run
    want = values(run.pre_root, run.log_program, run.log_image, family.publics[-1][:NUM_PUBLIC])
    assert _finalize(tree, root) == want  # the universal program's 46 values
    with pytest.raises(VerificationError, match="a whole execution"):
        record_finalize(tree.leaf_vk, tree.spec, j01, tree.leaf_id, tree.join_id)
    other_id = [(tree.join_id[0] + 1) % P, *tree.join_id[1:]]
    with pytest.raises(VerificationError, match="leaf or the join program"):
        record_finalize(tree.leaf_vk, tree.spec, root, tree.leaf_id, other_id)


def test_finalize_checks_the_challenge_chain(image: MemoryImage, tree: Tree) -> None:
    """A one-segment execution (the tree is one leaf): the leaf verifies the segment proof
    against whatever challenges and accumulator it is given; only the finalize ties them to
    the execution."""
    plan = plan_segments(image, INPUT, 13, INNER)
    (job,) = plan.jobs
    key = segmented_key(image, INNER)
    assert key.vk.pre_root is not None
    data = challenge_data(key.vk.pre_root, key.log_program, key.log_image)
    accs = accumulators(INNER, [(job.public, job.root)], data)
    ch = plan.challenges
    assert ch == global_challenges(INNER, [(job.public, job.root)], data)
    proof = prove_segment(image, INPUT, job, ch, INNER)

    def leaf(p: StarkProof, challenges: tuple[ExtInt, ExtInt], acc: list[int]) -> Child:
        rec = record_segment_verifier(key.vk, job.public, p, challenges, acc, tree.join_id)
        return _prove_leaf(tree, rec)

    got = _finalize(tree, leaf(proof, ch, accs[0]))
    assert got == values(key.vk.pre_root, key.log_program, key.log_image, job.public[:NUM_PUBLIC])
    forged = [(accs[0][0] + 1) % P, *accs[0][1:]]
    with pytest.raises(VerificationError, match="starts at the execution"):
        _finalize(tree, leaf(proof, ch, forged))
    # a valid proof made under other challenges (one segment: no global traffic, share 0)
    other = (((ch[0][0] + 1) % P, *ch[0][1:]), ch[1])
    with pytest.raises(VerificationError, match="the global challenges"):
        _finalize(tree, leaf(prove_segment(image, INPUT, job, other, INNER), other, accs[0]))
