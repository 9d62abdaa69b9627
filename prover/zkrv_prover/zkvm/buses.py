"""The contract between the zkVM's tables: LogUp bus ids, tuple layouts and ALU opcodes.

Every table of the RV32IM machine talks to the others only through the buses below, so the tables
can be written and tested separately. A 32-bit word never appears as one field element (BabyBear
holds < 2^31): on every bus it is four little-endian bytes ``(w0, w1, w2, w3)``, each range
checked by whichever table *produces* it (a table that receives a word from a bus may rely on the
sender's range check only if the sender's documentation says so).

Bus tuples (multiplicity semantics: the sender sends, the owner table receives):

- ``BUS_ALU``: ``(op, a0..a3, b0..b3, c0..c3)`` asserts ``a = op(b, c)`` with RV32IM semantics
  for ``op`` in :class:`AluOp` (``c`` is the second operand: rs2 or the immediate; shifts use
  ``c & 31``; DIV/REM edge cases as the RISC-V spec defines). Sent by the CPU table (and others
  that need arithmetic, e.g. address computation); received by the ALU tables, which range check
  ``a`` and rely on the sender for ``b`` and ``c`` being bytes.
- ``BUS_BYTE``: ``(op, x, y, z)`` for ``op`` in :class:`ByteOp`, ``x, y`` bytes; received by the
  preprocessed byte table (all 2^16 pairs ``(x, y)``), so sending it also proves ``x, y < 256``.
- ``BUS_RANGE16``: ``(x,)`` proves ``0 <= x < 2^16``; received by a preprocessed 2^16-row table.
- ``BUS_MEMORY``, ``BUS_PROGRAM``: owned by the CPU/memory design (``docs/zkvm.md``).
- ``BUS_IMAGE``, ``BUS_ENTRY``, ``BUS_HALT``: also CPU/memory internal (``docs/zkvm.md``): image
  words into the memory init table, the entry pc into the CPU's first row, the HALT row's
  timestamp into the halt table (which reads the journal registers then).
- ``BUS_ACCEL``: ``(ecall, ts, a0 bytes, a1 bytes)``: a precompile ECALL row (SHA256, COMMIT,
  KECCAKF or MODMUL256; ``ecall`` = its a7, ``ts = 4 clk + 1``) hands its call to the
  precompile table that owns ``ecall``; that table reads and writes memory (COMMIT: the journal
  registers) through ``BUS_MEMORY`` at ``ts + 1, ts + 2`` (``docs/zkvm-accel.md``). The CPU
  guarantees the pointer bytes are bytes (register values).
- ``BUS_SHA256``, ``BUS_SHA256_K``: internal to the SHA-256 precompile (``zkvm/sha256.py``).
- ``BUS_KECCAK_RC``, ``BUS_KECCAK_IO``: internal to the Keccak-f table (``zkvm/keccak_f.py``):
  its rows' round flags, and the lanes between a block's first and last rows and its memory rows.
- ``BUS_GLOBAL`` (segmented machine only, ``docs/segments.md``): ``(addr, seg, v0..v3, kind)``,
  "after segment ``seg`` the word or register ``addr`` holds ``v``". It balances only over all
  segments of an execution, never within one proof: until the STARK layer has global buses it
  is declared as an ordinary bus and checked natively (``zkvm/segments.py``).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

#: Bus ids (distinct small constants; the LogUp fingerprint separates buses by its constant term).
BUS_PROGRAM = 1
BUS_MEMORY = 2
BUS_ALU = 3
BUS_BYTE = 4
BUS_RANGE16 = 5
BUS_IMAGE = 6
BUS_ENTRY = 7
BUS_HALT = 8
BUS_ACCEL = 9
BUS_SHA256 = 10
BUS_SHA256_K = 11
BUS_GLOBAL = 12
BUS_KECCAK_RC = 13
BUS_KECCAK_IO = 14


class AluOp(IntEnum):
    """Operations of ``BUS_ALU``; ``a = op(b, c)`` exactly as RV32IM defines them."""

    ADD = 1
    SUB = 2
    XOR = 3
    OR = 4
    AND = 5
    SLL = 6
    SRL = 7
    SRA = 8
    SLT = 9  # a = 1 if b < c (signed) else 0
    SLTU = 10  # a = 1 if b < c (unsigned) else 0
    MUL = 11
    MULH = 12
    MULHSU = 13
    MULHU = 14
    DIV = 15
    DIVU = 16
    REM = 17
    REMU = 18


class ByteOp(IntEnum):
    """Operations of ``BUS_BYTE`` over bytes ``x, y``: the looked-up ``z``."""

    RANGE = 0  # z = 0: proves x and y are bytes
    AND = 1  # z = x & y
    OR = 2  # z = x | y
    XOR = 3  # z = x ^ y
    LTU = 4  # z = 1 if x < y else 0
    MSB = 5  # z = x >> 7 (y = 0): sign bit of a byte


def word_to_bytes(words: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Split uint32 words (any shape) into little-endian bytes, shape ``(*words.shape, 4)``."""
    w = np.asarray(words, dtype=np.uint32)
    shifts = np.array([0, 8, 16, 24], dtype=np.uint32)
    return ((w[..., None] >> shifts) & np.uint32(0xFF)).astype(np.uint32)


def bytes_to_word(b: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Inverse of :func:`word_to_bytes` over the last axis."""
    arr = np.asarray(b, dtype=np.uint64)
    return (arr[..., 0] | arr[..., 1] << 8 | arr[..., 2] << 16 | arr[..., 3] << 24).astype(
        np.uint32
    )
