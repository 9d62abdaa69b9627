"""Bytes of a segmented proof (the seal of a composite receipt, ``docs/segments.md``).

Format (integers big-endian)::

    pre_root (32) | log2 program height u8 | log2 image height u8 | segment count u32
    | per segment: pre_pc u32 | post_pc u32 | eof flags u8 | proof length u32 | STARK proof

The eof flags byte holds ``pre_eof`` in bit 0 and ``post_eof`` in bit 1; other bits must be
clear. Each STARK proof is ``stark.protocol.proof``'s encoding under the segmented machine's key
for ``pre_root`` and the heights (global-bus formats). The claim (image ID, exit code, journal)
is not in these bytes: the receipt carrying them supplies it to :func:`decode_segmented`.

Every byte is either checked here (lengths, flags, count, canonical root) or bound by
:func:`~zkrv_prover.zkvm.segment_prover.verify_segmented` (root and heights through the image
ID, links through the segments' public values and the chain check, proofs by verification).
"""

from __future__ import annotations

import struct

from zkrv_prover.claim import sha256
from zkrv_prover.stark.commit.hash_backend import P2_DIGEST
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.codec import ProofFormatError
from zkrv_prover.zkvm.image_id import verifier_key, zkvm_params
from zkrv_prover.zkvm.segment_prover import SegmentedProof, SegmentLinks
from zkrv_prover.zkvm.segments import MAX_SEGMENTS

__all__ = ["decode_segmented", "encode_segmented"]

#: root (4 bytes per Poseidon2 digest element) | log program | log image | segment count
_HEAD = struct.Struct(f">{4 * P2_DIGEST}sBBI")
_LINK = struct.Struct(">IIBI")


def encode_segmented(proof: SegmentedProof) -> bytes:
    """The seal bytes of ``proof`` (its segment proofs are already encoded)."""
    parts = [
        _HEAD.pack(
            proof.pre_root.to_bytes(4 * P2_DIGEST, "big"),
            proof.log_program,
            proof.log_image,
            len(proof.proofs),
        )
    ]
    for ln, body in zip(proof.links, proof.proofs, strict=True):
        flags = int(bool(ln.pre_eof)) | int(bool(ln.post_eof)) << 1
        parts.append(_LINK.pack(ln.pre_pc, ln.post_pc, flags, len(body)))
        parts.append(body)
    return b"".join(parts)


def decode_segmented(
    seal: bytes,
    image_id: bytes,
    exit_code: int,
    journal: bytes,
    params: PcsParams | None = None,
) -> SegmentedProof:
    """Parse a seal into a :class:`SegmentedProof` claiming ``image_id``, ``exit_code`` and
    ``journal``. Raises :class:`ProofFormatError` (a ``ValueError``) on truncation, trailing
    bytes, a count outside 1..MAX_SEGMENTS, unknown flag bits, a non-canonical root or
    heights out of range. The segment proofs stay bytes: :func:`verify_segmented` parses each (a
    malformed one fails verification), so a proof is parsed once. Verifies nothing
    cryptographically."""
    params = params or zkvm_params()
    if len(seal) < _HEAD.size:
        raise ProofFormatError(f"segmented seal of {len(seal)} bytes is too short")
    root_bytes, lp, li, count = _HEAD.unpack_from(seal, 0)
    root = int.from_bytes(root_bytes, "big")
    if not scheme_of(params.hash).is_canonical(root):
        raise ProofFormatError(f"preprocessed root is not a canonical {params.hash} digest")
    if not 1 <= count <= MAX_SEGMENTS:
        raise ProofFormatError(f"segment count {count} outside 1..{MAX_SEGMENTS}")
    verifier_key(root, lp, li, params, True)  # ValueError for heights out of range
    pos = _HEAD.size
    links, proofs = [], []
    for s in range(count):
        if len(seal) < pos + _LINK.size:
            raise ProofFormatError(f"segment {s}: truncated header")
        pre_pc, post_pc, flags, n = _LINK.unpack_from(seal, pos)
        pos += _LINK.size
        if flags & ~3:
            raise ProofFormatError(f"segment {s}: unknown eof flag bits 0x{flags:02x}")
        if len(seal) < pos + n:
            raise ProofFormatError(f"segment {s}: truncated proof")
        proofs.append(seal[pos : pos + n])
        pos += n
        links.append(SegmentLinks(pre_pc, post_pc, bool(flags & 1), bool(flags & 2)))
    if pos != len(seal):
        raise ProofFormatError(f"{len(seal) - pos} trailing bytes after the last segment")
    return SegmentedProof(
        image_id=image_id,
        pre_root=root,
        log_program=lp,
        log_image=li,
        exit_code=exit_code,
        journal_digest=sha256(journal),
        journal=journal,
        links=tuple(links),
        proofs=tuple(proofs),
    )
