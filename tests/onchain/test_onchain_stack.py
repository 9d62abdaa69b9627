"""The deployed stack on a real Anvil: router dispatch, mock receipts, emergency stop, the
example application with its Python backend, revert decoding, signer rules."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import Stack

from zkrv.claim import ReceiptClaim, sha256
from zkrv.errors import ZkrvError
from zkrv.onchain.chain import Chain, connect
from zkrv.onchain.client import ZkrvClient, decode_journal, encode_journal
from zkrv.onchain.deploy import check_mock_allowed, deploy_stack
from zkrv.onchain.errors import ContractRevert, ErrorDecoder
from zkrv.onchain.node import AnvilNode
from zkrv.onchain.signer import ANVIL_DEV_KEY, resolve_signer
from zkrv.seal import MOCK_SELECTOR, encode_mock_seal

pytestmark = pytest.mark.anvil

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "onchain" / "even_number.py"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zkrv_example_even_number", EXAMPLE)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _client(stack: Stack) -> ZkrvClient:
    return ZkrvClient(stack.chain, stack.deployment.router, stack.artifacts)


def test_deployment_layout(stack: Stack) -> None:
    dep = stack.deployment
    assert dep.chain_id == 31337 and dep.mock is not None and len(dep.groth16) == 1
    router = stack.artifacts["ZkrvVerifierRouter"]
    c = stack.chain
    for sel, addrs in dep.groth16.items():
        out = c.call(dep.router, c.encode(router, "getVerifier", [bytes.fromhex(sel[2:])]), "g")
        assert int.from_bytes(out, "big") == int(addrs["emergency_stop"], 16)
    out = c.call(dep.router, c.encode(router, "getVerifier", [MOCK_SELECTOR]), "g")
    assert int.from_bytes(out, "big") == int(dep.mock, 16)
    assert set(dep.to_json()) >= {"chain_id", "router", "owner", "groth16", "mock"}


def test_mock_receipts_verify_only_their_claim(stack: Stack) -> None:
    client = _client(stack)
    image_id, journal = sha256(b"img"), b"journal"
    seal = encode_mock_seal(ReceiptClaim.ok(image_id, journal).digest())
    client.verify(seal, image_id, journal)
    with pytest.raises(ContractRevert) as e:
        client.verify(seal, image_id, b"other journal")
    assert e.value.error_name == "ClaimDigestMismatch"
    assert e.value.error_args[1] == ReceiptClaim.ok(image_id, journal).digest()
    assert "router.verify reverted: ClaimDigestMismatch(0x" in str(e.value)


def test_router_errors_are_decoded(stack: Stack) -> None:
    client = _client(stack)
    with pytest.raises(ContractRevert) as e:
        client.verify(b"\x01\x02\x03\x04" + bytes(32), bytes(32), b"")
    assert (e.value.error_name, e.value.error_args) == ("SelectorUnknown", (b"\x01\x02\x03\x04",))
    with pytest.raises(ContractRevert) as e:
        client.verify(b"\x01\x02", bytes(32), b"")
    assert (e.value.error_name, e.value.error_args) == ("MalformedSeal", (2,))


def test_only_owner_can_register(stack: Stack) -> None:
    router = stack.artifacts["ZkrvVerifierRouter"]
    stranger = resolve_signer(31337)  # dev account 0 is the owner; `other` is a stranger
    from eth_account import Account

    other = Account.create()
    w3 = stack.chain.w3
    w3.provider.make_request("anvil_setBalance", [other.address, hex(10**18)])  # type: ignore[arg-type]
    chain = Chain(w3, other)
    chain.decoder.add_abi(router.abi)
    with pytest.raises(ContractRevert) as e:
        chain.transact(
            stack.deployment.router,
            chain.encode(router, "addVerifier", [b"\xaa\xbb\xcc\xdd", stranger.address]),
            "addVerifier",
        )
    assert e.value.error_name == "Unauthorized"
    assert e.value.error_args == (other.address,)


def test_even_number_app_with_python_backend(stack: Stack) -> None:
    """examples/onchain: deploy EvenNumber, submit a mock receipt, read the number back."""
    EvenNumberBackend = _load_example().EvenNumberBackend

    image_id = sha256(b"even-number guest")
    backend = EvenNumberBackend.deploy(_client(stack), image_id)
    journal = encode_journal(["uint256"], [1234])
    assert decode_journal(journal, ["uint256"]) == (1234,)
    seal = encode_mock_seal(ReceiptClaim.ok(image_id, journal).digest())
    receipt = backend.submit(journal, seal)
    assert receipt["status"] == 1
    assert backend.number() == 1234
    # The same seal cannot set another number; the revert is decoded from the router's error.
    with pytest.raises(ContractRevert) as e:
        backend.submit(encode_journal(["uint256"], [1236]), seal)
    assert e.value.error_name == "ClaimDigestMismatch"
    assert backend.number() == 1234
    with pytest.raises(ZkrvError, match="journal does not decode"):
        backend.submit(b"\x01\x02", seal)


def test_emergency_stop_by_owner(stack: Stack, snark_vk) -> None:  # type: ignore[no-untyped-def]
    """A separate deployment (so the session stack stays usable): stop, then verify reverts."""
    dep = deploy_stack(stack.chain, [snark_vk])
    ((sel, addrs),) = dep.groth16.items()
    estop = stack.artifacts["ZkrvEmergencyStop"]
    c = stack.chain
    c.transact(addrs["emergency_stop"], c.encode(estop, "stop", []), "estop.stop")
    client = ZkrvClient(stack.chain, dep.router, stack.artifacts)
    with pytest.raises(ContractRevert) as e:
        client.verify(bytes.fromhex(sel[2:]) + bytes(256), bytes(32), b"")
    assert e.value.error_name == "VerifierStopped"


def test_decoder_handles_unknown_and_builtin_errors() -> None:
    d = ErrorDecoder()
    r = d.decode(bytes.fromhex("deadbeef") + bytes(32), "x")
    assert r.error_name is None and "unknown error 0xdeadbeef" in str(r)
    from eth_abi import encode

    r = d.decode(bytes.fromhex("08c379a0") + encode(["string"], ["boom"]), "x")
    assert (r.error_name, r.error_args) == ("Error", ("boom",))
    r = d.decode(bytes.fromhex("08c379a0") + b"\x01", "x")  # truncated: undecodable
    assert r.error_name is None


def test_mock_refused_on_non_dev_chain() -> None:
    with pytest.raises(ZkrvError, match="refusing to deploy the mock"):
        check_mock_allowed(1, mock=True, force_mock=False)
    check_mock_allowed(1, mock=True, force_mock=True)
    check_mock_allowed(1, mock=False, force_mock=False)
    with AnvilNode(chain_id=4242) as node:
        w3 = connect(node.rpc_url)
        with pytest.raises(ZkrvError, match="not a local development chain"):
            resolve_signer(4242)
        chain = Chain(w3, _dev_key_account())  # a key is given explicitly here
        with pytest.raises(ZkrvError, match="refusing to deploy the mock"):
            deploy_stack(chain, [], mock=True)


def _dev_key_account():  # type: ignore[no-untyped-def]
    from eth_account import Account

    return Account.from_key(ANVIL_DEV_KEY)


def test_signer_sources(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    key = "0x" + "11" * 32
    f = tmp_path / "key"
    f.write_text(key + "\n")
    from_file = resolve_signer(1, key_file=f)
    monkeypatch.setenv("ZKRV_TEST_KEY", key)
    assert resolve_signer(1, key_env="ZKRV_TEST_KEY").address == from_file.address
    monkeypatch.setenv("ZKRV_TEST_KEY", "0xnotakey")
    with pytest.raises(ZkrvError) as e:
        resolve_signer(1, key_env="ZKRV_TEST_KEY")
    assert "notakey" not in str(e.value)
    f.write_text("11" * 31)
    with pytest.raises(ZkrvError) as e:
        resolve_signer(1, key_file=f)
    assert "11" * 31 not in str(e.value)
    with pytest.raises(ZkrvError, match="not set"):
        resolve_signer(1, key_env="ZKRV_TEST_UNSET_VARIABLE")
