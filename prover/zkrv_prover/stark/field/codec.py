"""Strict bit-packed little-endian encoding of proof values (shared by the PCS and STARK formats).

Proofs are parsed against an expected *shape* (derived from parameters and the AIR), so no
lengths are encoded: every count is known before reading, truncation and trailing bytes are
errors, and every value is checked canonical (BabyBear < p, BN254 scalar < R) as it is read.

The bytes are one little-endian bit stream: value k occupies the bits after value k - 1
(bit j of the stream is bit j % 8 of byte j // 8), and the last byte is padded with zero bits
(a set padding bit is an error). Widths: base element :data:`BASE_BITS` = 31 bits (p < 2^31);
extension element EXT_DEGREE base elements; digest :func:`digest_bits` (a BN254 scalar in 254
bits, a Poseidon2 digest as its DIGEST_FELTS base elements); u8/u16/u32/u64 and raw bytes 8,
16, 32, 64 and 8 n bits. A value made only of whole bytes that starts on a byte boundary (the
proof headers) therefore lies byte-aligned in the stream.

Digests are ints of one of two kinds (``digest_kind``, from the proof's hash family):
``"bn254"``, a canonical BN254 scalar (< R), or ``"babybear"``, DIGEST_FELTS canonical BabyBear
elements (8, or 9 under the 128-bit security profile; the Poseidon2 digest int
``sum_i felt_i 2^(32 i)``, encoded felt by felt).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from zkrv_prover.bn254.constants import R
from zkrv_prover.stark.field.field import EXT_DEGREE, ExtInt, P
from zkrv_prover.stark.field.profile import PROFILE

DigestKind = Literal["bn254", "babybear"]

#: Bits of an encoded base element.
BASE_BITS = 31
#: Base elements of a Poseidon2 digest (the security profile's).
DIGEST_FELTS = PROFILE.p2_digest
#: Bits of an encoded BN254 scalar digest.
BN254_DIGEST_BITS = 254
#: Below this many values, bases are packed one by one (numpy costs more than it saves).
_VECTOR_MIN = 16


class ProofFormatError(ValueError):
    """Malformed proof bytes: truncated, oversized, non-canonical or inconsistent."""


def digest_canonical(v: int, kind: DigestKind) -> bool:
    """Whether ``v`` is a canonical digest of the kind (module docstring)."""
    if kind == "bn254":
        return 0 <= v < R
    return 0 <= v < 1 << (32 * DIGEST_FELTS) and all(f < P for f in digest_felts(v))


def digest_bits(kind: DigestKind) -> int:
    """Encoded bits of a digest of the kind."""
    return BN254_DIGEST_BITS if kind == "bn254" else DIGEST_FELTS * BASE_BITS


def digest_felts(v: int) -> list[int]:
    """The DIGEST_FELTS u32 words of a Poseidon2 digest int ``sum_i felt_i 2^(32 i)`` (low word
    first)."""
    return [(v >> (32 * i)) & 0xFFFFFFFF for i in range(DIGEST_FELTS)]


def felts_digest(felts: Sequence[int]) -> int:
    """The Poseidon2 digest int of DIGEST_FELTS felts (the inverse of :func:`digest_felts`)."""
    return sum(int(f) << (32 * i) for i, f in enumerate(felts))


def _pack31(vs: Sequence[int]) -> int:
    """The bit string of canonical base elements, 31 bits each, as one int (first value in the
    low bits)."""
    a = np.asarray(vs, dtype=np.uint32)
    bits = np.unpackbits(a.astype("<u4").view(np.uint8).reshape(-1, 4), axis=1, bitorder="little")
    packed = np.packbits(bits[:, :BASE_BITS].ravel(), bitorder="little")
    return int.from_bytes(packed.tobytes(), "little")


class Writer:
    """Append-only encoder (module doc: the bit layout)."""

    def __init__(self, digest_kind: DigestKind = "bn254") -> None:
        self._buf = bytearray()
        self._acc = 0  # pending bits, fewer than 8 after every flush
        self._nacc = 0
        self.digest_kind: DigestKind = digest_kind

    @property
    def bit_length(self) -> int:
        """Bits written so far."""
        return 8 * len(self._buf) + self._nacc

    def _push(self, v: int, nbits: int) -> None:
        self._acc |= v << self._nacc
        self._nacc += nbits
        if self._nacc >= 8:
            nbytes = self._nacc >> 3
            self._buf += (self._acc & ((1 << (8 * nbytes)) - 1)).to_bytes(nbytes, "little")
            self._acc >>= 8 * nbytes
            self._nacc -= 8 * nbytes

    def _unsigned(self, v: int, nbits: int) -> None:
        v = int(v)
        if not 0 <= v < 1 << nbits:
            raise OverflowError(f"{v} does not fit in {nbits} unsigned bits")
        self._push(v, nbits)

    def u8(self, v: int) -> None:
        self._unsigned(v, 8)

    def u16(self, v: int) -> None:
        self._unsigned(v, 16)

    def u32(self, v: int) -> None:
        self._unsigned(v, 32)

    def u64(self, v: int) -> None:
        self._unsigned(v, 64)

    def raw(self, b: bytes) -> None:
        self._push(int.from_bytes(b, "little"), 8 * len(b))

    def base(self, v: int) -> None:
        if not 0 <= v < P:
            raise ValueError(f"not a canonical BabyBear element: {v}")
        self._push(int(v), BASE_BITS)

    def bases(self, vs: Sequence[int]) -> None:
        if len(vs) < _VECTOR_MIN:
            for v in vs:
                self.base(v)
            return
        ints = [int(v) for v in vs]
        if min(ints) < 0 or max(ints) >= P:
            raise ValueError("not a canonical BabyBear element in a row")
        self._push(_pack31(ints), BASE_BITS * len(ints))

    def ext(self, v: Sequence[int]) -> None:
        if len(v) != EXT_DEGREE:
            raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
        self.bases(v)

    def digest(self, v: int) -> None:
        if not digest_canonical(v, self.digest_kind):
            raise ValueError(f"not a canonical {self.digest_kind} digest: {v}")
        if self.digest_kind == "bn254":
            self._push(int(v), BN254_DIGEST_BITS)
        else:
            self.bases(digest_felts(v))

    def getvalue(self) -> bytes:
        """The bytes so far, the last one padded with zero bits."""
        if self._nacc:
            return bytes(self._buf) + bytes([self._acc])
        return bytes(self._buf)


class Reader:
    """Bounds-checked decoder; ``what`` in errors says where parsing stopped. Every read goes
    through :meth:`_uint` (an unsigned int of some bits) or :meth:`_bases` (base elements),
    which subclasses may replace (shape-only and random readers)."""

    def __init__(self, data: bytes, digest_kind: DigestKind = "bn254") -> None:
        self._data = bytes(data)
        self._pos = 0  # in bits
        self.digest_kind: DigestKind = digest_kind

    @property
    def remaining_bits(self) -> int:
        return 8 * len(self._data) - self._pos

    def _need(self, nbits: int, what: str) -> None:
        if self.remaining_bits < nbits:
            raise ProofFormatError(f"proof truncated while reading {what} at byte {self._pos // 8}")

    def _uint(self, nbits: int, what: str) -> int:
        self._need(nbits, what)
        lo, sh = self._pos >> 3, self._pos & 7
        chunk = int.from_bytes(self._data[lo : (self._pos + nbits + 7) >> 3], "little")
        self._pos += nbits
        return (chunk >> sh) & ((1 << nbits) - 1)

    def _bases(self, n: int, what: str) -> list[int]:
        if n < _VECTOR_MIN:
            out = [self._uint(BASE_BITS, what) for _ in range(n)]
        else:
            nbits = BASE_BITS * n
            self._need(nbits, what)
            lo, sh = self._pos >> 3, self._pos & 7
            raw = np.frombuffer(self._data, np.uint8, (sh + nbits + 7) >> 3, lo)
            bits = np.unpackbits(raw, bitorder="little")[sh : sh + nbits].reshape(n, BASE_BITS)
            words = np.packbits(
                np.pad(bits, ((0, 0), (0, 32 - BASE_BITS))), axis=1, bitorder="little"
            )
            out = words.view("<u4").ravel().tolist()
            self._pos += nbits
        for i, v in enumerate(out):
            if v >= P:
                raise ProofFormatError(f"non-canonical field element in {what} (entry {i})")
        return out

    def u8(self, what: str) -> int:
        return self._uint(8, what)

    def u16(self, what: str) -> int:
        return self._uint(16, what)

    def u32(self, what: str) -> int:
        return self._uint(32, what)

    def u64(self, what: str) -> int:
        return self._uint(64, what)

    def raw(self, n: int, what: str) -> bytes:
        return self._uint(8 * n, what).to_bytes(n, "little")

    def base(self, what: str) -> int:
        return self._bases(1, what)[0]

    def bases(self, n: int, what: str) -> list[int]:
        return self._bases(n, what)

    def ext(self, what: str) -> ExtInt:
        return tuple(self._bases(EXT_DEGREE, what))

    def exts(self, n: int, what: str) -> list[ExtInt]:
        flat = self._bases(EXT_DEGREE * n, what)
        return [tuple(flat[EXT_DEGREE * i : EXT_DEGREE * (i + 1)]) for i in range(n)]

    def digest(self, what: str) -> int:
        start = self._pos // 8
        if self.digest_kind == "babybear":
            felts = [self._uint(BASE_BITS, what) for _ in range(DIGEST_FELTS)]
            if max(felts) >= P:
                raise ProofFormatError(f"non-canonical Poseidon2 digest in {what} at byte {start}")
            return felts_digest(felts)
        v = self._uint(BN254_DIGEST_BITS, what)
        if v >= R:
            raise ProofFormatError(f"non-canonical BN254 scalar in {what} at byte {start}")
        return v

    def digests(self, n: int, what: str) -> list[int]:
        return [self.digest(what) for _ in range(n)]

    def finish(self) -> None:
        """Require that every byte was consumed and that the last byte's padding bits are zero."""
        left = self.remaining_bits
        if left >= 8:
            raise ProofFormatError(f"{left // 8} unexpected trailing bytes in proof")
        if left and self._uint(left, "padding"):
            raise ProofFormatError("nonzero padding bits at the end of the proof")
