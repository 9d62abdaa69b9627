"""Helpers for the BN254 tests: running the npm reference tools (circomlibjs, snarkjs)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"


def need_node_module(name: str) -> None:
    """Fail unless ``node`` and the npm package ``name`` are installed: scripts/setup.py installs
    them, so a missing reference is a broken setup, never a reason to skip a cross-check."""
    if shutil.which("node") is None or not (NODE_MODULES / name).is_dir():
        pytest.fail(f"node or npm package {name} not installed (run scripts/setup.py)")


def run_node(script: str, payload: Any, timeout: float = 120) -> Any:
    """Run a Node.js ``script`` that reads JSON from stdin and prints one JSON value."""
    r = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(payload).encode(),
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=timeout,
    )
    if r.returncode != 0:
        raise AssertionError(f"node failed: {r.stderr.decode(errors='replace')[-2000:]}")
    return json.loads(r.stdout)


CIRCOMLIB_POSEIDON = """
const { buildPoseidon } = require('circomlibjs');
let data = '';
process.stdin.on('data', (c) => (data += c));
process.stdin.on('end', async () => {
  const poseidon = await buildPoseidon();
  const out = JSON.parse(data).map((xs) => poseidon.F.toString(poseidon(xs.map(BigInt))));
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
});
"""


def circomlib_poseidon(batch: list[list[int]]) -> list[int]:
    """circomlibjs's poseidon over each input list (decimal strings cross the boundary)."""
    need_node_module("circomlibjs")
    res = run_node(CIRCOMLIB_POSEIDON, [[str(x) for x in xs] for xs in batch])
    return [int(v) for v in res]


def snarkjs(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the npm snarkjs CLI in ``cwd``."""
    need_node_module("snarkjs")
    exe = NODE_MODULES / ".bin" / "snarkjs"
    r = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(
            f"snarkjs {' '.join(args)} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}"
        )
    return r


def cubic_r1cs() -> tuple[Any, list[int]]:
    """x^3 + x + 5 = out with public (x, out): 3 constraints, n_public = 2."""
    from zkrv_prover.bn254.constants import R
    from zkrv_prover.r1cs.system import R1CS, SparseMatrix

    # w = [1, x, out, x2, x3]
    a = SparseMatrix.from_rows([[(1, 1)], [(3, 1)], [(4, 1), (1, 1), (0, 5)]])
    b = SparseMatrix.from_rows([[(1, 1)], [(1, 1)], [(0, 1)]])
    c = SparseMatrix.from_rows([[(3, 1)], [(4, 1)], [(2, 1)]])
    x = 3
    w = [1, x, (x**3 + x + 5) % R, x * x, x**3]
    return R1CS(n_vars=5, n_public=2, a=a, b=b, c=c), w
