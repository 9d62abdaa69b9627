"""Decoding EVM reverts into Python exceptions that carry the contract's custom error.

A revert's data is ``selector(4) || abi.encode(args)``. :class:`ErrorDecoder` maps the selectors
of every ``error`` in a set of ABIs (plus Solidity's built-in ``Error(string)`` and
``Panic(uint256)``) to their names and argument types, and turns revert data into a
:class:`ContractRevert` with ``error_name`` and ``args``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak, to_checksum_address

from zkrv.errors import ZkrvError


class ContractRevert(ZkrvError):  # noqa: N818 - it is a revert, named as users know it
    """A call or transaction reverted. ``error_name``/``args`` are the decoded custom error
    (``error_name`` is None when the data matches no known error; ``data`` is the raw data)."""

    def __init__(self, context: str, error_name: str | None, args: tuple[Any, ...], data: bytes):
        self.context = context
        self.error_name = error_name
        self.error_args = args
        self.data = data
        if error_name is None:
            what = f"unknown error 0x{data.hex()}" if data else "no revert data"
        else:
            what = f"{error_name}({', '.join(_fmt(a) for a in args)})"
        super().__init__(f"{context} reverted: {what}")


def _fmt(v: Any) -> str:
    if isinstance(v, bytes):
        return "0x" + v.hex()
    if isinstance(v, tuple | list):
        return "(" + ", ".join(_fmt(x) for x in v) + ")"
    return str(v)


def abi_type(inp: dict[str, Any]) -> str:
    """Canonical ABI type string (tuples expanded) of an ABI input entry."""
    t = str(inp["type"])
    if t.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in inp.get("components", []))
        return f"({inner}){t[len('tuple') :]}"
    return t


@dataclass(frozen=True)
class _ErrorSig:
    name: str
    types: tuple[str, ...]


class ErrorDecoder:
    """Selector -> custom error table built from contract ABIs."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]] = ()) -> None:
        self._by_selector: dict[bytes, _ErrorSig] = {
            bytes.fromhex("08c379a0"): _ErrorSig("Error", ("string",)),
            bytes.fromhex("4e487b71"): _ErrorSig("Panic", ("uint256",)),
        }
        for abi in abis:
            self.add_abi(abi)

    def add_abi(self, abi: list[dict[str, Any]]) -> None:
        for entry in abi:
            if entry.get("type") != "error":
                continue
            types = tuple(abi_type(i) for i in entry.get("inputs", []))
            sig = f"{entry['name']}({','.join(types)})"
            self._by_selector[keccak(text=sig)[:4]] = _ErrorSig(entry["name"], types)

    def decode(self, data: bytes, context: str) -> ContractRevert:
        """The exception for revert ``data`` raised by ``context`` (e.g. "router.verify")."""
        data = bytes(data)
        sig = self._by_selector.get(data[:4]) if len(data) >= 4 else None
        if sig is None:
            return ContractRevert(context, None, (), data)
        try:
            args = tuple(abi_decode(list(sig.types), data[4:]))
        except (DecodingError, ValueError, OverflowError):
            return ContractRevert(context, None, (), data)
        # Addresses as users see them elsewhere (EIP-55 checksummed).
        args = tuple(
            to_checksum_address(a) if t == "address" else a
            for t, a in zip(sig.types, args, strict=True)
        )
        return ContractRevert(context, sig.name, args, data)


def revert_data(exc: BaseException) -> bytes | None:
    """Revert data carried by a web3.py exception (``ContractLogicError`` and friends), if any."""
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    if isinstance(data, bytes):
        return data
    if isinstance(data, dict):  # some providers nest it: {"data": "0x..."}
        inner = data.get("data")
        if isinstance(inner, str) and inner.startswith("0x"):
            return bytes.fromhex(inner[2:])
    return None
