"""From a zkVM receipt's STARK proof to the shrink proof that the Groth16 circuit verifies.

Layers (``docs/wrap.md``, "zkVM receipts on chain"), each a recursion program recorded by running
the generic verifier of the layer below through a :class:`~.builder.RecursionBuilder`:

1. **universal** (:func:`.zkvm_verifier.record_zkvm_verifier`): verifies the zkVM proof with every
   table height and the preprocessed root as data, so every receipt records the same program;
   proven with the Poseidon2-BabyBear hash and the wide Poseidon2 table;
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

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from zkrv_prover import progress as progress_mod
from zkrv_prover.recursion import shrink
from zkrv_prover.recursion.program import RecursionProgram, RecursionWitness
from zkrv_prover.recursion.prove import program_vk, prove_program, record_verifier
from zkrv_prover.recursion.zkvm_verifier import record_zkvm_verifier
from zkrv_prover.stark.commit.hash_scheme import HashName
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey

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

    def resolve(self, program: RecursionProgram) -> shrink.ShrinkParams:
        """The parameters for ``program`` and their proven security (``ValueError`` when no
        query count reaches the target)."""
        if self.params is not None:
            if self.params.hash != self.hash:
                raise ValueError(f"layer parameters must hash with {self.hash}")
            return shrink.security_bits(program, self.params)
        from zkrv_prover.recursion.machine import build_machine
        from zkrv_prover.stark.air.air import compile_machine

        layouts = compile_machine(build_machine(program))
        base = PcsParams(hash=self.hash, zk=False)
        sp = shrink.shrink_params(
            layouts, shrink.log_heights(program), self.log_blowup, self.pow_bits, self.target, base
        )
        if sp is None:
            raise ValueError(
                f"no query count reaches {self.target} bits at blowup 2^{self.log_blowup}"
            )
        return sp


@dataclass(frozen=True)
class WrapProfile:
    """The parameters of the three recursion layers; ``toy``: TOY SECURITY (tests only)."""

    name: str
    universal: LayerSpec
    compress: LayerSpec
    shrink: LayerSpec
    toy: bool = False


#: Production: every layer at >= 100 proven bits (see ``docs/wrap.md`` for the measurements
#: behind the blowups: the compress blowup trades its own prover time for the shrink program's
#: size, which the final circuit and the shrink prover's memory follow).
PRODUCTION = WrapProfile(
    "production",
    universal=LayerSpec(P2_HASH, log_blowup=3, pow_bits=20),
    compress=LayerSpec(P2_HASH, log_blowup=4, pow_bits=20),
    shrink=LayerSpec(shrink.SHRINK_HASH, shrink.SHRINK_LOG_BLOWUP, shrink.SHRINK_POW_BITS),
)

#: TOY SECURITY (a few bits): two queries per layer. For tests of the plumbing only.
_TOY_P2 = PcsParams(num_queries=2, pow_bits=1, hash=P2_HASH, zk=False)
TOY = WrapProfile(
    "toy",
    universal=LayerSpec(P2_HASH, params=_TOY_P2),
    compress=LayerSpec(P2_HASH, params=_TOY_P2),
    shrink=LayerSpec(
        shrink.SHRINK_HASH, params=PcsParams(num_queries=2, pow_bits=1, log_blowup=1, zk=False)
    ),
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
    """A layer's proof of its 46 public values under ``key``."""

    key: LayerKey
    public: tuple[int, ...]
    proof: StarkProof


#: Layer keys in memory by (layer, program digest, profile); least recently used go first.
_KEYS: OrderedDict[tuple[str, str, str], LayerKey] = OrderedDict()
KEY_CACHE_SIZE = 6


def layer_key(name: str, program: RecursionProgram, spec: LayerSpec, profile: str) -> LayerKey:
    """The key of a layer program (cached per program digest and profile: the digest covers
    the inner key and every constant the recorded verifier uses)."""
    ck = (name, program.digest, profile)
    hit = _KEYS.get(ck)
    if hit is not None:
        _KEYS.move_to_end(ck)
        return hit
    config = spec.resolve(program)
    key = LayerKey(name, program, program_vk(program, config.params), config)
    _KEYS[ck] = key
    while len(_KEYS) > KEY_CACHE_SIZE:
        _KEYS.popitem(last=False)
    return key


def _prove_layer(
    name: str,
    program: RecursionProgram,
    witness: RecursionWitness,
    spec: LayerSpec,
    profile: WrapProfile,
    rng: FieldRng | None,
) -> LayerProof:
    key = layer_key(name, program, spec, profile.name)
    proof = prove_program(key.vk, witness, rng=rng, recorded=program)
    return LayerProof(key, tuple(int(v) for v in witness.public), proof)


def prove_layers(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    profile: WrapProfile = PRODUCTION,
    rng: FieldRng | None = None,
) -> list[LayerProof]:
    """The universal, compress and shrink proofs of a zkVM proof (``public`` under the lifted
    zkVM key ``vk``), each verified natively while it is recorded (``VerificationError`` when
    the zkVM proof or a layer's proof does not verify). Progress: stage "recursion" of three
    layers."""
    progress_mod.stage("recursion", 3)
    program, witness = record_zkvm_verifier(vk, public, proof)
    universal = _prove_layer("universal", program, witness, profile.universal, profile, rng)
    progress_mod.advance()
    out = [universal]
    upper: tuple[tuple[str, LayerSpec, Literal["wide", "skinny"], bool], ...] = (
        ("compress", profile.compress, "wide", False),
        ("shrink", profile.shrink, "skinny", True),
    )
    for name, spec, variant, uniform in upper:
        below = out[-1]
        program, witness = record_verifier(
            below.key.vk, below.public, below.proof, variant, uniform=uniform
        )
        out.append(_prove_layer(name, program, witness, spec, profile, rng))
        progress_mod.advance()
    return out


__all__ = [
    "PRODUCTION",
    "TOY",
    "LayerKey",
    "LayerProof",
    "LayerSpec",
    "WrapProfile",
    "layer_key",
    "prove_layers",
]
