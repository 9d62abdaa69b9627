#!/usr/bin/env python3
"""zkrv's single benchmark entry point.

    scripts/bench.py --list          name the benchmarks
    scripts/bench.py NAME [--json]   run one; --json prints a JSON list of
                                     {"name": str, "value": number, "unit": str}

Each benchmark is a module ``scripts/benchmarks/NAME.py`` whose docstring's first line describes
it and whose ``run() -> list[dict]`` returns the measurements. Benchmarks are not tests: they run
full sizes and report figures; they do not assert goals.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

BENCH_DIR = Path(__file__).resolve().parent / "benchmarks"


def available() -> dict[str, Path]:
    return {p.stem: p for p in sorted(BENCH_DIR.glob("*.py")) if not p.stem.startswith("_")}


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"zkrv_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench.py", description=__doc__.splitlines()[0])
    ap.add_argument("name", nargs="?", help="benchmark to run")
    ap.add_argument("--list", action="store_true", help="list benchmarks")
    ap.add_argument("--json", action="store_true", help="print a JSON list of measurements")
    args = ap.parse_args()
    benches = available()
    if args.list or not args.name:
        for name, path in benches.items():
            doc = (load(name, path).__doc__ or "").strip().splitlines()
            print(f"{name:12s} {doc[0] if doc else ''}")
        return 0
    if args.name not in benches:
        print(
            f"bench.py: error: unknown benchmark '{args.name}' (known: {', '.join(benches)})",
            file=sys.stderr,
        )
        return 2
    results = load(args.name, benches[args.name]).run()
    for r in results:
        if not {"name", "value", "unit"} <= r.keys():
            raise ValueError(f"benchmark {args.name} returned a malformed entry: {r}")
    if args.json:
        print(json.dumps(results))
    else:
        for r in results:
            print(f"{r['name']:40s} {r['value']:>14.6g} {r['unit']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
