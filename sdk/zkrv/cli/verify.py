"""``zkrv verify RECEIPT --image-id 0x...``: exit 0 only for a valid receipt of that image."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.errors import UsageError, ZkrvError
from zkrv.receipt import decode_receipt


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
        "with the receipt's exit code and journal (and the journal equals --journal-hex).",
    )
    p.add_argument("receipt", metavar="RECEIPT", help="receipt file from 'zkrv prove'")
    p.add_argument("--image-id", required=True, metavar="0x...", help="expected image ID")
    p.add_argument("--journal-hex", metavar="HEX", help="expected journal bytes as hex")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    image_id = parse_hex(args.image_id, "--image-id", 32)
    journal = None if args.journal_hex is None else parse_hex(args.journal_hex, "--journal-hex")
    try:
        raw = Path(args.receipt).read_bytes()
    except OSError as e:
        raise ZkrvError(f"cannot read receipt {args.receipt}: {e.strerror or e}") from None
    receipt = decode_receipt(raw)
    receipt.verify(image_id, journal)
    info = receipt.to_json()
    data = {"valid": True, **info}
    return Result(
        data=data, text=f"valid: exit code {receipt.exit_code}, journal {info['journal']}"
    )
