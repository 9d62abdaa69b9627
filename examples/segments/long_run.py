"""Prove an execution longer than one segment, from Python, and verify the composite receipt.

1. Build ``examples/guests/sort.c`` and execute it on ``n`` (default 800: about 980k cycles of
   insertion sort, 8 segments of the default 2^17) to see how long the run is.
2. ``zkrv.prove(elf, input, segment_po2=..., jobs=...)``: the run does not fit one segment, so
   it is proven in segments (on local worker processes, or on Ray with ``--ray ADDRESS``) into
   a ``SegmentedReceipt`` whose claim is what a one-proof receipt would claim.
3. Write it atomically, read it back and verify it against the image ID and the journal.
4. With ``--groth16``: wrap the composite receipt into a Groth16 receipt (the segment join
   tree, then the same key as one-proof receipts; ``docs/segments.md``, "Join") and verify it.

Run: ``.venv/bin/python examples/segments/long_run.py [--n N] [--segment-po2 P] [--jobs J]
[--ray ADDRESS] [--out FILE] [--groth16]``. The default takes about 3 minutes on 2 cores
(``docs/segments.md`` has the figures); ``--n 60 --segment-po2 12`` takes well under a minute.
``--groth16`` adds a recursion proof per segment and the wrap (``ZKRV_WRAP_PROFILE=toy`` for a
fast TOY SECURITY run; the first wrap also makes the keys).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import zkrv
from zkrv.fsutil import atomic_write_bytes
from zkrv.receipt import SegmentedReceipt

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=800, help="words to sort (cycles grow as n^2)")
    ap.add_argument("--segment-po2", type=int, default=None, help="log2 cycles per segment")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    ap.add_argument("--ray", default=None, help="Ray address ('local' starts one here)")
    ap.add_argument("--out", type=Path, default=None, help="where to write the receipt")
    ap.add_argument("--groth16", action="store_true", help="then wrap it into a Groth16 receipt")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as d:
        elf = zkrv.build([ROOT / "examples" / "guests" / "sort.c"], Path(d) / "sort.elf")
        image_id = zkrv.image_id(elf)
        data = args.n.to_bytes(4, "little")
        run = zkrv.execute(elf, data)
        print(f"sort of {args.n} words: {run.cycles} cycles, journal {run.journal.hex()}")

        t0 = time.perf_counter()
        receipt = zkrv.prove(elf, data, segment_po2=args.segment_po2, jobs=args.jobs, ray=args.ray)
        took = time.perf_counter() - t0
        parts = f"{receipt.segments} segments" if isinstance(receipt, SegmentedReceipt) else "one"
        print(f"proven in {took:.1f} s: {receipt.kind.name.lower()} receipt, {parts} proof(s)")

        out = args.out or Path(d) / "sort.receipt"
        atomic_write_bytes(out, receipt.to_bytes())
        back = zkrv.decode_receipt(out.read_bytes())
        t0 = time.perf_counter()
        back.verify(image_id, run.journal)
        print(f"verified in {time.perf_counter() - t0:.1f} s ({out.stat().st_size} bytes)")
        if args.groth16:
            t0 = time.perf_counter()
            g16 = zkrv.wrap(back)
            g16.verify(image_id, run.journal)
            took = time.perf_counter() - t0
            print(f"wrapped and verified in {took:.1f} s: {len(g16.seal)}-byte Groth16 seal")


if __name__ == "__main__":
    main()
