"""The zkVM machine on real executor traces: every RV32IM instruction and ECALL satisfies the
constraints (debug checker), and every column of the core tables is covered."""

from __future__ import annotations

import numpy as np
import pytest
from zkvm_util import D, asm, coverage_escapes, every_instruction, problems, run_program, witness

from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm.buses import AluOp
from zkrv_prover.zkvm.cpu import C


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
    for e in ("e_halt", "e_read", "e_commit", "e_log", "e_sha"):
        assert cpu[:, C[e]].any(), e
    for k in range(4):
        assert cpu[:, C[f"s{k}"]].any()
    br = cpu[:, C["f_branch"]] == 1
    assert cpu[br, C["taken"]].any() and not cpu[br, C["taken"]].all()
    assert wit.public[zm.PUB_EXIT : zm.PUB_EXIT + 4] == [42, 0, 0, 0]


def test_core_tables_cover_every_column(wit: zm.MachineWitness) -> None:
    """Every cell of every core table is pinned: mutating it breaks a constraint or a bus. The
    precompile tables (here without real calls: one inactive sha256 block, unused modmul256 and
    keccak_f tables) have their own, faster windowed checks on real calls in
    ``test_zkvm_sha256.py``, ``test_zkvm_modmul256.py`` and ``test_zkvm_keccak_machine.py``."""
    tables = [t for t in zm.CORE_TABLES if t not in ("sha256", "modmul256", "keccak_f")]
    assert coverage_escapes(wit, tables, samples=3) == []


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
    from zkrv_prover.stark.air.air import P_BB

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
