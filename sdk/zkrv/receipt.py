"""Receipts: a claim (image ID, exit code, journal) and the seal that proves it.

Binary format (version 1, integers big-endian)::

    magic "ZKRVRCPT" (8) | version u16 | kind u8 | image_id (32) | exit_code u32
    | journal_len u32 | journal | seal_len u32 | seal

- kind 1, :class:`StarkReceipt`: ``seal = pre_root (32) | log2 program height u8 |
  log2 image height u8 | STARK proof`` (``zkrv_prover.stark.protocol.proof`` format; the proof
  and the root, a digest of 8 canonical BabyBear elements, use the zkVM's hash family,
  Poseidon2-BabyBear: ``zkvm_params()``). Verification refuses a non-canonical root,
  recomputes the image ID from the root and heights, rebuilds the verifying key and checks the
  proof against the public values ``sha256(journal) || exit_code`` the receipt claims. So every
  byte is either checked (magic, version, kind, lengths, image ID) or bound by the proof.
- kind 2, :class:`DevReceipt` (``zkrv prove --dev``): no proof; ``seal`` is the mock seal
  ``MOCK_SELECTOR || claim digest``. :meth:`Receipt.verify` always refuses it;
  :meth:`DevReceipt.verify_mock` (what the mock verifier contract does) accepts it.

Parsing is strict: unknown versions or kinds, short or trailing bytes, oversized fields and
malformed seals raise :class:`~zkrv.errors.ZkrvError`.
"""

from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from zkrv.claim import ExitCode, ExitSystem, Output, ReceiptClaim, sha256
from zkrv.errors import ZkrvError

MAGIC = b"ZKRVRCPT"
VERSION = 1
#: Largest journal and seal a receipt may hold (reject before allocating).
MAX_JOURNAL = 1 << 24
MAX_SEAL = 64 << 20
_HEAD = struct.Struct(">8sHB32sII")


class ReceiptKind(IntEnum):
    STARK = 1
    DEV = 2


class ReceiptVerificationError(ZkrvError):
    """The receipt does not prove what was asked (wrong image, journal, or an invalid proof)."""


