"""snarkjs + circom2 (GPL test references, npm) helpers: an independent Groth16 prover.

The test circuit has exactly one public input ``x`` (zkrv's production layout) and proves
knowledge of ``a, b`` with ``a * b == x`` -- trivially satisfiable for any ``x``, which is what the
tests need: a genuine snarkjs proof for any claim digest, and one for digest zero (the emergency
stop's proof of exploit). The setup is NOT a secure ceremony; its key is for tests only.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkrv.toolchain import REPO_ROOT

CIRCUIT = """pragma circom 2.0.0;
template Product() {
    signal input x;
    signal input a;
    signal input b;
    a * b === x;
}
component main {public [x]} = Product();
"""


def _bin(name: str) -> str:
    assert REPO_ROOT is not None
    return str(REPO_ROOT / "node_modules" / ".bin" / name)


def available() -> bool:
    return Path(_bin("snarkjs")).exists() and Path(_bin("circom2")).exists()


def _run(args: list[str], cwd: Path) -> None:
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed: {r.stdout[-2000:]} {r.stderr[-2000:]}")


@dataclass
class SnarkjsCircuit:
    """A compiled circuit with a Groth16 setup in ``workdir``."""

    workdir: Path

    @property
    def vk_path(self) -> Path:
        return self.workdir / "verification_key.json"

    def vk_json(self) -> dict[str, Any]:
        return dict(json.loads(self.vk_path.read_text()))

    @classmethod
    def setup(cls, workdir: Path, entropy: str = "zkrv test entropy") -> SnarkjsCircuit:
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "product.circom").write_text(CIRCUIT)
        sj = _bin("snarkjs")
        _run([_bin("circom2"), "product.circom", "--r1cs", "--wasm", "-o", "."], workdir)
        _run([sj, "powersoftau", "new", "bn128", "4", "pot0.ptau"], workdir)
        _run([sj, "powersoftau", "contribute", "pot0.ptau", "pot1.ptau", f"-e={entropy}"], workdir)
        _run([sj, "powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau"], workdir)
        _run([sj, "groth16", "setup", "product.r1cs", "pot.ptau", "p0.zkey"], workdir)
        # A phase-2 contribution makes delta differ from gamma (both start as the generator).
        _run([sj, "zkey", "contribute", "p0.zkey", "p.zkey", f"-e={entropy} 2"], workdir)
        _run([sj, "zkey", "export", "verificationkey", "p.zkey", "verification_key.json"], workdir)
        return cls(workdir)

    def prove(self, x: int, tag: str = "p") -> tuple[dict[str, Any], list[int]]:
        """A snarkjs proof for public input ``x``; (proof JSON, public inputs)."""
        wd = self.workdir
        (wd / f"{tag}_in.json").write_text(json.dumps({"x": str(x), "a": str(x), "b": "1"}))
        sj = _bin("snarkjs")
        wasm = "product_js/product.wasm"
        _run([sj, "wtns", "calculate", wasm, f"{tag}_in.json", f"{tag}.wtns"], wd)
        _run(
            [
                sj,
                "groth16",
                "prove",
                "p.zkey",
                f"{tag}.wtns",
                f"{tag}_proof.json",
                f"{tag}_pub.json",
            ],
            wd,
        )
        proof = json.loads((wd / f"{tag}_proof.json").read_text())
        public = [int(v) for v in json.loads((wd / f"{tag}_pub.json").read_text())]
        return proof, public
