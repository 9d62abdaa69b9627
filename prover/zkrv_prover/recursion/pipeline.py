"""From a zkVM receipt's STARK proof to the shrink proof that the Groth16 circuit verifies.

Layers (``docs/wrap.md``, "zkVM receipts on chain"), each a recursion program recorded by running
the generic verifier of the layer below through a :class:`~.builder.RecursionBuilder`:

1. **universal** (:func:`.zkvm_verifier.record_zkvm_verifier`): verifies the zkVM proof with every
   table height and the preprocessed root as data, so every receipt records the same program
   (one per set of empty precompile tables: ``zkvm_verifier.VARIANTS``, the receipt's picked by
   ``variant_for``); proven with the Poseidon2-BabyBear hash and the wide Poseidon2 table;
2. **compress** (:func:`.prove.record_verifier`): verifies the universal proof at its fixed shape
   and proves it at a higher blowup, so that the proof the shrink verifies has few queries;
3. **shrink** (:func:`.shrink.record_shrink`): verifies the compress proof, proven with the BN254
   hash that the R1CS verifier checks (:mod:`zkrv_prover.r1cs.zkvm_wrap`).

Every layer re-exposes the 46 public values of :mod:`.zkvm_layout`, in order. The programs
depend only on the zkVM's verifying key shape and on the profile, never on the receipt: one
shrink key, one final circuit and one Groth16 key serve every guest.

Intermediate proofs are witnesses of the next layer and are never published, so they are made
without zero knowledge (``zk=False``); the Groth16 proof at the end is zero knowledge.

A :class:`WrapProfile` fixes each layer's PCS parameters: :data:`PRODUCTION` picks, per layer,
the fewest queries reaching :data:`~.shrink.TARGET_BITS` proven (Johnson-bound) bits at the
layer's blowup and grinding for the program's own shape; :data:`TOY` (tests only) uses a few
queries and is labelled TOY SECURITY wherever it appears.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from zkrv_prover import progress as progress_mod
from zkrv_prover.lru import Lru
from zkrv_prover.recursion import shrink
from zkrv_prover.recursion.builder import Poseidon2Variant
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.prove import (
    program_vk,
    prove_program,
    record_verifier,
    record_verifier_of,
)
from zkrv_prover.recursion.zkvm_verifier import record_zkvm_verifier, variant_for
from zkrv_prover.stark.commit.hash_scheme import HashName
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey

if TYPE_CHECKING:
    from zkrv_prover.recursion.segment_tree import SegmentFamily

P2_HASH: HashName = "poseidon2-babybear"


@dataclass(frozen=True)
class LayerSpec:
    """How one layer's parameters are chosen: ``params`` verbatim when given (toy profiles),
    else the fewest queries reaching ``target`` proven bits at ``log_blowup`` and ``pow_bits``
    with ``hash`` for the layer program's shape (:func:`.shrink.shrink_params`)."""

    hash: HashName
    log_blowup: int = 3
    pow_bits: int = 20
    target: float = shrink.TARGET_BITS
    params: PcsParams | None = None
    #: How the layer's program is recorded: its Poseidon2 table, and whether every table is
    #: padded to the tallest height (the BN254 layer: one height keeps the R1CS verifier small).
    poseidon2: Poseidon2Variant = "wide"
    uniform: bool = False
    #: Prove in the lifted layout (heights and root as data for the verifier above: the
    #: programs of the segment join tree, ``segment_tree.py``).
    lifted: bool = False

    def resolve(self, program: RecursionProgram) -> shrink.ShrinkParams:
        """The parameters for ``program`` and their proven security (``ValueError`` when no
        query count reaches the target)."""
        if self.params is not None:
            if self.params.hash != self.hash:
                raise ValueError(f"layer parameters must hash with {self.hash}")
            return shrink.security_bits(program, self.params, self.lifted)
        from zkrv_prover.recursion.machine import build_machine
        from zkrv_prover.stark.air.air import compile_machine

        layouts = compile_machine(build_machine(program))
        base = PcsParams(hash=self.hash, zk=False)
        sp = shrink.shrink_params(
            layouts,
            shrink.log_heights(program),
            self.log_blowup,
            self.pow_bits,
            self.target,
            base,
            self.lifted,
        )
        if sp is None:
            raise ValueError(
                f"no query count reaches {self.target} bits at blowup 2^{self.log_blowup}"
            )
        return sp


@dataclass(frozen=True)
class WrapProfile:
    """The parameters of the three recursion layers and of the segment join tree's programs
    (``tree``: leaf, join and finalize); ``toy``: TOY SECURITY (tests only)."""

    name: str
    universal: LayerSpec
    compress: LayerSpec
    shrink: LayerSpec
    tree: LayerSpec
    toy: bool = False


