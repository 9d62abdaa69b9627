"""``zkrv new``: scaffold an application project (guest, host, contract, tests)."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from zkrv.cli._common import Result, add_json_flag


def register(sub: Any) -> None:
    p = sub.add_parser(
        "new",
        help="create a project: C guest, Python host, app contract and tests",
        description="Create a zkrv application project: a C guest (guest/main.c), a Python "
        "host that proves and submits receipts (host.py), an application contract that checks "
        "receipts through the zkrv router (contracts/App.sol) and pytest tests that run the "
        "whole flow on a local Anvil chain (tests/). Refuses an existing non-empty directory.",
    )
    p.add_argument("name", help="project name: a letter, then letters, digits, '-' or '_'")
    p.add_argument("--dir", metavar="PATH", help="directory to create (default: ./NAME)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    from zkrv.scaffold import new_project

    path, files = new_project(args.name, args.dir)
    data = {"name": args.name, "path": str(path), "files": [f.as_posix() for f in files]}
    text = "\n".join(
        [
            f"created {args.name} in {path}",
            "next steps:",
            f"  cd {shlex.quote(str(path))}",
            "  python host.py 27 --dev   # prove (dev receipt) and submit on a local Anvil",
            "  pytest                    # the project's tests",
        ]
    )
    return Result(data=data, text=text)
