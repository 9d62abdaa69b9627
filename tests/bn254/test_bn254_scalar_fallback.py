"""The native engine's two hashing paths agree: the 8-way AVX-512 IFMA batch path (used where the
CPU has it) and the scalar path (every other CPU, or ``ZKRV_NATIVE_NO_IFMA=1``). CI machines have
IFMA, so without this test the scalar batch path would go unexercised."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.native

# Run in a child process: the engine reads ZKRV_NATIVE_NO_IFMA once per process.
_SCRIPT = """
import sys
import numpy as np
from zkrv_prover.bn254 import MerkleTree, hash_rows, poseidon_batch

rng = np.random.default_rng(7)
out = []
for width in (1, 7, 8, 9, 64, 130):
    rows = rng.integers(0, 2013265921, size=(37, width), dtype=np.uint64).astype(np.uint32)
    out.append(hash_rows(rows))
for k in (2, 4, 8, 16):
    limbs = rng.integers(0, 2**63, size=(19, k, 4), dtype=np.uint64)
    limbs[..., 3] &= np.uint64(0x0FFFFFFFFFFFFFFF)  # canonical: below 2^252 < R
    out.append(poseidon_batch(limbs))
rows = rng.integers(0, 2013265921, size=(256, 24), dtype=np.uint64).astype(np.uint32)
for arity in (2, 4):
    out.extend(MerkleTree.from_rows(rows, arity).layers())
np.save(sys.stdout.buffer, np.concatenate([o.reshape(-1, 4) for o in out]))
"""


def _digests(no_ifma: bool) -> np.ndarray:
    import io
    import os

    env = dict(os.environ)
    env.pop("ZKRV_NATIVE_NO_IFMA", None)
    if no_ifma:
        env["ZKRV_NATIVE_NO_IFMA"] = "1"
    r = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, check=True, timeout=300
    )
    return np.load(io.BytesIO(r.stdout))


def test_scalar_and_batch_paths_give_identical_digests() -> None:
    batch, scalar = _digests(no_ifma=False), _digests(no_ifma=True)
    assert batch.shape == scalar.shape and batch.shape[0] > 1000
    np.testing.assert_array_equal(batch, scalar)
