"""Strict little-endian binary encoding of proof values (shared by the PCS and STARK formats).

Proofs are parsed against an expected *shape* (derived from parameters and the AIR), so no
lengths are encoded: every count is known before reading, truncation and trailing bytes are
errors, and every value is checked canonical (BabyBear < p, BN254 scalar < R) as it is read.
Encodings: base element = 4 bytes; extension element = EXT_DEGREE base elements
(4 EXT_DEGREE bytes); digest / BN254 scalar = 32 bytes; u8/u16/u32 plain unsigned integers.

Digests are 32-byte little-endian ints of one of two kinds (``digest_kind``, from the proof's
hash family): ``"bn254"``, a canonical BN254 scalar (< R), or ``"babybear8"``, 8 canonical
BabyBear elements as 8 u32 words (the Poseidon2 digest int sum_i felt_i 2^(32 i)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from zkrv_prover.bn254.constants import R
from zkrv_prover.stark.field.field import EXT_DEGREE, ExtInt, P

DigestKind = Literal["bn254", "babybear8"]


class ProofFormatError(ValueError):
    """Malformed proof bytes: truncated, oversized, non-canonical or inconsistent."""


def digest_canonical(v: int, kind: DigestKind) -> bool:
    """Whether ``v`` is a canonical digest of the kind (module docstring)."""
    if kind == "bn254":
        return 0 <= v < R
    return 0 <= v < 1 << 256 and all((v >> (32 * i)) & 0xFFFFFFFF < P for i in range(8))


class Writer:
    """Append-only encoder."""

    def __init__(self, digest_kind: DigestKind = "bn254") -> None:
        self._buf = bytearray()
        self.digest_kind: DigestKind = digest_kind

    def u8(self, v: int) -> None:
        self._buf += int(v).to_bytes(1, "little")

    def u16(self, v: int) -> None:
        self._buf += int(v).to_bytes(2, "little")

    def u32(self, v: int) -> None:
        self._buf += int(v).to_bytes(4, "little")

    def u64(self, v: int) -> None:
        self._buf += int(v).to_bytes(8, "little")

    def raw(self, b: bytes) -> None:
        self._buf += b

    def base(self, v: int) -> None:
        if not 0 <= v < P:
            raise ValueError(f"not a canonical BabyBear element: {v}")
        self._buf += int(v).to_bytes(4, "little")

    def bases(self, vs: Sequence[int]) -> None:
        for v in vs:
            self.base(v)

    def ext(self, v: Sequence[int]) -> None:
        if len(v) != EXT_DEGREE:
            raise ValueError(f"an extension element has {EXT_DEGREE} coefficients")
        self.bases(v)

    def digest(self, v: int) -> None:
        if not digest_canonical(v, self.digest_kind):
            raise ValueError(f"not a canonical {self.digest_kind} digest: {v}")
        self._buf += int(v).to_bytes(32, "little")

    def getvalue(self) -> bytes:
        return bytes(self._buf)


class Reader:
    """Bounds-checked decoder; ``what`` in errors says where parsing stopped."""

    def __init__(self, data: bytes, digest_kind: DigestKind = "bn254") -> None:
        self._data = memoryview(data)
        self._pos = 0
        self.digest_kind: DigestKind = digest_kind

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def _take(self, n: int, what: str) -> bytes:
        if self.remaining < n:
            raise ProofFormatError(f"proof truncated while reading {what} at byte {self._pos}")
        b = bytes(self._data[self._pos : self._pos + n])
        self._pos += n
        return b

    def u8(self, what: str) -> int:
        return self._take(1, what)[0]

    def u16(self, what: str) -> int:
        return int.from_bytes(self._take(2, what), "little")

    def u32(self, what: str) -> int:
        return int.from_bytes(self._take(4, what), "little")

    def u64(self, what: str) -> int:
        return int.from_bytes(self._take(8, what), "little")

    def raw(self, n: int, what: str) -> bytes:
        return self._take(n, what)

    def base(self, what: str) -> int:
        v = int.from_bytes(self._take(4, what), "little")
        if v >= P:
            raise ProofFormatError(f"non-canonical field element in {what} at byte {self._pos - 4}")
        return v

    def bases(self, n: int, what: str) -> list[int]:
        raw = self._take(4 * n, what)
        out = [int.from_bytes(raw[4 * i : 4 * i + 4], "little") for i in range(n)]
        for i, v in enumerate(out):
            if v >= P:
                raise ProofFormatError(f"non-canonical field element in {what} (entry {i})")
        return out

    def ext(self, what: str) -> ExtInt:
        return tuple(self.bases(EXT_DEGREE, what))

    def exts(self, n: int, what: str) -> list[ExtInt]:
        flat = self.bases(EXT_DEGREE * n, what)
        return [tuple(flat[EXT_DEGREE * i : EXT_DEGREE * (i + 1)]) for i in range(n)]

    def digest(self, what: str) -> int:
        v = int.from_bytes(self._take(32, what), "little")
        if not digest_canonical(v, self.digest_kind):
            kind = "BN254 scalar" if self.digest_kind == "bn254" else "Poseidon2 digest"
            raise ProofFormatError(f"non-canonical {kind} in {what} at byte {self._pos - 32}")
        return v

    def digests(self, n: int, what: str) -> list[int]:
        return [self.digest(what) for _ in range(n)]

    def finish(self) -> None:
        """Require that every byte was consumed."""
        if self.remaining:
            raise ProofFormatError(f"{self.remaining} unexpected trailing bytes in proof")
