"""Segmented zkVM proving: kHz, peak memory, verify time and proof size for a sort run in segments.

A fresh child process builds ``examples/guests/sort.c``, picks the input n that makes the run
just fit 2^k cycles (``ZKRV_BENCH_SEG_LOG``, default 18), computes the segmented key (timed
separately), then times ``prove_segmented`` at segment size 2^po2 (``ZKRV_BENCH_SEG_PO2``,
default 16: both passes, execution twice), ``verify_segmented``, the encoded size of all segment
proofs and its own peak RSS (which should follow the segment size, not the run's length).
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
from benchmarks.zkvm import _pick_n  # noqa: E402


def child(log_cycles: int, po2: int) -> dict[str, Any]:
    """Measure one run in this process; returns the figures."""
    from zkrv.build import build
    from zkrv_prover.executor import load_elf
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.zkvm.image_id import segmented_key
    from zkrv_prover.zkvm.segment_prover import prove_segmented, verify_segmented

    with tempfile.TemporaryDirectory() as d:
        elf = build([ROOT / "examples" / "guests" / "sort.c"], Path(d) / "sort.elf")
        n, cycles = _pick_n(elf, 1 << log_cycles)
        inp = n.to_bytes(4, "little")
        image = load_elf(elf)
    t0 = time.perf_counter()
    key = segmented_key(image)
    t_key = time.perf_counter() - t0
    t0 = time.perf_counter()
    proof = prove_segmented(image, inp, po2)
    t_prove = time.perf_counter() - t0
    t0 = time.perf_counter()
    verify_segmented(proof, key.image_id)
    t_verify = time.perf_counter() - t0
    size = sum(len(encode_proof(key.vk, p)) for p in proof.proofs)
    return {
        "n": n,
        "cycles": cycles,
        "segments": proof.segments,
        "key_s": t_key,
        "prove_s": t_prove,
        "verify_s": t_verify,
        "proof_bytes": size,
        "peak_gib": peak_rss_gib_self(),
    }


def run() -> list[dict[str, Any]]:
    k = int(os.environ.get("ZKRV_BENCH_SEG_LOG", "18"))
    po2 = int(os.environ.get("ZKRV_BENCH_SEG_PO2", "16"))
    proc = subprocess.run(
        [sys.executable, __file__, str(k), str(po2)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"segments bench failed: {proc.stderr.strip()[-2000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    tag = f"2e{k}_po2_{po2}"
    extra = {"cycles": r["cycles"], "n": r["n"], "segments": r["segments"]}
    return [
        measure(f"prove_khz_{tag}", r["cycles"] / r["prove_s"] / 1000, "kHz", **extra),
        measure(f"prove_seconds_{tag}", r["prove_s"], "s"),
        measure(f"key_seconds_{tag}", r["key_s"], "s"),
        measure(f"verify_seconds_{tag}", r["verify_s"], "s"),
        measure(f"proof_kib_{tag}", r["proof_bytes"] / 1024, "KiB"),
        measure(f"prove_peak_gib_{tag}", r["peak_gib"], "GiB"),
    ]


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]), int(sys.argv[2]))))
