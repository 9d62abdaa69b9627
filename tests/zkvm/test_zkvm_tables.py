"""The zkVM machine on real executor traces: every RV32IM instruction and ECALL satisfies the
constraints (debug checker), and every column of the core tables is covered."""

from __future__ import annotations

import numpy as np
import pytest
from zkvm_util import asm, coverage_escapes, problems, run_program, witness

from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm.buses import AluOp
from zkrv_prover.zkvm.cpu import C

R_OPS = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"]
M_OPS = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
I_OPS = ["addi", "slti", "sltiu", "xori", "ori", "andi"]
SH_OPS = ["slli", "srli", "srai"]
BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"]
D = asm.DATA


def every_instruction() -> list[int]:
    """A program using every RV32IM instruction (branches both ways, every load/store width and
    offset, division edge cases) and every ECALL."""
    a = asm
    code: list[int] = [*a.li(5, 0x8000_0001), *a.li(6, 0xFFFF_FFFF), *a.li(7, 0x1234_5678)]
    code += [*a.li(8, D), *a.li(9, 7)]
    for op in R_OPS + M_OPS:
        code += [a.r(op, 10, 5, 6), a.r(op, 11, 7, 9), a.r(op, 12, 7, 0)]  # incl. x/0, -2^31/-1
    code += [a.r("add", 0, 5, 6)]  # write to x0 is discarded
    for op in I_OPS:
        code += [a.i(op, 10, 7, -5), a.i(op, 11, 5, 0x7FF)]
    for op in SH_OPS:
        code += [a.i(op, 10, 5, 0), a.i(op, 11, 5, 31), a.i(op, 12, 7, 13)]
    code += [a.u("lui", 13, 0xABCDE), a.u("auipc", 14, 0x12345), a.u("auipc", 0, 1)]
    # stores/loads of every width and offset
    code += [a.s("sw", 7, 8, 0), a.s("sw", 5, 8, 4)]
    for off in range(4):
        code += [a.i("lb", 15, 8, off), a.i("lbu", 16, 8, 4 + off), a.s("sb", 6, 8, 8 + off)]
    for off in (0, 2):
        code += [a.i("lh", 15, 8, 4 + off), a.i("lhu", 16, 8, off), a.s("sh", 9, 8, 12 + off)]
    code += [a.i("lw", 17, 8, 8), a.i("lw", 18, 8, 12), a.i("lw", 0, 8, 0)]
    code += [0x0FF0000F]  # fence
    for op in BRANCHES:  # each branch taken (skips one addi) and not taken
        code += [a.b(op, 5, 6, 8), a.i("addi", 19, 19, 1), a.b(op, 6, 5, 8), a.i("addi", 19, 19, 1)]
        code += [a.b(op, 7, 7, 8), a.i("addi", 19, 19, 1)]
    code += [a.jal(1, 8), a.i("addi", 19, 19, 100)]  # jal skips one
    n = len(code)  # jalr to an absolute target: skip one instruction
    code += [*a.li(20, asm.CODE + 4 * (n + 4)), a.i("jalr", 1, 20, 0), a.i("addi", 19, 19, 100)]
    # ECALLs: READ twice (4 bytes, then 2), COMMIT and LOG of 0 bytes
    for _ in range(3):
        code += [*a.li(10, D + 32), a.i("addi", 17, 0, 1), asm.ECALL]
    code += [a.i("addi", 10, 8, 0), a.i("addi", 11, 0, 0), a.i("addi", 17, 0, 2), asm.ECALL]
    code += [a.i("addi", 17, 0, 3), asm.ECALL]
    code += [a.i("addi", 10, 0, 42)]
    return code


@pytest.fixture(scope="module")
def wit() -> zm.MachineWitness:
    res = run_program(every_instruction(), inp=b"\x01\x02\x03\x04\x05\x06")
    assert res.exit_code == 42
    return witness(res)


def test_every_instruction_satisfies_the_machine(wit: zm.MachineWitness) -> None:
    assert problems(wit) == []
    cpu = wit.traces[zm.CORE_TABLES.index("cpu")]
    ops = set(cpu[:, C["alu_op"]].tolist()) - {0}
    assert ops == {int(o) for o in AluOp}
    for flag in ("ld_b", "ld_h", "ld_w", "st_b", "st_h", "st_w", "sx_b", "sx_h", "f_jal"):
        assert cpu[:, C[flag]].any(), flag
    for e in ("e_halt", "e_read", "e_commit", "e_log"):
        assert cpu[:, C[e]].any(), e
    for k in range(4):
        assert cpu[:, C[f"s{k}"]].any()
    br = cpu[:, C["f_branch"]] == 1
    assert cpu[br, C["taken"]].any() and not cpu[br, C["taken"]].all()
    assert wit.public[zm.PUB_EXIT : zm.PUB_EXIT + 4] == [42, 0, 0, 0]


def test_core_tables_cover_every_column(wit: zm.MachineWitness) -> None:
    """Every cell of every core table is pinned: mutating it breaks a constraint or a bus."""
    assert coverage_escapes(wit, list(zm.CORE_TABLES), samples=3) == []


def test_cycle_bound_is_enforced_before_proving() -> None:
    with pytest.raises(zm.CycleBoundError, match="at most"):
        zm.check_cycles(zm.MAX_CYCLES + 1)
    zm.check_cycles(zm.MAX_CYCLES)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_read_counts(n: int) -> None:
    """READ at the end of input: counts 4, then n - 4 or 0 (zero padded words)."""
    code = []
    for _ in range(3):
        code += [*asm.li(10, D), asm.i("addi", 17, 0, 1), asm.ECALL]
    w = witness(run_program(code, inp=bytes(range(1, n + 1))))
    assert problems(w) == []


def test_program_table_excludes_illegal_words() -> None:
    from zkrv_prover.zkvm.program import F, program_table

    res = run_program([asm.i("addi", 10, 0, 1)])
    pt = program_table(res.image)
    pcs = set(pt[pt[:, F["f_pad"]] == 0, F["pc"]].tolist())
    assert asm.CODE in pcs
    # the rest of the code page holds zero words: illegal, so no rows for them
    assert asm.CODE + 0xFFC not in pcs
    assert np.count_nonzero(pt[:, -1]) == 1  # exactly one entry row


def test_height_caps_keep_lookups_below_p(wit: zm.MachineWitness) -> None:
    """LogUp soundness: with every table at its maximum height and every interaction firing on
    every row, the total multiplicity of any tuple stays below p; timestamps stay below 2^24."""
    from zkrv_prover.stark.air import P_BB

    caps = zm.height_caps(wit.layouts)
    total = sum(len(lay.interactions) << cap for lay, cap in zip(wit.layouts, caps, strict=True))
    assert total < P_BB
    assert 4 * zm.MAX_CYCLES + 1 < 1 << 24
    heights = [t.shape[0].bit_length() - 1 for t in wit.traces]
    zm.check_heights(wit.layouts, heights)
    with pytest.raises(ValueError, match="cpu"):
        zm.check_heights(
            wit.layouts,
            [c + (lay.air.name == "cpu") for lay, c in zip(wit.layouts, caps, strict=True)],
        )
