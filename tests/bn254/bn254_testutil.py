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
    """Skip the test unless ``node`` and the npm package ``name`` are installed (setup.py does)."""
    if shutil.which("node") is None or not (NODE_MODULES / name).is_dir():
        pytest.skip(f"node or npm package {name} not installed (run scripts/setup.py)")


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
