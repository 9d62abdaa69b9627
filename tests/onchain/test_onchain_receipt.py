"""Groth16 receipts on Anvil: ``ZkrvClient.verify_receipt`` / ``verify_receipt_tx`` and
``zkrv verify --rpc``, against the router with a verifier for the TEST FIXTURE circuit's UNSAFE
dev key (``tests/claim_fixture_circuit.py``) and the mock verifier."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from claim_fixture_circuit import FixtureProver

from zkrv.claim import sha256
from zkrv.errors import ZkrvError
from zkrv.onchain.chain import Chain, connect
from zkrv.onchain.client import ZkrvClient
from zkrv.onchain.deploy import Deployment, deploy_stack
from zkrv.onchain.errors import ContractRevert
from zkrv.onchain.node import AnvilNode
from zkrv.onchain.signer import resolve_signer
from zkrv.receipt import DevReceipt, StarkReceipt
from zkrv.seal import encode_mock_seal

pytestmark = [pytest.mark.anvil, pytest.mark.native, pytest.mark.slow]

IMAGE = sha256(b"on-chain receipt image")
JOURNAL = (1234).to_bytes(32, "big")


@dataclass
class Router:
    client: ZkrvClient
    deployment: Deployment
    rpc_url: str


@pytest.fixture(scope="module")
def router(anvil: AnvilNode, groth16_fixture: FixtureProver) -> Router:
    chain = Chain(connect(anvil.rpc_url), resolve_signer(anvil.chain_id))
    dep = deploy_stack(chain, [groth16_fixture.key.vk], mock=True)
    assert list(dep.groth16) == ["0x" + groth16_fixture.key.selector.hex()]
    return Router(ZkrvClient(chain, dep.router), dep, anvil.rpc_url)


def test_verify_receipt_exit_zero(router: Router, groth16_fixture: FixtureProver) -> None:
    r = groth16_fixture.receipt(IMAGE, JOURNAL)
    r.verify(IMAGE, JOURNAL, keys=groth16_fixture.cache)
    assert router.client.verify_receipt(r) == "verify"
    router.client.verify(r.seal, IMAGE, JOURNAL)  # the same call by hand
    tx = router.client.verify_receipt_tx(r)
    assert int(tx["status"]) == 1 and int(tx["gasUsed"]) > 21000
    for bad in (
        dataclasses.replace(r, journal=JOURNAL + b"\0"),
        dataclasses.replace(r, image_id=sha256(b"other")),
    ):
        with pytest.raises(ContractRevert) as e:
            router.client.verify_receipt(bad)
        assert e.value.error_name == "VerificationFailed"


def test_nonzero_exit_code_needs_verify_claim(
    router: Router, groth16_fixture: FixtureProver
) -> None:
    """The router's ``verify(seal, imageId, journalDigest)`` proves exit code 0 only; a receipt
    with another exit code verifies through ``verifyClaim`` and is refused by ``verify``."""
    r = groth16_fixture.receipt(IMAGE, JOURNAL, exit_code=3)
    assert router.client.verify_receipt(r) == "verifyClaim"
    router.client.verify_claim(r.seal, r.claim)
    router.client.verify_claim_digest(r.seal, r.claim.digest())
    with pytest.raises(ContractRevert) as e:
        router.client.verify_digest(r.seal, IMAGE, r.journal_digest)
    assert e.value.error_name == "VerificationFailed"
    tx = router.client.verify_receipt_tx(r)
    assert int(tx["status"]) == 1
    with pytest.raises(ContractRevert) as e:
        router.client.verify_receipt(dataclasses.replace(r, exit_code=4))
    assert e.value.error_name == "VerificationFailed"
    # Relabelled as exit code 0, the seal is asked of `verify`, which refuses it too.
    with pytest.raises(ContractRevert):
        router.client.verify_receipt(dataclasses.replace(r, exit_code=0))


def test_unknown_selector_stark_and_dev(router: Router, groth16_fixture: FixtureProver) -> None:
    r = groth16_fixture.receipt(IMAGE, JOURNAL)
    bad = dataclasses.replace(r, seal=b"\x01\x02\x03\x04" + r.seal[4:])
    with pytest.raises(ContractRevert) as e:
        router.client.verify_receipt(bad)
    assert e.value.error_name == "SelectorUnknown"
    stark = StarkReceipt(IMAGE, 0, JOURNAL, bytes(40))
    with pytest.raises(ZkrvError, match="wrap it into a Groth16 receipt"):
        router.client.verify_receipt(stark)
    dev = DevReceipt(IMAGE, 0, JOURNAL, encode_mock_seal(r.claim.digest()))
    assert router.client.verify_receipt(dev) == "verify"  # the mock verifier: PROVES NOTHING
    dev7 = DevReceipt(IMAGE, 7, JOURNAL, b"")
    dev7 = dataclasses.replace(dev7, seal=encode_mock_seal(dev7.claim.digest()))
    assert router.client.verify_receipt(dev7) == "verifyClaim"


def _one_json(out: bytes) -> dict[str, Any]:
    lines = out.decode().strip().splitlines()
    assert len(lines) == 1, lines
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


def test_cli_verify_rpc(  # type: ignore[no-untyped-def]
    cli, router: Router, groth16_fixture: FixtureProver, tmp_path: Path, monkeypatch
) -> None:
    # No local key needed on chain: an empty key cache.
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(tmp_path / "empty-cache"))
    rpc = ["--rpc", router.rpc_url, "--router", router.deployment.router]
    ok = groth16_fixture.receipt(IMAGE, JOURNAL, exit_code=5)
    path = tmp_path / "ok.receipt"
    path.write_bytes(ok.to_bytes())
    r = cli("verify", str(path), "--image-id", "0x" + IMAGE.hex(), *rpc, "--json")
    assert r.returncode == 0, r.stderr
    d = _one_json(r.stdout)
    assert d["valid"] is True and d["exit_code"] == 5
    assert d["onchain"]["function"] == "verifyClaim" and d["onchain"]["chain_id"] == 31337
    r = cli("verify", str(path), "--image-id", IMAGE.hex(), *rpc)
    assert r.returncode == 0 and b"valid on chain 31337" in r.stdout
    # A wrong journal is refused by the router (a forged receipt file: same seal).
    forged = tmp_path / "forged.receipt"
    forged.write_bytes(dataclasses.replace(ok, journal=b"forged").to_bytes())
    r = cli("verify", str(forged), "--image-id", IMAGE.hex(), *rpc, "--json")
    assert r.returncode == 1 and "VerificationFailed" in _one_json(r.stdout)["error"]
    err = r.stderr.decode()
    assert err.count("\n") == 1 and "Traceback" not in err
    # Expectations are checked locally first.
    r = cli("verify", str(path), "--image-id", sha256(b"x").hex(), *rpc)
    assert r.returncode == 1 and b"receipt is for image" in r.stderr
    # A dev receipt passes through the mock verifier, with the warning.
    dev = DevReceipt(IMAGE, 0, JOURNAL, encode_mock_seal(ok.claim.digest()))
    dev = dataclasses.replace(dev, seal=encode_mock_seal(dev.claim.digest()))
    dpath = tmp_path / "dev.receipt"
    dpath.write_bytes(dev.to_bytes())
    r = cli("verify", str(dpath), "--image-id", IMAGE.hex(), *rpc, "--json")
    assert r.returncode == 0 and "PROVES NOTHING" in _one_json(r.stdout)["warning"]
    # A STARK receipt: one line telling to wrap it.
    spath = tmp_path / "stark.receipt"
    spath.write_bytes(StarkReceipt(IMAGE, 0, JOURNAL, bytes(40)).to_bytes())
    r = cli("verify", str(spath), "--image-id", IMAGE.hex(), *rpc)
    assert r.returncode == 1 and b"wrap it" in r.stderr
