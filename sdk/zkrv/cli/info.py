"""``zkrv info``: versions and the toolchain paths zkrv would use (a setup check)."""

from __future__ import annotations

import argparse
import importlib.util
from typing import Any

from zkrv import __version__
from zkrv.cli._common import Result, add_json_flag
from zkrv.toolchain import find_tool

TOOLS = ("clang", "ld.lld", "solc", "anvil", "forge", "node", "qemu-riscv32")


def register(sub: Any) -> None:
    p = sub.add_parser("info", help="show zkrv's version and the toolchain it finds")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    tools = {}
    for name in TOOLS:
        path = find_tool(name, required=False)
        tools[name] = str(path) if path else None
    native = importlib.util.find_spec("zkrv_prover._native") is not None
    data = {"version": __version__, "native_extension": native, "tools": tools}
    lines = [f"zkrv {__version__}", f"native extension: {'yes' if native else 'missing'}"]
    lines += [f"{k}: {v or 'not found'}" for k, v in tools.items()]
    return Result(data=data, text="\n".join(lines))
