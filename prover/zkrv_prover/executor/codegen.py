"""Translate a basic block of RV32IM instructions into Python source.

Why: a per-instruction interpreter in CPython pays a dispatch and a function call per cycle.
Translating each basic block (straight-line code up to a branch, jump, ECALL or EBREAK) into one
Python function keeps registers in local variables for the whole block and lets CPython run the
arithmetic directly. Code pages are read-only (stores there trap), so a translation stays valid
for the whole run.

Generated functions take the register list ``x`` (32 unsigned ints, x[0] == 0) and return the
next pc. They reference these names in their globals (provided by :mod:`machine`): ``W``, ``H``,
``Hs``, ``B``, ``Bs`` (uint32/uint16/int16/uint8/int8 memoryviews of guest memory), ``_fl``/
``_fs`` (raise a load/store fault), ``_div``/``_rem`` (signed M ops), ``_ecall``, ``_ebreak``.

In trace mode a block also appends one tuple per execution to ``REC<id>``: the values the trace
needs (operands read, rd before/after, memory address/words) that are not compile-time constants.
:class:`BlockInfo` records which tuple slot (or constant) feeds which trace column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkrv_prover.executor.abi import RAM_END, RAM_START
from zkrv_prover.executor.decode import (
    BRANCHES,
    LOADS,
    READS_RS1,
    READS_RS2,
    STORES,
    WIDTH,
    WRITES_RD,
    Instr,
)

M32 = 0xFFFFFFFF
SIGN = 0x80000000

#: Per-instruction trace columns a block fills from its record tuple (see :mod:`trace`).
DYN_COLUMNS = ("rs1_val", "rs2_val", "rd_prev", "rd_val", "mem_addr", "mem_prev", "mem_val")

#: Terminators: the block ends after these.
_TERMINATORS = BRANCHES | {"jal", "jalr", "ecall", "ebreak"}


@dataclass
class BlockInfo:
    """Static description of one translated block (used to assemble the trace)."""

    bid: int
    pc: int
    instrs: list[Instr]
    #: For each instruction, column name -> ("c", constant) or ("s", tuple slot).
    sources: list[dict[str, tuple[str, int]]] = field(default_factory=list)
    n_slots: int = 0

    @property
    def length(self) -> int:
        return len(self.instrs)


def _signed(e: str) -> str:
    return f"(({e} ^ {SIGN}) - {SIGN})"


class _Gen:
    """Emits the body of one block function."""

    def __init__(self, trace: bool, writable: list[tuple[int, int]]) -> None:
        self.trace = trace
        self.writable = writable
        self.lines: list[str] = []
        self.cur: dict[int, str] = {}  # register -> local currently holding its value
        self.preload: list[int] = []
        self.dirty: set[int] = set()
        self.k = 0
        self.slots: dict[str, int] = {}  # local name -> record slot

    def fresh(self, prefix: str = "v") -> str:
        self.k += 1
        return f"{prefix}{self.k}"

    def emit(self, line: str) -> None:
        self.lines.append("    " + line)

    def reg(self, r: int) -> str:
        """Expression for the current value of register ``r``."""
        if r == 0:
            return "0"
        if r not in self.cur:
            self.preload.append(r)
            self.cur[r] = f"x{r}"
        return self.cur[r]

    def assign(self, r: int, expr: str) -> str:
        """Write ``expr`` to register ``r`` (r != 0); returns the new local's name."""
        name = self.fresh()
        self.emit(f"{name} = {expr}")
        self.cur[r] = name
        self.dirty.add(r)
        return name

    def source(self, expr: str) -> tuple[str, int]:
        """Trace source for a local or the literal ``0``."""
        if expr == "0":
            return ("c", 0)
        if expr not in self.slots:
            self.slots[expr] = len(self.slots)
        return ("s", self.slots[expr])

    def store_check(self, a: str, width: int, pc: int) -> str:
        ranges = " or ".join(f"{lo} <= {a} < {hi}" for lo, hi in self.writable) or "False"
        align = f"{a} & {width - 1} or " if width > 1 else ""
        return f"if {align}not ({ranges}): _fs({pc}, {a}, {width})"

    def load_check(self, a: str, width: int, pc: int) -> str:
        align = f"{a} & {width - 1} or " if width > 1 else ""
        return f"if {align}not {RAM_START} <= {a} < {RAM_END}: _fl({pc}, {a}, {width})"

    def finish(self) -> list[str]:
        """Register write-back and the trace record, emitted before the block's exit."""
        out = [f"    x[{r}] = {self.cur[r]}" for r in sorted(self.dirty)]
        return out


