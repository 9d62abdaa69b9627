"""``zkrv keys``: the Groth16 key cache (:mod:`zkrv.keys`): set up the zkVM wrap key, list,
import ceremony keys."""

from __future__ import annotations

import argparse
from typing import Any

from zkrv.cli._common import Result, add_json_flag
from zkrv.errors import UsageError, ZkrvError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "keys",
        help="list or import Groth16 keys in the local key cache",
        description="The Groth16 key cache ($ZKRV_CACHE_DIR, else $XDG_CACHE_HOME/zkrv, else "
        "~/.cache/zkrv; keys under groth16/, by circuit digest). Keys from the dev setup are "
        "UNSAFE (single-party trapdoor) and labelled so; import a ceremony's keys to replace them.",
    )
    ks = p.add_subparsers(dest="keys_command", metavar="ACTION")
    su = ks.add_parser(
        "setup",
        help="derive and cache the Groth16 key of the zkVM wrap circuit (once)",
        description="Make sure the key cache holds the Groth16 key that every guest's Groth16 "
        "receipt verifies under (the zkVM wrap circuit of the wrap profile, production unless "
        "$ZKRV_WRAP_PROFILE=toy): prove and wrap a tiny built-in guest, running the UNSAFE dev "
        "setup once (progress bar on a terminal), and check its receipt under the key. Does "
        "nothing if the key is already cached (unless --force). 'zkrv deploy' without --vk "
        "deploys this key's verifier.",
    )
    su.add_argument(
        "--force", action="store_true", help="re-derive the circuit even if a key is cached"
    )
    su.add_argument(
        "-o",
        "--output",
        metavar="RECEIPT",
        help="also write the built-in guest's Groth16 receipt that checked the key",
    )
    add_json_flag(su)
    su.set_defaults(func=run_setup)
    ls = ks.add_parser("list", help="list cached verifying keys (selector, circuit, trust)")
    add_json_flag(ls)
    ls.set_defaults(func=run_list)
    iv = ks.add_parser(
        "import-vk",
        help="import a ceremony verification_key.json for a circuit (verification only)",
        description="Import a snarkjs verification_key.json as the verifying key of the circuit "
        "with digest --circuit, replacing its UNSAFE dev key (and deleting the dev proving key, "
        "which no longer matches).",
    )
    iv.add_argument("vk", metavar="FILE", help="snarkjs verification_key.json")
    iv.add_argument("--circuit", required=True, metavar="DIGEST", help="circuit digest (hex)")
    add_json_flag(iv)
    iv.set_defaults(func=run_import_vk)
    iz = ks.add_parser(
        "import-zkey",
        help="import a ceremony .zkey (proving and verifying keys) for a circuit",
        description="Import a snarkjs Groth16 .zkey made for the circuit in --r1cs (iden3 .r1cs; "
        "the key is checked against it), replacing that circuit's UNSAFE dev keys.",
    )
    iz.add_argument("zkey", metavar="FILE", help="snarkjs .zkey (after the ceremony's beacon)")
    iz.add_argument("--r1cs", required=True, metavar="FILE", help="the circuit (iden3 .r1cs)")
    add_json_flag(iz)
    iz.set_defaults(func=run_import_zkey)
    add_json_flag(p)
    p.set_defaults(func=_missing_action)


def _missing_action(args: argparse.Namespace) -> Result:
    raise UsageError("keys: missing action (setup, list, import-vk, import-zkey)")


def run_setup(args: argparse.Namespace) -> Result:
    import time
    import warnings

    from zkrv.cli._progress import terminal_progress
    from zkrv.cli.wrap import write_receipt
    from zkrv.keys import TOY_LABEL, UNSAFE_LABEL, KeyCache
    from zkrv.wrapping import ToySecurityWarning, profile_name, setup_key

    profile = profile_name()
    cache = KeyCache()
    t0 = time.monotonic()
    bar = terminal_progress(bool(args.json))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ToySecurityWarning)  # the output says it
            res = setup_key(keys=cache, progress=bar, profile=profile, force=args.force)
    finally:
        if bar is not None:
            bar.close()
    key = res.key
    data: dict[str, Any] = {
        "profile": profile,
        "derived": res.derived,
        "cache": str(cache.dir),
        "key": key.to_json(),
        "seconds": round(time.monotonic() - t0, 3),
    }
    lines = [
        f"zkVM wrap key ({profile}): selector 0x{key.selector.hex()}, circuit {key.circuit_digest}",
        "derived now (built-in guest proved, wrapped and verified under it)"
        if res.derived
        else f"already cached in {cache.dir} (--force re-derives it)",
    ]
    if res.wrapped is not None:
        data["check_receipt"] = {
            "image_id": "0x" + res.wrapped.receipt.image_id.hex(),
            "claim_digest": "0x" + res.wrapped.receipt.claim.digest().hex(),
            "layer_bits": res.wrapped.layer_bits,
        }
    if args.output:
        if res.wrapped is None:
            raise ZkrvError(
                "keys setup: the key was already cached, so no receipt was made; add --force "
                "to derive it again and write the receipt"
            )
        write_receipt(args.output, res.wrapped.receipt.to_bytes())
        data["output"] = args.output
        lines.append(f"check receipt: {args.output}")
    if key.unsafe_dev_setup:
        lines.append(f"warning: {UNSAFE_LABEL}")
    if key.toy_security:
        data["toy_security"] = True
        data["toy_warning"] = TOY_LABEL
        lines.append(f"WARNING: {TOY_LABEL}")
    return Result(data=data, text="\n".join(lines))


def run_list(args: argparse.Namespace) -> Result:
    from zkrv.keys import KeyCache

    cache = KeyCache()
    keys = cache.keys()
    data = {"cache": str(cache.dir), "keys": [k.to_json() for k in keys]}
    lines = [f"key cache: {cache.dir}"] + [k.describe() for k in keys]
    if not keys:
        lines.append("(no verifying keys)")
    return Result(data=data, text="\n".join(lines))


def run_import_vk(args: argparse.Namespace) -> Result:
    from zkrv.keys import KeyCache, check_circuit_digest

    digest = args.circuit.strip().lower()
    digest = digest[2:] if digest.startswith("0x") else digest
    try:
        check_circuit_digest(digest)
    except ZkrvError as e:
        raise UsageError(f"keys import-vk: --circuit: {e.message}") from None
    key = KeyCache().import_vk(args.vk, digest)
    return Result(data=key.to_json(), text=f"imported: {key.describe()}")


def run_import_zkey(args: argparse.Namespace) -> Result:
    from zkrv.keys import KeyCache
    from zkrv_prover.bn254.iden3 import read_r1cs

    try:
        r1cs = read_r1cs(args.r1cs)
    except (OSError, ValueError) as e:
        raise ZkrvError(f"cannot read R1CS {args.r1cs}: {e}") from None
    _, key = KeyCache().import_zkey(args.zkey, r1cs)
    return Result(data=key.to_json(), text=f"imported: {key.describe()}")
