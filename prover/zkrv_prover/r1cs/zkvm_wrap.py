"""The final Groth16 circuit of zkVM receipts: the shrink proof's verifier and the receipt claim.

Pipeline (``docs/wrap.md``, "zkVM receipts: the shrink layer and the final circuit"): a zkVM
receipt is verified by the universal zkVM recursion program, whose 46 public values
(``recursion/zkvm_layout.py``: preprocessed root, two log heights, the zkVM's 36 public values)
the shrink proof (``recursion/shrink.py``) re-exposes. This circuit is

- the STARK verifier of the shrink proof (:func:`stark.protocol.verifier.verify_with` with
  :class:`~.stark_arith.CircuitArith`, as :func:`.wrap.emit_verifier`), its 46 public values
  being circuit variables, then
- :func:`.zkvm_claim.zkvm_claim_digest` over those same variables, read at the
  :mod:`~zkrv_prover.recursion.zkvm_layout` offsets, and
- one public input, :func:`.claim_circuit.public_input` of that digest (what the router passes
  to the Groth16 verifier for ``verify(seal, imageId, sha256(journal))``).

Range checks: the public-value variables are allocated unchecked and every one of them is
range-checked by the claim (root felts canonical, heights in [1, MAX_LOG_TABLE], public values
bytes), which is exactly the canonical-BabyBear precondition the verifier's transcript and
arithmetic need; so no value the verifier reads is unconstrained, and none is checked twice.

The circuit depends only on the shrink key, the shrink proof's shape and the zkVM's PCS
parameters (a constant in the image ID): since the shrink program is fixed (it verifies the one
universal recursion program), so are the R1CS and its Groth16 key for every guest (tested: two
receipts' values give one R1CS digest). The Groth16 setup of :func:`wrap_zkvm` is the UNSAFE dev
setup; production must import a ceremony key (:mod:`zkrv_prover.bn254.zkey`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zkrv_prover import progress as progress_mod
from zkrv_prover.bn254 import groth16
from zkrv_prover.claim import ExitCode, Output, ReceiptClaim, claim_public_input
from zkrv_prover.r1cs import claim_circuit
from zkrv_prover.r1cs.builder import ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets.sha256 import digest_bytes
from zkrv_prover.r1cs.stark_arith import CircuitArith
from zkrv_prover.r1cs.wrap import require_wrappable
from zkrv_prover.r1cs.zkvm_claim import zkvm_claim_digest
from zkrv_prover.recursion import zkvm_layout as layout
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey
from zkrv_prover.stark.protocol.verifier import check_shape, verify_with
from zkrv_prover.zkvm.image_id import image_id_from, zkvm_params

if TYPE_CHECKING:
    from zkrv_prover.recursion.pipeline import WrapProfile


@dataclass(frozen=True)
class ZkvmStatement:
    """What a receipt with these 46 public values claims, computed natively."""

    image_id: bytes
    journal_digest: bytes
    exit_code: int

    @property
    def claim_digest(self) -> bytes:
        """``ReceiptClaim(image_id, Output(journal_digest), ExitCode(HALTED, exit_code))``:
        the SDK's ``Receipt.claim.digest()`` of such a receipt."""
        output = Output(self.journal_digest)
        return ReceiptClaim(self.image_id, output, ExitCode(user=self.exit_code)).digest()

    @property
    def public_input(self) -> int:
        return claim_public_input(self.claim_digest)


def statement(public: Sequence[int], params: PcsParams | None = None) -> ZkvmStatement:
    """The statement of the 46 public values under the zkVM's ``params`` (default
    ``zkvm_params()``); ``ValueError`` for values the circuit would not accept."""
    params = params or zkvm_params()
    parts = layout.split([int(v) for v in public])
    root = layout.root_int(parts.pre_root)
    layout.values(root, parts.log_program, parts.log_image, parts.public)  # range checks
    pub = bytes(parts.public)
    return ZkvmStatement(
        image_id_from(root, parts.log_program, parts.log_image, params),
        pub[:32],
        int.from_bytes(pub[32:36], "little"),
    )


@dataclass
class ZkvmWrapCircuit:
    """The final circuit of one shrink proof with its witness (in ``cs``). ``claim_digest`` and
    ``public_input`` are read back from the witness (what the circuit proves)."""

    cs: ConstraintSystem
    claim_digest: bytes
    public_input: int
    verifier_constraints: int
    claim_constraints: int

    @property
    def n_constraints(self) -> int:
        return self.cs.n_constraints


def build_zkvm_circuit(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    *,
    zkvm: PcsParams | None = None,
    strict: bool = True,
) -> ZkvmWrapCircuit:
    """The final circuit for a shrink ``proof`` of ``public`` (46 values, the
    :mod:`~zkrv_prover.recursion.zkvm_layout` order) under the shrink key ``vk`` (BN254 hash),
    for receipts of the zkVM parameters ``zkvm`` (default ``zkvm_params()``, bound in the image
    ID).

    The proof's shape and the values' count and canonicity are checked natively first
    (``VerificationError``/``ValueError``). With ``strict=True`` an invalid proof or a value the
    claim refuses raises :class:`~zkrv_prover.r1cs.builder.UnsatisfiedConstraintError` at the
    first failing check; with ``strict=False`` the circuit is built anyway and its witness
    violates some constraint (the R1CS itself is the same).
    """
    require_wrappable(vk)
    zkvm = zkvm or zkvm_params()
    if len(public) != layout.ZKVM_RECURSION_PUBLIC:
        raise ValueError(
            f"a zkVM shrink proof has {layout.ZKVM_RECURSION_PUBLIC} public values, "
            f"got {len(public)}"
        )
    check_shape(vk, proof, len(public))
    for v in public:
        if not 0 <= int(v) < P:
            raise VerificationError(f"public value {v} is not a canonical BabyBear element")
    cs = ConstraintSystem(strict=strict)
    # unchecked here: every one is range-checked by zkvm_claim_digest below (module docstring)
    pub_vars = [bb.BB(cs.alloc(int(v)), P) for v in public]
    verify_with(CircuitArith(cs), vk, pub_vars, proof)
    n_verifier = cs.n_constraints
    parts = layout.split(pub_vars)
    digest = zkvm_claim_digest(
        cs, parts.pre_root, parts.log_program, parts.log_image, parts.public, zkvm
    )
    cs.declare_public(claim_circuit.public_input(digest))
    (x,) = cs.public_values()
    return ZkvmWrapCircuit(
        cs=cs,
        claim_digest=digest_bytes(digest),
        public_input=x,
        verifier_constraints=n_verifier,
        claim_constraints=cs.n_constraints - n_verifier,
    )


