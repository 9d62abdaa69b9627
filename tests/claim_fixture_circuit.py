"""TEST FIXTURE CIRCUIT (not a zkVM circuit; proves nothing about any execution).

A tiny Groth16 circuit whose only public input is ``claim_circuit.public_input(digest)`` for a
claim digest given as 256 private witness bits (each constrained boolean): exactly the public
input the real wrap circuits expose, so a proof made with it is a Groth16 receipt that every
verifier (native, Solidity router) treats like a real one. Anyone can prove any claim with it,
and its keys come from the UNSAFE dev setup (seeded, deterministic): tests only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zkrv.claim import ExitCode, ExitSystem, Output, ReceiptClaim, sha256
from zkrv.keys import CachedKey, KeyCache
from zkrv.onchain.groth16 import Proof
from zkrv.receipt import Groth16Receipt
from zkrv_prover.bn254 import groth16
from zkrv_prover.r1cs import claim_circuit
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets.sha256 import bytes_to_bits

#: Seed of the fixture's dev setup (deterministic keys across runs).
SETUP_SEED = 20261205


def _witness_bits(cs: ConstraintSystem, data: bytes) -> list[LC]:
    out = []
    for b in bytes_to_bits(data):
        v = cs.alloc(b.value)
        cs.assert_bool(v, "witness bit")
        out.append(v)
    return out


def build_halted(image_id: bytes, journal_digest: bytes, exit_code: int) -> ConstraintSystem:
    """TEST FIXTURE variant that computes the claim digest in the circuit
    (``claim_circuit.halted_claim_digest``, ~94k constraints) from witness image ID, journal
    digest and exit code, like the final wrap will from verified values; it exposes
    ``claim_circuit.public_input(digest)``."""
    cs = ConstraintSystem()
    digest = claim_circuit.halted_claim_digest(
        cs,
        _witness_bits(cs, image_id),
        _witness_bits(cs, journal_digest),
        _witness_bits(cs, exit_code.to_bytes(4, "big")),
    )
    cs.declare_public(claim_circuit.public_input(digest))
    return cs


def build(claim_digest: bytes) -> ConstraintSystem:
    """The fixture circuit with its witness for ``claim_digest`` (the R1CS is the same for
    every digest)."""
    cs = ConstraintSystem()
    cs.declare_public(claim_circuit.public_input(_witness_bits(cs, claim_digest)))
    return cs


@dataclass
class FixtureProver:
    """The fixture circuit's keys in a :class:`KeyCache`; makes Groth16 receipts."""

    cache: KeyCache
    nr: groth16.NativeR1CS
    pk: groth16.ProvingKey
    key: CachedKey

    @classmethod
    def setup(cls, root: Path) -> FixtureProver:
        nr = groth16.NativeR1CS(build(bytes(32)).to_r1cs())
        cache = KeyCache(root)
        pk, key = cache.setup(nr, seed=SETUP_SEED)
        return cls(cache, nr, pk, key)

    def receipt(self, image_id: bytes, journal: bytes, exit_code: int = 0) -> Groth16Receipt:
        claim = ReceiptClaim(
            image_id=image_id,
            output=Output(journal_digest=sha256(journal)),
            exit_code=ExitCode(ExitSystem.HALTED, exit_code),
        )
        cs = build(claim.digest())
        assert cs.public_values() == [claim.public_input()]
        proof = groth16.prove(self.pk, self.nr, cs.witness_limbs(), seed=7)
        return Groth16Receipt.from_proof(
            image_id, exit_code, journal, self.key.vk, Proof.from_bytes(proof.to_bytes())
        )
