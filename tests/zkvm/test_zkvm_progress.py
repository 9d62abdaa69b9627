"""Progress of zkVM trace generation and of ``zkrv.prove``'s own stages (the STARK stages are
covered in tests/stark/test_progress.py)."""

from __future__ import annotations

import numpy as np
from zkvm_util import asm, image_of, run_program, witness

import zkrv
from zkrv_prover.progress import Recorder, reporting
from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm.alu import ALU_TABLES

CODE = [asm.i("addi", 10, 0, 7), asm.i("addi", 11, 0, 5), asm.r("mul", 10, 10, 11)]


def test_trace_generation_advances_per_table() -> None:
    res = run_program(CODE)
    rec = Recorder()
    with reporting(rec):
        w = witness(res)
    n_tables = len(zm.CORE_TABLES) + len(ALU_TABLES) + 1  # + the byte table
    assert rec.totals() == [("trace", n_tables, n_tables)]
    assert len(w.traces) == n_tables
    plain = witness(res)
    assert all(np.array_equal(a, b) for a, b in zip(w.traces, plain.traces, strict=True))


def test_sdk_prove_reports_its_stages_in_dev_mode() -> None:
    rec = Recorder()
    receipt = zkrv.prove(image_of(CODE), dev=True, progress=rec)
    assert receipt.exit_code == 35
    assert rec.totals() == [("execute", 1, 1), ("setup", 1, 1)]
