"""A vectorized (numpy) statement of RV32IM semantics over trace rows, as an independent oracle.

:func:`check_semantics` recomputes, for every row at once, what the instruction word says the row
must contain: rd's new value, the next pc, the effective memory address and the written word. It
shares no code with the block translator, so it cross-checks it; it is also an executable
summary of the per-row constraints the AIR has to enforce.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
M = np.int64(0xFFFFFFFF)


def _sext(v: I64, bits: int) -> I64:
    sign = np.int64(1 << (bits - 1))
    return (v & (sign - 1)) - (v & sign)


def _signed(v: I64) -> I64:
    return _sext(v, 32)


def _trunc_div(a: I64, b: I64) -> tuple[I64, I64]:
    """Truncating signed division (b != 0 assumed where used)."""
    bb = np.where(b == 0, 1, b)
    q = np.abs(a) // np.abs(bb) * np.where((a < 0) != (bb < 0), -1, 1)
    return q, a - q * bb


def expected_rows(c: dict[str, Any]) -> dict[str, tuple[npt.NDArray[np.bool_], I64]]:
    """For each checked column, (rows the rule applies to, expected values there)."""
    w = c["insn"].astype(np.int64)
    pc, a, b = (c[k].astype(np.int64) for k in ("pc", "rs1_val", "rs2_val"))
    opc, f3, f7 = w & 0x7F, (w >> 12) & 7, w >> 25
    imm_i = _sext(w >> 20, 12)
    imm_s = _sext(((w >> 25) << 5) | ((w >> 7) & 31), 12)
    imm_b = _sext(
        ((w >> 31) << 12)
        | (((w >> 25) & 63) << 5)
        | (((w >> 8) & 15) << 1)
        | (((w >> 7) & 1) << 11),
        13,
    )
    imm_j = _sext(
        ((w >> 31) << 20)
        | (((w >> 21) & 1023) << 1)
        | (((w >> 20) & 1) << 11)
        | (((w >> 12) & 255) << 12),
        21,
    )
    imm_u = w & 0xFFFFF000
    rd_val = np.zeros_like(w)
    next_pc = pc + 4
    sa, sb = _signed(a), _signed(b)
    sh = b & 31

    # OP-IMM and OP share funct3 decoding; the second operand differs.
    is_imm, is_op = opc == 0x13, opc == 0x33
    opnd = np.where(is_imm, imm_i & M, b)
    s_opnd = np.where(is_imm, imm_i, sb)
    shamt = np.where(is_imm, (w >> 20) & 31, sh)
    alt = (f7 == 0x20) & (is_op | (f3 == 5))
    base = np.select(
        [f3 == 0, f3 == 1, f3 == 2, f3 == 3, f3 == 4, f3 == 5, f3 == 6, f3 == 7],
        [
            np.where(alt & is_op, a - opnd, a + opnd),
            a << shamt,
            (sa < s_opnd).astype(np.int64),
            (a < opnd).astype(np.int64),
            a ^ opnd,
            np.where(alt, sa >> shamt, a >> shamt),
            a | opnd,
            a & opnd,
        ],
    )
    q, r = _trunc_div(sa, sb)
    overflow = (sa == -(1 << 31)) & (sb == -1)
    mext = np.select(
        [f3 == 0, f3 == 1, f3 == 2, f3 == 3, f3 == 4, f3 == 5, f3 == 6, f3 == 7],
        [
            (a * b) & M,
            (sa * sb) >> 32,
            (sa * b) >> 32,
            ((a.astype(np.uint64) * b.astype(np.uint64)) >> np.uint64(32)).astype(np.int64),
            np.where(b == 0, -1, np.where(overflow, sa, q)),
            np.where(b == 0, M, a // np.where(b == 0, 1, b)),
            np.where(b == 0, sa, np.where(overflow, 0, r)),
            np.where(b == 0, a, a % np.where(b == 0, 1, b)),
        ],
    )
    rd_val = np.where(is_imm | is_op, np.where(is_op & (f7 == 1), mext, base), rd_val)
    rd_val = np.where(opc == 0x37, imm_u, rd_val)
    rd_val = np.where(opc == 0x17, pc + imm_u, rd_val)
    is_jal, is_jalr, is_br = opc == 0x6F, opc == 0x67, opc == 0x63
    rd_val = np.where(is_jal | is_jalr, pc + 4, rd_val)
    next_pc = np.where(is_jal, pc + imm_j, next_pc)
    next_pc = np.where(is_jalr, (a + imm_i) & ~np.int64(1), next_pc)
    taken = np.select(
        [f3 == 0, f3 == 1, f3 == 4, f3 == 5, f3 == 6, f3 == 7],
        [a == b, a != b, sa < sb, sa >= sb, a < b, a >= b],
        False,
    )
    next_pc = np.where(is_br & taken, pc + imm_b, next_pc)

    is_ld, is_st = opc == 0x03, opc == 0x23
    addr = np.where(is_ld, a + imm_i, a + imm_s) & M
    prev = c["mem_prev"].astype(np.int64)
    shift = (addr & 3) * 8
    raw = prev >> shift
    loaded = np.select(
        [f3 == 0, f3 == 1, f3 == 2, f3 == 4, f3 == 5],
        [_sext(raw & 0xFF, 8), _sext(raw & 0xFFFF, 16), prev, raw & 0xFF, raw & 0xFFFF],
    )
    rd_val = np.where(is_ld, loaded, rd_val)
    width_mask = np.select([f3 == 0, f3 == 1], [0xFF, 0xFFFF], 0xFFFFFFFF).astype(np.int64)
    mask = (width_mask << shift) & M
    stored = (prev & ~mask & M) | ((b << shift) & mask)

    writes = (c["rd"] != 0) & ~(is_br | is_st | (opc == 0x0F) | (opc == 0x73))
    last = np.zeros(w.size, dtype=bool)
    last[-1] = True
    return {
        "rd_val": (writes, rd_val & M),
        "next_pc": (~last, next_pc & M),
        "mem_addr": (is_ld | is_st, addr),
        "mem_val": (is_st, stored),
    }


def check_semantics(c: dict[str, Any]) -> None:
    """Raise AssertionError naming the first column and row that contradict the ISA."""
    for name, (rows, want) in expected_rows(c).items():
        got = c[name].astype(np.int64)
        bad = np.flatnonzero(rows & (got != want))
        if bad.size:
            k = int(bad[0])
            raise AssertionError(
                f"trace check failed: {name} at row {k} (pc 0x{int(c['pc'][k]):08x}, insn "
                f"0x{int(c['insn'][k]):08x}) is 0x{int(got[k]):08x}, ISA says 0x{int(want[k]):08x}"
            )
