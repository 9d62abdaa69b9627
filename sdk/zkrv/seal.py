"""Seals: the bytes a contract receives as proof of a claim.

A seal is ``selector (4 bytes) || body``. The selector names the verifier that understands the
body, so a router can dispatch on it:

- Groth16 (BN254): ``selector = groth16_selector(vk)``, the first 4 bytes of a domain-separated
  SHA-256 of the proof-system version string and the verifying key; body = the proof points
  ``A (64) || B (128, EIP-197 order) || C (64)``; 260 bytes in all, anything else is malformed.
  A new verifying key or version yields a new selector, so old and new verifiers coexist.
- Mock (development only): ``selector = MOCK_SELECTOR``, body = the 32-byte claim digest; proves
  nothing and is accepted only by ``ZkrvMockVerifier``.

The Solidity verifiers hard-code their selector (the generator computes it with this module).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkrv.claim import sha256, tagged_struct
from zkrv.errors import ZkrvError
from zkrv.onchain.groth16 import Proof, VerifyingKey

#: Proof-system version hashed into Groth16 selectors; bump it when the verifier's semantics
#: (public-input layout, claim digest) change, even if the verifying key does not.
GROTH16_VERSION = "zkrv-groth16-bn254-v1"
MOCK_VERSION = "zkrv-mock-v1"

SELECTOR_LEN = 4
GROTH16_SEAL_LEN = SELECTOR_LEN + 256
MOCK_SEAL_LEN = SELECTOR_LEN + 32


def verifier_parameters_digest(version: str, parameters: bytes) -> bytes:
    """``tagged("VerifierParameters", [sha256(version), sha256(parameters)])``."""
    return tagged_struct(
        "VerifierParameters", [sha256(version.encode("ascii")), sha256(parameters)]
    )


def groth16_selector(vk: VerifyingKey, version: str = GROTH16_VERSION) -> bytes:
    """The 4-byte seal selector of the Groth16 verifier for ``vk``."""
    return verifier_parameters_digest(version, vk.to_bytes())[:SELECTOR_LEN]


#: Selector of the mock verifier (no parameters).
MOCK_SELECTOR: bytes = verifier_parameters_digest(MOCK_VERSION, b"")[:SELECTOR_LEN]


@dataclass(frozen=True)
class Groth16Seal:
    """A decoded Groth16 seal."""

    selector: bytes
    proof: Proof

    def to_bytes(self) -> bytes:
        return self.selector + self.proof.to_bytes()


def encode_groth16_seal(vk: VerifyingKey, proof: Proof) -> bytes:
    """``groth16_selector(vk) || A || B || C``."""
    return groth16_selector(vk) + proof.to_bytes()


def decode_groth16_seal(seal: bytes) -> Groth16Seal:
    """Split and validate a Groth16 seal; raises :class:`ZkrvError` when malformed."""
    if len(seal) != GROTH16_SEAL_LEN:
        raise ZkrvError(f"Groth16 seal: expected {GROTH16_SEAL_LEN} bytes, got {len(seal)}")
    return Groth16Seal(selector=bytes(seal[:SELECTOR_LEN]), proof=Proof.from_bytes(seal[4:]))


def encode_mock_seal(claim_digest: bytes) -> bytes:
    """A development-mode seal for ``claim_digest`` (accepted only by the mock verifier)."""
    if len(claim_digest) != 32:
        raise ZkrvError(f"mock seal: claim digest must be 32 bytes, got {len(claim_digest)}")
    return MOCK_SELECTOR + bytes(claim_digest)


def seal_selector(seal: bytes) -> bytes:
    """The selector of any seal."""
    if len(seal) < SELECTOR_LEN:
        raise ZkrvError(f"seal: {len(seal)} bytes is shorter than its 4-byte selector")
    return bytes(seal[:SELECTOR_LEN])
