"""The ALU tables of the RV32IM machine: every ``BUS_ALU`` request ``a = op(b, c)`` is received
by exactly one of them (see ``docs/zkvm-alu.md`` for the constraint arguments).

============  ==========================  =======
table         ops                         columns
============  ==========================  =======
alu_add_sub   ADD SUB                     16
alu_bitwise   XOR OR AND                  15
alu_lt        SLT SLTU                    16
alu_shift     SLL SRL SRA                 34
alu_mul       MUL MULH MULHSU MULHU       30
alu_divrem    DIV DIVU REM REMU           42
============  ==========================  =======

Usage (the machine assembler): put ``ALU_TABLES`` into the ``Machine`` together with
:class:`zkrv_prover.zkvm.bytes.ByteTable`; build their traces with
``alu_traces(AluEvents.of(op, b, c))`` from all ``BUS_ALU`` requests of the other tables (the
division table's own requests are added internally); then count the byte-table lookups of all
tables with :func:`zkrv_prover.zkvm.bytes.collect_lookups`.
"""

from __future__ import annotations

import numpy as np

from zkrv_prover import progress
from zkrv_prover.stark.air.air import Air
from zkrv_prover.zkvm.alu import add_sub, bitwise, divrem, lt, mul, shift
from zkrv_prover.zkvm.alu.common import U32, AluEvents
from zkrv_prover.zkvm.buses import AluOp

#: The ALU tables in machine order.
ALU_TABLES: tuple[Air, ...] = (
    add_sub.AddSubAir(),
    bitwise.BitwiseAir(),
    lt.LtAir(),
    shift.ShiftAir(),
    mul.MulAir(),
    divrem.DivRemAir(),
)

_FAMILIES = (add_sub, bitwise, lt, shift, mul, divrem)

__all__ = ["ALU_TABLES", "AluEvents", "alu_result", "alu_traces"]


def alu_result(op: U32, b: U32, c: U32) -> U32:
    """``a = op(b, c)`` for every event (vectorized RV32IM semantics, as the tables prove it)."""
    op = np.asarray(op, dtype=np.uint32)
    out = np.zeros(op.shape, dtype=np.uint32)
    seen = np.zeros(op.shape, dtype=bool)
    for fam in _FAMILIES:
        sel = np.isin(op, fam.OPS)
        out[sel] = fam.result(op[sel], np.asarray(b)[sel], np.asarray(c)[sel])
        seen |= sel
    if not seen.all():
        raise ValueError(f"not an ALU op: {int(op[~seen][0])}")
    return out


def alu_traces(events: AluEvents, min_height: int = 2) -> dict[str, U32]:
    """Main traces of all ALU tables (by table name) serving ``events``. Raises ``ValueError``
    for an op id that is not an :class:`AluOp`."""
    op = events.op
    if not np.isin(op, [int(o) for o in AluOp]).all():
        bad = int(op[~np.isin(op, [int(o) for o in AluOp])][0])
        raise ValueError(f"not an ALU op: {bad}")

    def pick(ops: tuple[AluOp, ...], extra: AluEvents | None = None) -> AluEvents:
        ev = events.select(np.isin(op, ops))
        return ev if extra is None else AluEvents.concat([ev, extra])

    def done(trace: U32) -> U32:
        progress.advance()  # one unit per table of the caller's "trace" stage
        return trace

    div_trace, div_sends = divrem.trace(pick(divrem.OPS), min_height)
    out = {
        "alu_add_sub": done(
            add_sub.trace(
                pick(add_sub.OPS, div_sends.select(np.isin(div_sends.op, add_sub.OPS))),
                min_height,
            )
        ),
        "alu_bitwise": done(bitwise.trace(pick(bitwise.OPS), min_height)),
        "alu_lt": done(
            lt.trace(pick(lt.OPS, div_sends.select(np.isin(div_sends.op, lt.OPS))), min_height)
        ),
        "alu_shift": done(shift.trace(pick(shift.OPS), min_height)),
        "alu_mul": done(mul.trace(pick(mul.OPS), min_height)),
        "alu_divrem": done(div_trace),
    }
    assert set(out) == {t.name for t in ALU_TABLES}
    return out
