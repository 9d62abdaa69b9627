"""The Python claim digest (zkrv.claim) against the Solidity ReceiptClaimLib via eth_call."""

from __future__ import annotations

import random

import pytest
from conftest import Stack

from zkrv.claim import (
    ExitCode,
    ExitSystem,
    Output,
    ReceiptClaim,
    claim_public_input,
    ok_claim_digest,
    sha256,
    tag_digest,
    tagged_struct,
)
from zkrv.onchain.client import claim_tuple
from zkrv.onchain.contracts import compile_contracts
from zkrv_prover.bn254.constants import R

HARNESS = """// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.28;
import {ReceiptClaim, ReceiptClaimLib} from "../ReceiptClaim.sol";
contract ClaimHarness {
    function digest(ReceiptClaim calldata c) external pure returns (bytes32) {
        return ReceiptClaimLib.digest(c);
    }
    function okDigest(bytes32 imageId, bytes32 journalDigest) external view returns (bytes32) {
        return ReceiptClaimLib.okDigest(imageId, journalDigest);
    }
}
"""


def _rand_claim(rng: random.Random) -> ReceiptClaim:
    def d() -> bytes:
        return rng.randbytes(32) if rng.random() < 0.7 else bytes(32)

    return ReceiptClaim(
        image_id=rng.randbytes(32),
        output=Output(journal_digest=d(), assumptions_digest=d()),
        exit_code=ExitCode(
            ExitSystem(rng.randrange(3)), rng.choice([0, 1, 2**32 - 1, rng.getrandbits(32)])
        ),
        post_state_digest=d(),
        input_digest=d(),
    )


def test_known_vectors() -> None:
    # Pinned so an accidental change of the scheme is caught (contracts hard-code the tags).
    assert tag_digest("Output").hex().startswith("5e7e80ca")
    assert tag_digest("ReceiptClaim").hex().startswith("cf66eb27")
    assert ok_claim_digest(bytes(32), sha256(b"")).hex() == (
        "394b3f84f78ac3cb2c9cd49e07766df24c8ca2ec84ab1736d4e7ffb3a95753cc"
    )


def test_ok_claim_matches_struct() -> None:
    img, journal = sha256(b"img"), b"journal bytes"
    claim = ReceiptClaim.ok(img, journal)
    assert claim.digest() == ok_claim_digest(img, sha256(journal))
    assert claim.exit_code == ExitCode(ExitSystem.HALTED, 0)


def test_every_field_is_bound() -> None:
    base = ReceiptClaim.ok(bytes(32), b"")
    variants = [
        ReceiptClaim.ok(b"\x01" + bytes(31), b""),
        ReceiptClaim.ok(bytes(32), b"x"),
        ReceiptClaim(base.image_id, base.output, ExitCode(ExitSystem.PAUSED, 0)),
        ReceiptClaim(base.image_id, base.output, ExitCode(ExitSystem.HALTED, 1)),
        ReceiptClaim(base.image_id, base.output, post_state_digest=b"\x01" * 32),
        ReceiptClaim(base.image_id, base.output, input_digest=b"\x01" * 32),
        ReceiptClaim(base.image_id, Output(base.output.journal_digest, b"\x01" * 32)),
    ]
    digests = {v.digest() for v in variants} | {base.digest()}
    assert len(digests) == len(variants) + 1


def test_domain_separation() -> None:
    # Same field bytes under another tag (struct name) give another digest.
    a = tagged_struct("Output", [bytes(32), bytes(32)])
    b = tagged_struct("Other", [bytes(32), bytes(32)])
    assert a != b


def test_public_input_is_top_253_bits() -> None:
    assert claim_public_input(b"\xff" * 32) == (2**256 - 1) >> 3 < R
    assert claim_public_input(bytes(31) + b"\x07") == 0


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Output(journal_digest=b"short"),
        lambda: ReceiptClaim.ok(b"\x00" * 31, b""),
        lambda: ExitCode(ExitSystem.HALTED, 2**32),
        lambda: ExitCode(ExitSystem.HALTED, -1),
    ],
)
def test_rejects_malformed_fields(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        bad()


@pytest.mark.anvil
@pytest.mark.slow
def test_python_and_solidity_digests_agree(stack: Stack) -> None:
    arts = compile_contracts({"src/generated/ClaimHarness.sol": HARNESS})
    harness = stack.chain.deploy(arts["ClaimHarness"], [])
    art = arts["ClaimHarness"]
    rng = random.Random(1234)
    for _ in range(40):
        claim = _rand_claim(rng)
        data = stack.chain.encode(art, "digest", [claim_tuple(claim)])
        out = stack.chain.call(harness, data, "digest")
        assert out == claim.digest()
    for _ in range(10):
        img, jd = rng.randbytes(32), rng.randbytes(32)
        out = stack.chain.call(harness, stack.chain.encode(art, "okDigest", [img, jd]), "ok")
        assert out == ok_claim_digest(img, jd)
