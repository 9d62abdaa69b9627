"""The guest-visible platform: memory map, ECALL numbers and register conventions.

Everything here is part of what a proof attests to; ``docs/executor.md`` is the prose version.

Memory map (byte addresses; every valid address is below 2^28, far below the BabyBear modulus):

- ``[0x0000_0000, RAM_START)``: null guard. Any access traps.
- ``[RAM_START, RAM_END)``: guest RAM. Readable everywhere. Writable except *code pages*: the
  4 KiB pages covered by the ELF's executable segments, which are read-only and the only place
  instructions are fetched from.
- ``[RAM_END, 2^32)``: unmapped. Any access traps.

Loads and stores must be naturally aligned (halfword on 2, word on 4); a misaligned access traps.
"""

from __future__ import annotations

#: First valid guest address; everything below is the null guard.
RAM_START = 0x0001_0000
#: One past the last valid guest address (192 MiB above zero).
RAM_END = 0x0C00_0000
#: Granularity of the code-page (read-only, executable) regions.
PAGE_SIZE = 4096
#: Initial stack pointer set by the SDK's crt0 (the top of RAM); the executor itself starts with
#: every register zero.
STACK_TOP = RAM_END

# ECALL numbers, passed in a7 (x17). Arguments in a0 (x10) and a1 (x11); result in a0.
#: HALT: a0 = exit code (32 bits). Execution stops. The claim's journal digest is the journal
#: state (below) at this point, as 32 big-endian bytes; the committed blocks must be a padded
#: SHA-256 message (FIPS 180-4, 5.1.1), so that digest is SHA-256 of the journal.
ECALL_HALT = 0
#: READ: a0 = word-aligned pointer. Writes the next (up to) four private input bytes, zero padded,
#: as one little-endian word at a0, and sets a0 = number of input bytes consumed (0..4; 0 means
#: end of input; the word is still written, as zero).
ECALL_READ = 1
#: COMMIT (a precompile, like SHA256 with the machine's journal state as its state): a0 = 0, a1 =
#: word-aligned pointer to one 64-byte block (message byte order). Appends the block to the
#: journal stream and compresses it into the journal state. The guest runtime pads the journal
#: (0x80, zeros, the 64-bit bit length) and commits its last block(s) before HALT.
ECALL_COMMIT = 2
#: LOG: a0 = pointer, a1 = length in bytes. Sends text to the host log; not part of the proof.
ECALL_LOG = 3
#: SHA256 (a precompile, ``executor/accel.py``): a0 = word-aligned pointer to the 8-word state
#: (native uint32 words, writable), a1 = word-aligned pointer to a 64-byte block (message byte
#: order). The state becomes the SHA-256 compression of state and block. Returns nothing.
ECALL_SHA256 = 4
#: KECCAKF (a precompile, ``executor/accel.py``, ``zkvm/keccak_f.py``): a0 = word-aligned pointer
#: to the 50 writable words of a Keccak-f[1600] state (lane x + 5 y at words 2 (x + 5 y), low word
#: first), a1 = 0. Permutes the state in place. Returns nothing.
ECALL_KECCAKF = 5
#: MODMUL256 (a precompile, ``executor/accel.py``, ``zkvm/modmul256.py``): a0 = word-aligned
#: pointer to 8 writable words (the result), a1 = word-aligned pointer to 24 words: a, b, m, each
#: a 256-bit little-endian integer (least significant word first). The result is a * b mod m, and
#: mod 2^256 when m = 0. The inputs are read before the result is written.
ECALL_MODMUL256 = 6

#: The journal state: eight machine registers after x0..x31 (addresses 32..39 of the register
#: space), which only COMMIT changes and HALT reads; no instruction can name them. They start at
#: SHA-256's initial value in the first cycle.
JOURNAL_REG = 32
JOURNAL_WORDS = 8

ECALL_NAMES = {
    ECALL_HALT: "HALT",
    ECALL_READ: "READ",
    ECALL_COMMIT: "COMMIT",
    ECALL_LOG: "LOG",
    ECALL_SHA256: "SHA256",
    ECALL_KECCAKF: "KECCAKF",
    ECALL_MODMUL256: "MODMUL256",
}

#: Register indices used by the ECALL ABI.
REG_A0 = 10
REG_A1 = 11
REG_A7 = 17

#: Default cycle limit of ``execute`` (one cycle per retired instruction).
DEFAULT_MAX_CYCLES = 1 << 26
