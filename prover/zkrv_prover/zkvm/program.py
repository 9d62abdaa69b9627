"""The preprocessed program table: every decodable instruction of the image's code pages.

One row per 4-byte word of a code page that the executor's strict decoder accepts (EBREAK
excluded: it always traps), plus one *pad* row at pc 0 that the CPU's padding rows execute.
The columns are the decoded fields the CPU needs (:data:`FIELDS`), computed offline with the
executor's own decoder; the table is preprocessed, so it is part of the verifying key and bound by
the image ID. The CPU looks every row's pc up on ``BUS_PROGRAM`` with the full tuple of fields, so
a proven execution can only run instructions of this table, decoded exactly as listed here.

Illegal words, data in code pages and addresses outside code pages have no row: executing them
(a trap in the executor) cannot be proven. The table's own main column counts executions.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkrv_prover.executor.decode import LOADS, READS_RS1, READS_RS2, STORES, WRITES_RD, decode
from zkrv_prover.executor.errors import IllegalInstructionError
from zkrv_prover.executor.image import MemoryImage
from zkrv_prover.stark.air.air import P_BB, Air, AirBuilder
from zkrv_prover.zkvm.buses import BUS_ENTRY, BUS_PROGRAM, AluOp

U32 = npt.NDArray[np.uint32]

#: Decoded fields, in BUS_PROGRAM tuple order (the CPU copies each into a column of its own).
#: pc: the instruction's address (field element); pb*: pc as bytes; lk*: pc + 4 as bytes (the
#: JAL/JALR link value); imm: the immediate as a field element (negative ones as p - |imm|);
#: ib*: the immediate as 32-bit two's-complement bytes; rs1/rs2/rd: register indices.
#: Flags (0/1): f_rs1/f_rs2: read the register (and it is not x0); f_rd: write rd (not x0);
#: f_alu: send (alu_op, out, b, c) on BUS_ALU with b = pc bytes if f_auipc else rs1 and
#: c = imm bytes if f_imm else rs2; r_alu/r_imm/r_link: rd takes the ALU result / the immediate
#: (LUI) / the link value; f_branch with f_beq (condition = rs1 == rs2 via SUB, else the SLT/SLTU
#: result) and f_neg (branch on the negated condition); f_jal/f_jalr; ld_b/ld_h/ld_w,
#: st_b/st_h/st_w; sx_b/sx_h: sign-extend (LB, LH); f_ecall; f_pad (the pad row only).
FIELDS: tuple[str, ...] = (
    "pc",
    "pb0",
    "pb1",
    "pb2",
    "pb3",
    "lk0",
    "lk1",
    "lk2",
    "lk3",
    "imm",
    "ib0",
    "ib1",
    "ib2",
    "ib3",
    "rs1",
    "rs2",
    "rd",
    "f_rs1",
    "f_rs2",
    "f_rd",
    "alu_op",
    "f_alu",
    "f_imm",
    "f_auipc",
    "r_alu",
    "r_imm",
    "r_link",
    "f_branch",
    "f_beq",
    "f_neg",
    "f_jal",
    "f_jalr",
    "ld_b",
    "ld_h",
    "ld_w",
    "st_b",
    "st_h",
    "st_w",
    "sx_b",
    "sx_h",
    "f_ecall",
    "f_pad",
)
F = {name: i for i, name in enumerate(FIELDS)}
#: Preprocessed layout: the fields, then ``is_entry`` (1 on the entry instruction's row only).
PRE_WIDTH = len(FIELDS) + 1
COL_IS_ENTRY = len(FIELDS)

#: Public value ``seg_first`` of the segmented machine (``memory.PUB_SEG_FIRST`` is this one:
#: memory.py imports this module, so the index is defined here).
PUB_SEG_FIRST_INDEX = 37

#: Register indices the CPU's ECALL rows read (a0 for the argument, a7 for the ECALL number).
ECALL_RS1, ECALL_RS2 = 10, 17

_ALU_OPS: dict[str, AluOp] = {
    "add": AluOp.ADD,
    "sub": AluOp.SUB,
    "xor": AluOp.XOR,
    "or": AluOp.OR,
    "and": AluOp.AND,
    "sll": AluOp.SLL,
    "srl": AluOp.SRL,
    "sra": AluOp.SRA,
    "slt": AluOp.SLT,
    "sltu": AluOp.SLTU,
    "mul": AluOp.MUL,
    "mulh": AluOp.MULH,
    "mulhsu": AluOp.MULHSU,
    "mulhu": AluOp.MULHU,
    "div": AluOp.DIV,
    "divu": AluOp.DIVU,
    "rem": AluOp.REM,
    "remu": AluOp.REMU,
    "addi": AluOp.ADD,
    "xori": AluOp.XOR,
    "ori": AluOp.OR,
    "andi": AluOp.AND,
    "slli": AluOp.SLL,
    "srli": AluOp.SRL,
    "srai": AluOp.SRA,
    "slti": AluOp.SLT,
    "sltiu": AluOp.SLTU,
}
_BRANCH_OPS: dict[str, tuple[AluOp, int, int]] = {  # op -> (alu op, f_beq, f_neg)
    "beq": (AluOp.SUB, 1, 0),
    "bne": (AluOp.SUB, 1, 1),
    "blt": (AluOp.SLT, 0, 0),
    "bge": (AluOp.SLT, 0, 1),
    "bltu": (AluOp.SLTU, 0, 0),
    "bgeu": (AluOp.SLTU, 0, 1),
}
_LD = {
    "lb": ("ld_b", "sx_b"),
    "lbu": ("ld_b", None),
    "lh": ("ld_h", "sx_h"),
    "lhu": ("ld_h", None),
    "lw": ("ld_w", None),
}
_ST = {"sb": "st_b", "sh": "st_h", "sw": "st_w"}


def decode_row(pc: int, word: int) -> list[int] | None:
    """The field values (in :data:`FIELDS` order) of the instruction ``word`` at ``pc``, or
    None if the executor would trap on fetching it (illegal encoding or EBREAK)."""
    try:
        ins = decode(word, pc)
    except IllegalInstructionError:
        return None
    if ins.op == "ebreak":
        return None
    r = dict.fromkeys(FIELDS, 0)
    r["pc"] = pc
    for j in range(4):
        r[f"pb{j}"] = (pc >> (8 * j)) & 0xFF
        r[f"lk{j}"] = ((pc + 4) >> (8 * j)) & 0xFF
    imm = ins.imm
    r["imm"] = imm % P_BB
    for j in range(4):
        r[f"ib{j}"] = ((imm & 0xFFFFFFFF) >> (8 * j)) & 0xFF
    op = ins.op
    if op in READS_RS1:
        r["rs1"], r["f_rs1"] = ins.rs1, int(ins.rs1 != 0)
    if op in READS_RS2:
        r["rs2"], r["f_rs2"] = ins.rs2, int(ins.rs2 != 0)
    if op in WRITES_RD:
        r["rd"], r["f_rd"] = ins.rd, int(ins.rd != 0)
    if op in _ALU_OPS:
        r["alu_op"], r["f_alu"], r["r_alu"] = int(_ALU_OPS[op]), 1, 1
        r["f_imm"] = int(op not in READS_RS2)
    elif op == "lui":
        r["r_imm"] = 1
    elif op == "auipc":
        r["alu_op"], r["f_alu"], r["f_imm"], r["f_auipc"], r["r_alu"] = int(AluOp.ADD), 1, 1, 1, 1
    elif op == "jal":
        r["f_jal"], r["r_link"] = 1, 1
    elif op == "jalr":
        r["alu_op"], r["f_alu"], r["f_imm"], r["f_jalr"], r["r_link"] = int(AluOp.ADD), 1, 1, 1, 1
    elif op in _BRANCH_OPS:
        alu, beq, neg = _BRANCH_OPS[op]
        r["alu_op"], r["f_alu"], r["f_branch"], r["f_beq"], r["f_neg"] = int(alu), 1, 1, beq, neg
    elif op in LOADS:
        name, sx = _LD[op]
        r["alu_op"], r["f_alu"], r["f_imm"], r[name] = int(AluOp.ADD), 1, 1, 1
        if sx is not None:
            r[sx] = 1
    elif op in STORES:
        r["alu_op"], r["f_alu"], r["f_imm"], r[_ST[op]] = int(AluOp.ADD), 1, 1, 1
    elif op == "ecall":
        # a0 and a7 are read; the ALU copies a0 (a0 + 0) as READ's store address.
        r["rs1"], r["f_rs1"], r["rs2"], r["f_rs2"] = ECALL_RS1, 1, ECALL_RS2, 1
        r["alu_op"], r["f_alu"], r["f_imm"], r["f_ecall"] = int(AluOp.ADD), 1, 1, 1
    else:
        assert op == "fence", op  # FENCE is a no-op: pc + 4, nothing else
    return [r[name] for name in FIELDS]


def pad_row() -> list[int]:
    """The pad instruction at pc 0: no effects, next pc 0 (see ``docs/zkvm.md``)."""
    r = dict.fromkeys(FIELDS, 0)
    r["f_pad"] = 1
    return [r[name] for name in FIELDS]


def code_words(image: MemoryImage) -> tuple[U32, U32]:
    """Addresses and initial words of every word of every code page (zeros where the image has
    none), in increasing address order."""
    addrs = np.concatenate(
        [np.arange(lo, hi, 4, dtype=np.uint64) for lo, hi in image.code_ranges]
        or [np.zeros(0, dtype=np.uint64)]
    ).astype(np.uint32)
    idx = np.searchsorted(image.addresses, addrs)
    idx_c = np.minimum(idx, max(image.addresses.size - 1, 0))
    has = (idx < image.addresses.size) & (image.addresses[idx_c] == addrs)
    vals = np.where(has, image.values[idx_c], 0).astype(np.uint32)
    return addrs, vals


def program_table(image: MemoryImage) -> U32:
    """The preprocessed program table (height a power of two, width :data:`PRE_WIDTH`): the pad
    row first, then one row per legal instruction of the code pages, then copies of the pad row.

    Runs one Python decode per code word (a one-off per program, not per cycle)."""
    addrs, vals = code_words(image)
    rows = [pad_row()]
    for a, w in zip(addrs.tolist(), vals.tolist(), strict=True):
        row = decode_row(a, w)
        if row is not None:
            rows.append(row)
    n = max(2, 1 << (len(rows) - 1).bit_length())
    rows += [pad_row()] * (n - len(rows))
    table = np.zeros((n, PRE_WIDTH), dtype=np.uint32)
    table[:, : len(FIELDS)] = np.array(rows, dtype=np.uint32)
    entry_rows = np.flatnonzero(table[:, F["pc"]] == image.entry)
    if entry_rows.size != 1 or table[entry_rows[0], F["f_pad"]]:
        raise ValueError(f"entry point 0x{image.entry:08x} is not a legal instruction")
    table[entry_rows[0], COL_IS_ENTRY] = 1
    return table


def lookup_rows(table: U32, pcs: U32) -> npt.NDArray[np.int64]:
    """Row index of each pc in ``table`` (vectorized); raises ``ValueError`` for a pc without
    a legal instruction. pc 0 maps to the pad row."""
    real = table[:, F["f_pad"]] == 0
    tpc = table[real, F["pc"]]
    ridx = np.flatnonzero(real)
    order = np.argsort(tpc, kind="stable")
    tpc_s = tpc[order]
    pos = np.searchsorted(tpc_s, pcs)
    pos_c = np.minimum(pos, max(tpc_s.size - 1, 0))
    found = (pos < tpc_s.size) & (tpc_s[pos_c] == pcs) & (pcs != 0)
    out = np.where(found, ridx[order][pos_c], 0).astype(np.int64)
    bad = ~found & (pcs != 0)
    if bad.any():
        raise ValueError(f"pc 0x{int(pcs[bad][0]):08x} has no legal instruction")
    return out


class ProgramAir(Air):
    """Receives ``(fields...)`` on ``BUS_PROGRAM`` with multiplicity ``count`` (main column: how
    often the row executed) and the entry pc on ``BUS_ENTRY`` once."""

    name = "program"
    main_width = 1
    preprocessed_width = PRE_WIDTH

    def __init__(self, table: U32, segmented: bool = False) -> None:
        if table.ndim != 2 or table.shape[1] != PRE_WIDTH:
            raise ValueError("program table has the wrong shape")
        self._table = table
        #: segmented machine: only the first segment starts at the entry
        self.segmented = segmented

    def eval(self, b: AirBuilder) -> None:
        (count,) = b.main_local
        pre = b.pre_local
        b.receive(BUS_PROGRAM, pre[: len(FIELDS)], count)
        entry = pre[COL_IS_ENTRY]
        if self.segmented:
            entry = entry * b.public[PUB_SEG_FIRST_INDEX]
        b.receive(BUS_ENTRY, [pre[F["pc"]]], entry)

    def preprocessed_trace(self) -> U32:
        return self._table
