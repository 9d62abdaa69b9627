"""``zkrv prove ELF -o RECEIPT``: execute a guest and prove it (``--dev``: execute only;
``--groth16``: then wrap the STARK receipt into a Groth16 receipt, as ``zkrv wrap`` does)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.cli._progress import terminal_progress
from zkrv.cli.execute import read_input
from zkrv.cli.wrap import wrap_to_file, write_receipt
from zkrv.prove import prove


def register(sub: Any) -> None:
    p = sub.add_parser(
        "prove",
        help="execute a guest ELF and write a receipt proving the execution",
        description="Execute a guest ELF and prove it with a STARK. --groth16 then wraps the "
        "STARK receipt into a Groth16 receipt (what contracts verify; see 'zkrv wrap'). --dev "
        "skips the proof and writes a dev-mode receipt (accepted only by the mock verifier). On "
        "a terminal a progress bar on stderr follows each stage; none with --json or off a tty.",
    )
    p.add_argument("elf", metavar="ELF", help="guest program built with 'zkrv build'")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--input", metavar="FILE", help="private input bytes from FILE")
    src.add_argument("--input-hex", metavar="HEX", help="private input bytes as hex")
    p.add_argument("-o", "--output", required=True, metavar="RECEIPT", help="receipt file")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dev", action="store_true", help="dev mode: execute, make no proof")
    mode.add_argument(
        "--groth16",
        action="store_true",
        help="wrap the STARK receipt into a Groth16 receipt (the on-chain router's seal)",
    )
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    data = read_input(args)
    if args.groth16:
        return _run_groth16(args, data)
    t0 = time.monotonic()
    bar = terminal_progress(bool(args.json))
    try:
        receipt = prove(args.elf, data, dev=args.dev, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    raw = receipt.to_bytes()
    write_receipt(args.output, raw)
    info = receipt.to_json()
    out = {**info, "output": args.output, "seconds": round(time.monotonic() - t0, 3)}
    text = "\n".join(
        [
            f"receipt: {args.output} ({len(raw)} bytes, {info['kind']})",
            f"image id: {info['image_id']}",
            f"exit code: {receipt.exit_code}",
            f"journal: {info['journal']}",
        ]
    )
    return Result(data=out, text=text)


def _run_groth16(args: argparse.Namespace, data: bytes) -> Result:
    return wrap_to_file(
        lambda bar: prove(args.elf, data, progress=bar), args.output, bool(args.json)
    )
