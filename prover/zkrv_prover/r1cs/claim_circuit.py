"""Receipt-claim digests inside the circuit: the SHA-256 tagged structs of
:mod:`zkrv_prover.claim`.

The Groth16 wrap exposes ONE public input, ``uint256(claim_digest) >> 3``; the claim digest is
computed here from circuit values with the exact hashing scheme of :mod:`zkrv_prover.claim` (the
single source of truth, re-exported as ``zkrv.claim``; its tags, shift and exit codes are imported,
and ``tests/r1cs/test_r1cs_claim_circuit.py`` checks every function against it on random
inputs)::

    tag(name)                 = SHA-256("zkrv." || name)
    tagged(name, [d1..dk], w) = SHA-256(tag(name) || d1 || .. || dk || w1 || .. || wm || u16(k))
    output_digest = tagged("Output", [journal_digest, assumptions_digest], [])
    claim_digest  = tagged("ReceiptClaim",
                           [input_digest, image_id, post_state_digest, output_digest],
                           [u32(exit_code.system), u32(exit_code.user)])

Bit conventions: a digest or message is a list of boolean :class:`LC` in *message order* (bytes
in order, each byte most significant bit first), as :func:`~.gadgets.sha256.sha256_bits` takes
and returns. Constant parts (tags, zero digests, exit codes, padding) fold away: a SHA-256 block
whose message words and incoming state are all constant costs nothing.

Costs (constraints, measured): ``ok_claim_digest`` with a variable journal digest and a constant
image ID is 67,465 (three variable compressions; the fully constant blocks are free); the
SHA-256 of a 12-byte journal of variable bits is 24,979 (one compression per 55 bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.claim import PUBLIC_INPUT_SHIFT, ExitSystem, tag_digest
from zkrv_prover.r1cs.builder import LC, ConstraintSystem
from zkrv_prover.r1cs.gadgets.sha256 import bytes_to_bits, sha256_bits, top_bits_int

#: Exit code of an ordinary receipt: (system HALTED, user 0).
HALTED = int(ExitSystem.HALTED)

Bits = list[LC]


def const_digest(d: bytes) -> Bits:
    """A constant 32-byte digest as message-order bits."""
    if len(d) != 32:
        raise ValueError(f"a digest is 32 bytes, got {len(d)}")
    return bytes_to_bits(d)


def tag_bits(name: str) -> Bits:
    """``tag(name) = SHA-256("zkrv." || name)`` as constant bits."""
    return bytes_to_bits(tag_digest(name))


def u32_be_bits(word: int) -> Bits:
    """A constant 32-bit word, big-endian, as message bits."""
    if not 0 <= word < 1 << 32:
        raise ValueError(f"{word} is not a 32-bit unsigned integer")
    return bytes_to_bits(word.to_bytes(4, "big"))


def tagged_struct(
    cs: ConstraintSystem, name: str, digests: Sequence[Bits], words: Sequence[Bits] = ()
) -> Bits:
    """``tagged(name, digests, words)``: digests are 256-bit, words 32-bit (big-endian message
    bits, e.g. from :func:`u32_be_bits`). Returns the 256 digest bits."""
    if any(len(d) != 256 for d in digests) or any(len(w) != 32 for w in words):
        raise ValueError("tagged_struct takes 256-bit digests and 32-bit words")
    msg = tag_bits(name)
    for d in digests:
        msg += list(d)
    for w in words:
        msg += list(w)
    msg += bytes_to_bits(len(digests).to_bytes(2, "big"))
    return sha256_bits(cs, msg)


def halted_claim_digest(
    cs: ConstraintSystem, image_id: Bits, journal_digest: Bits, user_exit: Bits
) -> Bits:
    """Digest of the claim "``image_id`` halted with user exit code ``user_exit`` (32
    big-endian message bits) and wrote a journal with SHA-256 ``journal_digest``" (zero input,
    post-state and assumptions digests): ``zkrv.claim.ReceiptClaim(image_id,
    Output(journal_digest), ExitCode(HALTED, user)).digest()``, the claim of a zkVM receipt."""
    zero = const_digest(bytes(32))
    output = tagged_struct(cs, "Output", [journal_digest, zero])
    return tagged_struct(
        cs,
        "ReceiptClaim",
        [zero, image_id, zero, output],
        [u32_be_bits(HALTED), user_exit],
    )


def ok_claim_digest(cs: ConstraintSystem, image_id: Bits, journal_digest: Bits) -> Bits:
    """Digest of the ordinary claim "``image_id`` halted with exit code 0 and wrote a journal
    with SHA-256 ``journal_digest``" (zero input, post-state and assumptions digests), i.e.
    ``zkrv.claim.ok_claim_digest``."""
    return halted_claim_digest(cs, image_id, journal_digest, u32_be_bits(0))


def public_input(digest: Bits) -> LC:
    """``uint256(digest) >> 3``: the top 253 bits as a big-endian integer (free; always below
    the BN254 scalar field order, so it is one field element)."""
    if len(digest) != 256:
        raise ValueError("a digest is 256 bits")
    return top_bits_int(digest, 256 - PUBLIC_INPUT_SHIFT)


def u32_le_message_bits(bits: Sequence[LC]) -> Bits:
    """Message bits of a value's 4-byte little-endian encoding, from its little-endian bits
    (at most 32; missing high bits are zero). Free: a re-ordering."""
    if len(bits) > 32:
        raise ValueError("a u32 has at most 32 bits")
    full = list(bits) + [LC.const(0)] * (32 - len(bits))
    out: Bits = []
    for byte in range(4):
        out += full[8 * byte : 8 * byte + 8][::-1]
    return out
