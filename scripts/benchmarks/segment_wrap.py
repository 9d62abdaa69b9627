"""A multi-segment execution to a verified Groth16 receipt through the SDK, at the production
wrap profile (``docs/segments.md``, "Join"; ``docs/wrap.md``).

Three child processes, one at a time (each one's peak RSS is its own), sharing a key cache
(``ZKRV_BENCH_SEGWRAP_CACHE`` when set, else a fresh temp dir):

1. ``setup``: ``zkrv.wrapping.setup_key`` (``zkrv keys setup``): the **UNSAFE** dev Groth16
   setup, every recursion layer's key and the one-time recursion setup (the built-in setup
   image proven in one proof and in segments, the universal and segment-tree programs recorded,
   ``recursion/wrap_setup.py``); nothing when the cache already holds them;
2. ``prove``: the sort guest at the input whose run is closest below 2^k cycles (k =
   ``ZKRV_SEGWRAP_LOG_CYCLES``, default 17) proven by ``zkrv.prove`` in segments of 2^(k-1)
   cycles (two segments) on the default local workers;
3. ``wrap``: a fresh process runs ``zkrv.wrap`` on that receipt: it verifies the segment
   proofs, reads the keys and setup records from the cache, proves a leaf per segment, the
   joins, finalize, compress and shrink, the final circuit and the Groth16 proof, and checks
   the Groth16 receipt (pairing) under the cached key.

Entries: ``segwrap_setup_seconds`` (1), ``segwrap_prove_seconds_2e<k>`` (2),
``segwrap_seconds_2e<k>`` (3, the whole call, in-process setup reads included),
``segwrap_peak_gib_2e<k>`` (3's peak RSS), ``segwrap_segments`` and ``segwrap_cycles``.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import measure, peak_rss_gib_self

ROOT = Path(__file__).resolve().parents[2]


def _log_cycles() -> int:
    return int(os.environ.get("ZKRV_SEGWRAP_LOG_CYCLES", "17"))


def _setup() -> dict[str, Any]:
    from zkrv.wrapping import setup_key

    t0 = time.perf_counter()
    res = setup_key(profile="production")
    return {"seconds": time.perf_counter() - t0, "derived": res.derived}


def _prove(path: Path) -> dict[str, Any]:
    from benchmarks.zkvm import _pick_n

    import zkrv
    from zkrv.build import build
    from zkrv.receipt import SegmentedReceipt

    k = _log_cycles()
    elf = build([ROOT / "examples" / "guests" / "sort.c"], path.with_suffix(".elf"))
    n, cycles = _pick_n(elf, 1 << k)
    t0 = time.perf_counter()
    receipt = zkrv.prove(elf, n.to_bytes(4, "little"), segment_po2=k - 1)
    seconds = time.perf_counter() - t0
    if not isinstance(receipt, SegmentedReceipt):
        raise RuntimeError(f"expected a segmented receipt, got {type(receipt).__name__}")
    path.write_bytes(receipt.to_bytes())
    segments = receipt.segmented_proof().segments
    return {"seconds": seconds, "cycles": cycles, "segments": segments}


def _wrap(path: Path) -> dict[str, Any]:
    import warnings

    import zkrv
    from zkrv.receipt import Groth16Receipt, decode_receipt

    receipt = decode_receipt(path.read_bytes())
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a TOY key here would be a mistake
        out = zkrv.wrap(receipt, profile="production")
    seconds = time.perf_counter() - t0
    if not isinstance(out, Groth16Receipt) or out.image_id != receipt.image_id:
        raise RuntimeError("the wrap did not return a Groth16 receipt of the same image")
    return {"seconds": seconds, "peak_gib": peak_rss_gib_self()}


def _child(task: str, path: Path, cache: Path) -> dict[str, Any]:
    env = dict(os.environ, ZKRV_CACHE_DIR=str(cache), ZKRV_WRAP_PROFILE="production")
    done = subprocess.run(
        [sys.executable, __file__, task, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"segment_wrap {task} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> list[dict[str, Any]]:
    k = _log_cycles()
    with tempfile.TemporaryDirectory() as d:
        cache = Path(os.environ.get("ZKRV_BENCH_SEGWRAP_CACHE") or Path(d) / "cache")
        path = Path(d) / "sort.receipt"
        setup = _child("setup", path, cache)
        pr = _child("prove", path, cache)
        w = _child("wrap", path, cache)
    return [
        measure(
            "segwrap_setup_seconds", setup["seconds"], "s", derived=setup["derived"], unsafe=True
        ),
        measure(f"segwrap_prove_seconds_2e{k}", pr["seconds"], "s"),
        measure(f"segwrap_seconds_2e{k}", w["seconds"], "s"),
        measure(f"segwrap_peak_gib_2e{k}", w["peak_gib"], "GiB"),
        measure("segwrap_segments", pr["segments"], "segments"),
        measure("segwrap_cycles", pr["cycles"], "cycles"),
    ]


if __name__ == "__main__" and len(sys.argv) == 3:
    sys.path.insert(0, str(ROOT / "scripts"))
    task, arg = sys.argv[1], Path(sys.argv[2])
    result = {"setup": lambda: _setup(), "prove": lambda: _prove(arg), "wrap": lambda: _wrap(arg)}
    print(json.dumps(result[task]()))
elif __name__ == "__main__":
    print(json.dumps(run(), indent=1))
