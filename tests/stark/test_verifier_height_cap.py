"""The STARK verifier's height cap (``params.MAX_LOG_HEIGHT``): a proof claiming a taller table
is refused by the decoder, the native verifier and the prover, and a variable-height circuit
cannot range above it."""

from __future__ import annotations

import copy

import pytest

from zkrv_prover.r1cs.builder import ConstraintSystem
from zkrv_prover.r1cs.wrap import emit_verifier
from zkrv_prover.stark.commit.params import MAX_LOG_HEIGHT, PcsParams
from zkrv_prover.stark.examples import fibonacci, multi_table
from zkrv_prover.stark.field.arith import VerificationError
from zkrv_prover.stark.field.codec import ProofFormatError
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol import prover as prover_mod
from zkrv_prover.stark.protocol.proof import decode_proof, encode_proof
from zkrv_prover.stark.protocol.prover import ProverError, StarkProof, VerifyingKey, keygen, prove
from zkrv_prover.stark.protocol.verifier import height_offset, verify

PARAMS = PcsParams(num_queries=2, pow_bits=1)


@pytest.fixture(scope="module")
def fib() -> tuple[VerifyingKey, list[int], StarkProof]:
    vk = keygen(fibonacci.machine(), PARAMS)
    traces, pub = fibonacci.trace(4)
    return vk, pub, prove(vk, traces, pub, FieldRng.seeded(1))


def test_cap_is_the_zkvm_table_cap() -> None:
    assert MAX_LOG_HEIGHT == 22


def test_decoder_refuses_a_height_above_the_cap(
    fib: tuple[VerifyingKey, list[int], StarkProof],
) -> None:
    vk, _pub, proof = fib
    raw = encode_proof(vk, proof)
    at = 8 + 2 + 1  # magic, version, table count: the first log height
    assert raw[at] == 4
    assert decode_proof(vk, raw) == proof
    with pytest.raises(ProofFormatError, match=f"log height {MAX_LOG_HEIGHT + 1} exceeds"):
        decode_proof(vk, raw[:at] + bytes([MAX_LOG_HEIGHT + 1]) + raw[at + 1 :])
    # the cap itself passes the height check (the bytes then run short: a different error)
    with pytest.raises(ProofFormatError) as e:
        decode_proof(vk, raw[:at] + bytes([MAX_LOG_HEIGHT]) + raw[at + 1 :])
    assert "exceeds" not in str(e.value)


def test_verifier_refuses_a_height_above_the_cap(
    fib: tuple[VerifyingKey, list[int], StarkProof],
) -> None:
    vk, pub, proof = fib
    verify(vk, pub, proof)
    bad = copy.deepcopy(proof)
    bad.log_heights[0] = MAX_LOG_HEIGHT + 1
    with pytest.raises(VerificationError, match=f"exceeds the verifier's cap 2\\^{MAX_LOG_HEIGHT}"):
        verify(vk, pub, bad)
    with pytest.raises(VerificationError, match="cap"):
        emit_verifier(ConstraintSystem(), vk, pub, bad)  # the wrap checks the shape natively


def test_variable_height_range_stays_under_the_cap(
    fib: tuple[VerifyingKey, list[int], StarkProof],
) -> None:
    vk, pub, proof = fib
    height_offset(vk, MAX_LOG_HEIGHT - 2, MAX_LOG_HEIGHT)
    with pytest.raises(ValueError, match="cap"):
        height_offset(vk, MAX_LOG_HEIGHT - 2, MAX_LOG_HEIGHT + 1)
    with pytest.raises(ValueError, match="cap"):
        verify(vk, pub, proof, height_range=(4, MAX_LOG_HEIGHT + 1))
    with pytest.raises(ValueError, match="cap"):
        emit_verifier(ConstraintSystem(), vk, pub, proof, height_range=(4, MAX_LOG_HEIGHT + 1))


def test_prover_refuses_tables_above_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    vk = keygen(fibonacci.machine(), PARAMS)
    traces, pub = fibonacci.trace(4)
    monkeypatch.setattr(prover_mod, "MAX_LOG_HEIGHT", 3)  # a 2^23-row trace is too big to test
    with pytest.raises(ProverError, match="exceed the cap 2\\^3"):
        prove(vk, traces, pub, FieldRng.seeded(1))
    # a preprocessed table (multi_table's 2^8-row byte table) above the cap: no key
    monkeypatch.setattr(prover_mod, "MAX_LOG_HEIGHT", 7)
    with pytest.raises(ValueError, match="preprocessed height exceeds the cap 2\\^7"):
        keygen(multi_table.machine(), PARAMS)
