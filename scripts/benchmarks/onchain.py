"""On-chain: gas of verifying a Groth16 receipt through the zkrv router on a local Anvil.

Uses the committed test Groth16 key and snarkjs proof (contracts/test/fixtures), which has the
production public-input layout (one input: the claim digest >> 3), so gas equals production's.
verify_tx_gas: gasUsed of a transaction calling router.verify(seal, imageId, journalDigest)
(router -> emergency stop -> Groth16 verifier). verifier_call_gas: execution gas of the Groth16
verifier alone (gasUsed of a transaction sent straight to it, minus the intrinsic 21000 + calldata).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import measure

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "contracts" / "test" / "fixtures" / "groth16_fixture.json"


def _intrinsic(data: bytes) -> int:
    """Intrinsic gas of a call transaction (EIP-2028 calldata pricing)."""
    nonzero = sum(1 for b in data if b)
    return 21000 + 16 * nonzero + 4 * (len(data) - nonzero)


def run() -> list[dict[str, Any]]:
    from zkrv.claim import ReceiptClaim, sha256
    from zkrv.onchain.chain import Chain, connect
    from zkrv.onchain.contracts import packaged_artifacts
    from zkrv.onchain.deploy import deploy_stack
    from zkrv.onchain.groth16 import Proof, VerifyingKey
    from zkrv.onchain.node import AnvilNode
    from zkrv.onchain.signer import resolve_signer
    from zkrv.seal import encode_groth16_seal, encode_mock_seal

    fx = json.loads(FIXTURE.read_text())
    vk = VerifyingKey.from_snarkjs(fx["vk"])
    seal = encode_groth16_seal(vk, Proof.from_snarkjs(fx["proof_ok"]))
    image_id, journal = sha256(b"zkrv fixture image"), (42).to_bytes(32, "big")
    claim = ReceiptClaim.ok(image_id, journal)
    arts = packaged_artifacts()
    router_art = arts["ZkrvVerifierRouter"]
    with AnvilNode() as node:
        chain = Chain(connect(node.rpc_url), resolve_signer(node.chain_id))
        dep = deploy_stack(chain, [vk], mock=True)
        ((_, addrs),) = dep.groth16.items()
        data = chain.encode(router_art, "verify", [seal, image_id, sha256(journal)])
        tx = chain.transact(dep.router, data, "router.verify")
        direct = chain.transact(addrs["verifier"], data, "verifier.verify")
        estop = chain.transact(addrs["emergency_stop"], data, "estop.verify")
        mock_data = chain.encode(
            router_art, "verify", [encode_mock_seal(claim.digest()), image_id, sha256(journal)]
        )
        mock_tx = chain.transact(dep.router, mock_data, "router.verify(mock)")
        hardfork = str(node_hardfork(node.rpc_url))
    return [
        measure("verify_tx_gas", int(tx["gasUsed"]), "gas", hardfork=hardfork),
        measure("verifier_call_gas", int(direct["gasUsed"]) - _intrinsic(data), "gas"),
        measure("verifier_direct_tx_gas", int(direct["gasUsed"]), "gas"),
        measure("estop_overhead_gas", int(estop["gasUsed"]) - int(direct["gasUsed"]), "gas"),
        measure("router_overhead_gas", int(tx["gasUsed"]) - int(estop["gasUsed"]), "gas"),
        measure("verify_tx_calldata_gas", _intrinsic(data) - 21000, "gas"),
        measure("mock_verify_tx_gas", int(mock_tx["gasUsed"]), "gas"),
        measure("seal_bytes", len(seal), "bytes"),
    ]


def node_hardfork(url: str) -> object:
    from zkrv.onchain.node import rpc_call

    try:
        return rpc_call(url, "anvil_nodeInfo").get("hardFork", "?")
    except Exception:  # informational only
        return "?"
