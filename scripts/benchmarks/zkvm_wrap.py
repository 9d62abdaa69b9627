"""zkVM receipts on Ethereum: shrink proof and final Groth16 circuit (verifier + claim) figures.

The universal zkVM recursion program does not exist yet, so the shrink layer is measured on the
shrink benchmark's ``fib`` inner proof (``scripts/benchmarks/shrink.py``: a 60-query
Poseidon2-BabyBear Fibonacci proof). The shrink program records its verifier with the
production recorder settings (the ``SHRINK_POSEIDON2`` table, every table at one height) and
exposes 46 values in the ``recursion/zkvm_layout.py`` order (a Poseidon2 digest, two heights,
journal digest and exit code bytes) in place of the Fibonacci ones, so that the final circuit
(``r1cs/zkvm_wrap.py``: the shrink verifier + the zkVM claim) can be built for it as it will be
for the universal program. Per log blowup ``b`` (``ZKRV_ZKVMWRAP_BLOWUPS``, default ``4,5``):

- ``zkvm_wrap_b{B}_queries``: the production configuration (BN254 hash, pow 20, fewest queries
  for 100 JBR bits), with its security figure;
- ``zkvm_wrap_b{B}_final_constraints``: the final circuit's R1CS size for a random proof of the
  shrink proof's shape (non-strict builder; the R1CS depends only on the shape), split into
  ``verifier_constraints`` and ``claim_constraints``;
- with ``ZKRV_BENCH_ZKVMWRAP_PROVE=1``: ``..._shrink_prove_s`` (a real shrink proof; keygen and
  record times as fields) and ``..._shrink_prove_peak_gib`` (peak RSS up to the end of proving);
  ``..._final_circuit_strict_s`` (the real final circuit of that proof, strict, satisfied; its
  constraint count must equal the shape-only figure);
- with ``ZKRV_BENCH_ZKVMWRAP_GROTH16=1`` as well (blowups in ``ZKRV_ZKVMWRAP_GROTH16_BLOWUPS``,
  default ``5``): a shrink proof saved to ``ZKRV_SHRINK_CACHE`` (default the temp dir), then in
  another process ``..._groth16_circuit_s``, ``..._groth16_setup_s``, ``..._groth16_prove_s``,
  ``..._groth16_peak_gib`` (UNSAFE dev setup, proof checked natively; docs/wrap.md).

Each task runs in its own child process (peak RSS is then its own), one at a time.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import measure


def _env_list(name: str, default: str) -> list[str]:
    return [x for x in os.environ.get(name, default).split(",") if x]


def _peak_gib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def _values() -> list[int]:
    """46 values in the zkVM recursion layout: a Poseidon2 digest, heights, journal, exit code."""
    import numpy as np

    from zkrv_prover.claim import sha256
    from zkrv_prover.recursion import zkvm_layout
    from zkrv_prover.stark.commit import hash_backend as hb
    from zkrv_prover.zkvm.machine import public_values

    root = hb.p2_to_ints(hb.p2_hash_rows(np.arange(64, dtype=np.uint32).reshape(1, 64)))[0]
    return zkvm_layout.values(root, 12, 14, public_values(sha256(b"journal"), 0))


def _record() -> tuple[Any, Any]:
    """The shrink program of the ``fib`` inner proof exposing the 46 layout values."""
    from shrink import _inner

    from zkrv_prover.recursion.builder import RecursionBuilder
    from zkrv_prover.recursion.shrink import SHRINK_POSEIDON2
    from zkrv_prover.recursion.tables.common import padded_height
    from zkrv_prover.stark.protocol.verifier import check_shape, verify_with

    vk, pub, proof = _inner("fib")
    r = RecursionBuilder(poseidon2=SHRINK_POSEIDON2)
    check_shape(vk, proof, len(pub))
    verify_with(r, vk, [r.b_input(int(v)) for v in pub], proof)
    for v in _values():
        r.expose_public(r.b_input(v))
    return r.finish(max(padded_height(n) for n in r.table_rows().values()))


def _tag(log_blowup: int) -> str:
    return f"zkvm_wrap_b{1 << log_blowup}"


def _circuit(log_blowup: int) -> list[dict[str, Any]]:
    """Configuration and final-circuit size (shape only)."""
    from zkrv_prover.r1cs.profile import random_shaped_proof
    from zkrv_prover.r1cs.zkvm_wrap import build_zkvm_circuit
    from zkrv_prover.recursion import shrink

    prog, wit = _record()
    cfg = shrink.shrink_config(prog, log_blowup)
    t0 = time.perf_counter()
    vk = shrink.shape_only_key(prog, cfg.params)
    proof = random_shaped_proof(vk, shrink.log_heights(prog), 0)
    c = build_zkvm_circuit(vk, list(wit.public), proof, strict=False)
    tag = _tag(log_blowup)
    return [
        measure(
            f"{tag}_queries",
            cfg.params.num_queries,
            "queries",
            security_bits_jbr=round(cfg.bits, 2),
            m=cfg.m,
            limiting_term=cfg.limiting_term,
            pow_bits=cfg.params.pow_bits,
            log_heights=shrink.log_heights(prog),
            rows=prog.rows(),
        ),
        measure(
            f"{tag}_final_constraints",
            c.n_constraints,
            "constraints",
            verifier_constraints=c.verifier_constraints,
            claim_constraints=c.claim_constraints,
            build_s=round(time.perf_counter() - t0, 2),
            peak_gib=_peak_gib(),
        ),
    ]


def _shrink_proof(log_blowup: int) -> tuple[Any, Any, list[dict[str, Any]]]:
    from zkrv_prover.recursion import shrink
    from zkrv_prover.recursion.prove import prove_program
    from zkrv_prover.stark.field.randomness import FieldRng

    t0 = time.perf_counter()
    prog, wit = _record()
    t1 = time.perf_counter()
    key = shrink.shrink_key(prog, shrink.shrink_config(prog, log_blowup).params)
    t2 = time.perf_counter()
    proof = prove_program(key.vk, wit, rng=FieldRng.seeded(7), recorded=prog)
    t3 = time.perf_counter()
    shrink.verify_shrink(key, wit.public, proof)
    tag = _tag(log_blowup)
    out = [
        measure(
            f"{tag}_shrink_prove_s",
            round(t3 - t2, 2),
            "s",
            record_s=round(t1 - t0, 2),
            keygen_s=round(t2 - t1, 2),
            verify_s=round(time.perf_counter() - t3, 2),
        ),
        measure(f"{tag}_shrink_prove_peak_gib", _peak_gib(), "GiB"),
    ]
    return key, (list(wit.public), proof), out


def _prove(log_blowup: int) -> list[dict[str, Any]]:
    """A real shrink proof, then the real (strict) final circuit of it."""
    from zkrv_prover.r1cs.zkvm_wrap import build_zkvm_circuit

    key, (public, proof), out = _shrink_proof(log_blowup)
    t0 = time.perf_counter()
    c = build_zkvm_circuit(key.vk, public, proof)
    out.append(
        measure(
            f"{_tag(log_blowup)}_final_circuit_strict_s",
            round(time.perf_counter() - t0, 2),
            "s",
            constraints=c.n_constraints,
            peak_gib=_peak_gib(),
        )
    )
    return out


def _proof_path(log_blowup: int) -> Path:
    import tempfile

    root = Path(os.environ.get("ZKRV_SHRINK_CACHE", tempfile.gettempdir()))
    return root / f"zkrv_zkvm_wrap_shrink_b{1 << log_blowup}.pkl"


def _save_proof(log_blowup: int) -> list[dict[str, Any]]:
    """A real shrink proof, kept (key without prover data, values, proof) for :func:`_groth16`:
    the shrink prover's memory is then not part of the Groth16 task's peak."""
    import dataclasses
    import pickle

    key, (public, proof), out = _shrink_proof(log_blowup)
    vk = dataclasses.replace(key.vk, pre_data=None)
    path = _proof_path(log_blowup)
    with path.with_suffix(".tmp").open("wb") as f:
        pickle.dump((vk, public, proof), f)
    path.with_suffix(".tmp").replace(path)
    return out


def _groth16(log_blowup: int) -> list[dict[str, Any]]:
    """The saved shrink proof -> final circuit -> UNSAFE dev setup -> Groth16 proof, checked
    natively (and refused for another public input)."""
    import pickle

    from zkrv_prover.bn254 import groth16
    from zkrv_prover.r1cs.zkvm_wrap import build_zkvm_circuit

    with _proof_path(log_blowup).open("rb") as f:
        vk, public, proof = pickle.load(f)
    t0 = time.perf_counter()
    c = build_zkvm_circuit(vk, public, proof)
    nr = groth16.NativeR1CS(c.cs.to_r1cs())
    witness = c.cs.witness_limbs()
    n, x = c.n_constraints, c.public_input
    del c  # the Python constraint system: the engine has its own copy now
    tag = _tag(log_blowup)
    t1 = time.perf_counter()
    pk = groth16.dev_setup(nr)
    t2 = time.perf_counter()
    gp = groth16.prove(pk, nr, witness, seed=1)
    t3 = time.perf_counter()
    ok = groth16.verify(pk.vk, [x], gp) and not groth16.verify(pk.vk, [x ^ 1], gp)
    return [
        measure(f"{tag}_groth16_circuit_s", round(t1 - t0, 2), "s", constraints=n),
        measure(f"{tag}_groth16_setup_s", round(t2 - t1, 2), "s"),
        measure(f"{tag}_groth16_prove_s", round(t3 - t2, 2), "s", verifies=ok),
        measure(f"{tag}_groth16_peak_gib", _peak_gib(), "GiB"),
    ]


def run() -> list[dict[str, Any]]:
    from shrink import _inner

    blowups = [int(b) for b in _env_list("ZKRV_ZKVMWRAP_BLOWUPS", "4,5")]
    _inner("fib")  # make (and cache) the inner proof before the workers need it
    tasks = [("circuit", b) for b in blowups]
    if os.environ.get("ZKRV_BENCH_ZKVMWRAP_PROVE") == "1":
        tasks += [("prove", b) for b in blowups]
    if os.environ.get("ZKRV_BENCH_ZKVMWRAP_GROTH16") == "1":
        g16 = [int(b) for b in _env_list("ZKRV_ZKVMWRAP_GROTH16_BLOWUPS", "5")]
        tasks += [t for b in g16 for t in (("save_proof", b), ("groth16", b))]
    out: list[dict[str, Any]] = []
    for task, b in tasks:  # one child process per task: its peak RSS is the task's own
        done = subprocess.run(
            [sys.executable, __file__, task, str(b)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"zkvm_wrap {task} b={b} failed:\n{done.stderr[-4000:]}")
        out += json.loads(done.stdout.strip().splitlines()[-1])
    return out


TASKS = {"circuit": _circuit, "prove": _prove, "save_proof": _save_proof, "groth16": _groth16}

if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(TASKS[sys.argv[1]](int(sys.argv[2]))))
    else:
        print(json.dumps(run(), indent=1))
