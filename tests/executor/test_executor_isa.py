"""Per-instruction RV32IM tests on hand-encoded words: every edge case the spec defines, in both
the fast and the traced mode (``executor_asm.run`` checks they agree and checks the trace)."""

from __future__ import annotations

import pytest
from executor_asm import DATA, EBREAK, ECALL, HALT_LEN, b, i, image, jal, li, r, run, s, u

from zkrv_prover.executor import IllegalInstructionError, MemoryFaultError, TrapError, execute
from zkrv_prover.executor.decode import decode

M = 0xFFFFFFFF
MIN = 0x80000000


def _rr(op: str, a: int, bb: int) -> int:
    res = run([*li(5, a), *li(6, bb), r(op, 7, 5, 6)])
    return res.registers[7]


# (op, rs1, rs2, expected) with expected values taken from the spec's definitions.
RR_CASES = [
    ("add", 1, 2, 3),
    ("add", M, 1, 0),
    ("add", MIN, MIN, 0),
    ("sub", 0, 1, M),
    ("sub", MIN, 1, 0x7FFFFFFF),
    ("sll", 1, 31, MIN),
    ("sll", 1, 32, 1),  # shift amount masked to 5 bits
    ("sll", 3, 0xFFFFFFE1, 6),
    ("srl", MIN, 31, 1),
    ("srl", MIN, 33, 0x40000000),
    ("sra", MIN, 31, M),
    ("sra", MIN, 4, 0xF8000000),
    ("sra", 0x7FFFFFFF, 36, 0x07FFFFFF),
    ("slt", M, 0, 1),
    ("slt", 0, M, 0),
    ("slt", MIN, 0x7FFFFFFF, 1),
    ("slt", 5, 5, 0),
    ("sltu", M, 0, 0),
    ("sltu", 0, M, 1),
    ("xor", 0xF0F0F0F0, 0xFF00FF00, 0x0FF00FF0),
    ("or", 0xF0F0F0F0, 0x0F000000, 0xFFF0F0F0),
    ("and", 0xF0F0F0F0, 0xFF00FF00, 0xF000F000),
    ("mul", 0x10000, 0x10000, 0),
    ("mul", M, M, 1),
    ("mul", 123456789, 987654321, (123456789 * 987654321) & M),
    ("mulh", M, M, 0),  # (-1)*(-1) = 1
    ("mulh", MIN, MIN, 0x40000000),
    ("mulh", MIN, 1, M),
    ("mulh", 0x7FFFFFFF, 0x7FFFFFFF, 0x3FFFFFFF),
    ("mulhsu", M, M, M),  # -1 * (2^32-1) = -(2^32-1): high word 0xFFFFFFFF
    ("mulhsu", MIN, M, 0x80000000),  # -2^31 * (2^32-1)
    ("mulhsu", 1, M, 0),
    ("mulhu", M, M, 0xFFFFFFFE),
    ("mulhu", MIN, 2, 1),
    ("div", 7, 2, 3),
    ("div", (-7) & M, 2, (-3) & M),  # truncates toward zero
    ("div", 7, (-2) & M, (-3) & M),
    ("div", (-7) & M, (-2) & M, 3),
    ("div", 5, 0, M),  # division by zero: all ones
    ("div", MIN, M, MIN),  # overflow: -2^31 / -1 = -2^31
    ("divu", 7, 2, 3),
    ("divu", M, 0, M),
    ("divu", MIN, M, 0),
    ("rem", 7, 2, 1),
    ("rem", (-7) & M, 2, (-1) & M),  # sign of the dividend
    ("rem", 7, (-2) & M, 1),
    ("rem", 5, 0, 5),  # remainder by zero: the dividend
    ("rem", MIN, M, 0),  # overflow: remainder 0
    ("remu", 7, 2, 1),
    ("remu", M, 0, M),
    ("remu", MIN, 3, 2),
]


@pytest.mark.parametrize(("op", "a", "bb", "want"), RR_CASES)
def test_register_register_ops(op: str, a: int, bb: int, want: int) -> None:
    assert _rr(op, a, bb) == want


IMM_CASES = [
    ("addi", 5, -1, 4),
    ("addi", 0, -2048, (-2048) & M),
    ("addi", M, 1, 0),
    ("slti", M, 0, 1),
    ("slti", 0, -1, 0),
    ("sltiu", 0, -1, 1),  # immediate sign-extended then compared unsigned
    ("sltiu", M, -1, 0),
    ("sltiu", 1, 1, 0),
    ("xori", 0x12345678, -1, (~0x12345678) & M),
    ("ori", 0x10000, 0x7FF, 0x107FF),
    ("andi", M, -16, 0xFFFFFFF0),
    ("slli", 1, 31, MIN),
    ("srli", MIN, 31, 1),
    ("srai", MIN, 31, M),
    ("srai", 0x40000000, 30, 1),
]


@pytest.mark.parametrize(("op", "a", "imm", "want"), IMM_CASES)
def test_register_immediate_ops(op: str, a: int, imm: int, want: int) -> None:
    res = run([*li(5, a), i(op, 7, 5, imm)])
    assert res.registers[7] == want


