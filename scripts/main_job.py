#!/usr/bin/env python3
"""zkrv's main job: run the furthest pipeline stage that exists, end to end.

Stages (each added as its issue lands): toolchain check -> build an example guest -> execute it ->
prove -> wrap into Groth16 -> deploy verifiers on a local Anvil and verify on-chain.
"""

from __future__ import annotations

import sys

from zkrv.cli import main as zkrv_main


def main() -> int:
    print("== stage: toolchain", flush=True)
    return zkrv_main(["info"])


if __name__ == "__main__":
    sys.exit(main())
