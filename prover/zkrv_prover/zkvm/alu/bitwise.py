"""XOR / OR / AND table: ``a = b op c`` byte by byte through the byte table.

Columns (15): ``a[4] b[4] c[4]``, ``is_or``, ``is_and`` (XOR when both are 0), ``m``.

Constraints: ``is_or``, ``is_and`` boolean, ``is_or * is_and = 0``.
Interactions: receive ``BUS_ALU (3 + is_or + 2 is_and, a, b, c)`` (XOR = 3, OR = 4, AND = 5) with
multiplicity ``m``; send ``BUS_BYTE (3 - is_or - 2 is_and, b_i, c_i, a_i)`` for i = 0..3 (ByteOp
XOR = 3, OR = 2, AND = 1).

Why a row forces ``a = op(b, c)``: the selectors are boolean and exclusive, so the ALU op is one of
XOR/OR/AND and the byte op is the matching ByteOp. Each byte lookup must match a row of the byte
table, whose ``z`` is ``x op y`` for bytes ``x, y``: so ``a_i = b_i op c_i`` for every byte (and
``a_i`` is a byte), which is ``a = b op c`` for the words. Degree 2.
"""

from __future__ import annotations

import numpy as np

from zkrv_prover.stark.air.air import Air, AirBuilder
from zkrv_prover.zkvm.alu.common import (
    U32,
    AluEvents,
    Columns,
    padded_height,
    to_field,
    unique_rows,
    word_bytes,
)
from zkrv_prover.zkvm.buses import BUS_ALU, BUS_BYTE, AluOp, ByteOp

COLS = Columns(("a", 4), ("b", 4), ("c", 4), ("is_or", 1), ("is_and", 1), ("m", 1))
OPS = (AluOp.XOR, AluOp.OR, AluOp.AND)

# The affine maps below rely on these ids.
assert (AluOp.XOR, AluOp.OR, AluOp.AND) == (3, 4, 5)
assert (ByteOp.XOR, ByteOp.OR, ByteOp.AND) == (3, 2, 1)


class BitwiseAir(Air):
    """See module doc."""

    name = "alu_bitwise"
    main_width = COLS.width

    def eval(self, b: AirBuilder) -> None:
        v = COLS.bind(b.main_local)
        a, bb, c = v["a"], v["b"], v["c"]
        (is_or,), (is_and,), (m,) = v["is_or"], v["is_and"], v["m"]
        b.assert_bool(is_or, "is_or_bool")
        b.assert_bool(is_and, "is_and_bool")
        b.assert_zero(is_or * is_and, "one_op")
        b.receive(BUS_ALU, [3 + is_or + 2 * is_and, *a, *bb, *c], m)
        byte_op = 3 - is_or - 2 * is_and
        for i in range(4):
            b.send(BUS_BYTE, [byte_op, bb[i], c[i], a[i]])


def result(op: U32, b: U32, c: U32) -> U32:
    """``a`` for XOR/OR/AND events."""
    return np.where(op == AluOp.XOR, b ^ c, np.where(op == AluOp.OR, b | c, b & c)).astype(
        np.uint32
    )


def trace(ev: AluEvents, min_height: int = 2) -> U32:
    """Main trace (duplicates merged; padding rows are ``0 ^ 0 = 0`` with multiplicity 0)."""
    if not np.isin(ev.op, OPS).all():
        raise ValueError("bitwise table got a non-XOR/OR/AND event")
    first, _, counts = unique_rows(ev.op, ev.b, ev.c)
    op, bw, cw = ev.op[first], ev.b[first], ev.c[first]
    t = COLS.zeros(max(padded_height(len(first)), min_height))
    COLS.put(t, "a", word_bytes(result(op, bw, cw)))
    COLS.put(t, "b", word_bytes(bw))
    COLS.put(t, "c", word_bytes(cw))
    COLS.put(t, "is_or", op == AluOp.OR)
    COLS.put(t, "is_and", op == AluOp.AND)
    COLS.put(t, "m", counts)
    return to_field(t)
