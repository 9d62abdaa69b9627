"""``zkrv inspect RECEIPT``: show what a receipt claims and what its seal is (verifies nothing)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.errors import ZkrvError
from zkrv.receipt import Receipt, ReceiptKind, decode_receipt


def register(sub: Any) -> None:
    p = sub.add_parser(
        "inspect",
        help="show a receipt's kind, image ID, exit code, journal, digests and seal",
        description="Decode RECEIPT (strictly) and print its kind, image ID, exit code, journal, "
        "journal digest, claim digest and seal with its length and selector. Verifies nothing: "
        "use 'zkrv verify' for that. For a Groth16 receipt, the verifying key its selector names "
        "is looked up in the local key cache (an UNSAFE dev key is labelled so, and a key of "
        "the TOY wrap profile TOY SECURITY).",
    )
    p.add_argument("receipt", metavar="RECEIPT", help="receipt file")
    add_json_flag(p)
    p.set_defaults(func=run)


def read_receipt(path: str) -> Receipt:
    """Read and decode a receipt file; one-line ZkrvError naming the file otherwise."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ZkrvError(f"cannot read receipt {path}: {e.strerror or e}") from None
    try:
        return decode_receipt(raw)
    except ZkrvError as e:
        raise ZkrvError(f"{path}: {e.message}") from None


def key_info(receipt: Receipt) -> dict[str, Any] | None:
    """For a Groth16 receipt, the cached key its selector names (``{"found": False}`` if none;
    ``{"error": ...}`` if the cache cannot be read); None for other kinds."""
    if receipt.kind != ReceiptKind.GROTH16:
        return None
    from zkrv.keys import KeyCache

    cache = KeyCache()
    try:
        key = cache.by_selector(receipt.seal[:4])
    except ZkrvError as e:
        return {"found": False, "error": e.message}
    if key is None:
        return {"found": False, "cache": str(cache.dir)}
    return {"found": True, **key.to_json()}


def run(args: argparse.Namespace) -> Result:
    receipt = read_receipt(args.receipt)
    data = receipt.to_json()
    seal = receipt.seal
    data["seal"] = "0x" + seal.hex()
    data["seal_selector"] = "0x" + seal[:4].hex() if len(seal) >= 4 else None
    lines = [
        f"kind: {data['kind']}",
        f"image id: {data['image_id']}",
        f"exit code: {receipt.exit_code}",
        f"journal ({len(receipt.journal)} bytes): {data['journal']}",
        f"journal digest: {data['journal_digest']}",
        f"claim digest: {data['claim_digest']}",
        f"seal: {len(seal)} bytes, selector {data['seal_selector'] or '(none: under 4 bytes)'}",
        f"seal bytes: {data['seal']}",
    ]
    if "segments" in data:
        lines.insert(1, f"segments: {data['segments']}")
    if receipt.kind == ReceiptKind.DEV:
        data["warning"] = "dev-mode receipt: proves nothing (only the mock verifier accepts it)"
        lines.append(f"warning: {data['warning']}")
    key = key_info(receipt)
    if key is not None:
        data["verifying_key"] = key
        if key.get("found"):
            trust = key.get("warning") or f"imported ({key['source']})"
            what = f", zkVM wrap {key['wrap_profile']}" if key.get("wrap_profile") else ""
            lines.append(f"verifying key: circuit {key['circuit_digest']}{what} [{trust}]")
            if key.get("toy_security"):
                data["toy_security"] = True
                data["toy_warning"] = key["toy_warning"]
                lines.append(f"WARNING: {key['toy_warning']}")
        else:
            lines.append(
                "verifying key: "
                + (key.get("error") or f"not in the local key cache ({key.get('cache')})")
            )
    return Result(data=data, text="\n".join(lines))
