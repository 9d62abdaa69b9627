"""``zkrv wrap STARK_RECEIPT -o RECEIPT``: wrap a STARK receipt into a Groth16 receipt.

The Groth16 receipt carries the same claim and journal and the 260-byte seal the on-chain
router verifies (:func:`zkrv.wrapping.wrap`). The key comes from the key cache (UNSAFE dev
setup on a miss, with a progress bar). ``$ZKRV_WRAP_PROFILE=toy`` selects the TOY SECURITY
profile (tests only; labelled in every output).
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.cli._progress import TerminalProgress, terminal_progress
from zkrv.cli.inspect_receipt import read_receipt
from zkrv.errors import ZkrvError
from zkrv.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    from zkrv.receipt import Receipt
    from zkrv.wrapping import WrappedReceipt


def register(sub: Any) -> None:
    p = sub.add_parser(
        "wrap",
        help="wrap a STARK receipt into a Groth16 receipt (what contracts verify)",
        description="Wrap a STARK receipt (from 'zkrv prove') into a Groth16 receipt: same "
        "claim and journal, and the 260-byte seal the on-chain router verifies. The Groth16 key "
        "is the cached key of the wrap circuit, the same for every guest; on a miss the UNSAFE "
        "dev setup makes it once. On a terminal a progress bar on stderr follows each stage.",
    )
    p.add_argument("receipt", metavar="STARK_RECEIPT", help="STARK receipt file ('zkrv prove')")
    p.add_argument("-o", "--output", required=True, metavar="RECEIPT", help="Groth16 receipt file")
    add_json_flag(p)
    p.set_defaults(func=run)


def write_receipt(path: str, raw: bytes) -> None:
    """Write a receipt atomically; one-line ZkrvError on failure."""
    try:
        atomic_write_bytes(path, raw)
    except OSError as e:
        raise ZkrvError(f"cannot write receipt {path}: {e.strerror or e}") from None


def wrapped_result(w: WrappedReceipt, output: str, seconds: float) -> Result:
    """The CLI result of a wrap (``zkrv wrap``, ``zkrv prove --groth16``)."""
    from zkrv.keys import UNSAFE_LABEL

    raw = w.receipt.to_bytes()
    data = {**w.to_json(), "output": output, "seconds": round(seconds, 3)}
    key = w.key
    bits = "?" if w.layer_bits is None else f"{w.layer_bits:.1f}"
    lines = [
        f"receipt: {output} ({len(raw)} bytes, groth16)",
        f"image id: {data['image_id']}",
        f"exit code: {w.receipt.exit_code}",
        f"journal: {data['journal']}",
        f"claim digest: {data['claim_digest']}",
        f"seal selector: 0x{w.receipt.selector.hex()} (circuit {key.circuit_digest})",
        f"wrap profile: {w.profile} (weakest recursion layer: {bits} proven bits)",
    ]
    if key.unsafe_dev_setup:
        lines.append(f"warning: verifying key: {UNSAFE_LABEL}")
    if w.toy:
        lines.append(f"WARNING: {data['toy_warning']}")
    return Result(data=data, text="\n".join(lines))


def wrap_to_file(
    make_stark: Callable[[TerminalProgress | None], Receipt], output: str, as_json: bool
) -> Result:
    """Wrap the STARK receipt ``make_stark`` returns (called under the same progress bar, so a
    prove step shares it) with the selected profile, write the Groth16 receipt to ``output``
    atomically and describe it. An unknown ``$ZKRV_WRAP_PROFILE`` fails before any work."""
    from zkrv.wrapping import ToySecurityWarning, profile_name, wrap_receipt

    profile = profile_name()
    t0 = time.monotonic()
    bar = terminal_progress(as_json)
    try:
        stark = make_stark(bar)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ToySecurityWarning)  # the output says it
            w = wrap_receipt(stark, progress=bar, profile=profile)
    finally:
        if bar is not None:
            bar.close()
    write_receipt(output, w.receipt.to_bytes())
    return wrapped_result(w, output, time.monotonic() - t0)


def run(args: argparse.Namespace) -> Result:
    from zkrv.wrapping import profile_name

    profile_name()  # an unknown $ZKRV_WRAP_PROFILE fails before the receipt is read
    stark = read_receipt(args.receipt)
    return wrap_to_file(lambda _bar: stark, args.output, bool(args.json))