#: Production: every layer at >= 100 proven bits (see ``docs/wrap.md`` for the measurements
#: behind the blowups: the compress blowup trades its own prover time for the shrink program's
#: size, which the final circuit and the shrink prover's memory follow).
PRODUCTION = WrapProfile(
    "production",
    universal=LayerSpec(P2_HASH, log_blowup=3, pow_bits=20, lifted=True),
    compress=LayerSpec(P2_HASH, log_blowup=4, pow_bits=20),
    shrink=LayerSpec(
        shrink.SHRINK_HASH,
        shrink.SHRINK_LOG_BLOWUP,
        shrink.SHRINK_POW_BITS,
        poseidon2=shrink.SHRINK_POSEIDON2,
        uniform=True,
    ),
    tree=LayerSpec(P2_HASH, log_blowup=3, pow_bits=20, lifted=True),
)

#: TOY SECURITY (a few bits): two queries per layer. For tests of the plumbing only.
_TOY_P2 = PcsParams(num_queries=2, pow_bits=1, hash=P2_HASH, zk=False)
TOY = WrapProfile(
    "toy",
    universal=LayerSpec(P2_HASH, params=_TOY_P2, lifted=True),
    compress=LayerSpec(P2_HASH, params=_TOY_P2),
    shrink=LayerSpec(
        shrink.SHRINK_HASH,
        params=PcsParams(num_queries=2, pow_bits=1, log_blowup=1, zk=False),
        poseidon2=shrink.SHRINK_POSEIDON2,
        uniform=True,
    ),
    tree=LayerSpec(P2_HASH, params=_TOY_P2, lifted=True),
    toy=True,
)


@dataclass(frozen=True)
class LayerKey:
    """A layer's program, its verifying key and the parameters' proven security."""

    name: str
    program: RecursionProgram
    vk: VerifyingKey
    config: shrink.ShrinkParams


@dataclass(frozen=True)
class LayerProof:
    """A layer's proof of its 46 public values under ``key``, with the seconds spent recording
    the verifier below (which also checks it natively), making the key (0 when cached) and
    proving."""

    key: LayerKey
    public: tuple[int, ...]
    proof: StarkProof
    record_s: float = 0.0
    key_s: float = 0.0
    prove_s: float = 0.0
    #: How the key was had: "memory" (in-process cache), "store" (read from the key store) or
    #: "made" (keygen; then saved to the store when one was given).
    key_source: str = "made"
    #: Seconds of one-time setup this layer needed first (compress: what it accepts,
    #: ``wrap_setup.compress_targets``; 0 when cached).
    setup_s: float = 0.0


#: Layer keys in memory by (layer, program digest, profile); least recently used go first.
KEY_CACHE_SIZE = 6
_KEYS: Lru[tuple[str, str, str], LayerKey] = Lru(KEY_CACHE_SIZE)
#: Bumped when the pickled form of a stored key changes (older files are then not read).
KEY_STORE_FORMAT = 1


def key_file(
    store: Path, name: str, program: RecursionProgram, spec: LayerSpec, profile: str
) -> Path:
    """The file of a layer key in a key store directory: named by a digest of the layer, the
    profile, the layer spec and the program digest (which covers the inner key and every
    constant of the recorded verifier), so a changed program or parameter never reads an old
    key."""
    tag = f"{KEY_STORE_FORMAT}|{name}|{profile}|{spec!r}|{program.digest}"
    return store / f"{name}-{profile}-{hashlib.sha256(tag.encode()).hexdigest()[:32]}.key"


def load_layer_key(path: Path, name: str, program: RecursionProgram) -> LayerKey | None:
    """A stored layer key, or None when the file is absent; ``ValueError`` when it holds
    another layer or program. The store is the user's own cache (like the Groth16 keys): its
    files are trusted as the user's own output."""
    try:
        with path.open("rb") as f:
            key = pickle.load(f)
    except FileNotFoundError:
        return None
    if not isinstance(key, LayerKey) or key.name != name or key.program.digest != program.digest:
        raise ValueError(f"layer key store: {path} holds another key; delete it")
    return key


def save_layer_key(path: Path, key: LayerKey) -> None:
    """Write a layer key atomically (a temporary file in the same directory, then rename), so a
    failed write never leaves a partial key behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump(key, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def layer_key_from(
    name: str,
    program: RecursionProgram,
    spec: LayerSpec,
    profile: str,
    store: Path | None = None,
) -> tuple[LayerKey, str]:
    """The key of a layer program and where it came from ("memory", "store" or "made"):
    the in-process cache (per program digest and profile), else the key ``store`` directory
    when given, else keygen (then saved to ``store``). The keys depend only on the program,
    never on the receipt: keygen is one-time setup, like the Groth16 key's."""
    ck = (name, program.digest, profile)
    hit = _KEYS.get(ck)
    if hit is not None:
        return hit, "memory"
    path = key_file(store, name, program, spec, profile) if store is not None else None
    key = load_layer_key(path, name, program) if path is not None else None
    source = "store"
    if key is None:
        config = spec.resolve(program)
        key = LayerKey(name, program, program_vk(program, config.params, spec.lifted), config)
        source = "made"
        if path is not None:
            save_layer_key(path, key)
    return _KEYS.put(ck, key), source


