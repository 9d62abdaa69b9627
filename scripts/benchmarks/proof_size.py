"""Proof size breakdown (KiB per category) of the zkVM sort receipt and the benchmark AIR proof.

Categories from ``zkrv_prover.stark.protocol.size_report`` (opened values, query rows, salts and
Merkle siblings per round, caps, FRI rows/paths, final polynomial, PoW, header/roots). Proves the
sort guest at 2^k cycles (``ZKRV_BENCH_SIZE_ZKVM_LOG``, default 16; the n that just fits, as the
zkvm benchmark picks it) and the benchmark AIR (64 columns x 2^16 rows, zk on), each once with the
default parameters. Entries: ``<proof>/<category>_kib`` and ``<proof>/total_kib`` (the STARK
proof; the zkVM receipt adds a 46-byte header and the journal). ``python
scripts/benchmarks/proof_size.py`` prints the same as Markdown tables.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from benchmarks._util import measure  # noqa: E402


def zkvm_breakdown(log_cycles: int) -> tuple[dict[str, int], int]:
    """Breakdown of the sort guest's proof at 2^log_cycles cycles, and the receipt's size."""
    from benchmarks.zkvm import _pick_n

    from zkrv.build import build
    from zkrv.receipt import StarkReceipt, stark_seal
    from zkrv_prover.executor import execute
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.stark.protocol.prover import prove
    from zkrv_prover.stark.protocol.size_report import proof_size_breakdown
    from zkrv_prover.zkvm.image_id import program_key
    from zkrv_prover.zkvm.machine import generate

    with tempfile.TemporaryDirectory() as d:
        elf = build([ROOT / "examples" / "guests" / "sort.c"], Path(d) / "sort.elf")
        n, _ = _pick_n(elf, 1 << log_cycles)
        res = execute(elf, n.to_bytes(4, "little"), trace=True)
    assert res.trace is not None
    key = program_key(res.image)
    w = generate(key.tables, res.trace, key.vk.layouts)
    proof = prove(key.vk, w.traces, w.public)
    assert key.vk.pre_root is not None
    raw = encode_proof(key.vk, proof)
    seal = stark_seal(key.vk.pre_root, key.log_program, key.log_image, raw)
    receipt = StarkReceipt(key.image_id, res.exit_code, res.journal, seal)
    return proof_size_breakdown(key.vk, proof), len(receipt.to_bytes())


def bench_air_breakdown(log_n: int = 16) -> dict[str, int]:
    from zkrv_prover.stark.commit.params import PcsParams
    from zkrv_prover.stark.examples import bench_air
    from zkrv_prover.stark.protocol.prover import keygen, prove
    from zkrv_prover.stark.protocol.size_report import proof_size_breakdown

    vk = keygen(bench_air.machine(), PcsParams())
    traces, pub = bench_air.trace(log_n)
    return proof_size_breakdown(vk, prove(vk, traces, pub))


def _entries(tag: str, sizes: dict[str, int]) -> list[dict[str, Any]]:
    # the breakdown is in bits (the encoding is bit-packed)
    out = [measure(f"{tag}/{cat}_kib", n / 8192, "KiB") for cat, n in sizes.items()]
    out.append(measure(f"{tag}/total_kib", sum(sizes.values()) / 8192, "KiB"))
    return out


def run() -> list[dict[str, Any]]:
    log = int(os.environ.get("ZKRV_BENCH_SIZE_ZKVM_LOG", "16"))
    zk, receipt = zkvm_breakdown(log)
    out = _entries(f"zkvm_sort_2e{log}", zk)
    out.append(measure(f"zkvm_sort_2e{log}/receipt_kib", receipt / 1024, "KiB"))
    out += _entries("bench_air_2e16", bench_air_breakdown())
    return out


if __name__ == "__main__":
    from zkrv_prover.stark.protocol.size_report import format_table, group_totals

    log = int(os.environ.get("ZKRV_BENCH_SIZE_ZKVM_LOG", "16"))
    zk, receipt = zkvm_breakdown(log)
    print(f"zkVM sort 2^{log} (receipt {receipt / 1024:.1f} KiB)\n")
    print(format_table(zk), "\n\n" + format_table(group_totals(zk)), "\n")
    ba = bench_air_breakdown()
    print("bench AIR 2^16 x 64\n")
    print(format_table(ba), "\n\n" + format_table(group_totals(ba)))
