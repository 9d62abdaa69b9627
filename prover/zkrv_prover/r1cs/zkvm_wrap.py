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

Witness-only wraps: once a wrap of a circuit has proved on the full path (R1CS exported,
digested, converted; its key found or set up by that digest), it records the circuit's
:func:`circuit_id` (a digest of the shrink key, the proof's heights, the zkVM parameters and the
source code of ``zkrv_prover``) against the R1CS digest. A later wrap of the same circuit id
builds the circuit as usual but proves from its witness and constraint values only
(``groth16.Assignment``), skipping the export, digest and conversion of the matrices. The proof
is verified before it is returned, as on the full path; a record that names the wrong key
(same shape, another circuit) therefore yields a proof that does not verify, which sends the
wrap down the full path (and rewrites the record) instead of returning it.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
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
    from zkrv_prover.recursion.pipeline import LayerProof, WrapProfile
    from zkrv_prover.recursion.segment_tree import SegmentFamily


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


#: Bumped by hand on a change of the circuit that the source digest cannot see (e.g. in the
#: native extension's witness code); part of :func:`circuit_id`.
CIRCUIT_ID_VERSION = 1


@functools.cache
def code_digest() -> str:
    """SHA-256 over every Python source file of the ``zkrv_prover`` package (relative path and
    bytes): the circuit generator's code, for :func:`circuit_id`. Any edit changes it (and so
    costs one full-path wrap), which is what makes the id safe to key a cache with."""
    import zkrv_prover

    root = Path(zkrv_prover.__file__).resolve().parent
    h = hashlib.sha256(b"zkrv-prover-source-v1")
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        h.update(len(rel).to_bytes(8, "little") + rel + len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def circuit_id(vk: VerifyingKey, proof: StarkProof, *, zkvm: PcsParams | None = None) -> str:
    """Identifier of the final circuit :func:`build_zkvm_circuit` makes for a shrink proof under
    ``vk``: a digest of everything the R1CS is generated from: the shrink key's parameters,
    preprocessed root (which commits the recursion program) and table layouts (AIR names,
    widths, degrees, constraint and interaction counts, preprocessed shapes; the AIRs' code is
    in :func:`code_digest`), the proof's heights (the one shape parameter a proof carries), the
    zkVM's PCS parameters, :data:`CIRCUIT_ID_VERSION`; never the proof's values. Equal ids give
    equal R1CS digests (the record keeping in :func:`wrap_zkvm` relies on it only for speed: it
    verifies every proof). Built from plain values, not a pickle of the key, so two processes
    (two guests) that make the same shrink key get the same id."""
    layouts = [
        (
            lay.air.name,
            lay.main_width,
            lay.pre_width,
            lay.aux_width,
            lay.degree,
            lay.blind_col,
            None if lay.preprocessed is None else tuple(lay.preprocessed.shape),
            len(lay.constraints),
            len(lay.interactions),
            [list(g) for g in lay.logup_groups],
        )
        for lay in vk.layouts
    ]
    shape = (
        vk.params,
        vk.pre_root,
        vk.lifted,
        vk.machine.num_public_values,
        layouts,
        list(proof.log_heights),
        zkvm or zkvm_params(),
    )
    h = hashlib.sha256(b"zkrv-zkvm-final-circuit")
    h.update(CIRCUIT_ID_VERSION.to_bytes(4, "little") + bytes.fromhex(code_digest()))
    h.update(repr(shape).encode())
    return h.hexdigest()


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
    keys: groth16.KnownKeys | None = None,
) -> ZkvmWrappedProof:
    """Shrink proof -> final circuit -> Groth16 proof, checked natively before returning: the
    pairing check, and the circuit's public input against the claim computed natively from the
    values (:func:`statement`). The proving key comes from ``setup`` (e.g. the SDK's key
    cache), else from the UNSAFE dev setup cached per R1CS digest in ``cache`` or the default
    directory. Raises ``VerificationError``/``UnsatisfiedConstraintError`` when the shrink
    proof does not verify or the values are out of range. ``seed``: a deterministic Groth16
    proof (tests only).

    ``keys``: where a witness-only wrap finds the key of this :func:`circuit_id` (module
    docstring); default: the dev cache's (``groth16.KnownKeys.dev_cache(cache)``) when no
    ``setup`` is given, else none (every wrap takes the full path). With ``keys``, a full-path
    wrap records its circuit id in ``keys.index`` after its proof verified."""
    stmt = statement(public, zkvm)
    if keys is None and setup is None:
        keys = groth16.KnownKeys.dev_cache(cache)
    cid = circuit_id(vk, proof, zkvm=zkvm) if keys is not None else None
    pk = None
    if keys is not None and cid is not None:
        rec = keys.index.get(cid)
        pk = keys.load(rec.r1cs_digest) if rec is not None else None
    progress_mod.stage("wrap circuit", 2)
    circuit = build_zkvm_circuit(vk, public, proof, zkvm=zkvm)
    progress_mod.advance()
    if circuit.public_input != stmt.public_input or circuit.claim_digest != stmt.claim_digest:
        raise RuntimeError("the circuit's claim differs from the native one (circuit bug)")
    if pk is not None:
        out = _prove_witness_only(pk, circuit, stmt, seed)
        if out is not None:
            return out
        assert keys is not None and cid is not None
        warnings.warn(
            f"the Groth16 key recorded for circuit {cid} does not fit it; proving on the full path",
            RuntimeWarning,
            stacklevel=2,
        )
        keys.index.drop(cid)
        progress_mod.stage("wrap circuit", 2)
        progress_mod.advance()
    nr = groth16.NativeR1CS(circuit.cs.to_r1cs())
    progress_mod.advance()
    pk = setup(nr) if setup is not None else groth16.cached_dev_setup(nr, cache=cache)[0]
    progress_mod.stage("groth16 prove", 1)
    gp = groth16.prove(pk, nr, circuit.cs.witness_limbs(), seed=seed)
    progress_mod.advance()
    out = ZkvmWrappedProof(gp, pk.vk, circuit.public_input, stmt, pk.unsafe_dev_setup)
    if not out.verify():
        raise RuntimeError("the Groth16 proof does not verify natively (engine bug)")
    if keys is not None and cid is not None:
        keys.index.put(cid, nr)
    return out