@dataclass(frozen=True)
class ZkvmWrappedProof:
    """A Groth16 proof that a shrink proof verifies, for the receipt claim ``statement``."""

    proof: groth16.Proof
    vk: groth16.VerifyingKey
    public_input: int
    statement: ZkvmStatement
    unsafe_dev_setup: bool
    #: Proven (Johnson-bound) bits of the weakest recursion layer, when known; ``toy``: the
    #: layers used TOY SECURITY parameters (tests only).
    layer_bits: float | None = None
    toy: bool = False

    def verify(self) -> bool:
        """Native pairing check of the Groth16 proof for its public input."""
        return groth16.verify(self.vk, [self.public_input], self.proof)

    def snarkjs(self) -> dict[str, Any]:
        """``{"vk", "proof", "public"}`` in snarkjs's JSON layouts."""
        from zkrv_prover.bn254 import snarkjs_json as sj

        return {
            "vk": sj.vk_to_json(self.vk, unsafe_dev_setup=self.unsafe_dev_setup),
            "proof": sj.proof_to_json(self.proof),
            "public": sj.public_to_json([self.public_input]),
        }


def wrap_zkvm(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    *,
    zkvm: PcsParams | None = None,
    cache: Path | None = None,
    seed: int | None = None,
    setup: Callable[[groth16.NativeR1CS], groth16.ProvingKey] | None = None,
) -> ZkvmWrappedProof:
    """Shrink proof -> final circuit -> Groth16 proof, checked natively before returning: the
    pairing check, and the circuit's public input against the claim computed natively from the
    values (:func:`statement`). The proving key comes from ``setup`` (e.g. the SDK's key
    cache), else from the UNSAFE dev setup cached per R1CS digest in ``cache`` or the default
    directory. Raises ``VerificationError``/``UnsatisfiedConstraintError`` when the shrink
    proof does not verify or the values are out of range. ``seed``: a deterministic Groth16
    proof (tests only)."""
    stmt = statement(public, zkvm)
    progress_mod.stage("wrap circuit", 2)
    circuit = build_zkvm_circuit(vk, public, proof, zkvm=zkvm)
    progress_mod.advance()
    if circuit.public_input != stmt.public_input or circuit.claim_digest != stmt.claim_digest:
        raise RuntimeError("the circuit's claim differs from the native one (circuit bug)")
    nr = groth16.NativeR1CS(circuit.cs.to_r1cs())
    progress_mod.advance()
    pk = setup(nr) if setup is not None else groth16.cached_dev_setup(nr, cache=cache)[0]
    progress_mod.stage("groth16 prove", 1)
    gp = groth16.prove(pk, nr, circuit.cs.witness_limbs(), seed=seed)
    progress_mod.advance()
    out = ZkvmWrappedProof(gp, pk.vk, circuit.public_input, stmt, pk.unsafe_dev_setup)
    if not out.verify():
        raise RuntimeError("the Groth16 proof does not verify natively (engine bug)")
    return out


def wrap_zkvm_proof(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    *,
    profile: WrapProfile | None = None,
    setup: Callable[[groth16.NativeR1CS], groth16.ProvingKey] | None = None,
    cache: Path | None = None,
    seed: int | None = None,
    keep_keys: bool = False,
    key_store: Path | None = None,
) -> ZkvmWrappedProof:
    """A zkVM receipt's proof (``public`` under the lifted zkVM key ``vk``) to a Groth16 proof
    of its claim: the universal, compress and shrink recursion layers
    (:func:`zkrv_prover.recursion.pipeline.prove_layers`, ``profile`` default PRODUCTION), then
    :func:`wrap_zkvm` (``setup``, ``cache``, ``seed`` as there). Every layer verifies the one
    below natively while recording it, so an invalid receipt raises ``VerificationError``
    before any Groth16 work. ``keep_keys``: keep the layer keys cached in memory for the next
    wrap in this process (saves their keygen; the shrink key holds gigabytes), else they are
    dropped before the Groth16 step. ``key_store``: a directory keeping the layer keys across
    processes (read when present, written after keygen; the shrink key is about 1.4 GiB)."""
    from zkrv_prover.recursion import pipeline

    profile = profile or pipeline.PRODUCTION
    layers = pipeline.prove_layers(vk, public, proof, profile, key_store=key_store)
    top = layers[-1]
    if not keep_keys:
        pipeline.clear_keys()
    out = wrap_zkvm(top.key.vk, top.public, top.proof, cache=cache, seed=seed, setup=setup)
    bits = min(layer.key.config.bits for layer in layers)
    return replace(out, layer_bits=bits, toy=profile.toy)
