"""End to end through the real STARK prover and verifier: ``zkrv.prove`` -> receipt ->
``verify``; tampered receipts, wrong image IDs/journals, dev receipts, and a malicious prover
(checks off) whose receipt the verifier rejects. Proving is slow on 2 cores, so the module proves
as few executions as possible and checks everything on them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from zkvm_util import asm, core_copy, every_instruction, image_of

import zkrv
from zkrv.errors import ZkrvError
from zkrv.prove import prove_one_segment
from zkrv.receipt import (
    DevReceipt,
    ReceiptVerificationError,
    StarkReceipt,
    decode_receipt,
    stark_seal,
)
from zkrv_prover.executor import execute
from zkrv_prover.stark.protocol.proof import encode_proof
from zkrv_prover.stark.protocol.prover import prove as stark_prove
from zkrv_prover.stark.protocol.testing import unchecked_prover
from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm.cpu import C
from zkrv_prover.zkvm.image_id import program_key

pytestmark = pytest.mark.slow

#: every RV32IM instruction and ECALL, exit code 42 (see zkvm_util.every_instruction)
CODE = every_instruction()
INPUT = b"\x01\x02\x03\x04\x05\x06"


@pytest.fixture(scope="module")
def image():  # type: ignore[no-untyped-def]
    return image_of(CODE)


def test_prove_verify_and_reject_tampering(image) -> None:  # type: ignore[no-untyped-def]
    """One proof (proving is the slow part; one test so that pytest-xdist proves it once):
    the receipt verifies; wrong image IDs, journals, claims and any flipped byte are rejected."""
    receipt = zkrv.prove(image, INPUT)
    assert isinstance(receipt, StarkReceipt)
    check_verifies(receipt, image)
    check_wrong_image_or_journal(receipt)
    check_changed_claim(receipt)
    check_every_region_of_the_bytes(receipt)


def check_verifies(receipt: StarkReceipt, image) -> None:  # type: ignore[no-untyped-def]
    assert receipt.exit_code == 42 and receipt.journal == b""
    assert receipt.image_id == zkrv.image_id(image)
    receipt.verify(receipt.image_id)
    receipt.verify(receipt.image_id, journal=b"")
    again = decode_receipt(receipt.to_bytes())
    assert again == receipt
    again.verify(receipt.image_id)
    view = receipt.to_json()
    assert view["kind"] == "stark" and view["claim_digest"] == "0x" + receipt.claim.digest().hex()


def check_wrong_image_or_journal(receipt: StarkReceipt) -> None:
    with pytest.raises(ReceiptVerificationError, match="image"):
        receipt.verify(bytes(32))
    with pytest.raises(ReceiptVerificationError, match="journal"):
        receipt.verify(receipt.image_id, journal=b"x")


def check_changed_claim(receipt: StarkReceipt) -> None:
    for forged in (
        dataclasses.replace(receipt, exit_code=43),
        dataclasses.replace(receipt, journal=b"\x00"),
    ):
        with pytest.raises(ReceiptVerificationError):
            forged.verify(receipt.image_id)


def check_every_region_of_the_bytes(receipt: StarkReceipt) -> None:
    raw = receipt.to_bytes()
    n = len(raw)
    seal_at = n - len(receipt.seal)
    # header fields, root, heights, several places in the proof, last byte
    spots = [0, 8, 9, 10, 11, 43, 47, 51, seal_at, seal_at + 31, seal_at + 32, seal_at + 33]
    spots += [int(x) for x in np.linspace(seal_at + 34, n - 1, 12)]
    for pos in spots:
        bad = bytearray(raw)
        bad[pos] ^= 0x01
        with pytest.raises(ZkrvError):
            decode_receipt(bytes(bad)).verify(receipt.image_id)
    for bad_raw in (raw[:-1], raw + b"\x00", raw[: seal_at - 4]):
        with pytest.raises(ZkrvError):
            decode_receipt(bad_raw).verify(receipt.image_id)


def test_dev_receipt_refused_by_verify_accepted_by_mock(image) -> None:  # type: ignore[no-untyped-def]
    dev = zkrv.prove(image, INPUT, dev=True)
    assert isinstance(dev, DevReceipt)
    back = decode_receipt(dev.to_bytes())
    assert isinstance(back, DevReceipt)
    with pytest.raises(ReceiptVerificationError, match="dev-mode"):
        back.verify(dev.image_id)
    back.verify_mock(dev.image_id)
    forged = dataclasses.replace(back, exit_code=9)
    with pytest.raises(ReceiptVerificationError):
        forged.verify_mock(dev.image_id)
    # a dev receipt relabelled as a STARK receipt is not a proof either
    as_stark = StarkReceipt(dev.image_id, dev.exit_code, dev.journal, dev.seal)
    with pytest.raises(ZkrvError):
        as_stark.verify(dev.image_id)


def test_malicious_prover_receipt_rejected(image) -> None:  # type: ignore[no-untyped-def]
    """A prover with its checks off proves a wrong exit code (the HALT row's a0 and the public
    values changed consistently); the verifier rejects the receipt."""
    key = program_key(image)
    res = execute(image, INPUT, trace=True)
    assert res.trace is not None
    w = zm.generate(key.tables, res.trace, key.vk.layouts)
    core = core_copy(w)
    cpu = core[zm.CORE_TABLES.index("cpu")]
    row = int(np.flatnonzero(cpu[:, C["e_halt"]])[0])
    cpu[row, C["r1_0"]] = 7
    pub = list(w.public)
    pub[zm.PUB_EXIT] = 7
    traces = zm.complete_traces(w.layouts, core, pub, strict=False)
    with unchecked_prover():
        proof = stark_prove(key.vk, traces, pub)
    assert key.vk.pre_root is not None
    seal = stark_seal(key.vk.pre_root, key.log_program, key.log_image, encode_proof(key.vk, proof))
    forged = StarkReceipt(key.image_id, 7, res.journal, seal)
    with pytest.raises(ReceiptVerificationError):
        forged.verify(key.image_id)


def test_image_id_binds_the_code(image) -> None:  # type: ignore[no-untyped-def]
    changed = image_of([*CODE[:-1], asm.i("addi", 10, 0, 43)])
    assert zkrv.image_id(changed) != zkrv.image_id(image)
    assert zkrv.image_id(image) == zkrv.image_id(image)


def test_too_long_execution_fails_before_proving(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the executor's cycle cap (2^26, patched to 8 here) nothing is proven; a run longer
    than one segment is refused by ``prove_one_segment`` before proving."""
    import zkrv_prover.executor as ex

    img = image_of([asm.i("addi", 5, 5, 1)] * 100)
    with pytest.raises(ZkrvError, match="more than 2\\^6 cycles"):
        prove_one_segment(img, segment_po2=6)
    monkeypatch.setattr(ex, "DEFAULT_MAX_CYCLES", 8)
    with pytest.raises(ZkrvError, match="the most zkrv proves"):
        zkrv.prove(img, dev=True)
