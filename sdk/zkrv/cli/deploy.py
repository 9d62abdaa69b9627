"""``zkrv deploy``: deploy the verifier stack (router, Groth16 verifiers, optional mock)."""

from __future__ import annotations

import argparse
from typing import Any

from zkrv.cli._common import Result, add_json_flag


def register(sub: Any) -> None:
    p = sub.add_parser(
        "deploy",
        help="deploy zkrv's verifier router and verifiers to an Ethereum chain",
        description="Deploy ZkrvVerifierRouter, one Groth16 verifier (behind an emergency stop) "
        "per --vk, and with --mock the development-only mock verifier. On a local chain "
        "(id 31337) the first Anvil account signs; elsewhere pass --key-file or --key-env.",
    )
    p.add_argument("--rpc", required=True, metavar="URL", help="Ethereum JSON-RPC URL")
    p.add_argument(
        "--vk",
        action="append",
        default=[],
        metavar="FILE",
        help="Groth16 verifying key (snarkjs verification_key.json); repeatable",
    )
    p.add_argument(
        "--mock", action="store_true", help="also deploy the mock verifier (PROVES NOTHING)"
    )
    p.add_argument(
        "--force-mock",
        action="store_true",
        help="allow --mock on a chain that is not a local development chain",
    )
    p.add_argument("--key-file", metavar="FILE", help="file holding the deployer's private key")
    p.add_argument("--key-env", metavar="VAR", help="environment variable holding the key")
    p.add_argument("--owner", metavar="ADDRESS", help="hand ownership to this address (2-step)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    # Deferred imports: web3 is slow to import and only this command needs it.
    from zkrv.errors import UsageError
    from zkrv.onchain.chain import Chain, connect
    from zkrv.onchain.deploy import check_mock_allowed, deploy_stack, load_vks
    from zkrv.onchain.signer import resolve_signer

    if args.force_mock and not args.mock:
        raise UsageError("deploy: --force-mock needs --mock")
    if not args.vk and not args.mock:
        raise UsageError("deploy: give at least one --vk FILE (or --mock for development)")
    vks = load_vks(args.vk)
    w3 = connect(args.rpc)
    chain_id = int(w3.eth.chain_id)
    check_mock_allowed(chain_id, args.mock, args.force_mock)
    signer = resolve_signer(chain_id, args.key_file, args.key_env)
    dep = deploy_stack(
        Chain(w3, signer), vks, mock=args.mock, force_mock=args.force_mock, owner=args.owner
    )
    data = dep.to_json()
    lines = [f"chain {dep.chain_id}", f"router: {dep.router}", f"owner: {dep.owner}"]
    for sel, addrs in dep.groth16.items():
        lines.append(
            f"groth16 {sel}: verifier {addrs['verifier']}, emergency stop {addrs['emergency_stop']}"
        )
    if dep.mock:
        lines.append(f"mock (PROVES NOTHING): {dep.mock}")
    if dep.pending_owner:
        lines.append(f"pending owner (must acceptOwnership): {dep.pending_owner}")
    return Result(data=data, text="\n".join(lines))
