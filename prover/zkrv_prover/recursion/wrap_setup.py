"""One-time setup of the wrap pipeline's layer above the zkVM programs: what compress accepts.

Compress verifies either the universal program's proof (a one-proof receipt) or the segment
tree's finalize proof (a multi-segment execution), both lifted, with the root and heights as
data (``prove.record_verifier_of``): one compress program, hence one shrink program, one final
circuit and one Groth16 key, serves both. It needs the two programs' IDs and heights as
constants. Recording a program needs a proof to verify, so they come from the built-in setup
image (``zkvm/setup_image.py``): one proof of its run records the universal program, its run in
segments the tree's programs (``segment_tree.tree_keys``). The programs depend only on the
zkVM's parameters, the profile and the code, so this runs once: the results are kept in memory
and, when a key store directory is given, in small records there beside the layer keys (which
hold the programs): the universal program's digest, the tree's three digests with the children's
spec and the program IDs, and the compress targets (IDs and spec). A later process reads them
instead of proving and recording again (at the production profile that saves about three
minutes per process for a segmented wrap). Records are named by the profile, the zkVM's
parameters, :data:`TREE_FORMAT` and a digest of the prover's source
(``source_digest.code_digest``; the compress targets also by the universal program's
digest), so other code never reads them; one whose layer key file is gone is set up again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from zkrv_prover.lru import Lru
from zkrv_prover.recursion.machine import machine_log_heights
from zkrv_prover.recursion.pipeline import (
    LayerKey,
    WrapProfile,
    layer_key_from,
    stored_layer_key,
)
from zkrv_prover.recursion.program_id import key_program_id
from zkrv_prover.recursion.segment_join import tree_spec
from zkrv_prover.recursion.segment_tree import SegmentFamily, TreeKeys, tree_keys
from zkrv_prover.recursion.zkvm_verifier import record_zkvm_verifier
from zkrv_prover.source_digest import code_digest
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.protocol.heights import HeightSpec

#: Format of the setup records in the key store (records of another format are not read).
TREE_FORMAT = 2


@dataclass(frozen=True)
class CompressTargets:
    """The proofs compress accepts: ``accepted`` = (the universal program's ID, the finalize
    program's ID), and the height spec covering both programs."""

    spec: HeightSpec
    accepted: tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class TreeRecord:
    """What the key store keeps of :func:`setup_tree` (beside the three layer keys, which hold
    the programs): the leaf, join and finalize programs' digests, the children's height spec
    and the program IDs."""

    digests: tuple[str, str, str]
    spec: HeightSpec
    leaf_id: tuple[int, ...]
    join_id: tuple[int, ...]
    finalize_id: tuple[int, ...]


_R = TypeVar("_R")
_TREE_LAYERS = ("leaf", "join", "finalize")

_TREES: Lru[tuple[str, PcsParams], TreeKeys] = Lru(2)
_UNIVERSAL: Lru[tuple[str, PcsParams], LayerKey] = Lru(2)
_TARGETS: Lru[tuple[str, PcsParams, str], CompressTargets] = Lru(4)


def _record_file(store: Path, kind: str, zkvm: PcsParams, profile: str) -> Path:
    """A setup record's file: named by its kind, the profile, the zkVM's parameters,
    :data:`TREE_FORMAT` and the prover's source digest."""
    tag = f"{TREE_FORMAT}|{kind}|{profile}|{zkvm.as_ints()}|{code_digest()}"
    return store / f"{kind}-{profile}-{hashlib.sha256(tag.encode()).hexdigest()[:32]}.pkl"


def _read(path: Path, kind: type[_R]) -> _R | None:
    """The record in ``path``, None when absent; ``ValueError`` when it holds something else.
    The store is the user's own cache (its files are trusted as the user's own output)."""
    try:
        with path.open("rb") as f:
            got = pickle.load(f)
    except FileNotFoundError:
        return None
    if not isinstance(got, kind):
        raise ValueError(f"key store: {path} holds something else; delete it")
    return got


def _write(path: Path, record: object) -> None:
    """Write a record atomically (a temporary file in the same directory, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump(record, f)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def setup_universal(zkvm: PcsParams, profile: WrapProfile, store: Path | None) -> LayerKey:
    """The universal program's layer key, recorded on the setup image's one-proof receipt (or
    read back from ``store`` through its digest's record)."""
    from zkrv_prover.executor import execute
    from zkrv_prover.stark.protocol.prover import prove
    from zkrv_prover.zkvm.image_id import program_key
    from zkrv_prover.zkvm.machine import generate
    from zkrv_prover.zkvm.setup_image import setup_image

    path = _record_file(store, "universal", zkvm, profile.name) if store else None

    def make() -> LayerKey:
        if path is not None and store is not None:
            digest = _read(path, str)
            if digest is not None:
                name, spec = "universal", profile.universal
                hit = stored_layer_key(name, digest, spec, profile.name, store)
                if hit is not None:
                    return hit
        image = setup_image()
        res = execute(image, b"", trace=True)
        assert res.trace is not None
        key = program_key(image, zkvm)
        w = generate(key.tables, res.trace, key.vk.layouts)
        proof = prove(key.vk, w.traces, w.public)
        program, _ = record_zkvm_verifier(
            key.vk, list(w.public), proof, profile.universal.poseidon2
        )
        out = layer_key_from("universal", program, profile.universal, profile.name, store)[0]
        if path is not None:
            _write(path, program.digest)
        return out

    return _UNIVERSAL.get_or_make((profile.name, zkvm), make)


def _stored_tree(record: TreeRecord, profile: WrapProfile, store: Path) -> TreeKeys | None:
    """The tree keys a record names, None when a layer key file is gone."""
    keys = [
        stored_layer_key(name, digest, profile.tree, profile.name, store)
        for name, digest in zip(_TREE_LAYERS, record.digests, strict=True)
    ]
    if any(k is None for k in keys):
        return None
    leaf, join, fin = keys
    assert leaf is not None and join is not None and fin is not None
    return TreeKeys(
        leaf, join, fin, record.spec, record.leaf_id, record.join_id, record.finalize_id
    )


def setup_tree(zkvm: PcsParams, profile: WrapProfile, store: Path | None) -> TreeKeys:
    """The segment tree's keys, made on the setup image's run in segments (or read back from
    ``store`` through its :class:`TreeRecord`)."""
    from zkrv_prover.zkvm.image_id import segmented_key
    from zkrv_prover.zkvm.segment_prover import prove_segmented
    from zkrv_prover.zkvm.setup_image import SETUP_SEGMENT_PO2, setup_image

    path = _record_file(store, "tree", zkvm, profile.name) if store else None

    def make() -> TreeKeys:
        if path is not None and store is not None:
            record = _read(path, TreeRecord)
            hit = None if record is None else _stored_tree(record, profile, store)
            if hit is not None:
                return hit
        image = setup_image()
        run = prove_segmented(image, b"", SETUP_SEGMENT_PO2, params=zkvm)
        keys = tree_keys(SegmentFamily.of(run, segmented_key(image, zkvm).vk), profile, store)
        if path is not None:
            digests = (keys.leaf.program.digest, keys.join.program.digest)
            rec = TreeRecord(
                (*digests, keys.finalize.program.digest),
                keys.spec,
                keys.leaf_id,
                keys.join_id,
                keys.finalize_id,
            )
            _write(path, rec)
        return keys

    return _TREES.get_or_make((profile.name, zkvm), make)


def _targets_file(store: Path, universal: LayerKey, zkvm: PcsParams, profile: str) -> Path:
    tag = f"{TREE_FORMAT}|{profile}|{zkvm.as_ints()}|{universal.program.digest}|{code_digest()}"
    return store / f"targets-{profile}-{hashlib.sha256(tag.encode()).hexdigest()[:32]}.pkl"


def compress_targets(
    universal: LayerKey, zkvm: PcsParams, profile: WrapProfile, store: Path | None
) -> CompressTargets:
    """What compress accepts for receipts with zkVM parameters ``zkvm`` (module doc);
    ``universal``: the universal program's layer key. Raises ``ValueError`` when the two
    programs' proofs would not share one verifier (other parameters)."""

    def make() -> CompressTargets:
        path = _targets_file(store, universal, zkvm, profile.name) if store else None
        got = _read(path, CompressTargets) if path is not None else None
        if got is not None:
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
            _write(path, out)
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
    "TreeRecord",
    "clear",
    "compress_targets",
    "setup_tree",
    "setup_universal",
]
