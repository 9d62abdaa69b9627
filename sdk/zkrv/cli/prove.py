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
from zkrv.errors import UsageError, ZkrvError
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
    p.add_argument(
        "--segment-po2",
        type=int,
        metavar="N",
        help="prove executions longer than 2^N cycles in segments of 2^N cycles (6..21; "
        "default 17); a shorter one is one proof",
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="local worker processes proving segments (default: the core count)",
    )
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="prove segments on the Ray cluster at ADDRESS ('auto', 'HOST:PORT', "
        "'ray://HOST:PORT'; 'local' starts one here with --jobs CPUs)",
    )
    add_json_flag(p)
    p.set_defaults(func=run)


def _check_args(args: argparse.Namespace) -> None:
    from zkrv_prover.zkvm.segment_prover import MAX_SEGMENT_PO2, MIN_SEGMENT_PO2

    po2 = args.segment_po2
    if po2 is not None and not MIN_SEGMENT_PO2 <= po2 <= MAX_SEGMENT_PO2:
        raise UsageError(f"prove: --segment-po2 {po2} outside {MIN_SEGMENT_PO2}..{MAX_SEGMENT_PO2}")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"prove: --jobs must be at least 1, got {args.jobs}")
    if args.dev and (po2 is not None or args.jobs is not None or args.ray is not None):
        raise UsageError("prove: --dev makes no proof; --segment-po2, --jobs, --ray need one")
    if args.ray is not None:
        try:
            import ray  # noqa: F401
        except ImportError:
            raise ZkrvError("prove: --ray needs the 'ray' package (pip install ray)") from None


def _kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {"segment_po2": args.segment_po2, "jobs": args.jobs, "ray": args.ray}


def run(args: argparse.Namespace) -> Result:
    _check_args(args)
    data = read_input(args)
    if args.groth16:
        return _run_groth16(args, data)
    t0 = time.monotonic()
    bar = terminal_progress(bool(args.json))
    try:
        receipt = prove(args.elf, data, dev=args.dev, progress=bar, **_kwargs(args))
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
        + ([f"segments: {info['segments']}"] if "segments" in info else [])
    )
    return Result(data=out, text=text)


def _run_groth16(args: argparse.Namespace, data: bytes) -> Result:
    return wrap_to_file(
        lambda bar: prove(args.elf, data, progress=bar, **_kwargs(args)),
        args.output,
        bool(args.json),
    )