def test_x0_is_hardwired() -> None:
    res = run([i("addi", 0, 0, 5), *li(5, 7), r("add", 0, 5, 5), r("add", 6, 0, 5), u("lui", 0, 1)])
    assert res.registers[0] == 0 and res.registers[6] == 7


def test_lui_auipc() -> None:
    res = run([u("lui", 5, 0xFFFFF), u("auipc", 6, 0x1), u("auipc", 7, 0xFFFFF)])
    assert res.registers[5] == 0xFFFFF000
    assert res.registers[6] == 0x10004 + 0x1000
    assert res.registers[7] == (0x10008 - 0x1000) & M


def test_jal_jalr_link_and_clear_bit0() -> None:
    code = [
        jal(1, 8),  # 0x10000 -> 0x10008, ra = 0x10004
        i("addi", 5, 0, 99),  # skipped
        *li(6, 0x10019),  # 0x10008, 0x1000c: odd target; JALR clears bit 0 -> 0x10018
        i("jalr", 7, 6, 0),  # 0x10010
        i("addi", 5, 0, 98),  # 0x10014 skipped
        i("addi", 8, 0, 1),  # 0x10018
    ]
    res = run(code)
    assert res.registers[1] == 0x10004 and res.registers[7] == 0x10014
    assert res.registers[5] == 0 and res.registers[8] == 1


def test_jalr_rd_equals_rs1_uses_old_value() -> None:
    res = run([*li(5, 0x1000C), i("jalr", 5, 5, 0), i("addi", 6, 0, 1)])
    assert res.registers[5] == 0x1000C and res.registers[6] == 1


@pytest.mark.parametrize(
    ("op", "a", "bb", "taken"),
    [
        ("beq", 3, 3, True),
        ("beq", 3, 4, False),
        ("bne", 3, 4, True),
        ("blt", M, 0, True),
        ("blt", 0, M, False),
        ("bge", 0, M, True),
        ("bge", 5, 5, True),
        ("bltu", 0, M, True),
        ("bltu", M, 0, False),
        ("bgeu", M, 0, True),
        ("bgeu", 4, 5, False),
    ],
)
def test_branches(op: str, a: int, bb: int, taken: bool) -> None:
    code = [*li(5, a), *li(6, bb), b(op, 5, 6, 8), i("addi", 7, 0, 1), i("addi", 8, 0, 1)]
    res = run(code)
    assert res.registers[7] == (0 if taken else 1) and res.registers[8] == 1


def test_backward_branch_loop() -> None:
    # x5 = 10; loop: x6 += x5; x5 -= 1; bne x5, x0, loop
    code = [i("addi", 5, 0, 10), r("add", 6, 6, 5), i("addi", 5, 5, -1), b("bne", 5, 0, -8)]
    res = run(code)
    assert res.registers[6] == 55
    assert res.cycles == 1 + 3 * 10 + HALT_LEN  # plus the HALT sequence


def test_loads_sign_and_zero_extend() -> None:
    data = {DATA: 0x8081F2F3, DATA + 4: 0x7F017FFF}
    code = [*li(5, DATA)]
    loads = [
        ("lb", 0, 0xFFFFFFF3),
        ("lbu", 0, 0xF3),
        ("lb", 3, 0xFFFFFF80),
        ("lbu", 2, 0x81),
        ("lh", 0, 0xFFFFF2F3),
        ("lhu", 0, 0xF2F3),
        ("lh", 2, 0xFFFF8081),
        ("lhu", 2, 0x8081),
        ("lw", 0, 0x8081F2F3),
        ("lh", 4, 0x7FFF),
        ("lb", 7, 0x7F),
    ]
    for k, (op, off, _) in enumerate(loads):
        code.append(i(op, 18 + k, 5, off))
    res = run(code, data)
    for k, (_, _, want) in enumerate(loads):
        assert res.registers[18 + k] == want, loads[k]


def test_stores_all_widths() -> None:
    code = [
        *li(5, DATA),
        *li(6, 0xA1B2C3D4),
        s("sw", 6, 5, 0),
        s("sh", 6, 5, 4),
        s("sh", 6, 5, 10),
        s("sb", 6, 5, 13),
        s("sb", 6, 5, 12),
        i("lw", 7, 5, 0),
        i("lw", 8, 5, 4),
        i("lw", 9, 5, 8),
        i("lw", 10, 5, 12),
    ]
    res = run(code)
    assert res.registers[7:11] == [0xA1B2C3D4, 0x0000C3D4, 0xC3D40000, 0x0000D4D4]


def test_negative_offsets_and_load_to_x0() -> None:
    code = [*li(5, DATA + 8), *li(6, 42), s("sw", 6, 5, -8), i("lw", 0, 5, -8), i("lw", 7, 5, -8)]
    res = run(code)
    assert res.registers[0] == 0 and res.registers[7] == 42


def test_fence_is_noop() -> None:
    res = run([0x0FF0000F, 0x8330000F, i("addi", 5, 0, 3)])  # fence iorw,iorw; fence.tso
    assert res.registers[5] == 3


