"""One-time setup of the wrap pipeline's layer above the zkVM programs: what compress accepts.

Compress verifies either a universal program's proof (a one-proof receipt; one variant per set
of empty precompile tables, ``zkvm_verifier.VARIANTS``) or the segment tree's finalize proof (a
multi-segment execution), all lifted, with the root and heights as data
(``prove.record_verifier_of``): one compress program, hence one shrink program, one final
circuit and one Groth16 key, serves them all. It needs the programs' IDs and heights as
constants. Recording a program needs a proof to verify, so they come from the built-in setup
image (``zkvm/setup_image.py``): one proof of its run records every universal variant (the
image calls no precompile but SHA-256, so its proof has every variant's tables empty), its run
in segments the tree's programs (``segment_tree.tree_keys``). The programs depend only on the
zkVM's parameters and the profile, so this runs once: the results are kept in memory, and the
compress targets (IDs and spec, a few hundred bytes) in the key store directory when one is
given, named by the digest of the program being compressed (which changes with the zkVM's key
shape and the recursion code) and :data:`TREE_FORMAT`, and read only if they accept it.
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
from zkrv_prover.recursion.zkvm_verifier import VARIANTS, record_zkvm_verifier
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.protocol.heights import HeightSpec

#: Bumped when the segment tree's programs change without the universal program changing
#: (stored compress targets of another format are not read).
TREE_FORMAT = 1


@dataclass(frozen=True)
class CompressTargets:
    """The proofs compress accepts: ``accepted`` = the universal variants' program IDs (in
    ``zkvm_verifier.VARIANTS`` order), then the finalize program's ID; and the height spec
    covering all of those programs."""

    spec: HeightSpec
    accepted: tuple[tuple[int, ...], ...]


#: The universal variants' layer keys, by variant (``zkvm_verifier.VARIANTS``).
UniversalKeys = dict[tuple[str, ...], LayerKey]

_TREES: Lru[tuple[str, PcsParams], TreeKeys] = Lru(2)
_UNIVERSAL: Lru[tuple[str, PcsParams], UniversalKeys] = Lru(2)
_TARGETS: Lru[tuple[str, PcsParams], CompressTargets] = Lru(4)


def setup_universal(zkvm: PcsParams, profile: WrapProfile, store: Path | None) -> UniversalKeys:
    """Every universal variant's layer key, recorded on the setup image's one-proof receipt."""
    from zkrv_prover.executor import execute
    from zkrv_prover.stark.protocol.prover import prove
    from zkrv_prover.zkvm.image_id import program_key
    from zkrv_prover.zkvm.machine import generate
    from zkrv_prover.zkvm.setup_image import setup_image

    def make() -> UniversalKeys:
        image = setup_image()
        res = execute(image, b"", trace=True)
        assert res.trace is not None
        key = program_key(image, zkvm)
        w = generate(key.tables, res.trace, key.vk.layouts)
        proof = prove(key.vk, w.traces, w.public)
        out: UniversalKeys = {}
        for variant in VARIANTS:
            program, _ = record_zkvm_verifier(
                key.vk, list(w.public), proof, profile.universal.poseidon2, variant
            )
            spec = profile.universal
            out[variant] = layer_key_from("universal", program, spec, profile.name, store)[0]
        return out

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


def _targets_file(store: Path, below: LayerKey, zkvm: PcsParams, profile: str) -> Path:
    tag = f"{TREE_FORMAT}|{profile}|{zkvm.as_ints()}|{below.name}|{below.program.digest}"
    return store / f"targets-{profile}-{hashlib.sha256(tag.encode()).hexdigest()[:32]}.pkl"


def compress_targets(
    zkvm: PcsParams, profile: WrapProfile, store: Path | None, below: LayerKey
) -> CompressTargets:
    """What compress accepts for receipts with zkVM parameters ``zkvm`` (module doc).
    ``below``: the key of the program whose proof compress is about to verify (a universal
    variant or the finalize program); it names the stored targets, which are read only if
    they accept its program. Raises ``ValueError`` when the programs' proofs would not share
    one verifier (other parameters)."""

    def make() -> CompressTargets:
        path = _targets_file(store, below, zkvm, profile.name) if store else None
        want = tuple(key_program_id(below.vk, machine_log_heights(below.program)))
        if path is not None and path.exists():
            with path.open("rb") as f:
                got = pickle.load(f)
            if not isinstance(got, CompressTargets):
                raise ValueError(f"key store: {path} holds something else; delete it")
            if want in got.accepted:
                return got
        universal = setup_universal(zkvm, profile, store)
        tree = setup_tree(zkvm, profile, store)
        keys = [universal[v] for v in VARIANTS]
        if any(k.vk.params != tree.finalize.vk.params for k in keys):
            raise ValueError(
                "the universal and finalize programs' proofs have different parameters; "
                "compress verifies them with one verifier"
            )
        u_hs = [machine_log_heights(k.program) for k in keys]
        f_h = machine_log_heights(tree.finalize.program)
        ids = [tuple(key_program_id(k.vk, h)) for k, h in zip(keys, u_hs, strict=True)]
        out = CompressTargets(tree_spec(*u_hs, f_h), (*ids, tree.finalize_id))
        if want not in out.accepted:
            raise ValueError(f"compress would not accept the {below.name} program's proofs")
        if path is not None:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            path.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as f:
                pickle.dump(out, f)
            tmp.replace(path)
        return out

    return _TARGETS.get_or_make((profile.name, zkvm), make)


def clear() -> None:
    """Drop the setup results kept in memory."""
    _TREES.clear()
    _UNIVERSAL.clear()
    _TARGETS.clear()


__all__ = [
    "TREE_FORMAT",
    "CompressTargets",
    "UniversalKeys",
    "clear",
    "compress_targets",
    "setup_tree",
    "setup_universal",
]
