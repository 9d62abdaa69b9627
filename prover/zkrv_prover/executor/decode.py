"""RV32IM instruction decoding: one 32-bit word -> :class:`Instr`, strictly.

Every encoding the RV32I base ISA and the M extension define is accepted; everything else is
illegal (raises :class:`IllegalInstructionError`), including compressed (16-bit) encodings, CSR and
privileged SYSTEM instructions, FENCE.I and shift immediates with bit 25 set. FENCE accepts any
predecessor/successor/fm/rs1/rd fields (the spec says implementations ignore them) and is a no-op.
"""

from __future__ import annotations

from typing import NamedTuple

from zkrv_prover.executor.errors import IllegalInstructionError


class Instr(NamedTuple):
    """A decoded instruction.

    ``imm`` is the sign-extended immediate as a Python int (for LUI/AUIPC it is already shifted
    left by 12, i.e. the value added). Register fields an instruction does not use are 0.
    """

    op: str
    rd: int
    rs1: int
    rs2: int
    imm: int
    word: int


_BRANCH = {0: "beq", 1: "bne", 4: "blt", 5: "bge", 6: "bltu", 7: "bgeu"}
_LOAD = {0: "lb", 1: "lh", 2: "lw", 4: "lbu", 5: "lhu"}
_STORE = {0: "sb", 1: "sh", 2: "sw"}
_OPIMM = {0: "addi", 2: "slti", 3: "sltiu", 4: "xori", 6: "ori", 7: "andi"}
_OP = {
    (0x00, 0): "add",
    (0x20, 0): "sub",
    (0x00, 1): "sll",
    (0x00, 2): "slt",
    (0x00, 3): "sltu",
    (0x00, 4): "xor",
    (0x00, 5): "srl",
    (0x20, 5): "sra",
    (0x00, 6): "or",
    (0x00, 7): "and",
    (0x01, 0): "mul",
    (0x01, 1): "mulh",
    (0x01, 2): "mulhsu",
    (0x01, 3): "mulhu",
    (0x01, 4): "div",
    (0x01, 5): "divu",
    (0x01, 6): "rem",
    (0x01, 7): "remu",
}

#: Ops that read rs1 / rs2 and write rd (the register slots the trace records).
READS_RS1 = frozenset(
    {"jalr", *_BRANCH.values(), *_LOAD.values(), *_STORE.values(), *_OPIMM.values()}
    | {"slli", "srli", "srai", *_OP.values()}
)
READS_RS2 = frozenset({*_BRANCH.values(), *_STORE.values(), *_OP.values()})
WRITES_RD = frozenset(
    {"lui", "auipc", "jal", "jalr", *_LOAD.values(), *_OPIMM.values(), "slli", "srli", "srai"}
    | set(_OP.values())
)
LOADS = frozenset(_LOAD.values())
STORES = frozenset(_STORE.values())
BRANCHES = frozenset(_BRANCH.values())
#: Access width in bytes of each load/store op.
WIDTH = {"lb": 1, "lbu": 1, "sb": 1, "lh": 2, "lhu": 2, "sh": 2, "lw": 4, "sw": 4}


def _sext(value: int, bits: int) -> int:
    sign = 1 << (bits - 1)
    return (value & (sign - 1)) - (value & sign)


def decode(word: int, pc: int = 0) -> Instr:
    """Decode ``word``; raise :class:`IllegalInstructionError` naming ``pc`` if not RV32IM."""
    if not 0 <= word <= 0xFFFFFFFF:
        raise ValueError(f"instruction word out of range: {word}")
    opcode = word & 0x7F
    rd = (word >> 7) & 0x1F
    f3 = (word >> 12) & 7
    rs1 = (word >> 15) & 0x1F
    rs2 = (word >> 20) & 0x1F
    f7 = word >> 25
    imm_i = _sext(word >> 20, 12)
    if opcode == 0x37:
        return Instr("lui", rd, 0, 0, _sext(word & 0xFFFFF000, 32), word)
    if opcode == 0x17:
        return Instr("auipc", rd, 0, 0, _sext(word & 0xFFFFF000, 32), word)
    if opcode == 0x6F:
        imm = (
            ((word >> 31) << 20)
            | (((word >> 21) & 0x3FF) << 1)
            | (((word >> 20) & 1) << 11)
            | (((word >> 12) & 0xFF) << 12)
        )
        return Instr("jal", rd, 0, 0, _sext(imm, 21), word)
    if opcode == 0x67 and f3 == 0:
        return Instr("jalr", rd, rs1, 0, imm_i, word)
    if opcode == 0x63 and f3 in _BRANCH:
        imm = (
            ((word >> 31) << 12)
            | (((word >> 25) & 0x3F) << 5)
            | (((word >> 8) & 0xF) << 1)
            | (((word >> 7) & 1) << 11)
        )
        return Instr(_BRANCH[f3], 0, rs1, rs2, _sext(imm, 13), word)
    if opcode == 0x03 and f3 in _LOAD:
        return Instr(_LOAD[f3], rd, rs1, 0, imm_i, word)
    if opcode == 0x23 and f3 in _STORE:
        imm = ((word >> 25) << 5) | ((word >> 7) & 0x1F)
        return Instr(_STORE[f3], 0, rs1, rs2, _sext(imm, 12), word)
    if opcode == 0x13:
        if f3 in _OPIMM:
            return Instr(_OPIMM[f3], rd, rs1, 0, imm_i, word)
        if f3 == 1 and f7 == 0:
            return Instr("slli", rd, rs1, 0, rs2, word)
        if f3 == 5 and f7 == 0:
            return Instr("srli", rd, rs1, 0, rs2, word)
        if f3 == 5 and f7 == 0x20:
            return Instr("srai", rd, rs1, 0, rs2, word)
    if opcode == 0x33 and (f7, f3) in _OP:
        return Instr(_OP[(f7, f3)], rd, rs1, rs2, 0, word)
    if opcode == 0x0F and f3 == 0:
        return Instr("fence", 0, 0, 0, 0, word)
    if opcode == 0x73:
        if word == 0x00000073:
            return Instr("ecall", 0, 0, 0, 0, word)
        if word == 0x00100073:
            return Instr("ebreak", 0, 0, 0, 0, word)
        raise IllegalInstructionError(pc, word, "illegal instruction (no CSR/privileged support)")
    raise IllegalInstructionError(pc, word)
