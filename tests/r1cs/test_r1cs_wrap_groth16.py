"""End to end: fibonacci STARK -> wrap circuit -> Groth16 (native engine, UNSAFE dev setup,
cached per session) -> native verifier, snarkjs JSON export, and the generated Solidity
verifier behind the router on Anvil."""

from __future__ import annotations

from typing import Any

import pytest
from r1cs_wrap_cases import WRAP_PROGRESS

from zkrv.claim import ReceiptClaim, claim_public_input, ok_claim_digest, sha256
from zkrv_prover.bn254 import groth16
from zkrv_prover.bn254 import snarkjs_json as sj
from zkrv_prover.r1cs.wrap import WrappedProof

pytestmark = [pytest.mark.native, pytest.mark.slow]


def test_wrapped_stark_verifies_natively(wrapped_fib: tuple[Any, WrappedProof]) -> None:
    (_vk, pub, _proof), wp = wrapped_fib
    assert wp.unsafe_dev_setup
    assert wp.vk.n_public == 1
    digest = ok_claim_digest(wp.image_id, sha256(wp.journal))
    assert wp.claim_digest == digest
    assert wp.public_input == claim_public_input(digest)
    assert wp.journal == b"".join(v.to_bytes(4, "little") for v in pub)
    assert wp.verify()
    # another claim (journal) does not verify with this proof
    other = claim_public_input(ok_claim_digest(wp.image_id, sha256(wp.journal + b"\x00")))
    assert not groth16.verify(wp.vk, [other], wp.proof)
    assert not groth16.verify(wp.vk, [wp.public_input ^ 1], wp.proof)
    # snarkjs JSON round trip, labelled unsafe
    js = wp.snarkjs()
    assert js["public"] == [str(wp.public_input)]
    assert "UNSAFE" in js["vk"]["zkrv_warning"]
    assert sj.vk_from_json(js["vk"]).to_bytes() == wp.vk.to_bytes()
    assert sj.proof_from_json(js["proof"]).to_bytes() == wp.proof.to_bytes()
    # a modified proof fails (or is rejected as malformed)
    raw = bytearray(wp.proof.to_bytes())
    raw[100] ^= 1
    try:
        bad = groth16.Proof(bytes(raw))
    except ValueError:
        pass
    else:
        assert not groth16.verify(wp.vk, [wp.public_input], bad)


def test_wrap_reports_progress(wrapped_fib: tuple[Any, WrappedProof]) -> None:
    # the setup stage appears only when this worker's wrap missed the proving-key cache
    stages = [s for s in WRAP_PROGRESS if s[0] != "groth16 setup"]
    assert stages == [("wrap circuit", 2, 2), ("groth16 prove", 100, 100)]
    assert all(done == total for _, total, done in WRAP_PROGRESS)


@pytest.mark.anvil
def test_wrapped_stark_verifies_on_anvil(wrapped_fib: tuple[Any, WrappedProof]) -> None:
    from zkrv.onchain.chain import Chain, connect
    from zkrv.onchain.client import ZkrvClient
    from zkrv.onchain.deploy import deploy_stack
    from zkrv.onchain.errors import ContractRevert
    from zkrv.onchain.groth16 import Proof, VerifyingKey
    from zkrv.onchain.node import AnvilNode
    from zkrv.onchain.signer import resolve_signer
    from zkrv.seal import encode_groth16_seal

    _case, wp = wrapped_fib
    js = wp.snarkjs()
    vk = VerifyingKey.from_snarkjs(js["vk"])
    seal = encode_groth16_seal(vk, Proof.from_snarkjs(js["proof"]))
    claim = ReceiptClaim.ok(wp.image_id, wp.journal)
    assert claim.digest() == wp.claim_digest
    with AnvilNode() as node:
        chain = Chain(connect(node.rpc_url), resolve_signer(node.chain_id))
        dep = deploy_stack(chain, [vk])
        client = ZkrvClient(chain, dep.router)
        client.verify(seal, wp.image_id, wp.journal)
        client.verify_claim(seal, claim)
        receipt = client.verify_tx(seal, wp.image_id, sha256(wp.journal))
        assert receipt["status"] == 1 and receipt["gasUsed"] < 400_000
        with pytest.raises(ContractRevert) as e:
            client.verify(seal, wp.image_id, wp.journal[:-1] + b"\x07")
        assert e.value.error_name == "VerificationFailed"
        with pytest.raises(ContractRevert):
            client.verify(seal, sha256(b"another image"), wp.journal)
        for i in (4, 40, 100, 170, 259):
            bad = bytearray(seal)
            bad[i] ^= 0x01
            with pytest.raises(ContractRevert):
                client.verify(bytes(bad), wp.image_id, wp.journal)
