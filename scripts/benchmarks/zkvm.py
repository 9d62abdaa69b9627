"""zkVM proving: kHz, verify time, receipt size and peak memory for a CPU-bound guest (sort).

For each size 2^k (k = 16 and 18) a fresh child process builds ``examples/guests/sort.c``, picks
the input n that makes the run just fit 2^k cycles, computes the program key (timed separately:
a one-off per program), then times execute (traced) + trace generation + STARK proof (the
``prove`` figure), verifies the receipt and reports its own peak RSS. ``ZKRV_BENCH_ZKVM_LOGS``
(comma-separated, default ``16,18``) selects the sizes. ``security_bits_jbr`` and
``security_bits_conjectured`` are the soundness of the zkVM's parameters (``zkvm_params()``: the
defaults with the Poseidon2-BabyBear hash, whose collision bound is one of the terms) at its largest
accepted shape (``zkrv_prover.stark.protocol.soundness.security_summary``; no proving), with the
limiting term.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from benchmarks._util import measure, peak_rss_gib_self  # noqa: E402


def _cycles(elf: Path, n: int) -> int:
    from zkrv_prover.executor import execute

    return execute(elf, n.to_bytes(4, "little")).cycles


def _pick_n(elf: Path, target: int) -> tuple[int, int]:
    """Largest n whose run takes at most ``target`` cycles (bisection; cycles grow with n)."""
    lo, hi = 1, 2
    while _cycles(elf, hi) <= target:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _cycles(elf, mid) <= target:
            lo = mid
        else:
            hi = mid
    return lo, _cycles(elf, lo)


def child(log_cycles: int) -> dict[str, Any]:
    """Measure one size in this process; returns the figures."""
    from zkrv.build import build
    from zkrv.receipt import StarkReceipt, stark_seal
    from zkrv_prover.executor import execute
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.stark.protocol.prover import prove
    from zkrv_prover.zkvm.image_id import program_key
    from zkrv_prover.zkvm.machine import generate

    with tempfile.TemporaryDirectory() as d:
        elf = build([ROOT / "examples" / "guests" / "sort.c"], Path(d) / "sort.elf")
        n, cycles = _pick_n(elf, 1 << log_cycles)
        inp = n.to_bytes(4, "little")
        t0 = time.perf_counter()
        res0 = execute(elf, inp)
        key = program_key(res0.image)
        t_key = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = execute(elf, inp, trace=True)
        t_exec = time.perf_counter() - t0
        assert res.trace is not None
        w = generate(key.tables, res.trace, key.vk.layouts)
        t_gen = time.perf_counter() - t0 - t_exec
        proof = prove(key.vk, w.traces, w.public)
        t_prove = time.perf_counter() - t0
        assert key.vk.pre_root is not None
        seal = stark_seal(
            key.vk.pre_root, key.log_program, key.log_image, encode_proof(key.vk, proof)
        )
        receipt = StarkReceipt(key.image_id, res.exit_code, res.journal, seal)
        t0 = time.perf_counter()
        receipt.verify(key.image_id)
        t_verify = time.perf_counter() - t0
    heights = {lay.air.name: int(tr.shape[0]) for lay, tr in zip(w.layouts, w.traces, strict=True)}
    return {
        "n": n,
        "cycles": cycles,
        "key_s": t_key,
        "execute_s": t_exec,
        "tracegen_s": t_gen,
        "prove_s": t_prove,
        "verify_s": t_verify,
        "receipt_bytes": len(receipt.to_bytes()),
        "peak_gib": peak_rss_gib_self(),
        "heights": heights,
    }


def run() -> list[dict[str, Any]]:
    logs = [int(x) for x in os.environ.get("ZKRV_BENCH_ZKVM_LOGS", "16,18").split(",") if x]
    out: list[dict[str, Any]] = []
    for k in logs:
        proc = subprocess.run(
            [sys.executable, __file__, str(k)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"zkvm bench 2^{k} failed: {proc.stderr.strip()[-2000:]}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        tag = f"2e{k}"
        extra = {"cycles": r["cycles"], "n": r["n"], "heights": r["heights"]}
        out.append(measure(f"prove_khz_{tag}", r["cycles"] / r["prove_s"] / 1000, "kHz", **extra))
        out.append(measure(f"prove_seconds_{tag}", r["prove_s"], "s"))
        out.append(measure(f"execute_seconds_{tag}", r["execute_s"], "s"))
        out.append(measure(f"tracegen_seconds_{tag}", r["tracegen_s"], "s"))
        out.append(measure(f"key_seconds_{tag}", r["key_s"], "s"))
        out.append(measure(f"verify_seconds_{tag}", r["verify_s"], "s"))
        out.append(measure(f"receipt_kib_{tag}", r["receipt_bytes"] / 1024, "KiB"))
        out.append(measure(f"prove_peak_gib_{tag}", r["peak_gib"], "GiB"))
    from zkrv_prover.stark.protocol.soundness import security_summary

    sec = security_summary()
    for name, rep in (("jbr", sec.jbr), ("conjectured", sec.conjectured)):
        out.append(
            measure(f"security_bits_{name}", rep.minimum, "bits", limiting_term=rep.limiting_term)
        )
    return out


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]))))
