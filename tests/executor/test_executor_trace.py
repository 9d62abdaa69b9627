"""The execution trace: exact contents on a hand-written program, and the consistency checker
rejecting mutated traces (so it is a meaningful oracle for the differential tests)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from executor_asm import CODE, DATA, ECALL, HALT_LEN, i, li, r, run, s

from zkrv_prover.executor import Trace, check_trace
from zkrv_prover.executor.trace import COLUMNS, MEM_READ, MEM_WRITE

PROGRAM = [
    *li(5, DATA),  # 0, 1
    *li(6, 0x11223344),  # 2, 3
    s("sw", 6, 5, 0),  # 4
    s("sb", 0, 5, 1),  # 5: word becomes 0x11220044
    i("lh", 7, 5, 0),  # 6: 0x00000044
    r("add", 0, 6, 6),  # 7: write to x0 is dropped
    i("addi", 10, 5, 4),  # 8: a0 = DATA + 4
    i("addi", 17, 0, 1),  # 9: a7 = READ
    ECALL,  # 10: mem[DATA+4] = "abc\0", a0 = 3
    i("lw", 8, 5, 4),  # 11
    i("addi", 10, 0, 0),  # 12: exit code 0
]


@pytest.fixture(scope="module")
def trace() -> Trace:
    res = run(PROGRAM, input=b"abc")
    assert res.trace is not None
    return res.trace


def test_columns_are_uint32_and_complete(trace: Trace) -> None:
    assert set(trace.columns) == set(COLUMNS)
    for name in COLUMNS:
        assert trace[name].dtype == np.uint32 and trace[name].shape == (len(trace),)
    assert len(trace) == len(PROGRAM) + HALT_LEN  # + the HALT sequence


def test_row_contents(trace: Trace) -> None:
    row = {k: [int(v) for v in trace[k]] for k in COLUMNS}
    assert row["pc"][:3] == [CODE, CODE + 4, CODE + 8]
    assert row["next_pc"][-1] == row["pc"][-1]
    # sw: full word write
    assert (row["mem_op"][4], row["mem_addr"][4], row["mem_prev"][4], row["mem_val"][4]) == (
        MEM_WRITE, DATA, 0, 0x11223344,
    )  # fmt: skip
    # sb: byte address, whole words before/after
    assert (row["mem_addr"][5], row["mem_prev"][5], row["mem_val"][5]) == (
        DATA + 1, 0x11223344, 0x11220044,
    )  # fmt: skip
    assert (row["mem_op"][6], row["rd"][6], row["rd_val"][6]) == (MEM_READ, 7, 0x44)
    assert (row["rs1"][6], row["rs1_val"][6], row["rs2"][6]) == (5, DATA, 0)
    assert (row["rd"][7], row["rd_val"][7], row["rs1_val"][7]) == (0, 0, 0x11223344)
    # READ ecall: reads a7 (ecall_id), a0, a1; writes a0 = 3 and one memory word
    assert (row["ecall_id"][10], row["rs1"][10], row["rs2"][10], row["rd"][10]) == (1, 10, 11, 10)
    assert (row["rd_prev"][10], row["rd_val"][10]) == (DATA + 4, 3)
    assert (row["mem_op"][10], row["mem_addr"][10], row["mem_val"][10]) == (
        MEM_WRITE, DATA + 4, 0x00636261,
    )  # fmt: skip
    assert row["rd_val"][11] == 0x00636261
    # HALT is the last row
    assert row["insn"][-1] == ECALL and row["ecall_id"][-1] == 0 and row["rs1_val"][-1] == 0
    k = int(np.searchsorted(trace.final_addresses, DATA + 4))
    assert int(trace.final_values[k]) == 0x00636261
    assert trace.input == b"abc" and trace.exit_code == 0


def _mutated(t: Trace, col: str, row: int, delta: int = 1) -> Trace:
    cols = {k: v.copy() for k, v in t.columns.items()}
    cols[col][row] ^= np.uint32(delta)
    return dataclasses.replace(t, columns=cols)


@pytest.mark.parametrize(
    ("col", "row"),
    [
        ("rs1_val", 6),
        ("rs2_val", 4),
        ("rd_prev", 1),
        ("rd_val", 2),  # later reads of x6 no longer match
        ("mem_prev", 5),
        ("mem_val", 4),
        ("mem_val", 6),  # a read that changes memory
        ("mem_addr", 6),
        ("pc", 3),
        ("insn", 3),
        ("ecall_id", 10),
        ("clk", 2),
        ("rd_val", 7),  # x0 written
    ],
)
def test_checker_rejects_mutations(trace: Trace, col: str, row: int) -> None:
    check_trace(trace)
    with pytest.raises(AssertionError, match="trace check failed"):
        check_trace(_mutated(trace, col, row))


def test_checker_rejects_wrong_final_memory(trace: Trace) -> None:
    fv = trace.final_values.copy()
    fv[int(np.searchsorted(trace.final_addresses, DATA))] ^= 1
    with pytest.raises(AssertionError, match="final memory"):
        check_trace(dataclasses.replace(trace, final_values=fv))
