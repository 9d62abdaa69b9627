"""``zkrv execute ELF``: run a guest and print its exit code, journal and cycle count."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.errors import UsageError, ZkrvError
from zkrv.execute import execute
from zkrv_prover.executor.abi import DEFAULT_MAX_CYCLES


def _positive(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser(
        "execute",
        help="run a guest ELF and print its exit code, journal and cycle count",
        description="Run a guest ELF. Guest log messages go to stderr.",
    )
    p.add_argument("elf", metavar="ELF", help="guest program built with 'zkrv build'")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--input", metavar="FILE", help="private input bytes from FILE")
    src.add_argument("--input-hex", metavar="HEX", help="private input bytes as hex")
    p.add_argument(
        "--max-cycles",
        type=_positive,
        default=DEFAULT_MAX_CYCLES,
        metavar="N",
        help=f"stop with an error after N cycles (default {DEFAULT_MAX_CYCLES})",
    )
    add_json_flag(p)
    p.set_defaults(func=run)


def read_input(args: argparse.Namespace) -> bytes:
    """The private input selected by ``--input``/``--input-hex`` (empty when neither)."""
    if args.input is not None:
        try:
            return Path(args.input).read_bytes()
        except OSError as e:
            raise ZkrvError(f"cannot read input file {args.input}: {e.strerror or e}") from None
    if args.input_hex is not None:
        text = args.input_hex.strip()
        text = text[2:] if text[:2].lower() == "0x" else text
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise UsageError(f"execute: --input-hex is not valid hex: {args.input_hex!r}") from None
    return b""


def _log(text: str) -> None:
    for line in text.splitlines() or [""]:
        sys.stderr.write(f"[guest] {line}\n")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> Result:
    data = read_input(args)
    r = execute(args.elf, data, max_cycles=args.max_cycles, log=_log)
    out = {
        "exit_code": r.exit_code,
        "journal": "0x" + r.journal.hex(),
        "journal_digest": "0x" + r.journal_digest.hex(),
        "cycles": r.cycles,
        "logs": r.logs,
    }
    text = "\n".join(
        [
            f"exit code: {r.exit_code}",
            f"cycles: {r.cycles}",
            f"journal ({len(r.journal)} bytes): 0x{r.journal.hex()}",
            f"journal digest: 0x{r.journal_digest.hex()}",
        ]
    )
    return Result(data=out, text=text)
