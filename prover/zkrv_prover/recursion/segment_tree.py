"""Proving a multi-segment execution's join tree: segment proofs in, one finalize proof out
(``docs/segments.md``, "Join").

:func:`tree_keys` is one-time setup per profile: it records the leaf, join and finalize
programs on a run of at least two segments (recording needs proofs to verify), makes their
keys through the wrap pipeline's layer keys (``pipeline.layer_key_from``: cached in memory and
in a key store directory) and derives the children's height spec and the program IDs. The
programs depend only on the segmented machine's shape and the profile, never on the run, so
the keys serve every execution of every guest.

:func:`prove_tree` proves one execution: a leaf per segment, then joins of adjacent ranges level
by level (pairs, an odd range carried up), then the finalize program, whose proof exposes the
universal program's 46 values (``zkvm_layout``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zkrv_prover.recursion.machine import machine_log_heights
from zkrv_prover.recursion.pipeline import LayerKey, LayerProof, WrapProfile, layer_key_from
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.program_id import PROGRAM_ID_LEN, key_program_id
from zkrv_prover.recursion.prove import prove_program
from zkrv_prover.recursion.segment_finalize import record_finalize
from zkrv_prover.recursion.segment_join import Child, record_join, tree_spec
from zkrv_prover.recursion.segment_verifier import record_segment_verifier
from zkrv_prover.stark.field.field import ExtInt
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.global_challenges import accumulators, global_challenges
from zkrv_prover.stark.protocol.heights import HeightSpec
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey
from zkrv_prover.zkvm.segment_prover import SegmentedProof, challenge_data, segment_publics

#: The join ID a recording takes before the join program's key exists (a leaf passes it
#: through; the programs do not depend on it).
NO_ID = (0,) * PROGRAM_ID_LEN


@dataclass(frozen=True)
class SegmentFamily:
    """One execution's segment proofs with what the tree needs natively: each segment's
    public values, the global challenges and the hash chain's accumulators."""

    vk: VerifyingKey
    publics: list[list[int]]
    proofs: list[StarkProof]
    challenges: tuple[ExtInt, ExtInt]
    accs: list[list[int]]

    @staticmethod
    def of(run: SegmentedProof, vk: VerifyingKey) -> SegmentFamily:
        """The family of a segmented proof under its segmented key ``vk`` (the proofs parsed
        with the key's parameters)."""
        publics = segment_publics(run.links, run.exit_code, run.journal_digest)
        proofs = [run.decoded(s, vk.params) for s in range(run.segments)]
        entries = [(pub, int(p.boundary_root or 0)) for pub, p in zip(publics, proofs, strict=True)]
        data = challenge_data(run.pre_root, run.log_program, run.log_image)
        return SegmentFamily(
            vk,
            publics,
            proofs,
            global_challenges(vk.params, entries, data),
            accumulators(vk.params, entries, data),
        )

    def record_leaf(
        self, s: int, join_id: Sequence[int]
    ) -> tuple[RecursionProgram, RecursionWitness]:
        """The leaf program's recording for segment ``s``."""
        return record_segment_verifier(
            self.vk, self.publics[s], self.proofs[s], self.challenges, self.accs[s], join_id
        )


@dataclass(frozen=True)
class TreeKeys:
    """The keys of the tree's three programs, the children's height spec and the IDs."""

    leaf: LayerKey
    join: LayerKey
    finalize: LayerKey
    spec: HeightSpec
    leaf_id: tuple[int, ...]
    join_id: tuple[int, ...]
    finalize_id: tuple[int, ...]


def _key(
    name: str, program: RecursionProgram, profile: WrapProfile, store: Path | None
) -> LayerKey:
    return layer_key_from(name, program, profile.tree, profile.name, store)[0]