@dataclass(frozen=True)
class Receipt(ABC):
    """Common part of all receipts; use :func:`decode_receipt` to parse bytes."""

    image_id: bytes
    exit_code: int
    journal: bytes
    seal: bytes

    kind = ReceiptKind.STARK

    def __post_init__(self) -> None:
        if len(self.image_id) != 32:
            raise ZkrvError("receipt: image ID must be 32 bytes")
        if not 0 <= self.exit_code < 1 << 32:
            raise ZkrvError("receipt: exit code must be a 32-bit unsigned integer")
        if len(self.journal) > MAX_JOURNAL or len(self.seal) > MAX_SEAL:
            raise ZkrvError("receipt: journal or seal too large")

    @property
    def journal_digest(self) -> bytes:
        return sha256(self.journal)

    @property
    def claim(self) -> ReceiptClaim:
        """The claim this receipt proves (exit status HALTED with the guest's exit code)."""
        return ReceiptClaim(
            image_id=self.image_id,
            output=Output(journal_digest=self.journal_digest),
            exit_code=ExitCode(ExitSystem.HALTED, self.exit_code),
        )

    def to_bytes(self) -> bytes:
        head = _HEAD.pack(
            MAGIC, VERSION, int(self.kind), self.image_id, self.exit_code, len(self.journal)
        )
        return head + self.journal + struct.pack(">I", len(self.seal)) + self.seal

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly view (the binary form is the canonical one)."""
        return {
            "version": VERSION,
            "kind": self.kind.name.lower(),
            "image_id": "0x" + self.image_id.hex(),
            "exit_code": self.exit_code,
            "journal": "0x" + self.journal.hex(),
            "journal_digest": "0x" + self.journal_digest.hex(),
            "claim_digest": "0x" + self.claim.digest().hex(),
            "seal_bytes": len(self.seal),
            "receipt_bytes": len(self.to_bytes()),
        }

    @abstractmethod
    def verify(self, image_id: bytes, journal: bytes | None = None) -> None:
        """Raise :class:`ReceiptVerificationError` unless this is a valid proof that the program
        with ``image_id`` halted with this exit code and journal (and ``journal``, if given)."""


@dataclass(frozen=True)
class StarkReceipt(Receipt):
    """A receipt whose seal is a STARK proof of the whole execution."""

    kind = ReceiptKind.STARK

    def verify(self, image_id: bytes, journal: bytes | None = None) -> None:
        from zkrv_prover.stark.commit.hash_scheme import scheme_of
        from zkrv_prover.stark.field.arith import VerificationError
        from zkrv_prover.stark.field.codec import ProofFormatError
        from zkrv_prover.stark.protocol.proof import decode_proof
        from zkrv_prover.stark.protocol.verifier import verify
        from zkrv_prover.zkvm.image_id import image_id_from, verifier_key, zkvm_params
        from zkrv_prover.zkvm.machine import check_heights
        from zkrv_prover.zkvm.memory import NUM_PUBLIC

        _check_expectations(self, image_id, journal)
        root, lp, li, proof_bytes = _split_stark_seal(self.seal)
        params = zkvm_params()
        if not scheme_of(params.hash).is_canonical(root):
            raise ReceiptVerificationError(
                f"receipt: preprocessed root is not a canonical {params.hash} digest"
            )
        if image_id_from(root, lp, li, params) != self.image_id:
            raise ReceiptVerificationError(
                "receipt: its preprocessed commitment does not match its image ID"
            )
        public = list(self.journal_digest) + list(self.exit_code.to_bytes(4, "little"))
        assert len(public) == NUM_PUBLIC
        try:
            vk = verifier_key(root, lp, li, params)
            proof = decode_proof(vk, proof_bytes)
            check_heights(vk.layouts, proof.log_heights)  # soundness bounds (docs/zkvm.md)
            verify(vk, public, proof)
        except (VerificationError, ProofFormatError, ValueError) as e:
            raise ReceiptVerificationError(f"receipt: invalid proof ({e})") from e


@dataclass(frozen=True)
class DevReceipt(Receipt):
    """A development-mode receipt: the claim with a mock seal and no proof."""

    kind = ReceiptKind.DEV

    def verify(self, image_id: bytes, journal: bytes | None = None) -> None:
        raise ReceiptVerificationError(
            "receipt: dev-mode receipt (made by 'zkrv prove --dev') proves nothing; only the "
            "mock verifier accepts it"
        )

    def verify_mock(self, image_id: bytes, journal: bytes | None = None) -> None:
        """What the mock verifier checks: the claim matches and the seal is its mock seal."""
        from zkrv.seal import encode_mock_seal

        _check_expectations(self, image_id, journal)
        if self.seal != encode_mock_seal(self.claim.digest()):
            raise ReceiptVerificationError("receipt: mock seal does not match the claim")


def _check_expectations(r: Receipt, image_id: bytes, journal: bytes | None) -> None:
    if len(image_id) != 32:
        raise ZkrvError("image ID must be 32 bytes")
    if r.image_id != image_id:
        raise ReceiptVerificationError(
            f"receipt is for image 0x{r.image_id.hex()}, not 0x{bytes(image_id).hex()}"
        )
    if journal is not None and journal != r.journal:
        raise ReceiptVerificationError("receipt's journal differs from the expected journal")


def stark_seal(pre_root: int, log_program: int, log_image: int, proof: bytes) -> bytes:
    """Encode a STARK seal (see the module docstring)."""
    return pre_root.to_bytes(32, "big") + bytes([log_program, log_image]) + proof


def _split_stark_seal(seal: bytes) -> tuple[int, int, int, bytes]:
    """(root, log program height, log image height, proof bytes); the root's canonical form is
    checked by the caller, against the receipt's hash family."""
    if len(seal) < 34:
        raise ReceiptVerificationError("receipt: STARK seal too short")
    root = int.from_bytes(seal[:32], "big")
    return root, seal[32], seal[33], bytes(seal[34:])


def decode_receipt(data: bytes) -> Receipt:
    """Parse a receipt (strict; raises :class:`ZkrvError` naming the problem)."""
    if len(data) < _HEAD.size + 4:
        raise ZkrvError(f"receipt: {len(data)} bytes is too short")
    magic, version, kind, image_id, exit_code, jlen = _HEAD.unpack_from(data, 0)
    if magic != MAGIC:
        raise ZkrvError("receipt: bad magic (not a zkrv receipt)")
    if version != VERSION:
        raise ZkrvError(f"receipt: unsupported version {version} (this zkrv reads {VERSION})")
    if kind not in (ReceiptKind.STARK, ReceiptKind.DEV):
        raise ZkrvError(f"receipt: unknown kind {kind}")
    if jlen > MAX_JOURNAL:
        raise ZkrvError("receipt: journal too large")
    pos = _HEAD.size
    if len(data) < pos + jlen + 4:
        raise ZkrvError("receipt: truncated journal")
    journal = bytes(data[pos : pos + jlen])
    pos += jlen
    (slen,) = struct.unpack_from(">I", data, pos)
    pos += 4
    if slen > MAX_SEAL or len(data) != pos + slen:
        raise ZkrvError("receipt: seal length does not match the data (truncated or trailing)")
    seal = bytes(data[pos:])
    cls = StarkReceipt if kind == ReceiptKind.STARK else DevReceipt
    return cls(image_id=image_id, exit_code=exit_code, journal=journal, seal=seal)
