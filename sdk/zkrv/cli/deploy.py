"""``zkrv deploy``: deploy the verifier stack (router, Groth16 verifiers, optional mock).

Without ``--vk`` the Groth16 verifier is that of the zkVM wrap key in the key cache (the one key
every guest's Groth16 receipt verifies under; ``zkrv keys setup`` makes it), for the wrap
profile of ``$ZKRV_WRAP_PROFILE`` (default production). A TOY SECURITY key is deployed only on a
local development chain.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.errors import UsageError, ZkrvError

if TYPE_CHECKING:
    from zkrv.keys import CachedKey


def register(sub: Any) -> None:
    p = sub.add_parser(
        "deploy",
        help="deploy zkrv's verifier router and verifiers to an Ethereum chain",
        description="Deploy ZkrvVerifierRouter, one Groth16 verifier (behind an emergency stop) "
        "per --vk, and with --mock the development-only mock verifier. Without --vk, the "
        "verifier of the zkVM Groth16 key in the local key cache (run 'zkrv keys setup' first; "
        "it serves every guest). On a local chain (id 31337) the first Anvil account signs; "
        "elsewhere pass --key-file or --key-env.",
    )
    p.add_argument("--rpc", required=True, metavar="URL", help="Ethereum JSON-RPC URL")
    p.add_argument(
        "--vk",
        action="append",
        default=[],
        metavar="FILE",
        help="Groth16 verifying key (snarkjs verification_key.json); repeatable. Default: the "
        "cached zkVM wrap key ('zkrv keys setup')",
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
    from zkrv.keys import TOY_LABEL, UNSAFE_LABEL
    from zkrv.onchain.chain import Chain, connect
    from zkrv.onchain.deploy import check_mock_allowed, deploy_stack, load_vks
    from zkrv.onchain.signer import is_dev_chain, resolve_signer

    if args.force_mock and not args.mock:
        raise UsageError("deploy: --force-mock needs --mock")
    vks = load_vks(args.vk)
    zkvm = None if args.vk else _zkvm_key(args.mock)
    if zkvm is not None:
        vks.append(zkvm.vk)
    w3 = connect(args.rpc)
    chain_id = int(w3.eth.chain_id)
    check_mock_allowed(chain_id, args.mock, args.force_mock)
    if zkvm is not None and zkvm.toy_security and not is_dev_chain(chain_id):
        raise ZkrvError(
            f"refusing to deploy a TOY SECURITY zkVM key on chain {chain_id}, which is not a "
            "local development chain (unset ZKRV_WRAP_PROFILE for the production key)"
        )
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
    if zkvm is not None:
        sel = "0x" + zkvm.selector.hex()
        data["zkvm"] = {**zkvm.to_json(), **dep.groth16[sel]}
        lines.append(f"zkVM Groth16 key ({zkvm.wrap_profile}): selector {sel}")
        if zkvm.unsafe_dev_setup:
            lines.append(f"warning: {UNSAFE_LABEL}")
        if zkvm.toy_security:
            lines.append(f"WARNING: {TOY_LABEL}")
    elif not args.vk:
        data["zkvm"] = None
        lines.append("zkVM Groth16 key: not cached, none deployed (run 'zkrv keys setup')")
    if dep.mock:
        lines.append(f"mock (PROVES NOTHING): {dep.mock}")
    if dep.pending_owner:
        lines.append(f"pending owner (must acceptOwnership): {dep.pending_owner}")
    return Result(data=data, text="\n".join(lines))


def _zkvm_key(mock: bool) -> CachedKey | None:
    """The cached zkVM wrap key of the selected profile; without one, an error naming the
    command that makes it (None with --mock: a mock-only development stack)."""
    from zkrv.keys import KeyCache
    from zkrv.wrapping import PROFILE_ENV, cached_zkvm_key, profile_name

    profile = profile_name()
    cache = KeyCache()
    key = cached_zkvm_key(profile, cache)
    if key is None and not mock:
        env = f"{PROFILE_ENV}={profile} " if profile != "production" else ""
        raise ZkrvError(
            f"deploy: no zkVM Groth16 key of the {profile} wrap profile in the key cache "
            f"{cache.dir}; run '{env}zkrv keys setup' first (or pass --vk FILE)"
        )
    return key
