"""The benchmark AIR: a 64-column table of 2^log_n rows with degree-3 transitions and one LogUp
lookup into a 256-row byte table.

Columns of ``bench``: x_0..x_30 (free inputs), y_0..y_30 with y_j[0] = 0 and
y_j' = y_j + x_j^3 on transitions (degree 3), r (a byte, looked up in ``bytes``) and
s = x_0 * x_1 * r (degree-3 row constraint).
"""

from __future__ import annotations

import numpy as np

from zkrv_prover.stark.air.air import Air, AirBuilder, Machine
from zkrv_prover.stark.examples.multi_table import BytesAir

P = 15 * 2**27 + 1
K = 31
RANGE_BUS = 3


class BenchAir(Air):
    name = "bench"
    main_width = 2 * K + 2

    def eval(self, b: AirBuilder) -> None:
        loc, nxt = b.main_local, b.main_next
        xs, ys = loc[:K], loc[K : 2 * K]
        yn = nxt[K : 2 * K]
        r, s = loc[2 * K], loc[2 * K + 1]
        for j in range(K):
            b.when_first_row().assert_zero(ys[j], f"y{j}_first")
            b.when_transition().assert_eq(yn[j], ys[j] + xs[j] * xs[j] * xs[j], f"y{j}_step")
        b.assert_eq(s, xs[0] * xs[1] * r, "s")
        b.send(RANGE_BUS, [r])


def machine() -> Machine:
    return Machine([BenchAir(), BytesAir()], name="bench")


def trace(log_n: int, seed: int = 3) -> tuple[list[np.ndarray], list[int]]:
    """Random x and r; y is an exclusive prefix sum of cubes (vectorized)."""
    rng = np.random.default_rng(seed)
    n = 1 << log_n
    x = rng.integers(0, P, size=(n, K), dtype=np.uint64)
    cubes = x * x % P * x % P
    y = np.zeros_like(cubes)
    y[1:] = np.cumsum(cubes[:-1], axis=0) % P  # n * 2^31 < 2^64
    r = rng.integers(0, 256, size=n, dtype=np.uint64)
    s = x[:, 0] * x[:, 1] % P * r % P
    main = np.concatenate([x, y, r[:, None], s[:, None]], axis=1).astype(np.uint32)
    m = np.bincount(r, minlength=256).astype(np.uint32)[:, None]
    return [main, m], []


def measure(log_n: int, zk: bool = True, hash: str = "poseidon-bn254") -> dict[str, float]:
    """Prove and verify the benchmark machine at 2^log_n rows with the default parameters
    (hash family ``hash``, ``PcsParams.hash``);
    returns seconds, proof KiB (encoded) and this process's peak RSS in GiB. Run it in a fresh
    process for a meaningful peak (see scripts/benchmarks/stark.py)."""
    import resource
    import time

    from zkrv_prover.stark.commit.params import PcsParams
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.stark.protocol.prover import keygen, prove
    from zkrv_prover.stark.protocol.verifier import verify

    vk = keygen(machine(), PcsParams(zk=zk, hash=hash))  # type: ignore[arg-type]
    traces, pub = trace(log_n)
    t0 = time.perf_counter()
    proof = prove(vk, traces, pub)
    t1 = time.perf_counter()
    verify(vk, pub, proof)
    t2 = time.perf_counter()
    size = len(encode_proof(vk, proof))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return {"prove_s": t1 - t0, "verify_s": t2 - t1, "proof_kib": size / 1024, "peak_gib": peak}


if __name__ == "__main__":
    import json
    import sys

    zk_arg = sys.argv[2] == "1" if len(sys.argv) > 2 else True
    hash_arg = sys.argv[3] if len(sys.argv) > 3 else "poseidon-bn254"
    print(json.dumps(measure(int(sys.argv[1]), zk_arg, hash_arg)))
