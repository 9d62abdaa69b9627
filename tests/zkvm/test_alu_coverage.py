"""Constraint coverage of the ALU and byte tables: mutating any cell of a row that is received
(the only rows that assert anything) must be caught by the constraints or the bus balance."""

from __future__ import annotations

import numpy as np
import pytest
from alu_reference import EDGE_WORDS
from alu_testutil import fast_coverage, honest, oracle_traces, received_rows

from zkrv_prover.stark.protocol.testing import constraint_coverage
from zkrv_prover.zkvm.alu import ALU_TABLES
from zkrv_prover.zkvm.buses import AluOp


def _mixed_events(seed: int, per_op: int) -> tuple[list[int], list[int], list[int]]:
    """Every op with edge operands (signs, zero divisors, overflow, shift amounts) and random
    ones, so every selector and flag value occurs on some received row."""
    rng = np.random.default_rng(seed)
    ops, bs, cs = [], [], []
    edge = list(EDGE_WORDS)
    for op in AluOp:
        for _ in range(per_op):
            ops.append(int(op))
            bs.append(
                edge[int(rng.integers(len(edge)))]
                if rng.random() < 0.5
                else int(rng.integers(2**32))
            )
            cs.append(
                edge[int(rng.integers(len(edge)))]
                if rng.random() < 0.5
                else int(rng.integers(2**32))
            )
        ops += [int(op)] * 3
        bs += [0x80000000, 0x12345678, 0xFFFFFFF9]
        cs += [0xFFFFFFFF, 0, 0x23]
    return ops, bs, cs


def test_alu_and_byte_tables_covered() -> None:
    ops, bs, cs = _mixed_events(3, 24)
    _, lays, traces = honest(ops, bs, cs)
    names = [t.name for t in ALU_TABLES] + ["bytes"]
    escapes, tried = fast_coverage(lays, traces, names, rows_per_column=6)
    assert tried > 2000
    # Only rows nobody receives from (padding, multiplicity 0) may hold free cells, and there
    # only cells that feed nothing but the zero-multiplicity receive.
    assert [e for e in escapes if e[3]] == []
    for table, _col, row, _ in escapes:
        t = [lay.air.name for lay in lays].index(table)
        assert not received_rows(lays[t], traces[t])[row]


@pytest.mark.slow
def test_official_checker_agrees_on_small_machine() -> None:
    """The reusable checker of the STARK layer (full rebalancing per mutation, aux columns too)
    on a machine with few events and the small lookup oracle in place of the byte table:
    escapes only on unreceived rows."""
    ops = [int(AluOp.ADD), int(AluOp.XOR), int(AluOp.SLT), int(AluOp.SRA), int(AluOp.MULH)]
    ops += [int(AluOp.REM)]
    bs = [0xFFFFFFFF, 0xF0F0F0F0, 0x80000000, 0x80000010, 0x80000000, 0xFFFFFFF9]
    cs = [1, 0x0FF00FF0, 5, 0x24, 0x7FFFFFFF, 2]
    m, lays, traces = oracle_traces(ops, bs, cs)
    escapes = constraint_coverage(m, traces, [], samples_per_column=2)
    names = [lay.air.name for lay in lays]
    for e in escapes:
        if e.table == "lookup_oracle":  # test scaffolding: two receives share its rows
            continue
        t = names.index(e.table)
        assert e.kind == "main", e
        assert not received_rows(lays[t], traces[t])[e.row], e
