"""BaseAlu table: base-field ADD, SUB, MUL, DIV (out * b = a) and ASSERT_EQ (a = b).

Op row: ``(op, a, b, out)`` (:class:`~.common.AluOp`; out = -1 for ASSERT_EQ). Preprocessed:
``addr_a, addr_b, addr_out, mult_out, sel_ADD..sel_ASSERT_EQ``. Main: ``a, b, out``. Reads a and
b as base cells on real rows, writes out (multiplicity 0 on ASSERT_EQ and padding rows).
Degree 3 (selector * a * b).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkrv_prover.recursion.tables.common import (
    ALU_PRE_COLS,
    U32,
    RecursionAir,
    alu_main_trace,
    alu_preprocess,
    alu_read_addrs,
    alu_write_addrs,
    read_base,
    write_base,
)
from zkrv_prover.stark.air.air import AirBuilder


class BaseAluAir(RecursionAir):
    name = "base_alu"
    main_width = 3
    preprocessed_width = ALU_PRE_COLS
    op_width = 4

    def eval(self, b: AirBuilder) -> None:
        a, bb, out = b.main_local
        addr_a, addr_b, addr_out, mult, s_add, s_sub, s_mul, s_div, s_eq = b.pre_local
        b.assert_zero(s_add * (out - (a + bb)), "add")
        b.assert_zero(s_sub * (out - (a - bb)), "sub")
        b.assert_zero(s_mul * (out - a * bb), "mul")
        b.assert_zero(s_div * (out * bb - a), "div")
        b.assert_zero(s_eq * (a - bb), "assert_eq")
        is_real = s_add + s_sub + s_mul + s_div + s_eq
        read_base(b, addr_a, a, is_real)
        read_base(b, addr_b, bb, is_real)
        write_base(b, addr_out, out, mult)

    read_addrs = staticmethod(alu_read_addrs)
    write_addrs = staticmethod(alu_write_addrs)
    preprocess = staticmethod(alu_preprocess)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        return alu_main_trace(self.pre, self.real, mem, block=False)
