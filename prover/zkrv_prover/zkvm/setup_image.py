"""A built-in guest for one-time recursion setup: a counting loop that halts with an empty
journal, written as machine words so no compiler is needed.

The recursion programs that verify zkVM proofs (the universal program, the segment tree's leaf,
join and finalize) depend only on the zkVM's key shape and the parameters, never on the guest,
but recording one needs a proof to run the verifier on. This image gives both kinds cheaply:
one proof of its whole run, or :data:`SETUP_SEGMENTS` segments of 2^:data:`SETUP_SEGMENT_PO2`
cycles (``recursion/segment_tree.py``).
"""

from __future__ import annotations

from zkrv_prover.executor.accel import sha256_pad
from zkrv_prover.executor.image import MemoryImage

#: Where the code and the empty journal's padding block live.
CODE, PAD = 0x0001_0000, 0x0003_0000
#: Loop iterations (two instructions each): about 200 cycles in all.
ITERATIONS = 100
#: The segment size and count of the setup run in segments.
SETUP_SEGMENT_PO2 = 7
SETUP_SEGMENTS = 2


def _addi(rd: int, rs1: int, imm: int) -> int:
    return ((imm & 0xFFF) << 20) | (rs1 << 15) | (rd << 7) | 0x13


def _lui(rd: int, imm20: int) -> int:
    return ((imm20 & 0xFFFFF) << 12) | (rd << 7) | 0x37


def _bne(rs1: int, rs2: int, off: int) -> int:
    o = off & 0x1FFF
    return (
        ((o >> 12) << 31) | (((o >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12)
        | (((o >> 1) & 0xF) << 8) | (((o >> 11) & 1) << 7) | 0x63
    )  # fmt: skip


ECALL = 0x00000073


def setup_image() -> MemoryImage:
    """The image: ``t0 = ITERATIONS; do t0 -= 1 while t0 != 0``, then COMMIT of the empty
    journal's padding block at ``PAD`` and HALT with exit code 0."""
    code = [
        _addi(5, 0, ITERATIONS),  # t0 = ITERATIONS
        _addi(5, 5, -1),  # loop: t0 -= 1
        _bne(5, 0, -4),  # while t0 != 0
        _addi(10, 0, 0),  # a0 = 0
        _lui(11, PAD >> 12),  # a1 = PAD
        _addi(17, 0, 2),  # a7 = COMMIT
        ECALL,
        _addi(17, 0, 0),  # a7 = HALT (a0 = exit code 0)
        ECALL,
    ]
    words = {CODE + 4 * k: w for k, w in enumerate(code)}
    words |= MemoryImage.bytes_as_words(PAD, sha256_pad(b""))
    return MemoryImage.from_words(CODE, words, [(CODE, CODE + 0x1000)])


__all__ = ["SETUP_SEGMENTS", "SETUP_SEGMENT_PO2", "setup_image"]
