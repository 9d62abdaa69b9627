"""Receipts: a claim (image ID, exit code, journal) and the seal that proves it.

Binary format (version 1, integers big-endian)::

    magic "ZKRVRCPT" (8) | version u16 | kind u8 | image_id (32) | exit_code u32
    | journal_len u32 | journal | seal_len u32 | seal

- kind 1, :class:`StarkReceipt`: ``seal = pre_root (32) | log2 program height u8 |
  log2 image height u8 | STARK proof`` (``zkrv_prover.stark.protocol.proof`` format; the proof
  and the root, a digest of 8 canonical BabyBear elements, use the zkVM's hash family,
  Poseidon2-BabyBear: ``zkvm_params()``). Under the 128-bit security profile
  (``ZKRV_SECURITY_PROFILE=128``) the seal starts with ``0xFF 0x80`` and the root has 9
  elements (36 bytes); a receipt is verified only under the profile it was proven in.
  Verification refuses a non-canonical root, recomputes the image ID from the root and heights,
  rebuilds the verifying key and checks the proof against the public values ``sha256(journal) ||
  exit_code`` the receipt claims. So every byte is either checked (magic, version, kind, lengths,
  image ID) or bound by the proof.
- kind 2, :class:`DevReceipt` (``zkrv prove --dev``): no proof; ``seal`` is the mock seal
  ``MOCK_SELECTOR || claim digest``. :meth:`Receipt.verify` always refuses it;
  :meth:`DevReceipt.verify_mock` (what the mock verifier contract does) accepts it.
- kind 3, :class:`Groth16Receipt`: ``seal`` is exactly the 260-byte Groth16 router seal
  ``selector (4) | A (64) | B (128, EIP-197 order) | C (64)`` (:mod:`zkrv.seal`), what the
  router's ``verify``/``verifyClaim`` take unchanged. Its single public input is
  ``claim_public_input(claim.digest())`` (``zkrv_prover.r1cs.claim_circuit.public_input`` in the
  circuit). Decoding checks the seal's length and that A, B, C are canonical points on their
  curves (B in the order-R subgroup). Verification finds the verifying key by the selector in
  the key cache (:mod:`zkrv.keys`) and runs the native pairing check; an unknown selector is
  refused, naming it.
- kind 4, :class:`SegmentedReceipt` (an execution longer than one segment): ``seal`` is a
  segmented proof (``zkrv_prover.zkvm.segment_codec``: preprocessed root, heights, segment count
  and, per segment in order, its pc/eof links and STARK proof of the segmented machine). Its
  claim is a one-proof receipt's (image ID, exit code, journal digest). Verification recomputes
  the image ID from the root and heights, sets every segment's public values from its position,
  links and the claim, checks the chain and verifies all segment proofs as one family
  (``verify_segmented``). It wraps into a Groth16 receipt like a kind-1 receipt (the segment
  join tree, ``docs/segments.md``). Under the 128-bit profile its seal starts with the same
  profile head, and is refused when parsed under another profile.

Parsing is strict: unknown versions or kinds, short or trailing bytes, oversized fields and
malformed seals raise :class:`~zkrv.errors.ZkrvError` (a segmented seal's header is checked
when parsed, its segment proofs when verified).
"""

from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from zkrv.claim import ExitCode, ExitSystem, Output, ReceiptClaim, claim_public_input, sha256
from zkrv.errors import ZkrvError

if TYPE_CHECKING:
    from zkrv.keys import CachedKey, KeyLookup
    from zkrv.onchain.groth16 import Proof, VerifyingKey
    from zkrv_prover.stark.protocol.prover import StarkProof
    from zkrv_prover.stark.protocol.prover import VerifyingKey as StarkVerifyingKey
    from zkrv_prover.zkvm.segment_prover import SegmentedProof

MAGIC = b"ZKRVRCPT"
VERSION = 1
#: Largest journal and seal a receipt may hold (reject before allocating).
MAX_JOURNAL = 1 << 24
MAX_SEAL = 64 << 20
#: A segmented seal holds about 750 KiB per segment: 1 GiB covers a 2^26-cycle run (the
#: executor's cap) in segments of 2^15 cycles or more.
MAX_SEGMENTED_SEAL = 1 << 30
_HEAD = struct.Struct(">8sHB32sII")


