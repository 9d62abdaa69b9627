"""Segmented zkVM proving end to end: kHz, peak memory, verify time and receipt size of a long
sort run, and the Ray speedup.

A fresh child process builds ``examples/guests/sort.c`` and picks the input n that makes the run
just fit 2^k cycles (``ZKRV_BENCH_SEG_LOG``, default 22). Then it times ``zkrv.prove`` end to end
(wall clock: the one-segment attempt, pass 1, pass 2 on ``ZKRV_BENCH_SEG_JOBS`` local worker
processes, default the core count, and the receipt encoding) at segment size 2^po2
(``ZKRV_BENCH_SEG_PO2``, default ``DEFAULT_SEGMENT_PO2``), the segmented key included (a
one-off per program, also timed alone first so that the figure is reported), then
``receipt.verify``. Peak memory is the largest sum of the resident sets of the child and its
worker processes, sampled every 0.2 s from ``/proc`` (plus the child's own ``ru_maxrss``, which
catches short peaks between samples).

``ray_speedup`` (``ZKRV_BENCH_SEG_RAY=0`` skips it): pass 2 of sort at 2^18 cycles in four
segments of 2^16 on a local Ray instance with 1 CPU, then with 2, one thread per worker
(``ZKRV_THREADS=1``); the ratio of the two wall-clock times.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from benchmarks._util import PeakSampler, measure  # noqa: E402
from benchmarks.zkvm import _pick_n  # noqa: E402


def _sort_image(log_cycles: int) -> tuple[Any, bytes, int]:
    from zkrv.build import build
    from zkrv_prover.executor import load_elf

    with tempfile.TemporaryDirectory() as d:
        elf = build([ROOT / "examples" / "guests" / "sort.c"], Path(d) / "sort.elf")
        n, cycles = _pick_n(elf, 1 << log_cycles)
        return load_elf(elf), n.to_bytes(4, "little"), cycles


def child(log_cycles: int, po2: int, jobs: int) -> dict[str, Any]:
    """Measure one end-to-end run in this process; returns the figures."""
    import zkrv
    from zkrv.receipt import SegmentedReceipt
    from zkrv_prover.zkvm.image_id import segmented_key

    image, inp, cycles = _sort_image(log_cycles)
    t0 = time.perf_counter()
    segmented_key(image)
    t_key = time.perf_counter() - t0
    with PeakSampler() as peak:
        t0 = time.perf_counter()
        receipt = zkrv.prove(image, inp, segment_po2=po2, jobs=jobs)
        t_prove = time.perf_counter() - t0
    assert isinstance(receipt, SegmentedReceipt)
    t0 = time.perf_counter()
    receipt.verify(zkrv.image_id(image))
    t_verify = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "cycles": cycles,
        "segments": receipt.segments,
        "key_s": t_key,
        "prove_s": t_prove,
        "verify_s": t_verify,
        "receipt_bytes": len(receipt.to_bytes()),
        "peak_gib": max(peak.peak, own) / 2**30,
    }


def ray_child() -> dict[str, Any]:
    """Pass 2 of a 2^18-cycle sort in 2^16 segments on 1, then 2, local Ray CPUs."""
    import ray

    from zkrv_prover.zkvm.segment_prover import plan_segments, prove_segment
    from zkrv_prover.zkvm.segment_workers import prove_jobs

    image, inp, _ = _sort_image(18)
    plan = plan_segments(image, inp, 16)
    out: dict[str, Any] = {"segments": len(plan.jobs)}
    for cpus in (1, 2):
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        try:
            t0 = time.perf_counter()
            prove_jobs(prove_segment, image, inp, plan.jobs, plan.challenges, ray="auto")
            out[f"s_{cpus}"] = time.perf_counter() - t0
        finally:
            ray.shutdown()
    return out


def _run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"segments bench failed: {proc.stderr.strip()[-2000:]}")
    r: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return r


def run() -> list[dict[str, Any]]:
    from zkrv_prover.zkvm.segment_prover import DEFAULT_SEGMENT_PO2
    from zkrv_prover.zkvm.segment_workers import default_jobs

    k = int(os.environ.get("ZKRV_BENCH_SEG_LOG", "22"))
    po2 = int(os.environ.get("ZKRV_BENCH_SEG_PO2", str(DEFAULT_SEGMENT_PO2)))
    jobs = int(os.environ.get("ZKRV_BENCH_SEG_JOBS", str(default_jobs())))
    r = _run_child(str(k), str(po2), str(jobs))
    tag = f"2e{k}"
    extra = {"cycles": r["cycles"], "segments": r["segments"], "segment_po2": po2, "jobs": jobs}
    out = [
        measure(f"prove_khz_{tag}", r["cycles"] / r["prove_s"] / 1000, "kHz", **extra),
        measure(f"prove_seconds_{tag}", r["prove_s"], "s"),
        measure(f"prove_peak_gib_{tag}", r["peak_gib"], "GiB"),
        measure(f"verify_seconds_{tag}", r["verify_s"], "s"),
        measure(f"receipt_kib_{tag}", r["receipt_bytes"] / 1024, "KiB"),
        measure(f"segmented_key_seconds_{tag}", r["key_s"], "s"),
    ]
    if os.environ.get("ZKRV_BENCH_SEG_RAY", "1") != "0":
        ray = _run_child("ray")
        out.append(
            measure(
                "ray_speedup",
                ray["s_1"] / ray["s_2"],
                "x",
                seconds_1_worker=ray["s_1"],
                seconds_2_workers=ray["s_2"],
                segments=ray["segments"],
            )
        )
    return out


if __name__ == "__main__":
    if sys.argv[1] == "ray":
        print(json.dumps(ray_child()))
    else:
        print(json.dumps(child(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
