"""End to end with one Groth16 key for a range of heights: fibonacci STARKs of 2^5 and 2^7 rows
wrapped with the circuit of [2^5, 2^7] share the proving and verifying key (UNSAFE dev setup,
cached per R1CS digest); both proofs verify natively, and the shorter one on Anvil through the
router."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

from zkrv.claim import ReceiptClaim, claim_public_input, ok_claim_digest, sha256
from zkrv_prover.bn254 import groth16
from zkrv_prover.r1cs.wrap import WrappedProof, wrap
from zkrv_prover.stark.commit.params import PcsParams
from zkrv_prover.stark.examples import fibonacci
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.prover import keygen, prove

pytestmark = [pytest.mark.native, pytest.mark.slow]

PARAMS = PcsParams(num_queries=2, pow_bits=1, log_cap=2, log_final_poly_len=2)
RANGE = (5, 7)


@pytest.fixture(scope="module")
def wrapped(wrap_cache: Path) -> dict[int, WrappedProof]:
    vk = keygen(fibonacci.machine(), PARAMS)
    out = {}
    with open(wrap_cache / "lock", "w") as lock:  # one dev setup, then cache hits
        fcntl.flock(lock, fcntl.LOCK_EX)
        for lg in (5, 7):
            traces, pub = fibonacci.trace(lg, 1, lg)
            proof = prove(vk, traces, pub, FieldRng.seeded(lg))
            out[lg] = wrap(vk, pub, proof, cache=wrap_cache, seed=lg, height_range=RANGE)
    return out


def test_one_key_verifies_both_heights(wrapped: dict[int, WrappedProof]) -> None:
    a, b = wrapped[5], wrapped[7]
    assert a.vk.to_bytes() == b.vk.to_bytes()
    assert a.image_id == b.image_id and a.journal != b.journal
    for wp in (a, b):
        assert wp.verify()
        assert wp.public_input == claim_public_input(
            ok_claim_digest(wp.image_id, sha256(wp.journal))
        )
    # each proof is bound to its own claim
    assert not groth16.verify(a.vk, [b.public_input], a.proof)
    assert not groth16.verify(b.vk, [a.public_input], b.proof)


@pytest.mark.anvil
def test_shorter_height_verifies_on_anvil(wrapped: dict[int, WrappedProof]) -> None:
    from zkrv.onchain.chain import Chain, connect
    from zkrv.onchain.client import ZkrvClient
    from zkrv.onchain.deploy import deploy_stack
    from zkrv.onchain.errors import ContractRevert
    from zkrv.onchain.groth16 import Proof, VerifyingKey
    from zkrv.onchain.node import AnvilNode
    from zkrv.onchain.signer import resolve_signer
    from zkrv.seal import encode_groth16_seal

    vk = VerifyingKey.from_snarkjs(wrapped[7].snarkjs()["vk"])  # the key of the whole range
    with AnvilNode() as node:
        chain = Chain(connect(node.rpc_url), resolve_signer(node.chain_id))
        dep = deploy_stack(chain, [vk])
        client = ZkrvClient(chain, dep.router)
        for wp in (wrapped[5], wrapped[7]):
            js = wp.snarkjs()
            seal = encode_groth16_seal(vk, Proof.from_snarkjs(js["proof"]))
            client.verify(seal, wp.image_id, wp.journal)
            client.verify_claim(seal, ReceiptClaim.ok(wp.image_id, wp.journal))
        js5 = wrapped[5].snarkjs()
        seal5 = encode_groth16_seal(vk, Proof.from_snarkjs(js5["proof"]))
        with pytest.raises(ContractRevert):
            client.verify(seal5, wrapped[5].image_id, wrapped[7].journal)
