"""Groth16 receipts (kind 3): encoding, strict decoding, native verification through the key
cache. Proofs come from the TEST FIXTURE circuit (``tests/claim_fixture_circuit.py``): its one
public input is ``claim_circuit.public_input(claim digest)``, like the real wrap circuits."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

import pytest
from claim_fixture_circuit import FixtureProver

from zkrv.claim import sha256
from zkrv.errors import ZkrvError
from zkrv.keys import KeyCache
from zkrv.receipt import (
    MAGIC,
    VERSION,
    DevReceipt,
    Groth16Receipt,
    ReceiptKind,
    ReceiptVerificationError,
    decode_receipt,
)
from zkrv.seal import GROTH16_SEAL_LEN, encode_mock_seal
from zkrv_prover.bn254.constants import P

pytestmark = pytest.mark.native

IMAGE = sha256(b"groth16 receipt test image")
JOURNAL = b"journal bytes"


@pytest.fixture(scope="module")
def receipt(groth16_fixture: FixtureProver) -> Groth16Receipt:
    return groth16_fixture.receipt(IMAGE, JOURNAL)


def test_round_trip_and_layout(receipt: Groth16Receipt, groth16_fixture: FixtureProver) -> None:
    raw = receipt.to_bytes()
    assert raw[:8] == MAGIC and struct.unpack(">H", raw[8:10])[0] == VERSION
    assert raw[10] == ReceiptKind.GROTH16 == 3
    back = decode_receipt(raw)
    assert isinstance(back, Groth16Receipt) and back == receipt and back.to_bytes() == raw
    assert len(receipt.seal) == GROTH16_SEAL_LEN == 260
    assert receipt.selector == groth16_fixture.key.selector == receipt.seal[:4]
    assert raw.endswith(struct.pack(">I", 260) + receipt.seal)
    assert receipt.public_input == receipt.claim.public_input()
    view = receipt.to_json()
    assert view["kind"] == "groth16" and view["seal_bytes"] == 260


def _with_seal(receipt: Groth16Receipt, seal: bytes) -> bytes:
    raw = receipt.to_bytes()
    head = raw[: len(raw) - 4 - len(receipt.seal)]
    return head + struct.pack(">I", len(seal)) + seal


def _word(seal: bytes, i: int, value: int) -> bytes:
    """``seal`` with proof word ``i`` (0..7: A.x, A.y, B x.c1, x.c0, y.c1, y.c0, C.x, C.y)."""
    off = 4 + 32 * i
    return seal[:off] + value.to_bytes(32, "big") + seal[off + 32 :]


def test_malformed_bytes_refused(receipt: Groth16Receipt) -> None:
    raw = receipt.to_bytes()
    seal = receipt.seal
    cases = {
        "truncated": raw[:-1],
        "trailing": raw + b"\0",
        "short seal": _with_seal(receipt, seal[:259]),
        "long seal": _with_seal(receipt, seal + b"\0"),
        "empty seal": _with_seal(receipt, b""),
        "selector only": _with_seal(receipt, seal[:4]),
        "A.x >= P": _with_seal(receipt, _word(seal, 0, P)),
        "A off curve": _with_seal(receipt, _word(seal, 1, 5)),
        "B coordinate >= P": _with_seal(receipt, _word(seal, 3, P + 1)),
        "B off twist": _with_seal(receipt, _word(seal, 5, 1)),
        "C off curve": _with_seal(receipt, _word(seal, 7, 1)),
        "C.y all ones": _with_seal(receipt, _word(seal, 7, 2**256 - 1)),
        "unknown kind": raw[:10] + b"\x04" + raw[11:],
        "kind 0": raw[:10] + b"\x00" + raw[11:],
        "bad version": raw[:8] + b"\x00\x02" + raw[10:],
        "bad magic": b"ZKRVRCPX" + raw[8:],
    }
    for what, bad in cases.items():
        with pytest.raises(ZkrvError) as e:
            decode_receipt(bad)
        assert "\n" not in str(e.value), what
    with pytest.raises(ZkrvError, match="malformed Groth16 seal"):
        decode_receipt(_with_seal(receipt, seal[:259]))
    with pytest.raises(ZkrvError, match="malformed Groth16 seal"):
        Groth16Receipt(IMAGE, 0, JOURNAL, encode_mock_seal(receipt.claim.digest()))


def test_native_verification(receipt: Groth16Receipt, groth16_fixture: FixtureProver) -> None:
    keys = groth16_fixture.cache
    receipt.verify(IMAGE, keys=keys)
    receipt.verify(IMAGE, JOURNAL, keys=keys)
    decode_receipt(receipt.to_bytes()).verify(IMAGE, JOURNAL, keys=keys)
    # expectations
    with pytest.raises(ReceiptVerificationError, match="is for image"):
        receipt.verify(sha256(b"other"), keys=keys)
    with pytest.raises(ReceiptVerificationError, match="journal differs"):
        receipt.verify(IMAGE, JOURNAL + b"!", keys=keys)


def test_nonzero_exit_code(groth16_fixture: FixtureProver) -> None:
    keys = groth16_fixture.cache
    r = groth16_fixture.receipt(IMAGE, JOURNAL, exit_code=7)
    r.verify(IMAGE, JOURNAL, keys=keys)
    assert decode_receipt(r.to_bytes()).exit_code == 7
    # The same seal does not prove exit code 0 (nor any other).
    for code in (0, 6, 2**32 - 1):
        with pytest.raises(ReceiptVerificationError, match="does not verify"):
            dataclasses.replace(r, exit_code=code).verify(IMAGE, keys=keys)


def test_claim_tampering_refused(receipt: Groth16Receipt, groth16_fixture: FixtureProver) -> None:
    """A seal bound to one claim proves no other: the image ID, journal and exit code are all in
    the public input."""
    keys = groth16_fixture.cache
    other = sha256(b"other image")
    for bad in (
        dataclasses.replace(receipt, image_id=other),
        dataclasses.replace(receipt, journal=JOURNAL + b"x"),
        dataclasses.replace(receipt, journal=b""),
        dataclasses.replace(receipt, exit_code=1),
    ):
        with pytest.raises(ReceiptVerificationError, match="does not verify"):
            bad.verify(bad.image_id, keys=keys)


def test_tampered_seal_refused(receipt: Groth16Receipt, groth16_fixture: FixtureProver) -> None:
    keys = groth16_fixture.cache
    other = groth16_fixture.receipt(IMAGE, b"another journal")
    # Valid points, wrong proof: mix parts of two proofs (A, B, C each from either).
    s, o = receipt.seal, other.seal
    for seal in (s[:68] + o[68:], s[:4] + o[4:68] + s[68:], s[:196] + o[196:]):
        bad = dataclasses.replace(receipt, seal=seal)
        with pytest.raises(ReceiptVerificationError, match="does not verify"):
            bad.verify(IMAGE, keys=keys)
    # Negating A (still on the curve) breaks the pairing equation.
    ax, ay = (int.from_bytes(s[4 + 32 * i : 36 + 32 * i], "big") for i in range(2))
    neg = dataclasses.replace(receipt, seal=_word(s, 1, P - ay))
    assert ax != 0
    with pytest.raises(ReceiptVerificationError, match="does not verify"):
        neg.verify(IMAGE, keys=keys)
    # All points at infinity decode (EIP-196/197 encode infinity as zeros) but never verify.
    zero = dataclasses.replace(receipt, seal=s[:4] + bytes(256))
    with pytest.raises(ReceiptVerificationError):
        zero.verify(IMAGE, keys=keys)
    # Single byte flips: refused at decoding (off curve) or by the pairing check.
    raw = receipt.to_bytes()
    seal_at = len(raw) - 256
    for i in range(seal_at, len(raw), 37):
        flipped = bytearray(raw)
        flipped[i] ^= 0x01
        with pytest.raises(ZkrvError):
            decode_receipt(bytes(flipped)).verify(IMAGE, keys=keys)


def test_unknown_selector_named(
    receipt: Groth16Receipt, groth16_fixture: FixtureProver, tmp_path: Path
) -> None:
    bad = dataclasses.replace(receipt, seal=b"\xde\xad\xbe\xef" + receipt.seal[4:])
    with pytest.raises(ReceiptVerificationError, match="unknown Groth16 selector 0xdeadbeef"):
        bad.verify(IMAGE, keys=groth16_fixture.cache)
    empty = KeyCache(tmp_path)
    sel = receipt.selector.hex()
    with pytest.raises(ReceiptVerificationError, match=f"selector 0x{sel}") as e:
        receipt.verify(IMAGE, keys=empty)
    assert str(empty.dir) in str(e.value)


def test_default_key_cache_from_environment(
    receipt: Groth16Receipt, groth16_fixture: FixtureProver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(groth16_fixture.cache.root))
    receipt.verify(IMAGE, JOURNAL)
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(groth16_fixture.cache.root / "nowhere"))
    with pytest.raises(ReceiptVerificationError, match="unknown Groth16 selector"):
        receipt.verify(IMAGE, JOURNAL)


def test_dev_and_groth16_are_distinct_kinds(receipt: Groth16Receipt) -> None:
    dev = DevReceipt(IMAGE, 0, JOURNAL, encode_mock_seal(receipt.claim.digest()))
    back = decode_receipt(dev.to_bytes())
    assert isinstance(back, DevReceipt) and back.kind == ReceiptKind.DEV
    # A dev receipt's bytes relabelled as kind 3 are refused (the mock seal is 36 bytes).
    raw = dev.to_bytes()
    with pytest.raises(ZkrvError, match="malformed Groth16 seal"):
        decode_receipt(raw[:10] + b"\x03" + raw[11:])


@pytest.mark.slow
def test_claim_digest_computed_in_circuit(tmp_path: Path) -> None:
    """TEST FIXTURE circuit computing ``halted_claim_digest`` from witness image ID, journal
    digest and exit code: its public input is the receipt's, so its proofs verify as Groth16
    receipts of exactly that claim (about 10 s: a 94k-constraint dev setup)."""
    from claim_fixture_circuit import build_halted

    from zkrv.onchain.groth16 import Proof
    from zkrv_prover.bn254 import groth16

    nr = groth16.NativeR1CS(build_halted(bytes(32), bytes(32), 0).to_r1cs())
    keys = KeyCache(tmp_path)
    pk, key = keys.setup(nr, seed=5)
    assert key.unsafe_dev_setup
    for code in (0, 3):
        cs = build_halted(IMAGE, sha256(JOURNAL), code)
        proof = Proof.from_bytes(groth16.prove(pk, nr, cs.witness_limbs(), seed=1).to_bytes())
        r = Groth16Receipt.from_proof(IMAGE, code, JOURNAL, key.vk, proof)
        assert cs.public_values() == [r.public_input]
        decode_receipt(r.to_bytes()).verify(IMAGE, JOURNAL, keys=keys)
        with pytest.raises(ReceiptVerificationError, match="does not verify"):
            dataclasses.replace(r, exit_code=code + 1).verify(IMAGE, keys=keys)
