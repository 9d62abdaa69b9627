"""``zkrv deploy`` and ``zkrv node`` as a user runs them (subprocess), against real Anvil nodes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from onchain_fixture import JSON_PATH

from zkrv.onchain.node import AnvilNode, read_state

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

FIXTURE_VK = json.loads(JSON_PATH.read_text())["vk"]
SECRET_KEY = "0x" + "ab" * 32  # a throwaway key, funded on the test chain only


def _one_json(out: bytes) -> dict:  # type: ignore[type-arg]
    lines = out.decode().strip().splitlines()
    assert len(lines) == 1, lines
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


def test_deploy_json(cli, anvil: AnvilNode, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vk = tmp_path / "verification_key.json"
    vk.write_text(json.dumps(FIXTURE_VK))
    r = cli("deploy", "--rpc", anvil.rpc_url, "--vk", str(vk), "--mock", "--json")
    assert r.returncode == 0, r.stderr
    data = _one_json(r.stdout)
    assert data["chain_id"] == 31337
    assert data["router"].startswith("0x") and data["mock"].startswith("0x")
    ((sel, addrs),) = data["groth16"].items()
    assert len(sel) == 10 and set(addrs) == {"verifier", "emergency_stop"}
    r = cli("deploy", "--rpc", anvil.rpc_url, "--vk", str(vk))
    assert r.returncode == 0 and b"router: 0x" in r.stdout and b"mock" not in r.stdout


def test_deploy_usage_and_connection_errors(  # type: ignore[no-untyped-def]
    cli, anvil: AnvilNode, tmp_path: Path, monkeypatch
) -> None:
    # Without --vk the default is the cached zkVM key: none in an empty cache.
    monkeypatch.setenv("ZKRV_CACHE_DIR", str(tmp_path / "empty-cache"))
    r = cli("deploy", "--rpc", anvil.rpc_url)
    assert r.returncode == 1 and r.stderr.decode().count("\n") == 1
    assert b"run 'zkrv keys setup' first" in r.stderr
    r = cli("deploy", "--rpc", "http://127.0.0.1:9", "--mock", "--json")
    assert r.returncode == 1
    assert "cannot reach" in _one_json(r.stdout)["error"]
    bad = tmp_path / "vk.json"
    bad.write_text("{}")
    r = cli("deploy", "--rpc", anvil.rpc_url, "--vk", str(bad))
    assert r.returncode == 1 and b"not a snarkjs Groth16 verification key" in r.stderr
    assert r.stderr.decode().count("\n") == 1


def test_non_dev_chain_needs_key_and_refuses_mock(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with AnvilNode(chain_id=4242) as node:
        r = cli("deploy", "--rpc", node.rpc_url, "--mock")
        assert r.returncode == 1 and b"refusing to deploy the mock" in r.stderr
        r = cli("deploy", "--rpc", node.rpc_url, "--mock", "--force-mock")
        assert r.returncode == 1 and b"not a local development chain" in r.stderr
        # Fund a throwaway account and deploy with its key from the environment.
        from eth_account import Account

        addr = Account.from_key(SECRET_KEY).address
        from zkrv.onchain.node import rpc_call

        rpc_call(node.rpc_url, "anvil_setBalance", [addr, hex(10**20)])
        monkeypatch.setenv("ZKRV_DEPLOY_KEY", SECRET_KEY)
        r = cli(
            "deploy", "--rpc", node.rpc_url, "--mock", "--force-mock",
            "--key-env", "ZKRV_DEPLOY_KEY", "--json",
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert _one_json(r.stdout)["owner"] == addr
        assert SECRET_KEY[2:] not in (r.stdout + r.stderr).decode()


def test_node_start_status_stop(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZKRV_STATE_DIR", str(tmp_path))
    r = cli("node", "start", "--json")
    assert r.returncode == 0, r.stderr
    started = _one_json(r.stdout)
    try:
        assert started["running"] and started["rpc_url"].startswith("http://127.0.0.1:")
        assert read_state(tmp_path / "anvil.json") is not None
        r = cli("node", "start")
        assert r.returncode == 1 and b"already running" in r.stderr
        status = _one_json(cli("node", "status", "--json").stdout)
        assert status["running"] and status["pid"] == started["pid"]
        r = cli("deploy", "--rpc", started["rpc_url"], "--mock", "--json")
        assert r.returncode == 0, r.stderr
    finally:
        stopped = _one_json(cli("node", "stop", "--json").stdout)
    assert stopped["stopped"] and stopped["pid"] == started["pid"]
    assert not _one_json(cli("node", "status", "--json").stdout)["running"]
    assert not _one_json(cli("node", "stop", "--json").stdout)["stopped"]
