"""``zkrv prove ELF -o RECEIPT``: execute a guest and prove it (``--dev``: execute only)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.cli._progress import terminal_progress
from zkrv.cli.execute import read_input
from zkrv.errors import ZkrvError
from zkrv.fsutil import atomic_write_bytes
from zkrv.prove import prove


def register(sub: Any) -> None:
    p = sub.add_parser(
        "prove",
        help="execute a guest ELF and write a receipt proving the execution",
        description="Execute a guest ELF and prove it with a STARK. --dev skips the proof and "
        "writes a dev-mode receipt (accepted only by the mock verifier). On a terminal a "
        "progress bar on stderr follows each stage; none with --json or off a tty.",
    )
    p.add_argument("elf", metavar="ELF", help="guest program built with 'zkrv build'")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--input", metavar="FILE", help="private input bytes from FILE")
    src.add_argument("--input-hex", metavar="HEX", help="private input bytes as hex")
    p.add_argument("-o", "--output", required=True, metavar="RECEIPT", help="receipt file")
    p.add_argument("--dev", action="store_true", help="dev mode: execute, make no proof")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    data = read_input(args)
    t0 = time.monotonic()
    bar = terminal_progress(bool(args.json))
    try:
        receipt = prove(args.elf, data, dev=args.dev, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    raw = receipt.to_bytes()
    try:
        atomic_write_bytes(args.output, raw)
    except OSError as e:
        raise ZkrvError(f"cannot write receipt {args.output}: {e.strerror or e}") from None
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
