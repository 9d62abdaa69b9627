"""Receipt claims and their digests: the single Python definition of what a receipt proves.

A zkrv receipt proves a :class:`ReceiptClaim`: "the program with image ID ``image_id``, started
with input ``input_digest``, ran to exit code ``exit_code`` in state ``post_state_digest`` and
produced ``output``". Contracts and the Groth16 wrap circuit never see the claim itself, only its
32-byte digest, computed with domain-separated SHA-256 (``contracts/src/ReceiptClaim.sol`` is the
Solidity twin; both are tested equal on random inputs through ``eth_call``). It lives in
``zkrv_prover`` so the Groth16 wrap circuit (``zkrv_prover.r1cs.claim_circuit``) shares its
constants; ``zkrv.claim`` re-exports it for users.

Hashing scheme (all integers big-endian)::

    tag(name)                 = SHA-256("zkrv." || name)
    tagged(name, [d1..dk], w) = SHA-256(tag(name) || d1 || .. || dk || w1 || .. || wm || u16(k))
    output_digest = tagged("Output", [journal_digest, assumptions_digest], [])
    claim_digest  = tagged("ReceiptClaim",
                           [input_digest, image_id, post_state_digest, output_digest],
                           [u32(exit_code.system), u32(exit_code.user)])

Room to grow without changing existing digests: ``post_state_digest`` and
``ExitSystem.PAUSED/SPLIT`` carry segmented (continued) execution, ``assumptions_digest``
carries composition (receipts a program relies on), ``input_digest`` committed private input.
Today's ordinary receipt has all three set to zero and exit code ``(HALTED, 0)``, so its digest
depends on ``(image_id, sha256(journal))`` alone: that is what :func:`ok_claim_digest` and the
Solidity ``ReceiptClaimLib.ok`` compute. A tag names a struct's version: a changed layout gets a
new tag, hence digests that never collide with old ones.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

ZERO_DIGEST = bytes(32)

#: The BN254 Groth16 public input is the claim digest shifted right by this many bits (the top
#: 253 bits, always below the scalar field order).
PUBLIC_INPUT_SHIFT = 3


def sha256(data: bytes) -> bytes:
    """Plain SHA-256 (the journal digest is ``sha256(journal)``, untagged)."""
    return hashlib.sha256(data).digest()


def tag_digest(name: str) -> bytes:
    """Domain-separation tag of a struct: ``SHA-256("zkrv." || name)``."""
    return sha256(b"zkrv." + name.encode("ascii"))


def tagged_struct(name: str, digests: Sequence[bytes], words: Sequence[int] = ()) -> bytes:
    """Digest of a tagged struct of 32-byte ``digests`` and 32-bit ``words`` (see module doc)."""
    for d in digests:
        _check_digest(d, name)
    if len(digests) >= 1 << 16:
        raise ValueError(f"{name}: too many digest fields")
    packed_words = b"".join(struct.pack(">I", _u32(w, name)) for w in words)
    return sha256(
        tag_digest(name) + b"".join(digests) + packed_words + struct.pack(">H", len(digests))
    )


class ExitSystem(IntEnum):
    """How execution ended, as far as the zkVM is concerned."""

    HALTED = 0  # the program exited; ``user`` is its exit code
    PAUSED = 1  # paused by the guest; resumable from ``post_state_digest``
    SPLIT = 2  # the prover split execution into segments here (continuations)


@dataclass(frozen=True)
class ExitCode:
    """Exit status: the system part (:class:`ExitSystem`) and the program's own 32-bit code."""

    system: ExitSystem = ExitSystem.HALTED
    user: int = 0

    def __post_init__(self) -> None:
        _u32(int(self.system), "ExitCode.system")
        _u32(self.user, "ExitCode.user")


@dataclass(frozen=True)
class Output:
    """What the program produced: its journal digest and the digest of its assumptions."""

    journal_digest: bytes
    assumptions_digest: bytes = ZERO_DIGEST

    def __post_init__(self) -> None:
        _check_digest(self.journal_digest, "Output.journal_digest")
        _check_digest(self.assumptions_digest, "Output.assumptions_digest")

    def digest(self) -> bytes:
        return tagged_struct("Output", [self.journal_digest, self.assumptions_digest])


@dataclass(frozen=True)
class ReceiptClaim:
    """The statement a receipt proves; see the module docstring for the digest."""

    image_id: bytes
    output: Output
    exit_code: ExitCode = field(default_factory=ExitCode)
    post_state_digest: bytes = ZERO_DIGEST
    input_digest: bytes = ZERO_DIGEST

    def __post_init__(self) -> None:
        _check_digest(self.image_id, "ReceiptClaim.image_id")
        _check_digest(self.post_state_digest, "ReceiptClaim.post_state_digest")
        _check_digest(self.input_digest, "ReceiptClaim.input_digest")

    @classmethod
    def ok(cls, image_id: bytes, journal: bytes) -> ReceiptClaim:
        """The common claim: ``image_id`` halted with exit code 0 and wrote ``journal``."""
        return cls(image_id=image_id, output=Output(journal_digest=sha256(journal)))

    def digest(self) -> bytes:
        return tagged_struct(
            "ReceiptClaim",
            [self.input_digest, self.image_id, self.post_state_digest, self.output.digest()],
            [int(self.exit_code.system), self.exit_code.user],
        )

    def public_input(self) -> int:
        """The single Groth16 public input of this claim (see :func:`claim_public_input`)."""
        return claim_public_input(self.digest())


def ok_claim_digest(image_id: bytes, journal_digest: bytes) -> bytes:
    """Digest of the common claim from ``(image_id, sha256(journal))`` alone."""
    return ReceiptClaim(image_id=image_id, output=Output(journal_digest=journal_digest)).digest()


def claim_public_input(claim_digest: bytes) -> int:
    """Groth16 public input of a claim digest: its top 253 bits as a big-endian integer."""
    _check_digest(claim_digest, "claim digest")
    return int.from_bytes(claim_digest, "big") >> PUBLIC_INPUT_SHIFT


def _check_digest(d: bytes, what: str) -> None:
    if not isinstance(d, bytes | bytearray) or len(d) != 32:
        raise ValueError(f"{what}: expected 32 bytes, got {type(d).__name__} of length {len(d)}")


def _u32(v: int, what: str) -> int:
    if not 0 <= v < 1 << 32:
        raise ValueError(f"{what}: {v} is not a 32-bit unsigned integer")
    return v
