"""ADD / SUB table: ``a = b + c`` or ``a = b - c`` (mod 2^32).

Columns (16): ``a[4] b[4] c[4]`` bytes, ``is_sub``, ``carry[2]``, ``m`` (multiplicity).

SUB is checked as the addition ``b = a + c``: with ``(x, z) = (b, a)`` for ADD and ``(a, b)`` for
SUB, every row proves ``x + c = z (mod 2^32)`` in two 16-bit limbs (L = bytes 0-1, H = bytes 2-3)::

    L(x) + L(c)          = L(z) + 2^16 carry0
    H(x) + H(c) + carry0 = H(z) + 2^16 carry1          carry0, carry1, is_sub boolean

Interactions: receive ``BUS_ALU (ADD + is_sub, a, b, c)`` with multiplicity ``m``; send
``BUS_BYTE (RANGE, a0, a1, 0)`` and ``(RANGE, a2, a3, 0)``.

Why a row forces ``a = op(b, c)``: ``b, c`` are bytes (the sender's guarantee, see ``buses.py``) and
``a`` is range checked here, so every limb is in [0, 2^16) and both equations involve integers
below 2^18 << p: they hold over the integers. Adding them (the second times 2^16) gives
``x + c = z + 2^32 carry1`` with ``z < 2^32`` and ``carry1`` in {0, 1}, i.e. ``z = (x + c) mod
2^32``: ``a = b + c`` for ADD and ``b = a + c``, i.e. ``a = b - c``, for SUB. The op field is
``ADD`` or ``SUB`` exactly because ``is_sub`` is boolean. Degree 2.
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
from zkrv_prover.zkvm.buses import BUS_ALU, BUS_BYTE, AluOp, ByteOp

COLS = Columns(("a", 4), ("b", 4), ("c", 4), ("is_sub", 1), ("carry", 2), ("m", 1))
OPS = (AluOp.ADD, AluOp.SUB)


class AddSubAir(Air):
    """See module doc."""

    name = "alu_add_sub"
    main_width = COLS.width

    def eval(self, b: AirBuilder) -> None:
        v = COLS.bind(b.main_local)
        a, bb, c = v["a"], v["b"], v["c"]
        (s,), (k0, k1), (m,) = v["is_sub"], v["carry"], v["m"]
        b.assert_bool(s, "is_sub_bool")
        b.assert_bool(k0, "carry0_bool")
        b.assert_bool(k1, "carry1_bool")
        for hi, k_in, k_out in ((False, None, k0), (True, k0, k1)):
            la, lb, lc = limb16(a, hi), limb16(bb, hi), limb16(c, hi)
            x = lb + s * (la - lb)  # b for ADD, a for SUB
            z = la + s * (lb - la)  # a for ADD, b for SUB
            lhs = x + lc if k_in is None else x + lc + k_in
            b.assert_eq(lhs, z + 65536 * k_out, "limb_hi" if hi else "limb_lo")
        b.receive(BUS_ALU, [int(AluOp.ADD) + s, *a, *bb, *c], m)
        b.send(BUS_BYTE, [int(ByteOp.RANGE), a[0], a[1], 0])
        b.send(BUS_BYTE, [int(ByteOp.RANGE), a[2], a[3], 0])


def trace(ev: AluEvents, min_height: int = 2) -> U32:
    """Main trace for ADD/SUB events (duplicates merged into one row with multiplicity);
    padding rows are ``0 + 0 = 0`` with multiplicity 0."""
    if not np.isin(ev.op, OPS).all():
        raise ValueError("add/sub table got a non-ADD/SUB event")
    first, _, counts = unique_rows(ev.op, ev.b, ev.c)
    op, bw, cw = ev.op[first], ev.b[first].astype(np.int64), ev.c[first].astype(np.int64)
    sub = (op == AluOp.SUB).astype(np.int64)
    aw = np.where(sub == 1, bw - cw, bw + cw) & 0xFFFFFFFF
    x, z = np.where(sub == 1, aw, bw), np.where(sub == 1, bw, aw)
    k0 = ((x & 0xFFFF) + (cw & 0xFFFF)) >> 16
    k1 = ((x >> 16) + (cw >> 16) + k0) >> 16
    assert np.array_equal(((x + cw) & 0xFFFFFFFF), z)
    t = COLS.zeros(max(padded_height(len(first)), min_height))
    COLS.put(t, "a", word_bytes(aw))
    COLS.put(t, "b", word_bytes(bw))
    COLS.put(t, "c", word_bytes(cw))
    COLS.put(t, "is_sub", sub)
    COLS.put(t, "carry", np.stack([k0, k1], axis=1))
    COLS.put(t, "m", counts)
    return to_field(t)


def result(op: U32, b: U32, c: U32) -> U32:
    """``a`` for ADD/SUB events (the values this table proves)."""
    bw, cw = b.astype(np.int64), c.astype(np.int64)
    return (np.where(op == AluOp.SUB, bw - cw, bw + cw) & 0xFFFFFFFF).astype(np.uint32)
