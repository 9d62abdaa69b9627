"""A web3.py client for dApp backends: verify receipts, submit them, decode journals.

    client = ZkrvClient.connect(rpc_url, router=deployment.router)
    client.verify(seal, image_id, journal)            # eth_call; raises ContractRevert
    client.verify_receipt(receipt)                    # a Groth16 (or dev) receipt as a whole
    receipt = client.submit(app_address, app_abi, "set", [x, seal])
    (x,) = decode_journal(journal, ["uint256"])

Reverts come back as :class:`~zkrv.onchain.errors.ContractRevert` with the decoded custom error
(``error_name``, ``error_args``), e.g. ``SelectorUnknown(0x12345678)`` from the router.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_account.signers.local import LocalAccount

from zkrv.claim import ReceiptClaim, sha256
from zkrv.errors import ZkrvError
from zkrv.onchain.chain import Chain, connect
from zkrv.onchain.contracts import Artifact, packaged_artifacts
from zkrv.onchain.signer import resolve_signer

if TYPE_CHECKING:
    from zkrv.receipt import Receipt


def claim_tuple(claim: ReceiptClaim) -> tuple[Any, ...]:
    """ABI value of a claim for the Solidity ``ReceiptClaim`` struct."""
    return (
        claim.image_id,
        claim.post_state_digest,
        (int(claim.exit_code.system), claim.exit_code.user),
        claim.input_digest,
        (claim.output.journal_digest, claim.output.assumptions_digest),
    )


def decode_journal(journal: bytes, types: list[str]) -> tuple[Any, ...]:
    """Decode an ABI-encoded journal (``abi.encode(...)`` in the guest's convention)."""
    try:
        return tuple(abi_decode(types, journal, strict=True))
    except (DecodingError, ValueError, OverflowError) as e:
        raise ZkrvError(f"journal does not decode as ({', '.join(types)}): {e}") from e


def encode_journal(types: list[str], values: list[Any]) -> bytes:
    """ABI-encode values as a journal (the inverse of :func:`decode_journal`)."""
    return abi_encode(types, values)


class ZkrvClient:
    """Talks to a deployed zkrv router (and application contracts) on one chain."""

    def __init__(self, chain: Chain, router: str, artifacts: dict[str, Artifact] | None = None):
        self.chain = chain
        self.router = router
        self.artifacts = artifacts if artifacts is not None else packaged_artifacts()
        for a in self.artifacts.values():
            chain.decoder.add_abi(a.abi)
        self._router_art = self.artifacts["ZkrvVerifierRouter"]

    @classmethod
    def connect(
        cls,
        rpc_url: str,
        router: str,
        key_file: str | Path | None = None,
        key_env: str | None = None,
        signer: LocalAccount | None = None,
    ) -> ZkrvClient:
        """Connect to ``rpc_url``; the signer follows :func:`resolve_signer`'s rules."""
        w3 = connect(rpc_url)
        chain_id = int(w3.eth.chain_id)
        if signer is None:
            try:
                signer = resolve_signer(chain_id, key_file, key_env)
            except ZkrvError:
                if key_file is not None or key_env is not None:
                    raise
                signer = None  # read-only client: verify works, submit does not
        return cls(Chain(w3, signer), router)

    def _router_call(self, fn: str, args: list[Any]) -> bytes:
        data = self.chain.encode(self._router_art, fn, args)
        return self.chain.call(self.router, data, f"router.{fn}")

    def verify(self, seal: bytes, image_id: bytes, journal: bytes) -> None:
        """Check on-chain (eth_call) that ``seal`` proves ``image_id`` wrote ``journal``."""
        self.verify_digest(seal, image_id, sha256(journal))

    def verify_digest(self, seal: bytes, image_id: bytes, journal_digest: bytes) -> None:
        self._router_call("verify", [seal, image_id, journal_digest])

    def verify_claim(self, seal: bytes, claim: ReceiptClaim) -> None:
        self._router_call("verifyClaim", [seal, claim_tuple(claim)])

    def verify_claim_digest(self, seal: bytes, claim_digest: bytes) -> None:
        self._router_call("verifyClaimDigest", [seal, claim_digest])

    def verify_tx(self, seal: bytes, image_id: bytes, journal_digest: bytes) -> dict[str, Any]:
        """Send a transaction calling ``router.verify`` (to measure its gas); the receipt."""
        data = self.chain.encode(self._router_art, "verify", [seal, image_id, journal_digest])
        return self.chain.transact(self.router, data, "router.verify")

    def _receipt_call(self, receipt: Receipt) -> tuple[str, list[Any]]:
        """(router function, arguments) that check ``receipt`` on chain: ``verify(seal, imageId,
        sha256(journal))`` for exit code 0 (the ordinary claim, which ``verify`` rebuilds),
        else ``verifyClaim(seal, claim)`` with the receipt's full claim (``verify`` would
        refuse it: it assumes exit code 0)."""
        from zkrv.receipt import ReceiptKind

        if receipt.kind == ReceiptKind.STARK:
            raise ZkrvError(
                "a STARK receipt cannot be verified on chain: wrap it into a Groth16 receipt "
                "first (only Groth16 and, against the mock verifier, dev receipts have a seal "
                "the router accepts)"
            )
        if receipt.kind not in (ReceiptKind.GROTH16, ReceiptKind.DEV):
            raise ZkrvError(f"cannot verify a {receipt.kind.name} receipt on chain")
        if receipt.exit_code == 0:
            return "verify", [receipt.seal, receipt.image_id, receipt.journal_digest]
        return "verifyClaim", [receipt.seal, claim_tuple(receipt.claim)]

    def verify_receipt(self, receipt: Receipt) -> str:
        """Ask the router (``eth_call``) whether it accepts ``receipt`` (see
        :meth:`_receipt_call` for which function); returns that function's name. Raises
        :class:`~zkrv.onchain.errors.ContractRevert` when the router refuses, ZkrvError for a
        STARK receipt (it must be wrapped first). A dev receipt passes only where the mock
        verifier is registered: it PROVES NOTHING."""
        fn, args = self._receipt_call(receipt)
        self._router_call(fn, args)
        return fn

    def verify_receipt_tx(self, receipt: Receipt) -> dict[str, Any]:
        """Like :meth:`verify_receipt` but as a transaction (to measure its gas); the
        transaction receipt. Needs a signer."""
        fn, args = self._receipt_call(receipt)
        data = self.chain.encode(self._router_art, fn, args)
        return self.chain.transact(self.router, data, f"router.{fn}")

    def submit(
        self, contract: str, abi: list[dict[str, Any]], fn: str, args: list[Any]
    ) -> dict[str, Any]:
        """Send ``contract.fn(*args)`` (e.g. an application's ``set(x, seal)``); the receipt."""
        self.chain.decoder.add_abi(abi)
        art = Artifact(name=fn, source="", abi=abi, bytecode=b"")
        return self.chain.transact(contract, self.chain.encode(art, fn, args), f"{fn}")

    def call(self, contract: str, abi: list[dict[str, Any]], fn: str, args: list[Any]) -> Any:
        """``eth_call`` of a view function; its decoded return value."""
        self.chain.decoder.add_abi(abi)
        art = Artifact(name=fn, source="", abi=abi, bytecode=b"")
        out = self.chain.call(contract, self.chain.encode(art, fn, args), fn)
        return self.chain.decode_output(art, fn, out)
