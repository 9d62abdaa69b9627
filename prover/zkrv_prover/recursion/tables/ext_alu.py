"""ExtAlu table: ADD, SUB, MUL, DIV (out * b = a) and ASSERT_EQ on blocks, the extension field
F_p[x]/(x^EXT_DEGREE - EXT_W) of ``stark/field/field.py``.

Op row: ``(op, a, b, out)`` as the BaseAlu table. Preprocessed: the same layout. Main:
``a[0..4], b[0..4], out[0..4]``. Reads a and b as blocks (a base cell read as a block is
(v, 0, ..., 0), so ``e_mul_base`` is MUL), writes out. ``e_inv(a)`` is DIV(1, a) and
``e_assert_nonzero(a)`` the same with an unread output. Degree 3.
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
    read_block,
    write_block,
)
from zkrv_prover.stark.air.air import AirBuilder, Expr
from zkrv_prover.stark.field.field import EXT_DEGREE, EXT_W

D = EXT_DEGREE


def ext_mul_expr(a: Sequence[Expr], b: Sequence[Expr]) -> list[Expr]:
    """The coefficients of a * b (x^D = EXT_W) as expressions of the coefficients."""
    out: list[Expr | None] = [None] * D
    for i in range(D):
        for j in range(D):
            t = a[i] * b[j]
            k = i + j
            if k >= D:
                k -= D
                t = t * EXT_W
            cur = out[k]
            out[k] = t if cur is None else cur + t
    return [x for x in out if x is not None]


class ExtAluAir(RecursionAir):
    name = "ext_alu"
    main_width = 3 * D
    preprocessed_width = ALU_PRE_COLS
    op_width = 4

    def eval(self, b: AirBuilder) -> None:
        m = b.main_local
        a, bb, out = m[:D], m[D : 2 * D], m[2 * D :]
        addr_a, addr_b, addr_out, mult, s_add, s_sub, s_mul, s_div, s_eq = b.pre_local
        ab = ext_mul_expr(a, bb)
        ob = ext_mul_expr(out, bb)
        for k in range(D):
            b.assert_zero(s_add * (out[k] - (a[k] + bb[k])), f"add{k}")
            b.assert_zero(s_sub * (out[k] - (a[k] - bb[k])), f"sub{k}")
            b.assert_zero(s_mul * (out[k] - ab[k]), f"mul{k}")
            b.assert_zero(s_div * (ob[k] - a[k]), f"div{k}")
            b.assert_zero(s_eq * (a[k] - bb[k]), f"assert_eq{k}")
        is_real = s_add + s_sub + s_mul + s_div + s_eq
        read_block(b, addr_a, a, is_real)
        read_block(b, addr_b, bb, is_real)
        write_block(b, addr_out, out, mult)

    read_addrs = staticmethod(alu_read_addrs)
    write_addrs = staticmethod(alu_write_addrs)
    preprocess = staticmethod(alu_preprocess)

    def main_trace(self, mem: U32, public: Sequence[int]) -> U32:
        return alu_main_trace(self.pre, self.real, mem, block=True)
