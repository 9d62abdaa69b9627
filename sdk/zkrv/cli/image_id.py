"""``zkrv image-id ELF``: the program's image ID (no execution)."""

from __future__ import annotations

import argparse
from typing import Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.prove import image_id


def register(sub: Any) -> None:
    p = sub.add_parser(
        "image-id",
        help="print a guest ELF's image ID (what receipts are verified against)",
        description="Compute the image ID: a digest of the ELF's loadable image, entry point "
        "and the proof-system version. Does not execute the program.",
    )
    p.add_argument("elf", metavar="ELF", help="guest program built with 'zkrv build'")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    iid = "0x" + image_id(args.elf).hex()
    return Result(data={"image_id": iid}, text=iid)
