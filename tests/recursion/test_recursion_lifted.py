"""The lifted PCS verifier recorded by the RecursionBuilder: proofs of different per-matrix
heights under one range spec record the same program, which proves and verifies."""

from __future__ import annotations

import sys
from pathlib import Path

from recursion_testutil import FAST, record

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.stark.field.randomness import FieldRng

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stark"))
from test_pcs_lifted import prove, verify


def _record(logs: tuple[int, ...]) -> RecursionBuilder:
    r = RecursionBuilder()
    verify(*prove(logs, True), zk=True, ar=r)
    return r


def test_same_program_for_different_heights() -> None:
    a, b = _record((9, 7, 8)), _record((7, 9, 7))
    pa, pb = a.finish()[0], b.finish()[0]
    assert pa.digest == pb.digest


def test_recorded_lifted_verifier_proves() -> None:
    rc = record(_record((8, 6, 7)))
    assert rc.problems() == []
    rvk = program_vk(rc.program, FAST)
    rproof = prove_program(rvk, rc.witness, rng=FieldRng.seeded(3), recorded=rc.program)
    verify_program(rvk, rproof, list(rc.witness.public))
    print(f"\nlifted PCS recursion program rows {rc.program.rows()}")
