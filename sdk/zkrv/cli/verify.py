"""``zkrv verify RECEIPT --image-id 0x... [--rpc URL --router ADDR]``: exit 0 only for a valid
receipt of that image.

Without ``--rpc`` the receipt is checked natively (a STARK receipt by the STARK verifier, a
Groth16 receipt by a pairing check against the key its selector names in the local key cache,
:mod:`zkrv.keys`). With ``--rpc URL --router ADDR`` the router deployed at ADDR is asked instead
(``eth_call``, no transaction, no key needed): ``verify`` for exit code 0, ``verifyClaim``
otherwise (:meth:`zkrv.onchain.client.ZkrvClient.verify_receipt`); the image ID and journal are
still compared locally first.
"""

from __future__ import annotations

import argparse
from typing import Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.cli.inspect_receipt import read_receipt
from zkrv.errors import UsageError
from zkrv.keys import TOY_LABEL, UNSAFE_LABEL
from zkrv.receipt import DevReceipt, Groth16Receipt, Receipt, check_expectations


def parse_hex(text: str, what: str, length: int | None = None) -> bytes:
    """Hex (optional 0x) -> bytes, as a usage error when malformed."""
    t = text.strip()
    t = t[2:] if t[:2].lower() == "0x" else t
    try:
        out = bytes.fromhex(t)
    except ValueError:
        raise UsageError(f"verify: {what} is not valid hex: {text!r}") from None
    if length is not None and len(out) != length:
        raise UsageError(f"verify: {what} must be {length} bytes, got {len(out)}")
    return out


def register(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="verify a receipt against an image ID (and optionally a journal)",
        description="Exit status 0 only if RECEIPT proves that the program with IMAGE_ID halted "
        "with the receipt's exit code and journal (and the journal equals --journal-hex). "
        "Natively by default; with --rpc and --router, by asking the deployed router (eth_call): "
        "Groth16 receipts, and dev receipts where the mock verifier is registered.",
    )
    p.add_argument("receipt", metavar="RECEIPT", help="receipt file from 'zkrv prove'")
    p.add_argument("--image-id", required=True, metavar="0x...", help="expected image ID")
    p.add_argument("--journal-hex", metavar="HEX", help="expected journal bytes as hex")
    p.add_argument("--rpc", metavar="URL", help="verify on chain: Ethereum JSON-RPC URL")
    p.add_argument("--router", metavar="ADDR", help="address of the ZkrvVerifierRouter (--rpc)")
    add_json_flag(p)
    p.set_defaults(func=run)


def parse_address(text: str) -> str:
    """A 20-byte hex address (checksum case not required), as a usage error when malformed."""
    raw = parse_hex(text, "--router", 20)
    return "0x" + raw.hex()


def run(args: argparse.Namespace) -> Result:
    image_id = parse_hex(args.image_id, "--image-id", 32)
    journal = None if args.journal_hex is None else parse_hex(args.journal_hex, "--journal-hex")
    if (args.rpc is None) != (args.router is None):
        raise UsageError("verify: --rpc and --router go together (on-chain verification)")
    router = None if args.router is None else parse_address(args.router)
    receipt = read_receipt(args.receipt)
    if args.rpc is not None and router is not None:
        return _run_onchain(receipt, image_id, journal, args.rpc, router)
    if isinstance(receipt, Groth16Receipt):
        receipt.verify(image_id, journal)  # claim first, then key (by selector) and pairing
        key = receipt.verifying_key()
        info = receipt.to_json()
        data = {"valid": True, **info, "verifying_key": key.to_json()}
        text = f"valid: exit code {receipt.exit_code}, journal {info['journal']}"
        if key.unsafe_dev_setup:
            text += f"\nwarning: verifying key 0x{key.selector.hex()}: {UNSAFE_LABEL}"
        if key.toy_security:
            data["toy_security"] = True
            data["toy_warning"] = TOY_LABEL
            text += f"\nWARNING: verifying key 0x{key.selector.hex()}: {TOY_LABEL}"
        return Result(data=data, text=text)
    receipt.verify(image_id, journal)
    info = receipt.to_json()
    data = {"valid": True, **info}
    return Result(
        data=data, text=f"valid: exit code {receipt.exit_code}, journal {info['journal']}"
    )


def _run_onchain(
    receipt: Receipt, image_id: bytes, journal: bytes | None, rpc: str, router: str
) -> Result:
    # Deferred import: web3 is slow to import and only on-chain verification needs it.
    from zkrv.onchain.client import ZkrvClient

    check_expectations(receipt, image_id, journal)
    client = ZkrvClient.connect(rpc, router)
    fn = client.verify_receipt(receipt)  # ContractRevert (a ZkrvError) when refused
    info = receipt.to_json()
    data: dict[str, Any] = {
        "valid": True,
        **info,
        "onchain": {"chain_id": client.chain.chain_id, "router": router, "function": fn},
    }
    text = (
        f"valid on chain {client.chain.chain_id} (router {router}, {fn}): exit code "
        f"{receipt.exit_code}, journal {info['journal']}"
    )
    if isinstance(receipt, DevReceipt):
        data["warning"] = "dev-mode receipt accepted by the mock verifier: PROVES NOTHING"
        text += f"\nwarning: {data['warning']}"
    return Result(data=data, text=text)