@pytest.mark.parametrize(
    ("op", "off", "what"),
    [
        ("lw", 2, "misaligned 4-byte load"),
        ("lh", 1, "misaligned 2-byte load"),
        ("lhu", 3, "misaligned 2-byte load"),
        ("sw", 1, "misaligned 4-byte store"),
        ("sh", 3, "misaligned 2-byte store"),
    ],
)
def test_misaligned_access_traps(op: str, off: int, what: str) -> None:
    code = [*li(5, DATA), s(op, 0, 5, off) if op.startswith("s") else i(op, 6, 5, off)]
    with pytest.raises(MemoryFaultError, match=what) as e:
        run(code)
    assert e.value.pc == 0x10008 and e.value.address == DATA + off
    assert f"0x{DATA + off:08x}" in str(e.value) and "pc 0x00010008" in str(e.value)


@pytest.mark.parametrize(
    ("addr", "op", "what"),
    [
        (0, "lw", "load outside the memory map"),
        (0xFFFC, "lb", "load outside the memory map"),
        (0x0C000000, "lw", "load outside the memory map"),
        (0xFFFFFFFC, "lw", "load outside the memory map"),
        (0x8, "sw", "store outside the memory map"),
        (0x0C000000, "sb", "store outside the memory map"),
        (0x10000, "sw", "store to a read-only code page"),
        (0x10FFF, "sb", "store to a read-only code page"),
    ],
)
def test_out_of_map_access_traps(addr: int, op: str, what: str) -> None:
    code = [*li(5, addr), s(op, 0, 5, 0) if op.startswith("s") else i(op, 6, 5, 0)]
    with pytest.raises(MemoryFaultError, match=what) as e:
        run(code)
    assert e.value.address == addr


def test_edges_of_ram_are_accessible() -> None:
    code = [*li(5, 0x0BFFFFFC), *li(6, 7), s("sw", 6, 5, 0), i("lbu", 7, 5, 0), *li(8, 0x10000)]
    code += [i("lw", 9, 8, 0)]  # loads from code pages are allowed
    res = run(code)
    assert res.registers[7] == 7 and res.registers[9] == li(5, 0x0BFFFFFC)[0]


@pytest.mark.parametrize(
    "word",
    [
        0x00000000,  # defined illegal
        0xFFFFFFFF,
        0x00000001,  # compressed encoding space
        0x02005013 | (1 << 25),  # srli with bit 25 set (RV64 shamt)
        0x40001013,  # slli with funct7 0x20
        0x0000100F,  # fence.i (Zifencei not implemented)
        0x00002073,  # csrr (Zicsr not implemented)
        0x30200073,  # mret
        0x10500073,  # wfi
        0x04000033,  # R-type funct7 0x02
        0x00003003,  # ld (RV64)
        0x00003023,  # sd (RV64)
        0x00001067,  # jalr funct3 1
        0x00002063,  # branch funct3 2
        0x0000001B,  # addiw (RV64)
    ],
)
def test_illegal_instructions_trap(word: int) -> None:
    with pytest.raises(IllegalInstructionError) as e:
        run([i("addi", 5, 0, 1), word])
    assert e.value.pc == 0x10004 and f"0x{word:08x}" in str(e.value)


def test_illegal_word_after_jump_is_not_executed() -> None:
    res = run([jal(0, 8), 0xFFFFFFFF, i("addi", 5, 0, 1)])
    assert res.registers[5] == 1


def test_ebreak_traps() -> None:
    with pytest.raises(TrapError, match="EBREAK") as e:
        run([i("addi", 5, 0, 1), EBREAK])
    assert e.value.pc == 0x10004


def test_misaligned_jump_target_traps_at_the_jump() -> None:
    with pytest.raises(MemoryFaultError, match="misaligned jump target") as e:
        run([*li(5, 0x10012), i("jalr", 1, 5, 0)])
    assert e.value.pc == 0x10008 and e.value.address == 0x10012


def test_jump_outside_code_traps_at_the_target() -> None:
    with pytest.raises(MemoryFaultError, match="instruction fetch outside code pages") as e:
        run([*li(5, DATA), i("jalr", 0, 5, 0)])
    assert e.value.pc == DATA and e.value.address == DATA


def test_running_off_the_code_page_traps() -> None:
    img = image([jal(0, 0xFFC)] + [0] * 0x3FE + [i("addi", 5, 0, 1)])
    with pytest.raises(MemoryFaultError, match="instruction fetch outside code pages") as e:
        execute(img)
    assert e.value.pc == 0x11000


def test_decoder_immediates_roundtrip() -> None:
    for off in (-4096, -2, 2, 4094):
        assert decode(b("beq", 1, 2, off)).imm == off
    for off in (-(1 << 20), -2, 2, (1 << 20) - 2):
        assert decode(jal(1, off)).imm == off
    for imm in (-2048, -1, 0, 2047):
        assert decode(s("sw", 1, 2, imm)).imm == imm
        assert decode(i("addi", 1, 2, imm)).imm == imm
    assert decode(ECALL).op == "ecall"