def layer_key(
    name: str, program: RecursionProgram, spec: LayerSpec, profile: str, store: Path | None = None
) -> LayerKey:
    """The key of a layer program (:func:`layer_key_from` without its source)."""
    return layer_key_from(name, program, spec, profile, store)[0]


def clear_keys() -> None:
    """Drop the cached layer keys, the shrink module's and the wrap setup's included (a shrink
    key holds its preprocessed LDE: gigabytes)."""
    from zkrv_prover.recursion import wrap_setup

    _KEYS.clear()
    shrink.clear_keys()
    wrap_setup.clear()


def _prove_layer(
    name: str,
    recorded: tuple[RecursionProgram, RecursionWitness],
    record_s: float,
    spec: LayerSpec,
    profile: WrapProfile,
    rng: FieldRng | None,
    store: Path | None,
) -> LayerProof:
    program, witness = recorded
    t0 = time.perf_counter()
    key, source = layer_key_from(name, program, spec, profile.name, store)
    t1 = time.perf_counter()
    proof = prove_program(key.vk, witness, rng=rng, recorded=program)
    t2 = time.perf_counter()
    public = tuple(int(v) for v in witness.public)
    return LayerProof(key, public, proof, record_s, t1 - t0, t2 - t1, source)


def _compress_and_shrink(
    below: LayerProof,
    zkvm: PcsParams,
    profile: WrapProfile,
    rng: FieldRng | None,
    key_store: Path | None,
) -> list[LayerProof]:
    """Compress (accepting the universal or the finalize program's proof:
    ``wrap_setup.compress_targets``) and shrink above ``below``."""
    from zkrv_prover.recursion.wrap_setup import compress_targets

    t0 = time.perf_counter()
    targets = compress_targets(zkvm, profile, key_store, below.key)
    t_setup = time.perf_counter() - t0
    spec = profile.compress
    t0 = time.perf_counter()
    recorded = record_verifier_of(
        below.key.vk,
        targets.spec,
        below.public,
        below.proof,
        targets.accepted,
        spec.poseidon2,
        uniform=spec.uniform,
    )
    t = time.perf_counter() - t0
    out = [replace(_prove_layer("compress", recorded, t, spec, profile, rng, key_store),
                   setup_s=t_setup)]  # fmt: skip
    progress_mod.advance()
    spec = profile.shrink
    t0 = time.perf_counter()
    below = out[-1]
    recorded = record_verifier(
        below.key.vk, below.public, below.proof, spec.poseidon2, uniform=spec.uniform
    )
    t = time.perf_counter() - t0
    out.append(_prove_layer("shrink", recorded, t, spec, profile, rng, key_store))
    progress_mod.advance()
    return out


def prove_layers(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    profile: WrapProfile = PRODUCTION,
    rng: FieldRng | None = None,
    key_store: Path | None = None,
) -> list[LayerProof]:
    """The universal, compress and shrink proofs of a zkVM proof (``public`` under the lifted
    zkVM key ``vk``), each verified natively while it is recorded (``VerificationError`` when
    the zkVM proof or a layer's proof does not verify). ``key_store``: a directory that keeps
    the layer keys across processes (:func:`layer_key_from`). The first wrap of a profile also
    makes what compress accepts (``wrap_setup``: the setup image proven and its recursion
    programs recorded). Progress: stage "recursion" of three layers."""
    progress_mod.stage("recursion", 3)
    t0 = time.perf_counter()
    variant = variant_for(vk, proof)
    recorded = record_zkvm_verifier(vk, public, proof, profile.universal.poseidon2, variant)
    t = time.perf_counter() - t0
    out = [_prove_layer("universal", recorded, t, profile.universal, profile, rng, key_store)]
    progress_mod.advance()
    return out + _compress_and_shrink(out[0], vk.params, profile, rng, key_store)


def prove_layers_segmented(
    family: SegmentFamily,
    profile: WrapProfile = PRODUCTION,
    rng: FieldRng | None = None,
    key_store: Path | None = None,
) -> list[LayerProof]:
    """The finalize, compress and shrink proofs of a multi-segment execution (its segment
    proofs under the segmented key, ``segment_tree.SegmentFamily``): the segment tree
    (``segment_tree.prove_tree``, keys from ``wrap_setup.setup_tree``), then the same compress
    and shrink as :func:`prove_layers`, so the shrink proof has the same key. Progress: stage
    "recursion" of three layers (the tree is the first)."""
    from zkrv_prover.recursion.segment_tree import prove_tree
    from zkrv_prover.recursion.wrap_setup import setup_tree

    progress_mod.stage("recursion", 3)
    zkvm = family.vk.params
    fin = prove_tree(family, setup_tree(zkvm, profile, key_store), rng)
    progress_mod.advance()
    return [fin, *_compress_and_shrink(fin, zkvm, profile, rng, key_store)]


__all__ = [
    "PRODUCTION",
    "TOY",
    "LayerKey",
    "LayerProof",
    "LayerSpec",
    "WrapProfile",
    "clear_keys",
    "key_file",
    "layer_key",
    "layer_key_from",
    "load_layer_key",
    "prove_layers",
    "prove_layers_segmented",
    "save_layer_key",
]
