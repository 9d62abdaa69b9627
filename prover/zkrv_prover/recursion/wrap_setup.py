"""One-time setup of the wrap pipeline's layer above the zkVM programs: what compress accepts.

Compress verifies either the universal program's proof (a one-proof receipt) or the segment
tree's finalize proof (a multi-segment execution), both lifted, with the root and heights as
data (``prove.record_verifier_of``): one compress program, hence one shrink program, one final
circuit and one Groth16 key, serves both. It needs the two programs' IDs and heights as
constants. Recording a program needs a proof to verify, so they come from the built-in setup
image (``zkvm/setup_image.py``): one proof of its run records the universal program, its run in
segments the tree's programs (``segment_tree.tree_keys``). The programs depend only on the
zkVM's parameters and the profile, so this runs once: the results are kept in memory, and the
compress targets (IDs and spec, a few hundred bytes) in the key store directory when one is
given, named by the universal program's digest (which changes with the zkVM's key shape and the
recursion code) and :data:`TREE_FORMAT`.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from zkrv_prover.lru import Lru
from zkrv_prover.recursion.machine import machine_log_heights
from zkrv_prover.recursion.pipeline import LayerKey, WrapProfile, layer_key_from
from zkrv_prover.recursion.program_id import key_program_id
from zkrv_prover.recursion.segment_join import tree_spec
from zkrv_prover.recursion.segment_tree import SegmentFamily, TreeKeys, tree_keys
from zkrv_prover.recursion.zkvm_verifier import record_zkvm_verifier
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.protocol.heights import HeightSpec

#: Bumped when the segment tree's programs change without the universal program changing
#: (stored compress targets of another format are not read).
TREE_FORMAT = 1


@dataclass(frozen=True)
class CompressTargets:
    """The proofs compress accepts: ``accepted`` = (the universal program's ID, the finalize
    program's ID), and the height spec covering both programs."""

    spec: HeightSpec
    accepted: tuple[tuple[int, ...], tuple[int, ...]]


_TREES: Lru[tuple[str, PcsParams], TreeKeys] = Lru(2)
_UNIVERSAL: Lru[tuple[str, PcsParams], LayerKey] = Lru(2)
_TARGETS: Lru[tuple[str, PcsParams, str], CompressTargets] = Lru(4)


def setup_universal(zkvm: PcsParams, profile: WrapProfile, store: Path | None) -> LayerKey:
    """The universal program's layer key, recorded on the setup image's one-proof receipt."""
    from zkrv_prover.executor import execute
    from zkrv_prover.stark.protocol.prover import prove
    from zkrv_prover.zkvm.image_id import program_key
    from zkrv_prover.zkvm.machine import generate
    from zkrv_prover.zkvm.setup_image import setup_image

    def make() -> LayerKey:
        image = setup_image()
        res = execute(image, b"", trace=True)
        assert res.trace is not None
        key = program_key(image, zkvm)
        w = generate(key.tables, res.trace, key.vk.layouts)
        proof = prove(key.vk, w.traces, w.public)
        program, _ = record_zkvm_verifier(
            key.vk, list(w.public), proof, profile.universal.poseidon2
        )
        return layer_key_from("universal", program, profile.universal, profile.name, store)[0]

    return _UNIVERSAL.get_or_make((profile.name, zkvm), make)


def setup_tree(zkvm: PcsParams, profile: WrapProfile, store: Path | None) -> TreeKeys:
    """The segment tree's keys, made on the setup image's run in segments."""
    from zkrv_prover.zkvm.image_id import segmented_key
    from zkrv_prover.zkvm.segment_prover import prove_segmented
    from zkrv_prover.zkvm.setup_image import SETUP_SEGMENT_PO2, setup_image

    def make() -> TreeKeys:
        image = setup_image()
        run = prove_segmented(image, b"", SETUP_SEGMENT_PO2, params=zkvm)
        return tree_keys(SegmentFamily.of(run, segmented_key(image, zkvm).vk), profile, store)

    return _TREES.get_or_make((profile.name, zkvm), make)


def _targets_file(store: Path, universal: LayerKey, zkvm: PcsParams, profile: str) -> Path:
    tag = f"{TREE_FORMAT}|{profile}|{zkvm.as_ints()}|{universal.program.digest}"
    return store / f"targets-{profile}-{hashlib.sha256(tag.encode()).hexdigest()[:32]}.pkl"


def compress_targets(
    universal: LayerKey, zkvm: PcsParams, profile: WrapProfile, store: Path | None
) -> CompressTargets:
    """What compress accepts for receipts with zkVM parameters ``zkvm`` (module doc);
    ``universal``: the universal program's layer key. Raises ``ValueError`` when the two
    programs' proofs would not share one verifier (other parameters)."""

    def make() -> CompressTargets:
        path = _targets_file(store, universal, zkvm, profile.name) if store else None
        if path is not None and path.exists():
            with path.open("rb") as f:
                got = pickle.load(f)
            if not isinstance(got, CompressTargets):
                raise ValueError(f"key store: {path} holds something else; delete it")
            return got
        tree = setup_tree(zkvm, profile, store)
        if tree.finalize.vk.params != universal.vk.params:
            raise ValueError(
                "the universal and finalize programs' proofs have different parameters; "
                "compress verifies both with one verifier"
            )
        u_h = machine_log_heights(universal.program)
        f_h = machine_log_heights(tree.finalize.program)
        out = CompressTargets(
            tree_spec(u_h, f_h), (tuple(key_program_id(universal.vk, u_h)), tree.finalize_id)
        )
        if path is not None:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            path.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as f:
                pickle.dump(out, f)
            tmp.replace(path)
        return out

    return _TARGETS.get_or_make((profile.name, zkvm, universal.program.digest), make)


def clear() -> None:
    """Drop the setup results kept in memory."""
    _TREES.clear()
    _UNIVERSAL.clear()
    _TARGETS.clear()


__all__ = [
    "TREE_FORMAT",
    "CompressTargets",
    "clear",
    "compress_targets",
    "setup_tree",
    "setup_universal",
]