class ReceiptKind(IntEnum):
    STARK = 1
    DEV = 2
    GROTH16 = 3
    SEGMENTED = 4


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
    #: The largest seal this kind may hold (checked before allocating when parsing).
    max_seal = MAX_SEAL

    def __post_init__(self) -> None:
        if len(self.image_id) != 32:
            raise ZkrvError("receipt: image ID must be 32 bytes")
        if not 0 <= self.exit_code < 1 << 32:
            raise ZkrvError("receipt: exit code must be a 32-bit unsigned integer")
        if len(self.journal) > MAX_JOURNAL or len(self.seal) > self.max_seal:
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
    def verify(
        self, image_id: bytes, journal: bytes | None = None, *, keys: KeyLookup | None = None
    ) -> None:
        """Raise :class:`ReceiptVerificationError` unless this is a valid proof that the program
        with ``image_id`` halted with this exit code and journal (and ``journal``, if given).
        ``keys``: where a Groth16 receipt finds its verifying key (default: the user's key
        cache, :class:`zkrv.keys.KeyCache`); other kinds need no key and ignore it."""


@dataclass(frozen=True)
class StarkReceipt(Receipt):
    """A receipt whose seal is a STARK proof of the whole execution."""

    kind = ReceiptKind.STARK

    def verify(
        self, image_id: bytes, journal: bytes | None = None, *, keys: KeyLookup | None = None
    ) -> None:
        from zkrv_prover.stark.field.arith import VerificationError
        from zkrv_prover.stark.protocol.verifier import verify

        check_expectations(self, image_id, journal)
        vk, public, proof = self.zkvm_proof()
        try:
            verify(vk, public, proof)
        except (VerificationError, ValueError) as e:
            raise ReceiptVerificationError(f"receipt: invalid proof ({e})") from e

    def zkvm_proof(self) -> tuple[StarkVerifyingKey, list[int], StarkProof]:
        """The zkVM verifying key (rebuilt from the seal's preprocessed root and heights), the
        36 public values (``sha256(journal) || exit_code`` little-endian) and the decoded STARK
        proof, after the checks that need no proof verification: canonical root, image ID
        recomputed from root and heights, proof format, table heights within the soundness
        bounds. ReceiptVerificationError otherwise. Nothing is verified cryptographically."""
        from zkrv_prover.stark.commit.hash_scheme import scheme_of
        from zkrv_prover.stark.field.arith import VerificationError
        from zkrv_prover.stark.field.codec import ProofFormatError
        from zkrv_prover.stark.protocol.proof import decode_proof
        from zkrv_prover.zkvm.image_id import image_id_from, verifier_key, zkvm_params
        from zkrv_prover.zkvm.machine import check_heights
        from zkrv_prover.zkvm.memory import NUM_PUBLIC

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
        except (VerificationError, ProofFormatError, ValueError) as e:
            raise ReceiptVerificationError(f"receipt: invalid proof ({e})") from e
        return vk, public, proof

    def wrap(self, **kwargs: Any) -> Groth16Receipt:
        """This receipt wrapped into a Groth16 receipt: :func:`zkrv.wrapping.wrap` (keyword
        arguments as there)."""
        from zkrv.wrapping import wrap

        return wrap(self, **kwargs)


@dataclass(frozen=True)
class SegmentedReceipt(Receipt):
    """A receipt whose seal proves the execution in several segments (kind 4)."""

    kind = ReceiptKind.SEGMENTED
    max_seal = MAX_SEGMENTED_SEAL

    def __post_init__(self) -> None:
        super().__post_init__()
        from zkrv_prover.zkvm.segments import MAX_SEGMENTS

        if len(self._body) < root_bytes() + 6:
            raise ZkrvError("receipt: segmented seal too short")
        if not 1 <= self.segments <= MAX_SEGMENTS:
            raise ZkrvError(
                f"receipt: segmented seal declares {self.segments} segments (1..{MAX_SEGMENTS})"
            )

    @property
    def segments(self) -> int:
        """The segment count the seal's header declares (checked in range at construction;
        the segments themselves are decoded by :meth:`segmented_proof`)."""
        n = root_bytes() + 2
        return int.from_bytes(self._body[n : n + 4], "big")

    @property
    def _body(self) -> bytes:
        """The seal after its security-profile head (``split_seal_profile``)."""
        return split_seal_profile(self.seal)

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "segments": self.segments}

    def wrap(self, **kwargs: Any) -> Groth16Receipt:
        """This receipt wrapped into a Groth16 receipt: :func:`zkrv.wrapping.wrap` (keyword
        arguments as there)."""
        from zkrv.wrapping import wrap

        return wrap(self, **kwargs)

    def segmented_proof(self) -> SegmentedProof:
        """The decoded segmented proof for this receipt's claim; ReceiptVerificationError if
        the seal is malformed (nothing verified cryptographically)."""
        from zkrv_prover.zkvm.segment_codec import decode_segmented

        try:
            return decode_segmented(self._body, self.image_id, self.exit_code, self.journal)
        except ValueError as e:
            raise ReceiptVerificationError(f"receipt: malformed segmented seal ({e})") from e

    def verify(
        self, image_id: bytes, journal: bytes | None = None, *, keys: KeyLookup | None = None
    ) -> None:
        from zkrv_prover.stark.field.arith import VerificationError
        from zkrv_prover.zkvm.segment_prover import verify_segmented

        check_expectations(self, image_id, journal)
        proof = self.segmented_proof()
        try:
            verify_segmented(proof, image_id)
        except (VerificationError, ValueError) as e:
            raise ReceiptVerificationError(f"receipt: invalid segmented proof ({e})") from e


