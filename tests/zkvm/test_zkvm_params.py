"""zkVM receipts hash with Poseidon2-BabyBear: the parameters, the image IDs that bind them and
the receipt's check of its preprocessed root (no proving)."""

from __future__ import annotations

import pytest

from zkrv.receipt import ReceiptVerificationError, StarkReceipt, stark_seal
from zkrv_prover.bn254.constants import R
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.field.field import P
from zkrv_prover.zkvm.image_id import (
    ZKVM_HASH,
    ZKVM_LOG_FINAL_POLY_LEN,
    ZKVM_NUM_QUERIES,
    ZKVM_POW_BITS,
    image_id_from,
    zkvm_params,
)


def p2_digest(felts: list[int]) -> int:
    """The proof encoding of 8 elements: sum_i felt_i 2^(32 i)."""
    return sum(f << (32 * i) for i, f in enumerate(felts))


def test_zkvm_params_hash_with_poseidon2() -> None:
    assert ZKVM_HASH == "poseidon2-babybear"
    assert zkvm_params() == PcsParams(
        hash="poseidon2-babybear",
        num_queries=ZKVM_NUM_QUERIES,
        pow_bits=ZKVM_POW_BITS,
        log_final_poly_len=ZKVM_LOG_FINAL_POLY_LEN,
    )


def test_zkvm_query_count_is_the_fewest_for_the_target() -> None:
    """With the zkVM's grinding bits, its query count reaches the proven target on every term at
    the largest shapes, and one query fewer would not (the query phase drops below)."""
    from dataclasses import replace

    from zkrv_prover.stark.commit.params import TARGET_SECURITY_BITS
    from zkrv_prover.stark.protocol import soundness as sc

    params = zkvm_params()
    rep = sc.security_summary(params, lifted=True).jbr
    assert rep.minimum >= TARGET_SECURITY_BITS
    assert 100.3 < rep.bits(sc.QUERY_TERM) < 100.5
    fewer = replace(params, num_queries=params.num_queries - 1)
    assert sc.security_summary(fewer, lifted=True).jbr.bits(sc.QUERY_TERM) < TARGET_SECURITY_BITS


def test_image_id_binds_the_hash_family() -> None:
    root = p2_digest([1, 2, 3, 4, 5, 6, 7, 8])
    p2 = image_id_from(root, 10, 11, zkvm_params())
    bn = image_id_from(root, 10, 11, PcsParams(hash="poseidon-bn254"))
    assert p2 != bn and len(p2) == 32


def test_poseidon2_roots_may_exceed_the_bn254_modulus() -> None:
    """A Poseidon2 digest is any 8 canonical elements (up to ~2^255): a BN254 range check would
    refuse valid roots; an element >= p is what makes one non-canonical."""
    scheme = scheme_of("poseidon2-babybear")
    big = p2_digest([0] * 7 + [P - 1])
    assert big >= R and scheme.is_canonical(big)
    assert not scheme_of("poseidon-bn254").is_canonical(big)
    for bad in (p2_digest([P] + [0] * 7), p2_digest([0] * 7 + [0xFFFFFFFF]), -1, 1 << 256):
        assert not scheme.is_canonical(bad)


@pytest.mark.parametrize("felts", [[P] + [0] * 7, [0] * 7 + [0xFFFFFFFF]])
def test_receipt_refuses_a_non_canonical_root(felts: list[int]) -> None:
    root = p2_digest(felts)
    image_id = image_id_from(root, 10, 11, zkvm_params())
    receipt = StarkReceipt(image_id, 0, b"", stark_seal(root, 10, 11, b"\x00" * 64))
    with pytest.raises(ReceiptVerificationError, match="canonical poseidon2-babybear digest"):
        receipt.verify(image_id)
