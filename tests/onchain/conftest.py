"""Fixtures for the on-chain tests: a real Anvil node, the deployed stack, a snarkjs circuit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from onchain_snark import SnarkjsCircuit, available

from zkrv.onchain.chain import Chain, connect
from zkrv.onchain.contracts import Artifact, packaged_artifacts
from zkrv.onchain.deploy import Deployment, deploy_stack
from zkrv.onchain.groth16 import VerifyingKey
from zkrv.onchain.node import AnvilNode
from zkrv.onchain.signer import resolve_signer
from zkrv.toolchain import find_tool


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilNode]:
    """One Anvil per test session (per xdist worker), on a free port."""
    if find_tool("anvil", required=False) is None:
        pytest.fail("anvil not found: run scripts/setup.py")
    node = AnvilNode().start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def snark(tmp_path_factory: pytest.TempPathFactory) -> SnarkjsCircuit:
    """The snarkjs product circuit with a fresh (test-only) Groth16 setup."""
    if not available():
        pytest.fail("snarkjs/circom2 not installed: run scripts/setup.py")
    return SnarkjsCircuit.setup(tmp_path_factory.mktemp("snarkjs"))


@pytest.fixture(scope="session")
def snark_vk(snark: SnarkjsCircuit) -> VerifyingKey:
    return VerifyingKey.from_snarkjs(snark.vk_json())


@dataclass
class Stack:
    chain: Chain
    deployment: Deployment
    artifacts: dict[str, Artifact]
    vk: VerifyingKey


@pytest.fixture(scope="session")
def stack(anvil: AnvilNode, snark_vk: VerifyingKey) -> Stack:
    """Router + Groth16 verifier (snarkjs key) behind an emergency stop + mock, on Anvil."""
    chain = Chain(connect(anvil.rpc_url), resolve_signer(anvil.chain_id))
    dep = deploy_stack(chain, [snark_vk], mock=True)
    return Stack(chain, dep, packaged_artifacts(), snark_vk)


@pytest.fixture(scope="session")
def zkvm_wrapped(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Real Groth16 receipts of two zkVM guests under one TOY key (``zkvm_wrap_fixture``)."""
    from zkvm_wrap_fixture import zkvm_wrapped as make

    return make(tmp_path_factory)
