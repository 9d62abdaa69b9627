"""Wrap a STARK proof into a Groth16 proof over BN254 (one public input: the claim digest).

The wrap circuit is the STARK verifier itself
(:func:`zkrv_prover.stark.protocol.verifier.verify_with`) run with
:class:`~zkrv_prover.r1cs.stark_arith.CircuitArith`, followed by the receipt-claim digest of the
statement the STARK proves:

- image ID = :func:`~zkrv_prover.r1cs.vk_digest.stark_vk_digest` of the STARK verifying key
  (a constant of the circuit: the circuit *is* that key's verifier);
- journal = the public values, each as a 4-byte little-endian word (RISC-V byte order), in
  order; its SHA-256 is computed in the circuit from the same variables the verifier used;
- claim digest = ``zkrv.claim.ok_claim_digest(image_id, sha256(journal))`` (exit code 0, zero
  input/post-state/assumptions digests), computed in the circuit
  (:mod:`~zkrv_prover.r1cs.claim_circuit`);
- the only public input is ``uint256(claim_digest) >> 3``, exactly what the Solidity router
  passes to the generated Groth16 verifier for ``verify(seal, imageId, sha256(journal))``.

One circuit (hence one Groth16 key) serves every proof of the same STARK key *and table heights*:
the verifier's control flow depends only on those (``Arith``'s data-obliviousness rule), and the
circuit's R1CS is identical for all such proofs (tested). With ``height_range=(lo, hi)`` the
circuit is built for a *range* of heights instead: the height is a witness value (bound into the
transcript, one-hot selected) and one circuit serves every height 2^lo..2^hi
(``stark.protocol.verifier.verify_with``'s variable-height mode; ``docs/wrap.md``).

The Groth16 setup used here is the engine's UNSAFE single-party dev setup (cached per circuit);
production must import a ceremony key (:mod:`zkrv_prover.bn254.zkey`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkrv_prover import progress as progress_mod
from zkrv_prover.bn254 import groth16
from zkrv_prover.r1cs import claim_circuit
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets import babybear as bb
from zkrv_prover.r1cs.gadgets.sha256 import digest_bytes, sha256_bits
from zkrv_prover.r1cs.stark_arith import CircuitArith
from zkrv_prover.r1cs.vk_digest import stark_vk_digest
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.field import P
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey
from zkrv_prover.stark.protocol.verifier import check_height_range, check_shape, verify_with


def journal_bytes(public: Sequence[int]) -> bytes:
    """The journal of a wrapped STARK: each public value as 4 little-endian bytes."""
    return b"".join(int(v).to_bytes(4, "little") for v in public)


@dataclass
class WrapCircuit:
    """The wrap circuit of one STARK proof with its witness (in ``cs``).

    ``claim_digest``/``public_input`` are the values the circuit computed (the circuit proves
    them; they are read back from the witness, not recomputed outside). Constraint counts:
    ``verifier_constraints`` for the STARK verifier (public-value range checks included),
    ``claim_constraints`` for the journal and claim digests.
    """

    cs: ConstraintSystem
    image_id: bytes
    journal: bytes
    claim_digest: bytes
    public_input: int
    log_heights: tuple[int, ...]
    verifier_constraints: int
    claim_constraints: int

    @property
    def n_constraints(self) -> int:
        return self.cs.n_constraints


def require_wrappable(vk: VerifyingKey) -> None:
    """Refuse (``ValueError``) a key whose proofs the wrap circuit cannot verify: it hashes
    with Poseidon over BN254 only (``PcsParams.hash == "poseidon-bn254"``)."""
    if vk.params.hash != "poseidon-bn254":
        raise ValueError(
            f"cannot wrap a {vk.params.hash!r} proof: the Groth16 wrap circuit verifies "
            "poseidon-bn254 proofs only"
        )


def emit_verifier(
    cs: ConstraintSystem,
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    arith: CircuitArith | None = None,
    height_range: tuple[int, int] | None = None,
) -> list[LC]:
    """Emit the STARK verifier of ``proof`` for ``public`` into ``cs`` (the wrap circuit
    without the claim digest; benchmarks count it, tamper tests check it). Returns the journal
    as message bits (see :func:`journal_bytes`) made from the same public-value variables the
    verifier used.

    The proof's shape is checked natively first (:func:`check_shape`; ``VerificationError``).
    A strict ``cs`` raises :class:`~zkrv_prover.r1cs.builder.UnsatisfiedConstraintError` at the
    first failing check of an invalid proof; a non-strict one records the violated constraints.
    ``arith`` (over ``cs``) replaces the default ``CircuitArith(cs)``, e.g. to profile.
    ``height_range``: build the circuit for every height in [2^lo, 2^hi] (the proof's own height
    must lie in it: ``VerificationError`` otherwise).
    """
    require_wrappable(vk)
    check_shape(vk, proof, len(public))
    if height_range is not None:
        check_height_range(vk, proof, *height_range)
    for v in public:
        if not 0 <= int(v) < P:
            raise VerificationError(f"public value {v} is not a canonical BabyBear element")
    # public values: canonical BabyBear (35 constraints each); their bits feed the journal
    pub_vals, journal_msg = [], []
    for v in public:
        x, bits = bb.alloc_bits(cs, int(v))
        pub_vals.append(x)
        journal_msg += claim_circuit.u32_le_message_bits(bits)
    if arith is not None and arith.cs is not cs:
        raise ValueError("arith must emit into cs")
    verify_with(arith or CircuitArith(cs), vk, pub_vals, proof, height_range)
    return journal_msg


def build_circuit(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    *,
    strict: bool = True,
    height_range: tuple[int, int] | None = None,
) -> WrapCircuit:
    """Build the wrap circuit and its witness for ``proof`` of ``public`` under ``vk``: the
    verifier (:func:`emit_verifier`), the journal and claim digests, and the one public input.

    With ``strict=True`` an invalid proof raises
    :class:`~zkrv_prover.r1cs.builder.UnsatisfiedConstraintError` at the first failing check;
    with ``strict=False`` the circuit is built anyway and its witness violates some constraint.
    ``height_range``: one circuit for all heights in [2^lo, 2^hi] (see the module doc).
    """
    require_wrappable(vk)
    cs = ConstraintSystem(strict=strict)
    journal_msg = emit_verifier(cs, vk, public, proof, height_range=height_range)
    n_verifier = cs.n_constraints
    image_id = stark_vk_digest(vk)
    journal_digest = sha256_bits(cs, journal_msg)
    digest = claim_circuit.ok_claim_digest(cs, claim_circuit.const_digest(image_id), journal_digest)
    cs.declare_public(claim_circuit.public_input(digest))
    (x,) = cs.public_values()
    return WrapCircuit(
        cs=cs,
        image_id=image_id,
        journal=journal_bytes(public),
        claim_digest=digest_bytes(digest),
        public_input=x,
        log_heights=tuple(proof.log_heights),
        verifier_constraints=n_verifier,
        claim_constraints=cs.n_constraints - n_verifier,
    )


@dataclass(frozen=True)
class WrappedProof:
    """A Groth16 proof that a STARK proof verifies, for the claim ``claim_digest``."""

    proof: groth16.Proof
    vk: groth16.VerifyingKey
    public_input: int
    claim_digest: bytes
    image_id: bytes
    journal: bytes
    unsafe_dev_setup: bool

    def verify(self) -> bool:
        """Native pairing check of the Groth16 proof for its public input."""
        return groth16.verify(self.vk, [self.public_input], self.proof)

    def snarkjs(self) -> dict[str, Any]:
        """``{"vk", "proof", "public"}`` in snarkjs's JSON layouts (what ``zkrv.onchain`` and
        ``zkrv deploy --vk`` read)."""
        from zkrv_prover.bn254 import snarkjs_json as sj

        return {
            "vk": sj.vk_to_json(self.vk, unsafe_dev_setup=self.unsafe_dev_setup),
            "proof": sj.proof_to_json(self.proof),
            "public": sj.public_to_json([self.public_input]),
        }


def _both(a: groth16.ProgressFn | None, b: groth16.ProgressFn | None) -> groth16.ProgressFn | None:
    """A ``(phase, fraction)`` callback calling ``a`` then ``b`` (either may be None)."""
    if a is None or b is None:
        return a if b is None else b
    first, second = a, b

    def cb(phase: str, frac: float) -> None:
        first(phase, frac)
        second(phase, frac)

    return cb


def wrap(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: StarkProof,
    *,
    cache: Path | None = None,
    progress: groth16.ProgressFn | None = None,
    seed: int | None = None,
    height_range: tuple[int, int] | None = None,
) -> WrappedProof:
    """STARK proof -> wrap circuit -> Groth16 proof, verified natively before returning.

    The proving key comes from :func:`groth16.cached_dev_setup` (UNSAFE dev setup, cached in
    ``cache`` or the default cache directory, keyed by the circuit's R1CS digest). Raises
    ``VerificationError``/``UnsatisfiedConstraintError`` if the STARK proof does not verify.
    ``seed`` makes the Groth16 proof's randomness deterministic (tests only).
    ``progress(phase, fraction)`` receives the engine's setup and prove phases; the current
    :mod:`zkrv_prover.progress` reporter, if any, gets stages "wrap circuit", "groth16 setup"
    (on a key-cache miss) and "groth16 prove".
    ``height_range=(lo, hi)``: use the circuit (and proving key) of every height 2^lo..2^hi.
    """
    require_wrappable(vk)
    progress_mod.stage("wrap circuit", 2)  # circuit and witness; R1CS conversion
    circuit = build_circuit(vk, public, proof, height_range=height_range)
    progress_mod.advance()
    nr = groth16.NativeR1CS(circuit.cs.to_r1cs())
    progress_mod.advance()
    # The engine reports (phase, fraction) between its phases; the setup stage shows only on a
    # proving-key cache miss.
    setup_cb = _both(progress, progress_mod.fraction_adapter("groth16 setup"))
    pk, _ = groth16.cached_dev_setup(nr, cache=cache, progress=setup_cb)
    prove_cb = _both(progress, progress_mod.fraction_adapter("groth16 prove"))
    gp = groth16.prove(pk, nr, circuit.cs.witness_limbs(), progress=prove_cb, seed=seed)
    out = WrappedProof(
        proof=gp,
        vk=pk.vk,
        public_input=circuit.public_input,
        claim_digest=circuit.claim_digest,
        image_id=circuit.image_id,
        journal=circuit.journal,
        unsafe_dev_setup=pk.unsafe_dev_setup,
    )
    if not out.verify():
        raise RuntimeError("the Groth16 wrap proof does not verify natively (engine bug)")
    return out
