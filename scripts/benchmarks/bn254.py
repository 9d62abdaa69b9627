"""BN254 engine: Poseidon t=3 (native, Python), Merkle tree over 2^20 rows, Groth16 at 2^16/18/20.

Figures:
- ``poseidon_t3_native_us``: one permutation through ``zkrv_prover.bn254.poseidon`` (a Python
  call into Rust, conversions included; ``_cpu_us`` is the same in thread CPU time, less affected by
  other load); ``poseidon_t3_native_batch_us``: amortized per hash in
  ``poseidon_batch`` over 2^16 inputs (all cores); ``poseidon_t3_python_us``: the reference.
- ``merkle_2e20_leaves_seconds``: ``MerkleTree.from_rows`` over 2^20 rows of 64 BabyBear values
  (leaf = Poseidon t=9 of 8 packed scalars), arity 2 and arity 4; ``hash_rows_2e16x64_seconds``:
  ``hash_rows`` (leaf digests only) of 2^16 such rows. These use the 8-way AVX-512 IFMA path
  where the CPU has it; ``ZKRV_NATIVE_NO_IFMA=1`` in the environment forces the scalar path.
- ``groth16_{setup,prove}_seconds_2eK`` and ``groth16_prove_peak_gib_2eK`` for the synthetic
  chain R1CS with 2^K - 2 constraints (QAP domain exactly 2^K: snarkjs's domain rule adds
  n_public + 1 rows), setup and prove each in a fresh child process (peak RSS is the prove
  child's: R1CS, witness, loaded key, proving; ``groth16_prove_cpu_seconds_2eK`` is the prove's
  process CPU time over all threads, a figure less sensitive to other load on the machine).
  ``snarkjs_prove_seconds_2eK``: snarkjs 0.7.6
  ``groth16 prove`` on the same R1CS, witness and key (exported as .zkey), up to
  ``ZKRV_BENCH_SNARKJS_MAX_K`` (default 18; 2^20 takes many minutes on 2 cores).
- ``ZKRV_BENCH_BN254_MAX_K`` (default 20) caps the Groth16 sizes; ``ZKRV_BENCH_BN254_PARTS``
  (default ``poseidon,merkle,groth16``) selects parts.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import best_time, measure, peak_rss_gib_self

ROOT = Path(__file__).resolve().parents[2]
SNARKJS = ROOT / "node_modules" / ".bin" / "snarkjs"


def _poseidon() -> list[dict[str, Any]]:
    import numpy as np

    from zkrv_prover.bn254 import poseidon, poseidon_batch
    from zkrv_prover.bn254.poseidon_ref import poseidon as poseidon_ref

    xs = [12345, 67890]
    poseidon(xs)  # parameters are generated on first use
    n = 2000
    native = best_time(lambda: [poseidon(xs) for _ in range(n)], repeat=5) / n
    # CPU time of the calling thread: less sensitive than wall time to other load on the machine.
    cpu = float("inf")
    for _ in range(5):
        c0 = time.thread_time()
        for _ in range(n):
            poseidon(xs)
        cpu = min(cpu, (time.thread_time() - c0) / n)
    m = 50
    ref = best_time(lambda: [poseidon_ref(xs) for _ in range(m)], repeat=3) / m
    batch = np.zeros((1 << 16, 2, 4), dtype=np.uint64)
    batch[:, 0, 0] = np.arange(1 << 16, dtype=np.uint64)
    per = best_time(lambda: poseidon_batch(batch), repeat=3) / (1 << 16)
    return [
        measure("poseidon_t3_native_us", round(native * 1e6, 2), "us"),
        measure("poseidon_t3_native_cpu_us", round(cpu * 1e6, 2), "us"),
        measure("poseidon_t3_native_batch_us", round(per * 1e6, 3), "us", threads=os.cpu_count()),
        measure("poseidon_t3_python_us", round(ref * 1e6, 1), "us"),
    ]


def _merkle() -> list[dict[str, Any]]:
    import numpy as np

    from zkrv_prover.bn254 import MerkleTree, hash_rows

    rows = np.random.default_rng(1).integers(0, 2013265921, size=(1 << 20, 64), dtype=np.uint32)
    part = rows[: 1 << 16]
    dt = best_time(lambda: hash_rows(part), repeat=3)
    out = [measure("hash_rows_2e16x64_seconds", round(dt, 3), "s", threads=os.cpu_count())]
    for arity, suffix in ((2, ""), (4, "_arity4")):
        t0 = time.perf_counter()
        MerkleTree.from_rows(rows, arity)
        dt = time.perf_counter() - t0
        out.append(measure(f"merkle_2e20_leaves{suffix}_seconds", round(dt, 2), "s", arity=arity))
    return out


def _child(mode: str, k: int, workdir: str) -> dict[str, Any]:
    """Runs in a fresh process: 'setup' (writes pk) or 'prove' (loads pk, proves)."""
    from zkrv_prover.bn254 import groth16 as g
    from zkrv_prover.bn254.sample_r1cs import chain_r1cs

    r1cs, w = chain_r1cs((1 << k) - 2)
    nr = g.NativeR1CS(r1cs)
    pk_path = Path(workdir) / f"k{k}.pk"
    if mode == "setup":
        t0 = time.perf_counter()
        pk = g.dev_setup(nr)
        dt = time.perf_counter() - t0
        pk.save(pk_path)
        return {"seconds": dt, "peak_gib": peak_rss_gib_self(), "domain": nr.domain_size}
    t0 = time.perf_counter()
    pk = g.ProvingKey.load(pk_path)
    load_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    proof = g.prove(pk, nr, w)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert g.verify(pk.vk, [w[1]], proof)
    if mode == "prove+export":
        from zkrv_prover.bn254 import iden3
        from zkrv_prover.bn254.zkey import export_zkey

        export_zkey(pk, nr, Path(workdir) / f"k{k}.zkey")
        iden3.write_wtns(Path(workdir) / f"k{k}.wtns", w)
    return {
        "seconds": dt,
        "cpu_seconds": cpu,
        "load_seconds": load_s,
        "peak_gib": peak_rss_gib_self(),
    }


def _run_child(mode: str, k: int, workdir: str) -> dict[str, Any]:
    code = (
        "import json,sys; sys.path.insert(0, sys.argv[1]); import bn254 as b; "
        "print(json.dumps(b._child(sys.argv[2], int(sys.argv[3]), sys.argv[4])))"
    )
    here = str(Path(__file__).resolve().parent)
    r = subprocess.run(
        [sys.executable, "-c", code, here, mode, str(k), workdir],
        capture_output=True,
        text=True,
        check=True,
    )
    res: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    return res


def _snarkjs_prove(k: int, workdir: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(
        [str(SNARKJS), "groth16", "prove", f"k{k}.zkey", f"k{k}.wtns", "p.json", "pub.json"],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    dt = time.perf_counter() - t0
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 2**20
    return dt, peak


def _groth16() -> list[dict[str, Any]]:
    max_k = int(os.environ.get("ZKRV_BENCH_BN254_MAX_K", "20"))
    sj_max = int(os.environ.get("ZKRV_BENCH_SNARKJS_MAX_K", "18"))
    out = []
    for k in (16, 18, 20):
        if k > max_k:
            continue
        n = (1 << k) - 2
        with tempfile.TemporaryDirectory(prefix="zkrv-bench-bn254-") as d:
            s = _run_child("setup", k, d)
            with_sj = k <= sj_max and SNARKJS.exists()
            p = _run_child("prove+export" if with_sj else "prove", k, d)
            out += [
                measure(f"groth16_setup_seconds_2e{k}", round(s["seconds"], 2), "s", constraints=n),
                measure(f"groth16_prove_seconds_2e{k}", round(p["seconds"], 2), "s", constraints=n),
                measure(f"groth16_prove_cpu_seconds_2e{k}", round(p["cpu_seconds"], 2), "s"),
                measure(f"groth16_prove_peak_gib_2e{k}", round(p["peak_gib"], 3), "GiB"),
                measure(f"groth16_pk_load_seconds_2e{k}", round(p["load_seconds"], 2), "s"),
            ]
            if with_sj:
                sj_s, sj_peak = _snarkjs_prove(k, d)
                out += [
                    measure(f"snarkjs_prove_seconds_2e{k}", round(sj_s, 2), "s", constraints=n),
                    measure(f"snarkjs_prove_peak_gib_2e{k}", round(sj_peak, 3), "GiB"),
                ]
    return out


def run() -> list[dict[str, Any]]:
    parts = os.environ.get("ZKRV_BENCH_BN254_PARTS", "poseidon,merkle,groth16").split(",")
    fns = {"poseidon": _poseidon, "merkle": _merkle, "groth16": _groth16}
    unknown = [p for p in parts if p not in fns]
    if unknown:
        raise ValueError(f"unknown ZKRV_BENCH_BN254_PARTS entries {unknown}; known: {list(fns)}")
    return [m for p in parts for m in fns[p]()]
