"""Keccak-f[1600] table shapes (#16): the STARK cost of a bit table of each candidate shape, and of
the table as built, at the zkVM's parameters, sized for Keccak-256 of 16 KiB (121 permutations).

A Keccak-f table holds the state as bits (XOR and AND are only low-degree on bits), so its
cost is set by how the 1,600 state bits are spread over rows. The shapes measured:

- ``row_per_round``: one row per round, 2,650 columns (the state after theta as bits, the column
  parities, 16-bit limbs of the lanes in and out), 24 rows per permutation: 2^12 rows.
- ``two_rows_per_round``: each round over two rows (even and odd bits of every lane: a 64-bit
  rotation is two 32-bit rotations of the halves, so every constraint reaches the other half on
  the next row), 1,325 columns, 48 rows per permutation: 2^13 rows.
- ``bit_sliced``: one row per round and bit position (the 25 lanes' bit z), 235 columns (bits,
  parities, and the LogUp helpers of the rho bus counted as columns), 1,536 rows per
  permutation: 2^18 rows. The synthetic table has no bus, so this is a lower bound.

The table as built (``zkvm/keccak_f.py``, the two-row shape with the call and memory columns)
is measured end to end, with its calls, by ``scripts/bench.py accel`` (``keccak_16kib_*_accel``).

Each shape is proven in a fresh child process as a synthetic table of that many bit columns
(``W``): the first half free bits, the second half ``x xor (not y and z)`` of three of them
(degree 3, as Keccak's chi step), every column constrained to be a bit. Entries per shape ``S``:
``keccak_shape_S_prove_seconds`` (zero knowledge, the zkVM's PCS parameters),
``keccak_shape_S_proof_kib`` (what the table adds to a receipt that calls it),
``keccak_shape_S_peak_gib`` and ``keccak_shape_S_columns`` (opened values per query, which is
what the universal recursion program pays for every receipt: ``docs/zkvm-accel.md``).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import measure

#: Permutations of Keccak-256 over 16 KiB: rate 136 bytes, at least one padding byte.
PERMUTATIONS = (16 * 1024) // 136 + 1
#: shape name -> (columns, rows per permutation)
SHAPES: dict[str, tuple[int, int]] = {
    "row_per_round": (2650, 24),
    "two_rows_per_round": (1325, 48),
    "bit_sliced": (235, 24 * 64),
}


def child(width: int, log_n: int) -> dict[str, float]:
    """Prove and verify the synthetic bit table of ``width`` columns and 2^log_n rows."""
    import resource
    import time

    import numpy as np

    from zkrv_prover.stark.air.air import Air, AirBuilder, Machine
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.stark.protocol.prover import keygen, prove
    from zkrv_prover.stark.protocol.verifier import verify
    from zkrv_prover.zkvm.image_id import zkvm_params

    half = width // 2

    class BitTable(Air):
        name = "bits"
        main_width = width

        def eval(self, b: AirBuilder) -> None:
            c = b.main_local
            for j in range(width):
                b.assert_zero(c[j] * c[j] - c[j], f"bit{j}")
            for j in range(width - half):
                x, y, z = c[j % half], c[(j + 1) % half], c[(j + 2) % half]
                t = (1 - y) * z
                b.assert_eq(c[half + j], x + t - 2 * x * t, f"chi{j}")

    rng = np.random.default_rng(1)
    free = rng.integers(0, 2, size=(1 << log_n, half), dtype=np.uint32)
    j = np.arange(width - half)
    x, y, z = free[:, j % half], free[:, (j + 1) % half], free[:, (j + 2) % half]
    rows = np.concatenate([free, x ^ ((1 - y) & z)], axis=1).astype(np.uint32)
    vk = keygen(Machine([BitTable()], name="keccak_shape"), zkvm_params())
    t0 = time.perf_counter()
    proof = prove(vk, [rows], [])
    t1 = time.perf_counter()
    verify(vk, [], proof)
    return {
        "prove_s": t1 - t0,
        "proof_kib": len(encode_proof(vk, proof)) / 1024,
        "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def _child(*args: str) -> dict[str, float]:
    res = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    out: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def run() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name, (width, rows_per_perm) in SHAPES.items():
        log_n = math.ceil(math.log2(PERMUTATIONS * rows_per_perm))
        m = _child("child", str(width), str(log_n))
        tag = f"keccak_shape_{name}"
        out += [
            measure(f"{tag}_prove_seconds", m["prove_s"], "s", log_rows=log_n),
            measure(f"{tag}_proof_kib", m["proof_kib"], "KiB"),
            measure(f"{tag}_peak_gib", m["peak_gib"], "GiB"),
            measure(f"{tag}_columns", width, "columns"),
        ]
    return out


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        print(json.dumps(child(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(run()))
