"""``zkrv node start|stop|status``: a local Anvil development chain in the background."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.onchain.node import (
    DEFAULT_CHAIN_ID,
    default_state_file,
    read_state,
    start_background,
    stop_background,
)


def register(sub: Any) -> None:
    p = sub.add_parser("node", help="start, stop or query a local Anvil development chain")
    p.add_argument("action", choices=("start", "stop", "status"), help="what to do")
    p.add_argument("--port", type=int, default=None, help="RPC port (default: a free one)")
    p.add_argument("--chain-id", type=int, default=DEFAULT_CHAIN_ID, help="chain ID (31337)")
    p.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="where the running node is recorded (default: $ZKRV_STATE_DIR or ~/.cache/zkrv)",
    )
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    state_file: Path = args.state_file or default_state_file()
    if args.action == "start":
        state = start_background(state_file, args.port, args.chain_id)
        return Result(
            data={"running": True, **state},
            text=f"anvil running at {state['rpc_url']} (chain {state['chain_id']}, "
            f"pid {state['pid']}); stop it with 'zkrv node stop'",
        )
    if args.action == "stop":
        stopped = stop_background(state_file)
        if stopped is None:
            return Result(data={"running": False, "stopped": False}, text="no zkrv node running")
        return Result(
            data={"running": False, "stopped": True, **stopped},
            text=f"stopped anvil at {stopped['rpc_url']} (pid {stopped['pid']})",
        )
    current = read_state(state_file)
    if current is None:
        return Result(data={"running": False}, text="no zkrv node running")
    return Result(data={"running": True, **current}, text=f"anvil running at {current['rpc_url']}")
