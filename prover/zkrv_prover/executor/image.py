"""The canonical initial memory image: what the prover commits to as the program.

A :class:`MemoryImage` fixes the complete initial machine state: every register is zero, pc is
``entry``, memory words at ``addresses`` hold ``values`` and every other word is zero. Code pages
(``code_ranges``) are read-only and the only place instructions may be fetched from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zkrv_prover.executor.abi import PAGE_SIZE, RAM_END, RAM_START

U32 = npt.NDArray[np.uint32]


@dataclass(frozen=True, eq=False)
class MemoryImage:
    """Initial memory contents (word-addressed) plus entry point and code pages.

    Invariants (checked by :meth:`__post_init__`): ``addresses`` is a strictly increasing uint32
    array of word-aligned byte addresses inside RAM, ``values`` a uint32 array of the same length;
    ``code_ranges`` are disjoint, sorted, page-aligned ``[lo, hi)`` ranges inside RAM; ``entry``
    is word-aligned and inside a code range.
    """

    entry: int
    addresses: U32
    values: U32
    code_ranges: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        a, v = self.addresses, self.values
        if a.dtype != np.uint32 or v.dtype != np.uint32 or a.shape != v.shape or a.ndim != 1:
            raise ValueError("addresses and values must be equal-length 1-D uint32 arrays")
        if a.size and (
            np.any(a & 3) or np.any(np.diff(a.astype(np.int64)) <= 0) or a[0] < RAM_START
        ):
            raise ValueError("image addresses must be word-aligned, strictly increasing, in RAM")
        if a.size and int(a[-1]) + 4 > RAM_END:
            raise ValueError("image addresses must lie in RAM")
        prev = RAM_START
        for lo, hi in self.code_ranges:
            if lo % PAGE_SIZE or hi % PAGE_SIZE or not prev <= lo < hi <= RAM_END:
                raise ValueError(f"bad code range [0x{lo:x}, 0x{hi:x})")
            prev = hi
        if self.entry & 3 or not self.is_code(self.entry):
            raise ValueError(f"entry point 0x{self.entry:08x} is not an aligned code address")
        a.setflags(write=False)
        v.setflags(write=False)

    @classmethod
    def from_words(
        cls, entry: int, words: Mapping[int, int], code_ranges: Iterable[tuple[int, int]]
    ) -> MemoryImage:
        """Build an image from ``{byte_address: word}`` (handy for tests and tools)."""
        items = sorted(words.items())
        addrs = np.array([k for k, _ in items], dtype=np.uint32)
        vals = np.array([w for _, w in items], dtype=np.uint32)
        return cls(entry, addrs, vals, tuple(code_ranges))

    @staticmethod
    def bytes_as_words(base: int, data: bytes) -> dict[int, int]:
        """``{byte_address: word}`` of ``data`` (a multiple of 4 bytes) stored from the aligned
        ``base``, little-endian words, as :meth:`from_words` takes them."""
        if base % 4 or len(data) % 4:
            raise ValueError("bytes_as_words needs an aligned base and whole words")
        return {base + k: int.from_bytes(data[k : k + 4], "little") for k in range(0, len(data), 4)}

    def is_code(self, addr: int) -> bool:
        """Whether ``addr`` lies in a code page."""
        return any(lo <= addr < hi for lo, hi in self.code_ranges)

    def word(self, addr: int) -> int:
        """The initial word at word-aligned ``addr`` (zero where the image has none)."""
        i = int(np.searchsorted(self.addresses, addr))
        if i < self.addresses.size and int(self.addresses[i]) == addr:
            return int(self.values[i])
        return 0

    def digest(self) -> bytes:
        """SHA-256 over a canonical serialization (an identifier for humans and caches; the
        proof commits to the image with its own hash)."""
        h = hashlib.sha256(b"zkrv-memory-image-v1")
        header = [self.entry, len(self.code_ranges), self.addresses.size]
        h.update(np.array(header, dtype="<u4").tobytes())
        h.update(np.array(self.code_ranges, dtype="<u4").reshape(-1).tobytes())
        h.update(self.addresses.astype("<u4").tobytes())
        h.update(self.values.astype("<u4").tobytes())
        return h.digest()
