"""SHA-256 (FIPS 180-4) as R1CS over boolean variables.

A 32-bit word is a list of 32 boolean LCs, index i holding the bit of weight 2^i; rotations and
shifts are free re-indexing, and constant bits fold away (so constant message parts, such as the
domain tags of claim digests and the padding, cost less). Costs per bit: XOR of two 1, XOR of
three 2, ``Ch`` 1, ``Maj`` 2; adding k words mod 2^32 costs 32 + ceil(log2 k) (a decomposition of
the sum, whose carries are dropped). One compression of a variable block: about 27,000
constraints (64 rounds at ~294, the message schedule at ~162 per word for 48 words, 8 final
additions); see ``docs/r1cs.md`` for the measured figure.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets.bits import pack, to_bits

Word = list[LC]

_K = (
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4,
    0xAB1C5ED5, 0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE,
    0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F,
    0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7,
    0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC,
    0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B,
    0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116,
    0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
    0xC67178F2,
)  # fmt: skip
_H0 = (
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB,
    0x5BE0CD19,
)  # fmt: skip


def const_word(x: int) -> Word:
    return [LC.const((x >> i) & 1) for i in range(32)]


def word_value(w: Word) -> int:
    return sum(b.value << i for i, b in enumerate(w))


def alloc_word(cs: ConstraintSystem, x: int) -> Word:
    """A 32-bit witness word (32 boolean constraints)."""
    return cs.alloc_bits([(x >> i) & 1 for i in range(32)])


def _xor(cs: ConstraintSystem, a: LC, b: LC) -> LC:
    if a.is_constant():
        return b if a.value == 0 else 1 - b
    if b.is_constant():
        return a if b.value == 0 else 1 - a
    out = cs.alloc(a.value ^ b.value)
    cs.enforce(a * 2, b, a + b - out, "sha256 xor")  # a + b - 2ab
    return out


def _ch(cs: ConstraintSystem, e: LC, f: LC, g: LC) -> LC:
    """``e ? f : g`` = ``g + e (f - g)``."""
    return g + cs.mul(e, f - g, "sha256 ch")


def _maj(cs: ConstraintSystem, a: LC, b: LC, c: LC) -> LC:
    """``bc + a (b + c - 2bc)``."""
    bc = cs.mul(b, c, "sha256 maj")
    return bc + cs.mul(a, b + c - bc * 2, "sha256 maj")


def _rotr(w: Word, n: int) -> Word:
    return [w[(i + n) % 32] for i in range(32)]


def _shr(w: Word, n: int) -> Word:
    return [w[i + n] if i + n < 32 else LC.const(0) for i in range(32)]


def _xor3w(cs: ConstraintSystem, a: Word, b: Word, c: Word) -> Word:
    return [_xor(cs, _xor(cs, x, y), z) for x, y, z in zip(a, b, c, strict=True)]


def _add(cs: ConstraintSystem, words: Sequence[Word]) -> Word:
    """Sum of ``words`` mod 2^32 (32 + ceil(log2 len(words)) constraints; free if constant)."""
    s = LC.combine((b, 1 << i) for w in words for i, b in enumerate(w))
    if s.is_constant():
        return const_word(s.value % 2**32)
    extra = (len(words) - 1).bit_length()
    return to_bits(cs, s, 32 + extra)[:32]


def compress(cs: ConstraintSystem, state: Sequence[Word], block: Sequence[Word]) -> list[Word]:
    """One SHA-256 compression of a 16-word block into an 8-word state."""
    w = list(block)
    for t in range(16, 64):
        s0 = _xor3w(cs, _rotr(w[t - 15], 7), _rotr(w[t - 15], 18), _shr(w[t - 15], 3))
        s1 = _xor3w(cs, _rotr(w[t - 2], 17), _rotr(w[t - 2], 19), _shr(w[t - 2], 10))
        w.append(_add(cs, [s1, w[t - 7], s0, w[t - 16]]))
    a, b, c, d, e, f, g, h = state
    for t in range(64):
        big_s1 = _xor3w(cs, _rotr(e, 6), _rotr(e, 11), _rotr(e, 25))
        ch = [_ch(cs, x, y, z) for x, y, z in zip(e, f, g, strict=True)]
        big_s0 = _xor3w(cs, _rotr(a, 2), _rotr(a, 13), _rotr(a, 22))
        maj = [_maj(cs, x, y, z) for x, y, z in zip(a, b, c, strict=True)]
        t1 = [h, big_s1, ch, const_word(_K[t]), w[t]]
        new_e = _add(cs, [d, *t1])
        new_a = _add(cs, [*t1, big_s0, maj])
        a, b, c, d, e, f, g, h = new_a, a, b, c, new_e, e, f, g
    return [_add(cs, [x, y]) for x, y in zip(state, (a, b, c, d, e, f, g, h), strict=True)]


def sha256_bits(cs: ConstraintSystem, message: Sequence[LC]) -> list[LC]:
    """SHA-256 of a message given as boolean LCs in message order (each byte MSB first);
    returns the 256 digest bits in the same order. The length is part of the circuit's shape."""
    n = len(message)
    padded = [*message, LC.const(1)]
    while len(padded) % 512 != 448:
        padded.append(LC.const(0))
    padded += [LC.const((n >> (63 - i)) & 1) for i in range(64)]
    state: list[Word] = [const_word(h) for h in _H0]
    for blk in range(0, len(padded), 512):
        words = [padded[blk + 32 * j : blk + 32 * j + 32][::-1] for j in range(16)]
        state = compress(cs, state, words)
    return [b for word in state for b in word[::-1]]


def bytes_to_bits(data: bytes) -> list[LC]:
    """Constant message bits (MSB first per byte)."""
    return [LC.const((byte >> (7 - i)) & 1) for byte in data for i in range(8)]


def word_to_msg_bits(w: Word) -> list[LC]:
    """A word as 32 message bits, big-endian (as SHA-256 reads words)."""
    return list(w[::-1])


def digest_bytes(bits: Sequence[LC]) -> bytes:
    """The witness value of message-order digest bits as bytes."""
    n = 0
    for b in bits:
        n = 2 * n + b.value
    return n.to_bytes(len(bits) // 8, "big")


def top_bits_int(bits: Sequence[LC], k: int) -> LC:
    """The big-endian integer of the first ``k <= 253`` message-order bits (free); with k = 253
    this is ``uint256(digest) >> 3``, the wrap circuit's public input."""
    if k > 253:
        raise ValueError("more than 253 bits do not fit a BN254 scalar without wrapping")
    return pack(list(bits[:k])[::-1])
