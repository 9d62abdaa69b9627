"""The lifted STARK verifier recorded by the RecursionBuilder: proofs with different per-table
heights AND different preprocessed roots (a machine whose preprocessed table differs, as the
zkVM's program does) record the same program under one HeightSpec; the recording proves and
verifies."""

from __future__ import annotations

import sys
from pathlib import Path

from recursion_testutil import FAST, record

from zkrv_prover.recursion.builder import RecursionBuilder
from zkrv_prover.recursion.prove import program_vk, prove_program, verify_program
from zkrv_prover.stark.examples import multi_table
from zkrv_prover.stark.field.randomness import FieldRng
from zkrv_prover.stark.protocol.heights import HeightSpec
from zkrv_prover.stark.protocol.prover import keygen
from zkrv_prover.stark.protocol.verifier import verify_with

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stark"))
from test_stark_lifted import _prove, params

#: ops, adder variable; the preprocessed bytes table 2^8 or 2^9 (its root is data).
SPEC = HeightSpec(((5, 11), (3, 7), (8, 9)))


def _record(lo: int, la: int, log_bytes: int) -> RecursionBuilder:
    _, pub, proof = _prove(lo, la, log_bytes=log_bytes)
    vk = keygen(
        multi_table.machine(8), params(), lifted=True
    )  # one key: the root comes from the proof
    r = RecursionBuilder()
    got = verify_with(r, vk, [r.b_input(v) for v in pub], proof, heights=SPEC, pre_root_input=True)
    assert got is not None and got.pre_root is not None
    return r


def test_same_program_for_heights_and_preprocessed_roots() -> None:
    a = _record(7, 4, 8)
    b = _record(11, 6, 9)
    pa, pb = a.finish()[0], b.finish()[0]
    assert pa.digest == pb.digest
    print(f"\nlifted STARK verifier program rows {pa.rows()}")


def test_recorded_lifted_stark_verifier_proves() -> None:
    rc = record(_record(6, 3, 9))
    assert rc.problems() == []
    rvk = program_vk(rc.program, FAST)
    rproof = prove_program(rvk, rc.witness, rng=FieldRng.seeded(3), recorded=rc.program)
    verify_program(rvk, rproof, list(rc.witness.public))