def translate(
    bid: int,
    pc: int,
    instrs: list[Instr],
    trace: bool,
    writable: list[tuple[int, int]],
) -> tuple[str, BlockInfo]:
    """Python source of block ``bid`` (function ``_b<bid>``) and its static description.

    ``instrs`` are the decoded instructions at ``pc, pc+4, ...``; only the last may be a
    terminator. A block whose last instruction is not a terminator falls through to the next pc.
    """
    g = _Gen(trace, writable)
    info = BlockInfo(bid, pc, instrs)
    exit_expr: str | None = None
    for j, ins in enumerate(instrs):
        ipc = pc + 4 * j
        src: dict[str, str] = {}
        op, rd, imm = ins.op, ins.rd, ins.imm
        a = g.reg(ins.rs1) if op in READS_RS1 else "0"
        b = g.reg(ins.rs2) if op in READS_RS2 else "0"
        if trace:
            src["rs1_val"], src["rs2_val"] = a, b
            if op in WRITES_RD and rd != 0:
                src["rd_prev"] = g.reg(rd)
        writes = op in WRITES_RD and rd != 0
        val: str | None = None  # expression assigned to rd
        if op == "lui":
            val = str(imm & M32)
        elif op == "auipc":
            val = str((ipc + imm) & M32)
        elif op == "jal":
            val = str((ipc + 4) & M32)
            exit_expr = str((ipc + imm) & M32)
        elif op == "jalr":
            t = g.fresh("t")
            g.emit(f"{t} = ({a} + {imm}) & {M32 - 1}")
            val = str((ipc + 4) & M32)
            exit_expr = t
        elif op in BRANCHES:
            cond = {
                "beq": f"{a} == {b}",
                "bne": f"{a} != {b}",
                "blt": f"({a} ^ {SIGN}) < ({b} ^ {SIGN})",
                "bge": f"({a} ^ {SIGN}) >= ({b} ^ {SIGN})",
                "bltu": f"{a} < {b}",
                "bgeu": f"{a} >= {b}",
            }[op]
            target, fall = (ipc + imm) & M32, ipc + 4
            c = g.fresh("c")
            g.emit(f"{c} = {cond}")
            exit_expr = f"{target} if {c} else {fall}"
        elif op in LOADS:
            width = WIDTH[op]
            A = g.fresh("A")
            g.emit(f"{A} = ({a} + {imm}) & {M32}")
            g.emit(g.load_check(A, width, ipc))
            if trace:
                mw = g.fresh("m")
                g.emit(f"{mw} = W[{A} >> 2]")
                src["mem_addr"], src["mem_prev"], src["mem_val"] = A, mw, mw
                if op == "lw":
                    val = mw
                elif width == 1:
                    byte = f"(({mw} >> (({A} & 3) << 3)) & 255)"
                    val = byte if op == "lbu" else f"((({byte} ^ 128) - 128) & {M32})"
                else:
                    half = f"(({mw} >> (({A} & 2) << 3)) & 65535)"
                    val = half if op == "lhu" else f"((({half} ^ 32768) - 32768) & {M32})"
            else:
                val = {
                    "lw": f"W[{A} >> 2]",
                    "lh": f"Hs[{A} >> 1] & {M32}",
                    "lhu": f"H[{A} >> 1]",
                    "lb": f"Bs[{A}] & {M32}",
                    "lbu": f"B[{A}]",
                }[op]
                if not writes:  # x0 destination: the access (and its checks) still happen
                    g.emit(f"{g.fresh('_')} = {val}")
        elif op in STORES:
            width = WIDTH[op]
            A = g.fresh("A")
            g.emit(f"{A} = ({a} + {imm}) & {M32}")
            g.emit(g.store_check(A, width, ipc))
            if trace:
                prev = g.fresh("m")
                g.emit(f"{prev} = W[{A} >> 2]")
            if op == "sw":
                g.emit(f"W[{A} >> 2] = {b}")
            elif op == "sh":
                g.emit(f"H[{A} >> 1] = {b} & 65535")
            else:
                g.emit(f"B[{A}] = {b} & 255")
            if trace:
                new = b if op == "sw" else g.fresh("m")
                if op != "sw":
                    g.emit(f"{new} = W[{A} >> 2]")
                src["mem_addr"], src["mem_prev"], src["mem_val"] = A, prev, new
        elif op in ("fence", "ecall", "ebreak"):
            pass
        else:
            val = _alu(op, a, b, imm)
        if writes and val is not None:
            name = g.assign(rd, val)
            if trace:
                src["rd_val"] = name
        if trace:
            info.sources.append({k: g.source(v) for k, v in src.items()})
        if op == "ecall":
            exit_expr = f"_ecall({ipc})"
        elif op == "ebreak":
            exit_expr = f"_ebreak({ipc})"
    if exit_expr is None:
        exit_expr = str(pc + 4 * len(instrs))
    lines = [f"def _b{bid}(x):"]
    lines += [f"    x{r} = x[{r}]" for r in g.preload]
    lines += g.lines
    lines += g.finish()
    if trace and g.slots:
        names = sorted(g.slots, key=g.slots.__getitem__)
        lines.append(f"    REC{bid}(({', '.join(names)},))")
    lines.append(f"    return {exit_expr}")
    info.n_slots = len(g.slots)
    return "\n".join(lines) + "\n", info