def _prove_witness_only(
    pk: groth16.ProvingKey, circuit: ZkvmWrapCircuit, stmt: ZkvmStatement, seed: int | None
) -> ZkvmWrappedProof | None:
    """The witness-only prove of ``circuit`` with a recorded key (module docstring): the proof,
    verified; None when the key's shape differs or its proof does not verify (a stale record)."""
    asg = groth16.Assignment.of(circuit.cs)
    progress_mod.advance()
    handle = pk.handle
    if (asg.n_vars, asg.n_public, asg.n_constraints) != (
        handle.n_vars,
        handle.n_public,
        handle.n_constraints,
    ):
        return None
    progress_mod.stage("groth16 prove", 1)
    gp = groth16.prove_assignment(pk, asg, seed=seed)
    progress_mod.advance()
    out = ZkvmWrappedProof(gp, pk.vk, circuit.public_input, stmt, pk.unsafe_dev_setup)
    return out if out.verify() else None


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
    keys: groth16.KnownKeys | None = None,
) -> ZkvmWrappedProof:
    """A zkVM receipt's proof (``public`` under the lifted zkVM key ``vk``) to a Groth16 proof
    of its claim: the universal, compress and shrink recursion layers
    (:func:`zkrv_prover.recursion.pipeline.prove_layers`, ``profile`` default PRODUCTION), then
    :func:`wrap_zkvm` (``setup``, ``cache``, ``seed``, ``keys`` as there). Every layer verifies
    the one below natively while recording it, so an invalid receipt raises
    ``VerificationError`` before any Groth16 work. ``keep_keys``: keep the layer keys cached in
    memory for the next wrap in this process (saves their keygen; the shrink key holds
    gigabytes), else they are dropped before the Groth16 step. ``key_store``: a directory
    keeping the layer keys across processes (read when present, written after keygen; the shrink
    key is about 1.4 GiB)."""
    from zkrv_prover.recursion import pipeline

    profile = profile or pipeline.PRODUCTION
    layers = pipeline.prove_layers(vk, public, proof, profile, key_store=key_store)
    return _wrap_layers(layers, profile, setup, cache, seed, keep_keys, keys)


def wrap_zkvm_segmented(
    family: SegmentFamily,
    *,
    profile: WrapProfile | None = None,
    setup: Callable[[groth16.NativeR1CS], groth16.ProvingKey] | None = None,
    cache: Path | None = None,
    seed: int | None = None,
    keep_keys: bool = False,
    key_store: Path | None = None,
    keys: groth16.KnownKeys | None = None,
) -> ZkvmWrappedProof:
    """:func:`wrap_zkvm_proof` for a multi-segment execution (its segment proofs,
    ``recursion.segment_tree.SegmentFamily``): the segment tree, compress and shrink
    (:func:`zkrv_prover.recursion.pipeline.prove_layers_segmented`), then the same final
    circuit and Groth16 key as one-proof receipts. Raises ``VerificationError`` when a segment
    proof does not verify or the segments do not make one execution."""
    from zkrv_prover.recursion import pipeline

    profile = profile or pipeline.PRODUCTION
    layers = pipeline.prove_layers_segmented(family, profile, key_store=key_store)
    return _wrap_layers(layers, profile, setup, cache, seed, keep_keys, keys)


def _wrap_layers(
    layers: Sequence[LayerProof],
    profile: WrapProfile,
    setup: Callable[[groth16.NativeR1CS], groth16.ProvingKey] | None,
    cache: Path | None,
    seed: int | None,
    keep_keys: bool,
    keys: groth16.KnownKeys | None,
) -> ZkvmWrappedProof:
    """The final circuit and Groth16 proof over the top (shrink) layer of ``layers``."""
    from zkrv_prover.recursion import pipeline

    top = layers[-1]
    if not keep_keys:
        pipeline.clear_keys()
    out = wrap_zkvm(
        top.key.vk, top.public, top.proof, cache=cache, seed=seed, setup=setup, keys=keys
    )
    bits = min(layer.key.config.bits for layer in layers)
    return replace(out, layer_bits=bits, toy=profile.toy)
