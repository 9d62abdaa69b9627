"""SLT / SLTU table: ``a = [b < c]`` (signed or unsigned), by the borrow of ``b' - c'``.

Columns (16): ``b[4] c[4]``, ``lt`` (the result), ``borrow0``, ``d_lo, d_hi`` (16-bit limbs of
``b' - c' mod 2^32``), ``sb, sc`` (sign bits of b and c), ``is_slt``, ``m``.

For SLT the comparison runs on ``b' = b xor 2^31`` and ``c' = c xor 2^31`` (this maps signed order
onto unsigned order); flipping bit 31 adds ``2^15 - 2^16 s`` to the high limb::

    B = H(b) + is_slt (2^15 - 2^16 sb),   C = H(c) + is_slt (2^15 - 2^16 sc)
    L(b) - L(c)     = d_lo - 2^16 borrow0
    B - C - borrow0 = d_hi - 2^16 lt           lt, borrow0, sb, sc, is_slt boolean

Interactions: receive ``BUS_ALU (SLTU - is_slt, lt, 0, 0, 0, b, c)`` (SLT = 9, SLTU = 10) with
multiplicity ``m``; send ``BUS_RANGE16 (d_lo)``, ``(d_hi)`` and ``BUS_BYTE (RANGE, 2 (b3 - 128 sb),
2 (c3 - 128 sc), 0)``.

Why a row forces ``lt = [b < c]``: the byte lookup proves ``b3 - 128 sb`` lies in [0, 128) (a
negative value would be a field element near p, and doubling it stays near p), so with ``sb``
boolean, ``sb`` is bit 7 of ``b3``; likewise ``sc``. Hence ``B, C`` are the high limbs of ``b', c'``
(b' = b for SLTU), all limbs are in [0, 2^16), ``d_lo, d_hi`` are range checked, and the equations
hold over the integers (magnitudes < 2^18 << p). Combined: ``b' - c' = d - 2^32 lt`` with
``0 <= d < 2^32`` and ``|b' - c'| < 2^32``, so ``lt = 1`` exactly when ``b' < c'``, which is
``b < c`` unsigned (SLTU) or signed (SLT). The result word ``(lt, 0, 0, 0)`` consists of bytes.
Degree 2.
"""

from __future__ import annotations

import numpy as np

from zkrv_prover.stark.air.air import Air, AirBuilder
from zkrv_prover.zkvm.alu.common import (
    U32,
    AluEvents,
    Columns,
    limb16,
    padded_height,
    to_field,
    unique_rows,
    word_bytes,
)
from zkrv_prover.zkvm.buses import BUS_ALU, BUS_BYTE, BUS_RANGE16, AluOp, ByteOp

COLS = Columns(
    ("b", 4),
    ("c", 4),
    ("lt", 1),
    ("borrow0", 1),
    ("d", 2),
    ("sb", 1),
    ("sc", 1),
    ("is_slt", 1),
    ("m", 1),
)
OPS = (AluOp.SLT, AluOp.SLTU)
assert AluOp.SLTU - 1 == AluOp.SLT


class LtAir(Air):
    """See module doc."""

    name = "alu_lt"
    main_width = COLS.width

    def eval(self, b: AirBuilder) -> None:
        v = COLS.bind(b.main_local)
        bb, c = v["b"], v["c"]
        (lt,), (k0,), (d_lo, d_hi) = v["lt"], v["borrow0"], v["d"]
        (sb,), (sc,), (is_slt,), (m,) = v["sb"], v["sc"], v["is_slt"], v["m"]
        for name, x in (("lt", lt), ("borrow0", k0), ("sb", sb), ("sc", sc), ("is_slt", is_slt)):
            b.assert_bool(x, f"{name}_bool")
        hb = limb16(bb, True) + is_slt * (32768 - 65536 * sb)
        hc = limb16(c, True) + is_slt * (32768 - 65536 * sc)
        b.assert_eq(limb16(bb, False) - limb16(c, False), d_lo - 65536 * k0, "limb_lo")
        b.assert_eq(hb - hc - k0, d_hi - 65536 * lt, "limb_hi")
        b.receive(BUS_ALU, [int(AluOp.SLTU) - is_slt, lt, 0, 0, 0, *bb, *c], m)
        b.send(BUS_RANGE16, [d_lo])
        b.send(BUS_RANGE16, [d_hi])
        b.send(BUS_BYTE, [int(ByteOp.RANGE), 2 * (bb[3] - 128 * sb), 2 * (c[3] - 128 * sc), 0])


def result(op: U32, b: U32, c: U32) -> U32:
    """``a`` for SLT/SLTU events."""
    flip = np.where(op == AluOp.SLT, np.uint32(0x80000000), np.uint32(0))
    return ((b ^ flip) < (c ^ flip)).astype(np.uint32)


def trace(ev: AluEvents, min_height: int = 2) -> U32:
    """Main trace (duplicates merged; padding rows compare 0 <u 0 with multiplicity 0)."""
    if not np.isin(ev.op, OPS).all():
        raise ValueError("lt table got a non-SLT/SLTU event")
    first, _, counts = unique_rows(ev.op, ev.b, ev.c)
    op, bw, cw = ev.op[first], ev.b[first].astype(np.int64), ev.c[first].astype(np.int64)
    slt = (op == AluOp.SLT).astype(np.int64)
    bf, cf = bw ^ (slt << 31), cw ^ (slt << 31)
    k0 = ((bf & 0xFFFF) < (cf & 0xFFFF)).astype(np.int64)
    d_lo = ((bf & 0xFFFF) - (cf & 0xFFFF)) & 0xFFFF
    d_hi = ((bf >> 16) - (cf >> 16) - k0) & 0xFFFF
    t = COLS.zeros(max(padded_height(len(first)), min_height))
    COLS.put(t, "b", word_bytes(bw))
    COLS.put(t, "c", word_bytes(cw))
    COLS.put(t, "lt", (bf < cf).astype(np.int64))
    COLS.put(t, "borrow0", k0)
    COLS.put(t, "d", np.stack([d_lo, d_hi], axis=1))
    COLS.put(t, "sb", bw >> 31)
    COLS.put(t, "sc", cw >> 31)
    COLS.put(t, "is_slt", slt)
    COLS.put(t, "m", counts)
    return to_field(t)