def _alu(op: str, a: str, b: str, imm: int) -> str:
    """Expression for a register-register or register-immediate ALU op (unsigned 32-bit)."""
    u = imm & M32
    sh = imm & 31
    table = {
        "addi": f"({a} + {imm}) & {M32}",
        "slti": f"1 if ({a} ^ {SIGN}) < {u ^ SIGN} else 0",
        "sltiu": f"1 if {a} < {u} else 0",
        "xori": f"{a} ^ {u}",
        "ori": f"{a} | {u}",
        "andi": f"{a} & {u}",
        "slli": f"({a} << {sh}) & {M32}",
        "srli": f"{a} >> {sh}",
        "srai": f"({_signed(a)} >> {sh}) & {M32}",
        "add": f"({a} + {b}) & {M32}",
        "sub": f"({a} - {b}) & {M32}",
        "sll": f"({a} << ({b} & 31)) & {M32}",
        "slt": f"1 if ({a} ^ {SIGN}) < ({b} ^ {SIGN}) else 0",
        "sltu": f"1 if {a} < {b} else 0",
        "xor": f"{a} ^ {b}",
        "srl": f"{a} >> ({b} & 31)",
        "sra": f"({_signed(a)} >> ({b} & 31)) & {M32}",
        "or": f"{a} | {b}",
        "and": f"{a} & {b}",
        "mul": f"({a} * {b}) & {M32}",
        "mulh": f"(({_signed(a)} * {_signed(b)}) >> 32) & {M32}",
        "mulhsu": f"(({_signed(a)} * {b}) >> 32) & {M32}",
        "mulhu": f"({a} * {b}) >> 32",
        "div": f"_div({a}, {b})",
        "divu": f"({a} // {b} if {b} else {M32})",
        "rem": f"_rem({a}, {b})",
        "remu": f"({a} % {b} if {b} else {a})",
    }
    return table[op]


def is_terminator(ins: Instr) -> bool:
    """Whether ``ins`` ends a basic block."""
    return ins.op in _TERMINATORS