@dataclass(frozen=True)
class DevReceipt(Receipt):
    """A development-mode receipt: the claim with a mock seal and no proof."""

    kind = ReceiptKind.DEV

    def verify(
        self, image_id: bytes, journal: bytes | None = None, *, keys: KeyLookup | None = None
    ) -> None:
        raise ReceiptVerificationError(
            "receipt: dev-mode receipt (made by 'zkrv prove --dev') proves nothing; only the "
            "mock verifier accepts it"
        )

    def verify_mock(self, image_id: bytes, journal: bytes | None = None) -> None:
        """What the mock verifier checks: the claim matches and the seal is its mock seal."""
        from zkrv.seal import encode_mock_seal

        check_expectations(self, image_id, journal)
        if self.seal != encode_mock_seal(self.claim.digest()):
            raise ReceiptVerificationError("receipt: mock seal does not match the claim")


@dataclass(frozen=True)
class Groth16Receipt(Receipt):
    """A receipt whose seal is a Groth16 (BN254) proof of the claim: the 260-byte router seal.

    Construction refuses (ZkrvError) a seal that is not a well-formed Groth16 seal.
    """

    kind = ReceiptKind.GROTH16

    def __post_init__(self) -> None:
        super().__post_init__()
        from zkrv.seal import decode_groth16_seal

        try:
            decode_groth16_seal(self.seal)
        except ZkrvError as e:
            raise ZkrvError(f"receipt: malformed Groth16 seal ({e})") from e

    @classmethod
    def from_proof(
        cls,
        image_id: bytes,
        exit_code: int,
        journal: bytes,
        vk: VerifyingKey,
        proof: Proof,
    ) -> Groth16Receipt:
        """The receipt of ``proof`` (made for public input ``claim.public_input()``) under
        ``vk``: the seal is ``groth16_selector(vk) || proof``. Nothing is verified here."""
        from zkrv.seal import encode_groth16_seal

        return cls(
            image_id=image_id,
            exit_code=exit_code,
            journal=journal,
            seal=encode_groth16_seal(vk, proof),
        )

    @property
    def selector(self) -> bytes:
        """The seal's selector: names the verifying key (``groth16_selector(vk)``)."""
        return bytes(self.seal[:4])

    @property
    def public_input(self) -> int:
        """The single Groth16 public input this receipt's proof must be valid for."""
        return claim_public_input(self.claim.digest())

    def verifying_key(self, keys: KeyLookup | None = None) -> CachedKey:
        """The verifying key the seal's selector names in ``keys`` (default: the user's key
        cache, :class:`zkrv.keys.KeyCache`); ReceiptVerificationError naming the selector if
        there is none."""
        from zkrv.keys import KeyCache

        store: KeyLookup = KeyCache() if keys is None else keys
        key = store.by_selector(self.selector)
        if key is None:
            where = f" {store.dir}" if isinstance(store, KeyCache) else ""
            raise ReceiptVerificationError(
                f"receipt: unknown Groth16 selector 0x{self.selector.hex()}: no verifying key "
                f"for it in the key cache{where}; import the circuit's key first"
            )
        return key

    def verify(
        self, image_id: bytes, journal: bytes | None = None, *, keys: KeyLookup | None = None
    ) -> None:
        """Check the claim matches, find the key by selector (:meth:`verifying_key`), and run
        the native pairing check for ``public_input``. A key from the UNSAFE dev setup
        verifies like any other; callers that care check ``verifying_key().unsafe_dev_setup``."""
        from zkrv_prover.bn254 import groth16 as native_groth16

        check_expectations(self, image_id, journal)
        key = self.verifying_key(keys)
        if key.selector != self.selector:  # a custom KeyLookup answered with another key
            raise ReceiptVerificationError(
                f"receipt: key store returned key 0x{key.selector.hex()} for selector "
                f"0x{self.selector.hex()}"
            )
        if key.vk.n_public != 1:
            raise ReceiptVerificationError(
                f"receipt: verifying key 0x{self.selector.hex()} takes {key.vk.n_public} public "
                "inputs; a receipt's key takes exactly one (the claim digest)"
            )
        try:
            proof = native_groth16.Proof(bytes(self.seal[4:]))
            ok = native_groth16.verify(key.native_vk(), [self.public_input], proof)
        except ValueError as e:
            raise ReceiptVerificationError(f"receipt: invalid Groth16 seal ({e})") from e
        if not ok:
            raise ReceiptVerificationError(
                "receipt: the Groth16 proof does not verify for this claim (image ID, journal, "
                "exit code) under its verifying key"
            )


