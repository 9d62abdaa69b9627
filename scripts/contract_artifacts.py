#!/usr/bin/env python3
"""Write (or with ``--check``, verify) zkrv's compiled contract artifacts.

Compiles ``contracts/src`` with the pinned solc (the solc-js wrapper ``scripts/setup.py`` links
into ``.venv/bin``) and writes ``sdk/zkrv/onchain/artifacts/contracts.json``, which the package
ships so that deploying and calling the fixed contracts needs no compiler. Run it after editing
any contract; ``tests/onchain/test_contract_artifacts.py`` fails while the file is stale.
Usage: ``.venv/bin/python scripts/contract_artifacts.py [--check]``.
"""

from __future__ import annotations

import json
import sys

from zkrv.errors import ZkrvError
from zkrv.fsutil import atomic_write_text
from zkrv.onchain.contracts import ARTIFACTS_FILE, artifacts_document


def render() -> str:
    """The artifact file's exact text for a fresh compile (stable key order, one trailing NL)."""
    return json.dumps(artifacts_document(), indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        print("usage: contract_artifacts.py [--check]", file=sys.stderr)
        return 2
    try:
        text = render()
    except ZkrvError as e:
        print(f"contract_artifacts: error: {e}", file=sys.stderr)
        return 1
    if check:
        if not ARTIFACTS_FILE.is_file() or ARTIFACTS_FILE.read_text() != text:
            print(f"contract_artifacts: {ARTIFACTS_FILE} is stale: rerun without --check")
            return 1
        print(f"{ARTIFACTS_FILE}: up to date")
        return 0
    ARTIFACTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(ARTIFACTS_FILE, text)
    ARTIFACTS_FILE.chmod(0o644)  # packaged data: readable by every user of an installed zkrv
    print(f"wrote {ARTIFACTS_FILE} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
