"""``zkrv info``: versions, the toolchain paths zkrv would use (a setup check) and the soundness
of zkVM receipts' STARK parameters at the zkVM's largest proof shape under this process's
security profile (``ZKRV_SECURITY_PROFILE``), the hash family's collision resistance included
(``stark/protocol/soundness.py``)."""

from __future__ import annotations

import argparse
import importlib.util
from typing import Any

from zkrv import __version__
from zkrv.cli._common import Result, add_json_flag
from zkrv.toolchain import find_tool
from zkrv_prover.stark.commit.hash_scheme import scheme_of
from zkrv_prover.stark.field.profile import PROFILE, PROFILE_ENV
from zkrv_prover.stark.protocol.soundness import security_summary

TOOLS = ("clang", "ld.lld", "solc", "anvil", "forge", "node", "qemu-riscv32")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "info", help="show zkrv's version, the toolchain it finds and the proofs' soundness"
    )
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> Result:
    tools = {}
    for name in TOOLS:
        path = find_tool(name, required=False)
        tools[name] = str(path) if path else None
    native = importlib.util.find_spec("zkrv_prover._native") is not None
    security = security_summary()
    data = {
        "version": __version__,
        "native_extension": native,
        "tools": tools,
        "security_profile": {
            "name": PROFILE.name,
            "target_bits": PROFILE.target_bits,
            "onchain": PROFILE.onchain,
            "env": PROFILE_ENV,
        },
        "security": security.as_dict(),
    }
    lines = [f"zkrv {__version__}", f"native extension: {'yes' if native else 'missing'}"]
    lines += [f"{k}: {v or 'not found'}" for k, v in tools.items()]
    shape = security.jbr.shape
    where = "receipts can be wrapped for on-chain use" if PROFILE.onchain else "off chain only"
    lines.append(
        f"security profile: {PROFILE.name} bits ({PROFILE_ENV}; {where}); "
        f"zkVM receipts at the largest shape (LDE 2^{shape.log_max_lde(security.jbr.params)}, "
        f"BabyBear^{security.jbr.ext_field.degree}, {security.jbr.params.num_queries} queries):"
    )
    for label, rep in (
        ("proven, Johnson bound", security.jbr),
        ("proven, unique decoding", security.udr),
        ("conjectured (disproved in general)", security.conjectured),
    ):
        lines.append(f"  {label}: {rep.minimum:.1f} bits, limited by {rep.limiting_term}")
    hsec = scheme_of(security.jbr.params.hash).security
    lines.append(
        f"  hash {security.jbr.params.hash}: {hsec.collision_bits:.1f}-bit collision resistance"
        f" ({hsec.digest_bits:.1f}-bit digests, a cap on every figure)"
    )
    return Result(data=data, text="\n".join(lines))
