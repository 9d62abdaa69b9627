"""Proofs from zkrv's own BN254 Groth16 engine (zkrv_prover.bn254.groth16, issue 4) through the
generated Solidity verifier on Anvil; the engine's snarkjs-layout key/proof export is what
``zkrv deploy --vk`` and the seal encoder read.

Skipped (with the reason shown) until the engine module and its native functions exist.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Stack

from zkrv.claim import ReceiptClaim, sha256
from zkrv.onchain.client import ZkrvClient
from zkrv.onchain.deploy import deploy_stack
from zkrv.onchain.errors import ContractRevert
from zkrv.onchain.groth16 import Proof, VerifyingKey
from zkrv.seal import encode_groth16_seal

pytestmark = [pytest.mark.anvil, pytest.mark.native, pytest.mark.slow]


def _engine() -> tuple[Any, Any]:
    # Setup always builds the native engine; its absence is a failure, not a reason to skip.
    from zkrv_prover.bn254 import groth16 as g
    from zkrv_prover.bn254 import snarkjs_json as sj

    g.native()
    return g, sj


def _product_r1cs() -> Any:
    """w = [1, x, a, b] with the single constraint a * b = x (x public), like the snarkjs one."""
    from zkrv_prover.r1cs.system import R1CS, SparseMatrix

    return R1CS(
        n_vars=4,
        n_public=1,
        a=SparseMatrix.from_rows([[(2, 1)]]),
        b=SparseMatrix.from_rows([[(3, 1)]]),
        c=SparseMatrix.from_rows([[(1, 1)]]),
    )


def test_native_engine_proofs_verify_on_chain(stack: Stack) -> None:
    g, sj = _engine()
    r1cs = _product_r1cs()
    pk = g.dev_setup(r1cs, seed=7)
    vk = VerifyingKey.from_snarkjs(sj.vk_to_json(pk.vk))
    image_id, journal = sha256(b"native engine image"), b"native journal"
    claim = ReceiptClaim.ok(image_id, journal)
    x = claim.public_input()
    native_proof = g.prove(pk, r1cs, [1, x, x, 1], seed=11)
    proof = Proof.from_snarkjs(sj.proof_to_json(native_proof))
    # The engine's raw 256 bytes are already the seal body layout (EIP-197 order).
    assert proof.to_bytes() == native_proof.to_bytes()
    assert g.verify(pk.vk, [x], native_proof)

    dep = deploy_stack(stack.chain, [vk])
    client = ZkrvClient(stack.chain, dep.router)
    seal = encode_groth16_seal(vk, proof)
    client.verify(seal, image_id, journal)
    client.verify_claim(seal, claim)
    with pytest.raises(ContractRevert) as e:
        client.verify(seal, image_id, journal + b"x")
    assert e.value.error_name == "VerificationFailed"
    for i in range(4, 260, 23):
        bad = bytearray(seal)
        bad[i] ^= 0x01
        with pytest.raises(ContractRevert):
            client.verify(bytes(bad), image_id, journal)
