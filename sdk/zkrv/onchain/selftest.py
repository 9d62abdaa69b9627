"""An end-to-end on-chain check: fresh Anvil, deploy the stack, verify a Groth16 receipt.

Used by ``scripts/main_job.py``. Until the STARK-to-Groth16 wrap produces real receipts it uses a
fixture: a snarkjs verifying key and proof (TEST key from a single-party setup, never for
production) with the production public-input layout, for the claim ``ok(image_id, journal)``.
"""

from __future__ import annotations

import json
from pathlib import Path

from zkrv.claim import ReceiptClaim, sha256
from zkrv.onchain.chain import Chain, connect
from zkrv.onchain.client import ZkrvClient
from zkrv.onchain.deploy import deploy_stack
from zkrv.onchain.errors import ContractRevert
from zkrv.onchain.groth16 import Proof, VerifyingKey
from zkrv.onchain.node import AnvilNode
from zkrv.onchain.signer import resolve_signer
from zkrv.seal import encode_groth16_seal


def run_fixture_selftest(fixture_json: Path, image_id: bytes, journal: bytes) -> int:
    """Deploy on a fresh Anvil, verify the fixture's ``proof_ok`` for ``ok(image_id, journal)``
    by eth_call and by transaction (printing its gas), and check a tampered seal is rejected.
    Returns a process exit status."""
    fx = json.loads(fixture_json.read_text())
    vk = VerifyingKey.from_snarkjs(fx["vk"], where=str(fixture_json))
    seal = encode_groth16_seal(vk, Proof.from_snarkjs(fx["proof_ok"]))
    claim = ReceiptClaim.ok(image_id, journal)
    with AnvilNode() as node:
        chain = Chain(connect(node.rpc_url), resolve_signer(node.chain_id))
        dep = deploy_stack(chain, [vk])
        client = ZkrvClient(chain, dep.router)
        print(f"anvil {node.rpc_url}: router {dep.router}, verifiers {json.dumps(dep.groth16)}")
        client.verify(seal, image_id, journal)
        receipt = client.verify_tx(seal, image_id, sha256(journal))
        print(f"claim digest 0x{claim.digest().hex()}: verified on-chain")
        print(f"router.verify transaction gasUsed: {receipt['gasUsed']}")
        tampered = seal[:-1] + bytes([seal[-1] ^ 1])
        try:
            client.verify(tampered, image_id, journal)
        except ContractRevert as e:
            print(f"tampered seal rejected: {e.error_name}")
        else:
            print("ERROR: tampered seal accepted")
            return 1
    return 0
