"""Proof format: round trip, strict parsing, and every serialized field modified is rejected."""

from __future__ import annotations

import pytest

from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci, multi_table
from zkrv_prover.stark.field.codec import ProofFormatError
from zkrv_prover.stark.field.field import EXT_DEGREE
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.proof import MAX_PROOF_BYTES, decode_proof, encode_proof
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.verifier import verify

FAST = PcsParams(num_queries=4, pow_bits=1)


@pytest.fixture(scope="module")
def fib() -> tuple[VerifyingKey, StarkProof, list[int], bytes]:
    vk = keygen(fibonacci.machine(), FAST)
    traces, pub = fibonacci.trace(3)
    proof = prove(vk, traces, pub, FieldRng.seeded(11))
    return vk, proof, pub, encode_proof(vk, proof)


def test_round_trip_multi_table() -> None:
    vk = keygen(multi_table.machine(), FAST)
    traces, pub = multi_table.trace(4, 2)
    proof = prove(vk, traces, pub, FieldRng.seeded(2))
    raw = encode_proof(vk, proof)
    back = decode_proof(vk, raw)
    assert encode_proof(vk, back) == raw
    verify(vk, pub, back)


def test_round_trip_and_verify(fib) -> None:  # type: ignore[no-untyped-def]
    vk, proof, pub, raw = fib
    back = decode_proof(vk, raw)
    assert back.log_heights == proof.log_heights and encode_proof(vk, back) == raw
    verify(vk, pub, back)


def test_truncated_extended_and_foreign_inputs_rejected(fib) -> None:  # type: ignore[no-untyped-def]
    vk, _, _, raw = fib
    for cut in (0, 5, 9, 11, 40, len(raw) // 2, len(raw) - 1):
        with pytest.raises(ProofFormatError):
            decode_proof(vk, raw[:cut])
    with pytest.raises(ProofFormatError, match="trailing"):
        decode_proof(vk, raw + b"\0")
    with pytest.raises(ProofFormatError, match="magic"):
        decode_proof(vk, b"X" + raw[1:])
    with pytest.raises(ProofFormatError, match="version"):
        decode_proof(vk, raw[:8] + b"\x09\x00" + raw[10:])
    # proofs of format 1 (doubled masking heights, salted preprocessed round), 2 (one quotient
    # per table instead of per height) and 3 (quartic challenge field x^4 - 11, no LogUp blind
    # columns, masking sized for one revealed value per query) and 4 (parameters without the
    # hash family) are refused
    for old in (1, 2, 3, 4):
        with pytest.raises(
            ProofFormatError, match=rf"unsupported proof version {old} \(expected 5\)"
        ):
            decode_proof(vk, raw[:8] + bytes([old, 0]) + raw[10:])
    with pytest.raises(ProofFormatError, match="exceeds"):
        decode_proof(vk, b"\0" * (MAX_PROOF_BYTES + 1))
    with pytest.raises(ProofFormatError, match="tables"):
        decode_proof(keygen(multi_table.machine(), FAST), raw)
    bad_height = bytearray(raw)
    bad_height[11] = 40
    with pytest.raises(ProofFormatError, match="height"):
        decode_proof(vk, bytes(bad_height))
    noncanonical = bytearray(raw)
    noncanonical[12 + 32 * 2 : 12 + 32 * 2 + 4] = b"\xff\xff\xff\xff"  # first opened value
    with pytest.raises(ProofFormatError, match="canonical"):
        decode_proof(vk, bytes(noncanonical))


def _rejected(vk: VerifyingKey, pub: list[int], data: bytes) -> bool:
    try:
        proof = decode_proof(vk, data)
    except ProofFormatError:
        return True
    try:
        verify(vk, pub, proof)
    except ValueError:  # VerificationError or a shape error
        return True
    return False


@pytest.mark.slow
def test_every_field_modified_is_rejected(fib) -> None:  # type: ignore[no-untyped-def]
    """Flip one bit in every 4-byte word of the header, roots and opened values, and in every
    third word of the PCS proof (Merkle rows, salts, siblings, FRI layers, final polynomial,
    nonce): each modified proof must fail to parse or to verify."""
    vk, _, pub, raw = fib
    head = 12 + 32 * 2  # magic, version, count, height, main and quotient roots
    n_opened = sum(len(v) for rnd in fib[1].opened for m in rnd for v in m) * 4 * EXT_DEGREE
    dense = list(range(0, head + n_opened, 4))
    sparse = list(range(head + n_opened, len(raw), 12))
    sparse.append(len(raw) - 1)
    escaped = []
    for pos in dense + sparse:
        mutated = bytearray(raw)
        mutated[pos] ^= 0x01
        if not _rejected(vk, pub, bytes(mutated)):
            escaped.append(pos)
    assert escaped == [], f"modifications at byte offsets {escaped} were accepted"
