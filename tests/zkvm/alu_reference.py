"""RV32IM reference semantics for BUS_ALU ops, written from the ISA manual with Python ints.

Deliberately independent of the table code (no numpy, no shared helpers): the tables' results
are checked against this.
"""

from __future__ import annotations

from zkrv_prover.zkvm.buses import AluOp

MASK = 0xFFFFFFFF


def _s(x: int) -> int:
    """Two's-complement value of a 32-bit word."""
    return x - (1 << 32) if x & 0x80000000 else x


def alu_ref(op: int, b: int, c: int) -> int:
    """``a = op(b, c)`` for 32-bit words b, c (as RV32IM defines it)."""
    op = AluOp(op)
    sh = c & 31
    if op == AluOp.ADD:
        return (b + c) & MASK
    if op == AluOp.SUB:
        return (b - c) & MASK
    if op == AluOp.XOR:
        return b ^ c
    if op == AluOp.OR:
        return b | c
    if op == AluOp.AND:
        return b & c
    if op == AluOp.SLL:
        return (b << sh) & MASK
    if op == AluOp.SRL:
        return b >> sh
    if op == AluOp.SRA:
        return (_s(b) >> sh) & MASK
    if op == AluOp.SLT:
        return int(_s(b) < _s(c))
    if op == AluOp.SLTU:
        return int(b < c)
    if op == AluOp.MUL:
        return (b * c) & MASK
    if op == AluOp.MULH:
        return ((_s(b) * _s(c)) >> 32) & MASK
    if op == AluOp.MULHSU:
        return ((_s(b) * c) >> 32) & MASK
    if op == AluOp.MULHU:
        return ((b * c) >> 32) & MASK
    if op in (AluOp.DIV, AluOp.REM):
        x, y = _s(b), _s(c)
        if y == 0:
            q, r = -1, x
        elif x == -(2**31) and y == -1:
            q, r = x, 0
        else:
            q = abs(x) // abs(y)
            if (x < 0) != (y < 0):
                q = -q
            r = x - q * y
        return (q if op == AluOp.DIV else r) & MASK
    if op in (AluOp.DIVU, AluOp.REMU):
        if c == 0:
            return MASK if op == AluOp.DIVU else b
        return b // c if op == AluOp.DIVU else b % c
    raise AssertionError(op)


#: Operands that exercise carries, signs, zero, extremes and shift amounts.
EDGE_WORDS = (
    0,
    1,
    2,
    3,
    7,
    8,
    31,
    32,
    33,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x10000,
    0x7FFFFFFF,
    0x80000000,
    0x80000001,
    0xFFFFFFFE,
    0xFFFFFFFF,
    0x12345678,
    0xDEADBEEF,
)
