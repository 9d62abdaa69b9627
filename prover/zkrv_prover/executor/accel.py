"""The executor's precompiles ("accelerators"): ECALLs whose work the machine proves in
dedicated circuit tables instead of guest instructions (``docs/zkvm-accel.md``).

Every precompile follows one ABI: ``a7`` is its ECALL number, ``a0`` and ``a1`` are word-aligned
pointers into RAM, it reads its inputs from memory and writes its outputs to memory, and it
retires in one cycle like any ECALL. The proof's memory argument checks those reads and writes
like loads and stores (inputs are read before any output is written, so overlapping buffers
behave as if the inputs were copied first).

- ``ECALL_SHA256`` (4): ``a0`` = the 8-word SHA-256 chaining state, as native ``uint32_t``
  words (writable), ``a1`` = one 64-byte message block in its standard byte order (readable).
  The state becomes ``compress(state, block)`` (FIPS 180-4, one block, no padding).
- ``ECALL_KECCAKF`` (5): ``a0`` = the 25-lane Keccak-f[1600] state, 50 writable words (lane
  ``x + 5 y`` as two words, low word first), ``a1`` must be 0. The state is permuted in place.
  The executor runs it; the machine cannot prove it yet (``zkvm/keccak_f.py`` proves the
  permutation, but no CPU row reaches that table), so ``zkrv.prove`` refuses such executions.
- ``ECALL_COMMIT`` (2): the same compression with the machine's journal state (registers
  ``JOURNAL_REG ..``, no memory) as its state; ``a0`` must be 0, ``a1`` is the block. At HALT the
  committed blocks must be a padded message (:func:`sha256_unpad`): the claim's journal digest
  is the state then, the journal the message.

This module is the executor's own implementation (Python ints, one call at a time); the circuit's
trace generator (``zkvm/sha256.py``) computes the same function independently, vectorized.
"""

from __future__ import annotations

from collections.abc import Sequence

#: The SHA-256 round constants (FIPS 180-4, 4.2.2).
SHA256_K: tuple[int, ...] = (
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
)  # fmt: skip
#: The SHA-256 initial chaining value.
SHA256_IV: tuple[int, ...] = (
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
)  # fmt: skip
#: Words of the SHA-256 state and of one block.
SHA256_STATE_WORDS, SHA256_BLOCK_WORDS = 8, 16

_M = 0xFFFFFFFF


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & _M


def state_digest(state: Sequence[int]) -> bytes:
    """The 32-byte digest of an 8-word SHA-256 state (words big-endian, as SHA-256 outputs)."""
    return b"".join(int(w).to_bytes(4, "big") for w in state)


def modmul256(a: Sequence[int], b: Sequence[int], m: Sequence[int]) -> list[int]:
    """``a * b mod m`` over 256-bit integers given as 8 little-endian u32 words each (least
    significant first); ``m = 0`` means 2^256. Returns the 8 words of the result."""
    if not len(a) == len(b) == len(m) == 8:
        raise ValueError("modmul256 needs three 8-word operands")

    def num(ws: Sequence[int]) -> int:
        return sum(int(w) << (32 * i) for i, w in enumerate(ws))

    mod = num(m) or 1 << 256
    r = num(a) * num(b) % mod
    return [(r >> (32 * i)) & _M for i in range(8)]


#: Keccak-f[1600]'s iota constants, round by round (FIPS 202, 3.2.5).
KECCAK_RC: tuple[int, ...] = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)  # fmt: skip
#: rho's rotation offset of lane ``x + 5 y`` (FIPS 202, Table 2).
KECCAK_RHO: tuple[int, ...] = (
    0, 1, 62, 28, 27,
    36, 44, 6, 55, 20,
    3, 10, 43, 25, 39,
    41, 45, 15, 21, 8,
    18, 2, 61, 56, 14,
)  # fmt: skip
#: Words of the Keccak-f state (25 lanes of two words).
KECCAK_STATE_WORDS = 50
_M64 = (1 << 64) - 1


def _rotl64(x: int, n: int) -> int:
    return ((x << n) | (x >> (64 - n))) & _M64 if n else x


def keccak_f(words: Sequence[int]) -> list[int]:
    """Keccak-f[1600] of a state given as 50 u32 words (lane ``x + 5 y`` = words ``2 (x + 5 y)``
    (low) and ``2 (x + 5 y) + 1`` (high)); returns the 50 words of the permuted state."""
    if len(words) != KECCAK_STATE_WORDS:
        raise ValueError("keccak_f needs 50 words")
    a = [int(words[2 * i]) | int(words[2 * i + 1]) << 32 for i in range(25)]
    for rc in KECCAK_RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rotl64(c[(x + 1) % 5], 1) for x in range(5)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl64(
                    a[x + 5 * y] ^ d[x], KECCAK_RHO[x + 5 * y]
                )
        a = [
            b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y])
            for y in range(5)
            for x in range(5)
        ]
        a[0] ^= rc
    return [w for lane in a for w in (lane & _M, lane >> 32)]


def sha256_pad(message: bytes) -> bytes:
    """``message`` padded to whole blocks (FIPS 180-4, 5.1.1): 0x80, zeros, 64-bit bit length."""
    zeros = (55 - len(message)) % 64
    return message + b"\x80" + bytes(zeros) + (8 * len(message)).to_bytes(8, "big")


def sha256_unpad(blocks: bytes) -> bytes | None:
    """The message whose padding (:func:`sha256_pad`) is ``blocks``, or None if ``blocks`` is
    not exactly the padding of any message (so the SHA-256 chain over them is no digest)."""
    if not blocks or len(blocks) % 64:
        return None
    bits = int.from_bytes(blocks[-8:], "big")
    if bits % 8 or bits // 8 > len(blocks) - 9:
        return None
    message = blocks[: bits // 8]
    return message if sha256_pad(message) == blocks else None


def sha256_compress(state: Sequence[int], block: bytes) -> list[int]:
    """One SHA-256 compression: the 8 state words (ints < 2^32) and a 64-byte block in message
    order; returns the new state words."""
    if len(state) != SHA256_STATE_WORDS or len(block) != 64:
        raise ValueError("sha256_compress needs 8 state words and a 64-byte block")
    w = [int.from_bytes(block[4 * i : 4 * i + 4], "big") for i in range(16)]
    for i in range(16, 64):
        x, y = w[i - 15], w[i - 2]
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> 3)
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> 10)
        w.append((w[i - 16] + s0 + w[i - 7] + s1) & _M)
    a, b, c, d, e, f, g, h = state
    for i in range(64):
        t1 = h + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & g))
        t1 = (t1 + SHA256_K[i] + w[i]) & _M
        t2 = (_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))
        h, g, f, e, d, c, b, a = g, f, e, (d + t1) & _M, c, b, a, (t1 + t2) & _M
    return [(x + y) & _M for x, y in zip(state, (a, b, c, d, e, f, g, h), strict=True)]
