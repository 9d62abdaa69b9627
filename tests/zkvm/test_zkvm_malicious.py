"""Malicious-prover tests at the constraint level: executor traces mutated after execution (the
other tables then regenerated to serve the mutated lookups, as a cheating prover would) must
violate a constraint or unbalance a bus. ``test_zkvm_prove.py`` repeats a selection through the
real prover and verifier."""

from __future__ import annotations

import numpy as np
import pytest
from zkvm_util import asm, core_copy, problems, run_program, witness

from zkrv_prover.zkvm import machine as zm
from zkrv_prover.zkvm.cpu import C
from zkrv_prover.zkvm.memory import M_IMG, M_V, M_W, M_WR

CPU = zm.CORE_TABLES.index("cpu")
MEM = zm.CORE_TABLES.index("memory")
D = asm.DATA


def program() -> list[int]:
    a = asm
    return [
        *a.li(5, 0x1234_80F6),
        *a.li(8, D),
        a.s("sw", 5, 8, 0),  # store
        a.i("lb", 6, 8, 0),  # sign-extending load (0xF6 -> negative)
        a.i("lhu", 7, 8, 2),
        a.r("add", 9, 6, 7),
        a.b("beq", 9, 0, 8),  # not taken
        a.i("addi", 10, 0, 1),
        a.b("bne", 9, 0, 8),  # taken: skips next
        a.i("addi", 10, 10, 5),
        *a.li(11, D + 64),
        a.i("addi", 17, 0, 1),
        a.i("addi", 10, 11, 0),
        asm.ECALL,  # READ into D + 64
        a.i("lw", 12, 11, 0),
        a.i("addi", 10, 0, 7),
    ]


@pytest.fixture(scope="module")
def wit() -> zm.MachineWitness:
    return witness(run_program(program(), inp=b"\xaa\xbb\xcc\xdd"))


def rows_where(w: zm.MachineWitness, **flags: int) -> np.ndarray:
    cpu = w.traces[CPU]
    sel = np.ones(cpu.shape[0], dtype=bool)
    for k, v in flags.items():
        sel &= cpu[:, C[k]] == v
    return np.flatnonzero(sel)


def caught(w: zm.MachineWitness, core: list[np.ndarray], public: list[int] | None = None) -> bool:
    return bool(problems(w, core, public))


def test_honest_witness_passes(wit: zm.MachineWitness) -> None:
    assert problems(wit) == []
    # regenerating the peripheral tables from unmodified core traces changes nothing, so the
    # tests below fail because of their mutation only
    assert problems(wit, core_copy(wit)) == []


def test_register_value(wit: zm.MachineWitness) -> None:
    row = int(rows_where(wit, f_rs1=1, f_alu=1)[3])
    core = core_copy(wit)
    core[CPU][row, C["r1_0"]] ^= 1
    assert caught(wit, core)


def test_rd_value_with_matching_alu_column(wit: zm.MachineWitness) -> None:
    """Write a wrong ALU result to rd and claim the ALU produced it."""
    row = int(rows_where(wit, r_alu=1, f_rd=1)[2])
    core = core_copy(wit)
    core[CPU][row, C["rn_0"]] = (int(core[CPU][row, C["rn_0"]]) + 1) % 256
    core[CPU][row, C["alu_0"]] = core[CPU][row, C["rn_0"]]
    assert caught(wit, core)


def test_memory_value(wit: zm.MachineWitness) -> None:
    """A load returning a value memory never held (consistent inside the row)."""
    row = int(rows_where(wit, ld_w=1)[0])
    core = core_copy(wit)
    for col in ("mp_0", "mn_0", "lbv", "rn_0"):
        core[CPU][row, C[col]] = (int(core[CPU][row, C[col]]) + 1) % 256
    assert caught(wit, core)


def test_load_sign_extension(wit: zm.MachineWitness) -> None:
    """LB of 0xF6 claimed zero-extended."""
    row = int(rows_where(wit, sx_b=1)[0])
    core = core_copy(wit)
    assert core[CPU][row, C["sign"]] == 1
    core[CPU][row, C["sign"]] = 0
    for j in (1, 2, 3):
        core[CPU][row, C[f"rn_{j}"]] = 0
    assert caught(wit, core)


def test_load_byte_offset(wit: zm.MachineWitness) -> None:
    """LHU claiming the other halfword of the word."""
    row = int(rows_where(wit, ld_h=1)[0])
    core = core_copy(wit)
    c = core[CPU]
    assert c[row, C["s2"]] == 1
    c[row, C["s2"]], c[row, C["s0"]] = 0, 1
    c[row, C["lbv"]], c[row, C["hbv"]] = c[row, C["mp_0"]], c[row, C["mp_1"]]
    c[row, C["rn_0"]], c[row, C["rn_1"]] = c[row, C["mp_0"]], c[row, C["mp_1"]]
    assert caught(wit, core)