def check_expectations(r: Receipt, image_id: bytes, journal: bytes | None) -> None:
    """ReceiptVerificationError unless ``r`` is for ``image_id`` (and has ``journal``, if given);
    checks the claim only, not the seal."""
    if len(image_id) != 32:
        raise ZkrvError("image ID must be 32 bytes")
    if r.image_id != image_id:
        raise ReceiptVerificationError(
            f"receipt is for image 0x{r.image_id.hex()}, not 0x{bytes(image_id).hex()}"
        )
    if journal is not None and journal != r.journal:
        raise ReceiptVerificationError("receipt's journal differs from the expected journal")


#: First byte of a seal that names its security profile (a default-profile seal starts with its
#: root's top byte, at most 0x77 since every felt is below p < 2^31).
PROFILE_TAG = 0xFF


def seal_profile_head() -> bytes:
    """The head of this process's STARK seals: empty in the default security profile, else
    ``PROFILE_TAG || target bits`` (``zkrv_prover.stark.field.profile``)."""
    from zkrv_prover.stark.field.profile import DEFAULT_PROFILE, PROFILE

    return b"" if PROFILE.name == DEFAULT_PROFILE else bytes([PROFILE_TAG, PROFILE.target_bits])


def split_seal_profile(seal: bytes) -> bytes:
    """The seal after its profile head (:func:`seal_profile_head`), or a
    :class:`ReceiptVerificationError` naming both profiles when it was made under another one
    than this process runs (its bytes would not parse here)."""
    from zkrv_prover.stark.field.profile import DEFAULT_PROFILE, PROFILE, PROFILE_ENV, PROFILES

    # a head names a known profile; any other first bytes are a default seal's root (a
    # non-canonical one is then refused as such)
    named = str(seal[1]) if len(seal) >= 2 and seal[0] == PROFILE_TAG else DEFAULT_PROFILE
    tagged = named in PROFILES and named != DEFAULT_PROFILE
    name = named if tagged else DEFAULT_PROFILE
    if name != PROFILE.name:
        raise ReceiptVerificationError(
            f"receipt: proven under the {name}-bit security profile, but this process runs the "
            f"{PROFILE.name}-bit one (set {PROFILE_ENV}={name} to verify it)"
        )
    return bytes(seal[2:]) if tagged else bytes(seal)


def root_bytes() -> int:
    """Bytes of a preprocessed root in seals: 4 per Poseidon2 digest element (32, or 36 under
    the 128-bit security profile)."""
    from zkrv_prover.stark.field.profile import PROFILE

    return 4 * PROFILE.p2_digest


def stark_seal(pre_root: int, log_program: int, log_image: int, proof: bytes) -> bytes:
    """Encode a STARK seal (see the module docstring)."""
    root = pre_root.to_bytes(root_bytes(), "big")
    return seal_profile_head() + root + bytes([log_program, log_image]) + proof


def _split_stark_seal(seal: bytes) -> tuple[int, int, int, bytes]:
    """(root, log program height, log image height, proof bytes); the root's canonical form is
    checked by the caller, against the receipt's hash family."""
    seal = split_seal_profile(seal)
    n = root_bytes()
    if len(seal) < n + 2:
        raise ReceiptVerificationError("receipt: STARK seal too short")
    root = int.from_bytes(seal[:n], "big")
    return root, seal[n], seal[n + 1], bytes(seal[n + 2 :])


_CLASSES: dict[int, type[Receipt]] = {
    ReceiptKind.STARK: StarkReceipt,
    ReceiptKind.DEV: DevReceipt,
    ReceiptKind.GROTH16: Groth16Receipt,
    ReceiptKind.SEGMENTED: SegmentedReceipt,
}


def decode_receipt(data: bytes) -> Receipt:
    """Parse a receipt (strict; raises :class:`ZkrvError` naming the problem)."""
    if len(data) < _HEAD.size + 4:
        raise ZkrvError(f"receipt: {len(data)} bytes is too short")
    magic, version, kind, image_id, exit_code, jlen = _HEAD.unpack_from(data, 0)
    if magic != MAGIC:
        raise ZkrvError("receipt: bad magic (not a zkrv receipt)")
    if version != VERSION:
        raise ZkrvError(f"receipt: unsupported version {version} (this zkrv reads {VERSION})")
    if kind not in _CLASSES:
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
    if slen > _CLASSES[kind].max_seal or len(data) != pos + slen:
        raise ZkrvError("receipt: seal length does not match the data (truncated or trailing)")
    seal = bytes(data[pos:])
    return _CLASSES[kind](image_id=image_id, exit_code=exit_code, journal=journal, seal=seal)
