"""Recursion: the cost of verifying a STARK proof inside a recursion STARK (record, key, prove).

Two inner proofs, both with the zkVM's parameters (``zkvm_params()``: 55 queries, 24 grinding
bits, blowup 8, Poseidon2-BabyBear):

- ``fib``: the Fibonacci example AIR at 2^6 rows (the smallest verifier: one table, 2 columns);
- ``zkvm``: the receipt of ``examples/guests/fibonacci.c`` (input 50; 13 tables at the
  guest's own heights, a fixed shape);
- ``universal``: the same receipt through the universal zkVM program
  (``recursion.zkvm_verifier``: every height and the preprocessed root as data), in the variant
  the wrap picks for it (``variant_for``: the receipt calls neither KECCAKF nor MODMUL256, so
  both tables are taken as empty);
- ``universal_full``: the general variant (every table verified: what a receipt that calls
  both precompiles records).

For each, the generic verifier is recorded (``recursion.prove.record_verifier``; ``record``
seconds, also the witness generation), the recursion program's key is computed (``keygen``, a
one-off per verifier shape), and its execution is proven with the same parameters (``prove``) and
verified. Figures per case: those times, ``rows`` (sum of all tables' used rows), ``cells``
(committed base cells: padded height x (main + preprocessed + 5 x aux columns), summed over
tables), the Poseidon2 and extension-ALU rows, and the recursion proof's size. The peak RSS is
this process's. ``recursion_security_bits_jbr`` is the recursion proof's proven soundness at the
``zkvm`` recursion program's shape (``soundness.security_report``, Johnson-bound regime).
``ZKRV_BENCH_RECURSION_CASES`` (comma-separated, default ``fib,zkvm,universal``; also
``universal_full``) selects the cases.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from benchmarks._util import measure, peak_rss_gib_self  # noqa: E402

CASES = ("fib", "zkvm", "universal", "universal_full")


def _inner(case: str) -> tuple[Any, list[int], Any]:
    """(verifying key, public values, proof) of the inner proof of ``case``."""
    from zkrv_prover.stark.protocol.prover import keygen, prove
    from zkrv_prover.zkvm.image_id import zkvm_params

    if case == "fib":
        from zkrv_prover.stark.examples import fibonacci

        vk = keygen(fibonacci.machine(), zkvm_params())
        traces, pub = fibonacci.trace(6)
        return vk, list(pub), prove(vk, traces, pub)
    from zkrv.build import build
    from zkrv_prover.executor import execute
    from zkrv_prover.zkvm.image_id import program_key
    from zkrv_prover.zkvm.machine import generate

    with tempfile.TemporaryDirectory() as d:
        elf = build([ROOT / "examples" / "guests" / "fibonacci.c"], Path(d) / "fib.elf")
        res = execute(elf, (50).to_bytes(4, "little"), trace=True)
    assert res.trace is not None
    key = program_key(res.image)
    w = generate(key.tables, res.trace, key.vk.layouts)
    return key.vk, list(w.public), prove(key.vk, w.traces, w.public)


def _cells(program: Any) -> int:
    from zkrv_prover.recursion.machine import build_machine
    from zkrv_prover.stark.air.air import compile_machine
    from zkrv_prover.stark.field.field import EXT_DEGREE

    heights = program.heights()
    lays = compile_machine(build_machine(program))
    return sum(
        heights[lay.air.name] * (lay.main_width + lay.pre_width + EXT_DEGREE * lay.aux_width)
        for lay in lays
    )


def _case(case: str) -> tuple[list[dict[str, Any]], Any]:
    from zkrv_prover.recursion.prove import (
        program_vk,
        prove_program,
        record_verifier,
        verify_program,
    )
    from zkrv_prover.recursion.zkvm_verifier import record_zkvm_verifier, variant_for
    from zkrv_prover.stark.protocol.proof import encode_proof
    from zkrv_prover.zkvm.image_id import zkvm_params

    vk, pub, proof = _inner("zkvm" if case.startswith("universal") else case)
    t0 = time.perf_counter()
    if case.startswith("universal"):
        variant = variant_for(vk, proof) if case == "universal" else ()
        program, witness = record_zkvm_verifier(vk, pub, proof, empty=variant)
    else:
        program, witness = record_verifier(vk, pub, proof)
    t_record = time.perf_counter() - t0
    t0 = time.perf_counter()
    rvk = program_vk(program, zkvm_params())
    t_key = time.perf_counter() - t0
    t0 = time.perf_counter()
    rproof = prove_program(rvk, witness, recorded=program)
    t_prove = time.perf_counter() - t0
    t0 = time.perf_counter()
    verify_program(rvk, rproof, witness.public)
    t_verify = time.perf_counter() - t0
    rows = program.rows()
    p = f"recursion_{case}"
    out = [
        measure(f"{p}_record_seconds", round(t_record, 2), "s"),
        measure(f"{p}_keygen_seconds", round(t_key, 2), "s"),
        measure(f"{p}_prove_seconds", round(t_prove, 2), "s"),
        measure(f"{p}_verify_seconds", round(t_verify, 3), "s"),
        measure(f"{p}_rows", sum(rows.values()), "rows"),
        measure(f"{p}_poseidon2_rows", rows.get("poseidon2", 0), "rows"),
        measure(f"{p}_ext_alu_rows", rows.get("ext_alu", 0), "rows"),
        measure(f"{p}_cells", _cells(program), "cells"),
        measure(f"{p}_proof_kib", round(len(encode_proof(rvk, rproof)) / 1024, 1), "KiB"),
    ]
    return out, (program, rvk)


def _security(program: Any) -> float:
    from zkrv_prover.recursion.machine import build_machine
    from zkrv_prover.stark.air.air import compile_machine
    from zkrv_prover.stark.protocol import soundness
    from zkrv_prover.zkvm.image_id import zkvm_params

    lays = compile_machine(build_machine(program))
    heights = program.heights()
    logs = [heights[lay.air.name].bit_length() - 1 for lay in lays]
    shape = soundness.shape_of("recursion", lays, logs, zkvm_params())
    rep = soundness.security_report(zkvm_params(), shape, soundness.JohnsonBound())
    return round(rep.minimum, 2)


def run() -> list[dict[str, Any]]:
    cases = os.environ.get("ZKRV_BENCH_RECURSION_CASES", "fib,zkvm,universal").split(",")
    out: list[dict[str, Any]] = []
    last = None
    for case in cases:
        if case not in CASES:
            raise ValueError(f"unknown recursion case {case!r} (known: {', '.join(CASES)})")
        figures, last = _case(case)
        out += figures
    if last is not None:
        out.append(measure("recursion_security_bits_jbr", _security(last[0]), "bits"))
    out.append(measure("recursion_peak_gib", round(peak_rss_gib_self(), 2), "GiB"))
    return out