def test_skipped_instruction(wit: zm.MachineWitness) -> None:
    core = core_copy(wit)
    c = core[CPU]
    keep = np.delete(np.arange(c.shape[0]), 4)
    c2 = np.concatenate([c[keep], c[-1:]])  # repeat the last (pad) row to keep the height
    c2[:, C["clk"]] = np.arange(c2.shape[0])
    core[CPU] = c2
    assert caught(wit, core)


def test_reordered_instructions(wit: zm.MachineWitness) -> None:
    core = core_copy(wit)
    c = core[CPU]
    c[[5, 6]] = c[[6, 5]]
    c[5, C["clk"]], c[6, C["clk"]] = 5, 6
    assert caught(wit, core)


def test_wrong_branch_direction(wit: zm.MachineWitness) -> None:
    """A taken branch claimed not taken (the following rows keep their pcs)."""
    row = int(rows_where(wit, f_branch=1, taken=1)[0])
    core = core_copy(wit)
    core[CPU][row, C["taken"]] = 0
    core[CPU][row, C["cond"]] ^= 1
    assert caught(wit, core)


def test_wrong_branch_target(wit: zm.MachineWitness) -> None:
    """Execution continues at a different (legal) pc after a branch."""
    row = int(rows_where(wit, f_branch=1, taken=1)[0])
    core = core_copy(wit)
    core[CPU][row + 1, C["pc"]] += 4
    assert caught(wit, core)


@pytest.mark.parametrize("index", [0, 17, 31, zm.PUB_EXIT, zm.PUB_EXIT + 3])
def test_wrong_journal_digest_or_exit_code(wit: zm.MachineWitness, index: int) -> None:
    pub = list(wit.public)
    pub[index] ^= 1
    assert caught(wit, core_copy(wit), pub)


def test_forged_memory_init(wit: zm.MachineWitness) -> None:
    """An image word's initial value changed."""
    core = core_copy(wit)
    m = core[MEM]
    row = int(np.flatnonzero(m[:, M_IMG] == 1)[0])
    m[row, M_V] = (int(m[row, M_V]) + 1) % 256
    assert caught(wit, core)


def test_image_word_claimed_fresh(wit: zm.MachineWitness) -> None:
    """An image word's row relabelled as a zero-initialised word."""
    core = core_copy(wit)
    m = core[MEM]
    row = int(np.flatnonzero((m[:, M_IMG] == 1) & (m[:, M_WR] == 1))[0])
    m[row, M_IMG] = 0
    m[row, M_V : M_V + 4] = 0
    assert caught(wit, core)


def test_double_initialisation(wit: zm.MachineWitness) -> None:
    """Two memory rows for the same word (so two independent value chains)."""
    core = core_copy(wit)
    m = core[MEM]
    valid = int(m[:, 0].sum())
    assert valid < m.shape[0]
    m[valid] = m[valid - 1]
    m[valid, M_W] = m[valid - 1, M_W]
    assert caught(wit, core)


def test_store_to_code_page(wit: zm.MachineWitness) -> None:
    """A store claims its word is writable although it lies in a code page: the memory table
    says read-only (a code word's writability cannot be relabelled)."""
    core = core_copy(wit)
    m = core[MEM]
    row = int(np.flatnonzero((m[:, M_IMG] == 1) & (m[:, M_WR] == 0))[0])
    m[row, M_WR] = 1
    assert caught(wit, core)


def test_read_input_not_bytes(wit: zm.MachineWitness) -> None:
    row = int(rows_where(wit, e_read=1)[0])
    core = core_copy(wit)
    core[CPU][row, C["mn_0"]] += 256
    assert caught(wit, core)


def test_halt_exit_code_from_register(wit: zm.MachineWitness) -> None:
    """Claiming another exit code consistently in public values and the HALT row's a0."""
    row = int(rows_where(wit, e_halt=1)[0])
    core = core_copy(wit)
    core[CPU][row, C["r1_0"]] = 8
    pub = list(wit.public)
    pub[zm.PUB_EXIT] = 8
    assert caught(wit, core, pub)


@pytest.mark.parametrize("unary", [(1, 1, 0, 0), (1, 0, 1, 0)])
def test_read_count_and_padding(wit: zm.MachineWitness, unary: tuple[int, ...]) -> None:
    """A READ of 4 input bytes claimed to have read 2 (bytes past the count must be zero), and
    a non-monotone unary count."""
    row = int(rows_where(wit, e_read=1)[0])
    core = core_copy(wit)
    c = core[CPU]
    assert c[row, C["rn_0"]] == 4
    for j in range(4):
        c[row, C[f"rc{j}"]] = unary[j]
    c[row, C["rn_0"]] = 2
    assert caught(wit, core)
