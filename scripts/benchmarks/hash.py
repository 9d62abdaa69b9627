"""Row hashing: native Poseidon2-BabyBear (width 16) against the BN254 Poseidon engine.

Figures:
- ``poseidon2_ns_per_perm``: one Poseidon2 permutation, amortized over ``p2_permute`` of 2^16
  states in a child process with ``RAYON_NUM_THREADS=1`` (one thread; conversions included).
- ``poseidon2_hash_rows_2e19x64_seconds``: ``p2_hash_rows`` (the width-16 sponge, 8 values per
  permutation) of a (2^19, 64) canonical BabyBear matrix, all cores.
- ``bn254_hash_rows_2e19x64_seconds``: the same matrix through the existing engine's leaf
  digests (``zkrv_prover._native.hash_rows``, Poseidon over BN254, as
  ``stark.commit.mmcs.hash_rows`` calls it), all cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import best_time, measure

P = 2013265921

# Runs in a child: rayon sizes its thread pool once per process, from RAYON_NUM_THREADS.
_ONE_THREAD = """
import sys, time
import numpy as np
from zkrv_prover import _native
states = np.random.default_rng(2).integers(0, {p}, size=(1 << 16, 16), dtype=np.uint32)
best = float("inf")
for _ in range(6):
    t0 = time.perf_counter()
    _native.p2_permute(states)
    best = min(best, time.perf_counter() - t0)
print(best / (1 << 16) * 1e9)
"""


def _ns_per_perm() -> float:
    env = {**os.environ, "RAYON_NUM_THREADS": "1"}
    r = subprocess.run(
        [sys.executable, "-c", _ONE_THREAD.format(p=P)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(r.stdout.strip().splitlines()[-1])


def run() -> list[dict[str, Any]]:
    import importlib

    import numpy as np

    _native = importlib.import_module("zkrv_prover._native")

    rows = np.random.default_rng(1).integers(0, P, size=(1 << 19, 64), dtype=np.uint32)
    p2 = best_time(lambda: _native.p2_hash_rows(rows), repeat=3)
    bn = best_time(lambda: _native.hash_rows(rows), repeat=1)
    threads = os.cpu_count()
    return [
        measure("poseidon2_ns_per_perm", round(_ns_per_perm(), 1), "ns", threads=1),
        measure("poseidon2_hash_rows_2e19x64_seconds", round(p2, 3), "s", threads=threads),
        measure("bn254_hash_rows_2e19x64_seconds", round(bn, 3), "s", threads=threads),
    ]
