"""``zkrv build SOURCES... -o OUT.elf [-- EXTRA_CLANG_FLAGS]``: compile a C guest."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zkrv.build import DEFAULT_OPT, build
from zkrv.cli._common import ArgumentParser, Result, add_json_flag

USAGE = "zkrv build SOURCES... -o OUT.elf [--json] [-- EXTRA_CLANG_FLAGS...]"


def _head_parser() -> ArgumentParser:
    # The part before '--', parsed on its own so '--' can separate clang's flags.
    p = ArgumentParser(prog="zkrv build", usage=USAGE, add_help=False)
    p.add_argument("sources", nargs="+")
    p.add_argument("-o", "--output")
    p.add_argument("--json", action="store_true")
    return p


def register(sub: Any) -> None:
    p = sub.add_parser(
        "build",
        usage=USAGE,
        help="compile C guest sources into an RV32IM ELF with the zkrv runtime",
        description=f"Compile C (or assembly) guest sources with clang for rv32im/ilp32 "
        f"({DEFAULT_OPT} by default) and link the zkrv guest runtime. Flags after '--' go to "
        "clang after the defaults, e.g. '-- -O0 -DN=10'.",
    )
    p.add_argument("-o", "--output", metavar="OUT.elf", help="output ELF path (required)")
    add_json_flag(p)
    p.add_argument("rest", nargs=argparse.REMAINDER, metavar="SOURCES...")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    rest = list(args.rest)
    extra: list[str] = []
    if "--" in rest:
        k = rest.index("--")
        rest, extra = rest[:k], rest[k + 1 :]
    head = _head_parser().parse_args(rest)
    output = head.output or args.output
    if output is None:
        _head_parser().error("the following arguments are required: -o/--output")
    args.json = bool(args.json or head.json)
    out = build(head.sources, output, extra)
    size = Path(out).stat().st_size
    data = {"output": str(out), "bytes": size, "sources": head.sources, "extra_flags": extra}
    return Result(data=data, text=f"built {out} ({size} bytes)")