def _prove(
    key: LayerKey,
    recorded: tuple[RecursionProgram, RecursionWitness],
    join: bool,
    rng: FieldRng | None,
) -> Child:
    program, witness = recorded
    if program.digest != key.program.digest:
        raise ValueError(f"the {key.name} recording is not the keyed program")
    proof = prove_program(key.vk, witness, rng=rng, recorded=program)
    return Child(list(witness.public), proof, join)


def tree_keys(family: SegmentFamily, profile: WrapProfile, store: Path | None = None) -> TreeKeys:
    """One-time setup (module doc) on ``family``, a run of at least two segments (its whole
    tree is proven once: the finalize program is recorded over a whole execution)."""
    if len(family.proofs) < 2:
        raise ValueError("the tree's programs are recorded on a run of two or more segments")
    rec = [family.record_leaf(s, NO_ID) for s in (0, 1)]
    leaf = _key("leaf", rec[0][0], profile, store)
    kids = [_prove(leaf, r, False, None) for r in rec]
    leaf_h = machine_log_heights(leaf.program)
    leaf_id = key_program_id(leaf.vk, leaf_h)
    spec = tree_spec(leaf_h)
    for _ in range(8):  # the children's spec must hold the join's own heights
        join_prog, _ = record_join(leaf.vk, spec, kids[0], kids[1], leaf_id, NO_ID)
        join_h = machine_log_heights(join_prog)
        if all(lo <= h <= hi for h, (lo, hi) in zip(join_h, spec.ranges, strict=True)):
            break
        spec = tree_spec(leaf_h, join_h)
    else:
        raise RuntimeError("the join program's heights did not settle")
    join = _key("join", join_prog, profile, store)
    join_id = key_program_id(join.vk, join_h)
    root = _root(family, leaf, join, spec, leaf_id, join_id, None)
    fin_prog, _ = record_finalize(leaf.vk, spec, root, leaf_id, join_id)
    fin = _key("finalize", fin_prog, profile, store)
    fin_id = key_program_id(fin.vk, machine_log_heights(fin_prog))
    return TreeKeys(leaf, join, fin, spec, tuple(leaf_id), tuple(join_id), tuple(fin_id))


def _root(
    family: SegmentFamily,
    leaf: LayerKey,
    join: LayerKey,
    spec: HeightSpec,
    leaf_id: Sequence[int],
    join_id: Sequence[int],
    rng: FieldRng | None,
) -> Child:
    """The proof of the tree's root: a leaf per segment, then joins of adjacent ranges level
    by level (pairs; an odd range is carried up)."""
    level = [
        _prove(leaf, family.record_leaf(s, join_id), False, rng) for s in range(len(family.proofs))
    ]
    while len(level) > 1:
        nxt = [
            _prove(join, record_join(leaf.vk, spec, a, b, leaf_id, join_id), True, rng)
            for a, b in zip(level[0::2], level[1::2], strict=False)
        ]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def prove_tree(family: SegmentFamily, keys: TreeKeys, rng: FieldRng | None = None) -> LayerProof:
    """The finalize proof of one execution (module doc): its 46 public values under
    ``keys.finalize``; ``record_s`` is the finalize recording's seconds, ``prove_s`` every leaf's
    and join's recording and proof and the finalize proof. Raises ``VerificationError`` where a
    segment proof does not verify."""
    t0 = time.perf_counter()
    root = _root(family, keys.leaf, keys.join, keys.spec, keys.leaf_id, keys.join_id, rng)
    t1 = time.perf_counter()
    program, witness = record_finalize(keys.leaf.vk, keys.spec, root, keys.leaf_id, keys.join_id)
    t2 = time.perf_counter()
    fin = _prove(keys.finalize, (program, witness), False, rng)
    t3 = time.perf_counter()
    return LayerProof(
        keys.finalize, tuple(fin.public), fin.proof, t2 - t1, 0.0, (t1 - t0) + (t3 - t2), "memory"
    )


__all__ = ["NO_ID", "SegmentFamily", "TreeKeys", "prove_tree", "tree_keys"]
