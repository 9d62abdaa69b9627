"""Calls, transactions and deployments over web3.py, with reverts decoded.

:class:`Chain` wraps a ``Web3`` connection and an optional signer. Every failure that carries
revert data (from ``eth_call``, gas estimation, or a mined transaction with status 0) is raised
as :class:`~zkrv.onchain.errors.ContractRevert` decoded against the ABIs it knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception

from zkrv.errors import ZkrvError
from zkrv.onchain.contracts import Artifact
from zkrv.onchain.errors import ContractRevert, ErrorDecoder, abi_type, revert_data

#: Gas estimate multiplier, headroom for estimation drift between estimate and inclusion.
GAS_HEADROOM = 1.25


def connect(rpc_url: str, timeout: float = 60.0) -> Web3:
    """A connected ``Web3`` for ``rpc_url``; raises :class:`ZkrvError` if it does not answer."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
    try:
        w3.eth.chain_id  # noqa: B018 - the request is the connectivity check
    except Exception as e:  # requests/aiohttp/web3 raise many kinds; report one line
        raise ZkrvError(f"cannot reach Ethereum JSON-RPC at {rpc_url}: {type(e).__name__}") from e
    return w3


class Chain:
    """A web3 connection, a signer (optional for read-only use) and an error decoder."""

    def __init__(
        self,
        w3: Web3,
        signer: LocalAccount | None = None,
        abis: Iterable[list[dict[str, Any]]] = (),
    ) -> None:
        self.w3 = w3
        self.signer = signer
        self.decoder = ErrorDecoder(abis)
        self.chain_id = int(w3.eth.chain_id)

    def _revert(self, e: Exception, context: str) -> ZkrvError:
        data = revert_data(e)
        if data is not None:
            return self.decoder.decode(data, context)
        return ZkrvError(f"{context} failed: {e}")

    def call(self, to: str, data: bytes, context: str) -> bytes:
        """``eth_call``; the returned bytes, or :class:`ContractRevert`."""
        tx: dict[str, Any] = {"to": to_checksum_address(to), "data": "0x" + data.hex()}
        if self.signer is not None:
            tx["from"] = self.signer.address
        try:
            return bytes(self.w3.eth.call(tx))  # type: ignore[arg-type]
        except (ContractLogicError, Web3Exception, ValueError) as e:
            raise self._revert(e, context) from e

    def transact(self, to: str | None, data: bytes, context: str) -> dict[str, Any]:
        """Sign, send and wait for a transaction; its receipt (as a dict)."""
        if self.signer is None:
            raise ZkrvError(f"{context}: no signer configured for transactions")
        tx: dict[str, Any] = {
            "from": self.signer.address,
            "data": "0x" + data.hex(),
            "chainId": self.chain_id,
            "nonce": self.w3.eth.get_transaction_count(self.signer.address, "pending"),
        }
        if to is not None:
            tx["to"] = to_checksum_address(to)
        try:
            tx["gas"] = int(self.w3.eth.estimate_gas(tx) * GAS_HEADROOM)  # type: ignore[arg-type]
        except (ContractLogicError, Web3Exception, ValueError) as e:
            raise self._revert(e, context) from e
        block = self.w3.eth.get_block("latest")
        base_fee = int(block.get("baseFeePerGas", 0) or 0)
        tip = int(self.w3.eth.max_priority_fee)
        tx["maxPriorityFeePerGas"] = tip
        tx["maxFeePerGas"] = 2 * base_fee + tip
        signed = self.signer.sign_transaction(tx)
        try:
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt: dict[str, Any] = dict(
                self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
            )
        except (ContractLogicError, Web3Exception, ValueError) as e:
            raise self._revert(e, context) from e
        if int(receipt["status"]) != 1:
            # Replay at the including block to recover the revert data.
            replay = {k: tx[k] for k in ("from", "to", "data") if k in tx}
            try:
                self.w3.eth.call(replay, receipt["blockNumber"])  # type: ignore[arg-type]
            except (ContractLogicError, Web3Exception, ValueError) as e:
                raise self._revert(e, context) from e
            raise ZkrvError(f"{context}: transaction {tx_hash.hex()} failed (status 0)")
        return receipt

    def deploy(self, artifact: Artifact, args: list[Any], context: str | None = None) -> str:
        """Deploy ``artifact`` with constructor ``args``; the new contract's address."""
        self.decoder.add_abi(artifact.abi)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = bytes.fromhex(factory.constructor(*args).data_in_transaction[2:])
        receipt = self.transact(None, data, context or f"deploying {artifact.name}")
        address = receipt.get("contractAddress")
        if not address:
            raise ZkrvError(f"deploying {artifact.name}: no contract address in receipt")
        return str(address)

    def encode(self, artifact: Artifact, fn: str, args: list[Any]) -> bytes:
        """Calldata for ``artifact.fn(*args)``."""
        c = self.w3.eth.contract(abi=artifact.abi)
        return bytes.fromhex(c.encode_abi(fn, args=args)[2:])

    def decode_output(self, artifact: Artifact, fn: str, data: bytes) -> Any:
        """Decode the return data of ``artifact.fn``."""
        entry = next(
            (e for e in artifact.abi if e.get("type") == "function" and e.get("name") == fn), None
        )
        if entry is None:
            raise ZkrvError(f"{artifact.name} has no function {fn}")
        types = [abi_type(o) for o in entry.get("outputs", [])]
        values = abi_decode(types, data)
        return values[0] if len(values) == 1 else values


__all__ = ["Chain", "ContractRevert", "connect"]
