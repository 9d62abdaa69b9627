"""A tiny RV32IM assembler for hand-encoded instruction tests (encodings per the RISC-V
unprivileged spec, written independently of zkrv's decoder) and a runner for snippets."""

from __future__ import annotations

from zkrv_prover.executor import ExecutionResult, MemoryImage, check_trace, execute
from zkrv_prover.executor.accel import sha256_pad

CODE = 0x0001_0000
DATA = 0x0002_0000  # one writable data page for tests
PAD = 0x0003_0000  # the padding block of the empty journal lives here

_R = {  # name: (funct7, funct3)
    "add": (0, 0), "sub": (0x20, 0), "sll": (0, 1), "slt": (0, 2), "sltu": (0, 3),
    "xor": (0, 4), "srl": (0, 5), "sra": (0x20, 5), "or": (0, 6), "and": (0, 7),
    "mul": (1, 0), "mulh": (1, 1), "mulhsu": (1, 2), "mulhu": (1, 3),
    "div": (1, 4), "divu": (1, 5), "rem": (1, 6), "remu": (1, 7),
}  # fmt: skip
_I = {"addi": 0, "slti": 2, "sltiu": 3, "xori": 4, "ori": 6, "andi": 7}
_SH = {"slli": (0, 1), "srli": (0, 5), "srai": (0x20, 5)}
_L = {"lb": 0, "lh": 1, "lw": 2, "lbu": 4, "lhu": 5}
_S = {"sb": 0, "sh": 1, "sw": 2}
_B = {"beq": 0, "bne": 1, "blt": 4, "bge": 5, "bltu": 6, "bgeu": 7}


def r(op: str, rd: int, rs1: int, rs2: int) -> int:
    f7, f3 = _R[op]
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x33


def i(op: str, rd: int, rs1: int, imm: int) -> int:
    if op in _SH:
        f7, f3 = _SH[op]
        return (f7 << 25) | ((imm & 31) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x13
    if op in _L:
        return ((imm & 0xFFF) << 20) | (rs1 << 15) | (_L[op] << 12) | (rd << 7) | 0x03
    if op == "jalr":
        return ((imm & 0xFFF) << 20) | (rs1 << 15) | (rd << 7) | 0x67
    return ((imm & 0xFFF) << 20) | (rs1 << 15) | (_I[op] << 12) | (rd << 7) | 0x13


def s(op: str, rs2: int, rs1: int, imm: int) -> int:
    imm &= 0xFFF
    return (
        ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (_S[op] << 12) | ((imm & 31) << 7) | 0x23
    )


def b(op: str, rs1: int, rs2: int, off: int) -> int:
    o = off & 0x1FFF
    return (
        ((o >> 12) << 31) | (((o >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15)
        | (_B[op] << 12) | (((o >> 1) & 0xF) << 8) | (((o >> 11) & 1) << 7) | 0x63
    )  # fmt: skip


def u(op: str, rd: int, imm20: int) -> int:
    return ((imm20 & 0xFFFFF) << 12) | (rd << 7) | (0x37 if op == "lui" else 0x17)


def jal(rd: int, off: int) -> int:
    o = off & 0x1FFFFF
    return (
        ((o >> 20) << 31) | (((o >> 1) & 0x3FF) << 21) | (((o >> 11) & 1) << 20)
        | (((o >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F
    )  # fmt: skip


def li(rd: int, value: int) -> list[int]:
    """lui+addi loading the 32-bit ``value`` into rd."""
    value &= 0xFFFFFFFF
    lo = value & 0xFFF
    lo = lo - 0x1000 if lo & 0x800 else lo
    hi = ((value - lo) >> 12) & 0xFFFFF
    return [u("lui", rd, hi), i("addi", rd, rd, lo)]


ECALL = 0x00000073
EBREAK = 0x00100073
#: Commit the empty journal's padding block at PAD (a0 = 0), then HALT with the exit code that
#: was in a0 (clobbers x31, a1, a7).
HALT = [
    i("addi", 31, 10, 0),
    i("addi", 10, 0, 0),
    *li(11, PAD),
    i("addi", 17, 0, 2),
    ECALL,
    i("addi", 10, 31, 0),
    i("addi", 17, 0, 0),
    ECALL,
]
#: Instructions of :data:`HALT` (it retires all of them).
HALT_LEN = len(HALT)


def image(code: list[int], data: dict[int, int] | None = None) -> MemoryImage:
    words = {CODE + 4 * k: w for k, w in enumerate(code)}
    words |= MemoryImage.bytes_as_words(PAD, sha256_pad(b""))
    for addr, w in (data or {}).items():
        words[addr] = w
    return MemoryImage.from_words(CODE, words, [(CODE, CODE + 0x1000)])


def run(
    code: list[int], data: dict[int, int] | None = None, input: bytes = b"", max_cycles: int = 10**6
) -> ExecutionResult:
    """Run ``code + HALT`` in both modes; check they agree and that the trace is consistent."""
    img = image(code + HALT, data)
    fast = execute(img, input, max_cycles=max_cycles)
    traced = execute(img, input, max_cycles=max_cycles, trace=True)
    assert fast.registers == traced.registers and fast.cycles == traced.cycles
    assert traced.trace is not None
    check_trace(traced.trace)
    return traced
