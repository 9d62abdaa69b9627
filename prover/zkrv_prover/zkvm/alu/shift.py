"""SLL / SRL / SRA table: ``a = b << s``, ``b >> s`` (logical or arithmetic), ``s = c & 31``.

Columns (34): ``a[4] b[4] c[4]``, ``r[3]`` (bits of the in-byte shift), ``pw = 2^r``, ``mul``,
``q[3]`` (one-hot byte shift 1..3; byte shift 0 when all are 0), ``k`` (``c0 >> 5``),
``is_srl, is_sra`` (SLL when both are 0), ``sign``, ``lo[4] hi[4]``, ``lo4``, ``m``.

The shift amount ``s = 8 qs + r`` (``qs = q1 + 2 q2 + 3 q3``) is read from ``c0``::

    c0 = r0 + 2 r1 + 4 r2 + 8 qs + 32 k,   lookup (RANGE, k, 32 k)  =>  k in [0, 8)
    pw = (1 + r0)(1 + 3 r1)(1 + 15 r2)                    (= 2^r, degree 3)
    SLL: mul = pw;     SRL/SRA: mul * pw = 256            (mul = 2^(8 - r))
    b_i * mul = lo_i + 256 hi_i,   lookup (RANGE, lo_i, hi_i)   (i = 0..3)

Then, with ``q0 = 1 - q1 - q2 - q3``:

- SLL: the bytes of ``b * 2^r`` are ``tl_i = lo_i + hi_(i-1)`` (hi_(-1) = 0) and
  ``a_j = sum_q q_q tl_(j-q)`` (bytes shifted below 0 are 0).
- SRL/SRA: ``b`` is extended by bytes ``b_j = 255 sign`` (j >= 4) with ``sign`` the sign bit of b
  for SRA, 0 for SRL. The bytes of ``b_ext >> r`` are ``tr_i = hi_i + lo_(i+1)`` for i < 3,
  ``tr_3 = hi_3 + lo4`` with ``lo4 = sign (256 - mul)`` (the low part of ``255 sign * mul``), and
  ``tr_j = 255 sign`` for j >= 4; ``a_j = sum_q q_q tr_(j+q)``.

``sign`` is tied by ``(1 - is_sra) sign = 0`` and the lookup ``(MSB, b3, 0, sign)`` sent with
multiplicity ``is_sra``. Interactions: receive ``BUS_ALU (SLL + is_srl + 2 is_sra, a, b, c)`` with
multiplicity ``m``; the five RANGE lookups and the MSB lookup above.

Why a row forces ``a = op(b, c)``: bits and one-hot selectors are boolean, ``k`` is in [0, 8), so
``c0 = r + 8 qs + 32 k`` is the base decomposition of the byte ``c0`` and ``r + 8 qs = c & 31``.
``pw = 2^r`` is nonzero, so ``mul`` is ``2^r`` (SLL) or ``2^(8-r)`` (right shifts). ``b_i * mul <=
255 * 256 < 2^16`` and ``lo_i, hi_i`` are bytes, so ``lo_i + 256 hi_i = b_i mul`` holds over the
integers and ``lo_i, hi_i`` are the unique base-256 digits of ``b_i mul``. The shifted bytes
``tl, tr`` are then the exact bytes of ``b << r`` and ``b_ext >> r`` (the low bits of ``lo_i`` are
zero where ``hi_(i-1)`` lands, and symmetrically on the right), and selecting by ``q`` shifts by
whole bytes; the op selectors pick the direction and SRA's sign fill. All of ``a`` is thus the
correct word (its bytes are sums of disjoint bit ranges of range-checked bytes, hence bytes).
The op field is SLL/SRL/SRA exactly because ``is_srl + is_sra`` is boolean. Degree 3.
"""

from __future__ import annotations

import numpy as np

from zkrv_prover.stark.air.air import Air, AirBuilder, Expr
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

COLS = Columns(
    ("a", 4),
    ("b", 4),
    ("c", 4),
    ("r", 3),
    ("pw", 1),
    ("mul", 1),
    ("q", 3),
    ("k", 1),
    ("is_srl", 1),
    ("is_sra", 1),
    ("sign", 1),
    ("lo", 4),
    ("hi", 4),
    ("lo4", 1),
    ("m", 1),
)
OPS = (AluOp.SLL, AluOp.SRL, AluOp.SRA)
assert (AluOp.SLL, AluOp.SRL, AluOp.SRA) == (6, 7, 8)


class ShiftAir(Air):
    """See module doc."""

    name = "alu_shift"
    main_width = COLS.width

    def eval(self, b: AirBuilder) -> None:
        v = COLS.bind(b.main_local)
        a, bb, c, r, q, lo, hi = v["a"], v["b"], v["c"], v["r"], v["q"], v["lo"], v["hi"]
        (pw,), (mul,), (k,), (sign,), (lo4,), (m,) = (
            v["pw"],
            v["mul"],
            v["k"],
            v["sign"],
            v["lo4"],
            v["m"],
        )
        (is_srl,), (is_sra,) = v["is_srl"], v["is_sra"]
        for i in range(3):
            b.assert_bool(r[i], f"r{i}_bool")
            b.assert_bool(q[i], f"q{i + 1}_bool")
        b.assert_bool(q[0] + q[1] + q[2], "q_one_hot")
        b.assert_bool(is_srl, "is_srl_bool")
        b.assert_bool(is_sra, "is_sra_bool")
        right = is_srl + is_sra
        b.assert_bool(right, "one_op")
        left = 1 - right
        qs = q[0] + 2 * q[1] + 3 * q[2]
        b.assert_eq(c[0], r[0] + 2 * r[1] + 4 * r[2] + 8 * qs + 32 * k, "shamt")
        b.send(BUS_BYTE, [int(ByteOp.RANGE), k, 32 * k, 0])
        b.assert_eq(pw, (1 + r[0]) * (1 + 3 * r[1]) * (1 + 15 * r[2]), "pow2")
        b.assert_zero(left * (mul - pw), "mul_left")
        b.assert_zero(right * (mul * pw - 256), "mul_right")
        for i in range(4):
            b.assert_eq(bb[i] * mul, lo[i] + 256 * hi[i], f"split{i}")
            b.send(BUS_BYTE, [int(ByteOp.RANGE), lo[i], hi[i], 0])
        b.assert_zero((1 - is_sra) * sign, "sign_sra_only")
        b.send(BUS_BYTE, [int(ByteOp.MSB), bb[3], 0, sign], is_sra)
        b.assert_eq(lo4, sign * (256 - mul), "lo4")
        zero = Expr.const(0)
        tl = [lo[0], *(lo[i] + hi[i - 1] for i in range(1, 4))]
        tr = [*(hi[i] + lo[i + 1] for i in range(3)), hi[3] + lo4]
        fill = 255 * sign
        sel = [1 - q[0] - q[1] - q[2], q[0], q[1], q[2]]
        for j in range(4):
            lsum = sum((sel[s] * tl[j - s] for s in range(j + 1)), start=zero)
            rsum = sum((sel[s] * (tr[j + s] if j + s < 4 else fill) for s in range(4)), start=zero)
            b.assert_eq(a[j], left * lsum + right * rsum, f"a{j}")
        b.receive(BUS_ALU, [int(AluOp.SLL) + is_srl + 2 * is_sra, *a, *bb, *c], m)


def result(op: U32, b: U32, c: U32) -> U32:
    """``a`` for SLL/SRL/SRA events."""
    s = (c & 31).astype(np.int64)
    bw = b.astype(np.int64)
    bs = bw - ((bw >> 31) << 32)
    out = np.where(op == AluOp.SLL, bw << s, np.where(op == AluOp.SRL, bw >> s, bs >> s))
    return (out & 0xFFFFFFFF).astype(np.uint32)


def trace(ev: AluEvents, min_height: int = 2) -> U32:
    """Main trace (duplicates merged; padding rows are ``0 << 0`` with multiplicity 0)."""
    if not np.isin(ev.op, OPS).all():
        raise ValueError("shift table got a non-shift event")
    first, _, counts = unique_rows(ev.op, ev.b, ev.c)
    n = max(padded_height(len(first)), min_height)
    pad = n - len(first)
    op = np.concatenate([ev.op[first], np.full(pad, AluOp.SLL, dtype=np.uint32)])
    bw = np.concatenate([ev.b[first], np.zeros(pad, np.uint32)])
    cw = np.concatenate([ev.c[first], np.zeros(pad, np.uint32)])
    cnt = np.concatenate([counts, np.zeros(pad, np.int64)])
    c64 = cw.astype(np.int64)
    r, qs, k = c64 & 7, (c64 >> 3) & 3, (c64 >> 5) & 7
    right = op != AluOp.SLL
    pw = np.int64(1) << r
    mul = np.where(right, np.int64(256) >> r, pw)
    bb = word_bytes(bw)
    prod = bb * mul[:, None]
    sign = ((op == AluOp.SRA) & (bw >> 31 == 1)).astype(np.int64)
    t = COLS.zeros(n)
    COLS.put(t, "a", word_bytes(result(op, bw, cw)))
    COLS.put(t, "b", bb)
    COLS.put(t, "c", word_bytes(cw))
    COLS.put(t, "r", (r[:, None] >> np.arange(3)) & 1)
    COLS.put(t, "pw", pw)
    COLS.put(t, "mul", mul)
    COLS.put(t, "q", (qs[:, None] == np.arange(1, 4)).astype(np.int64))
    COLS.put(t, "k", k)
    COLS.put(t, "is_srl", op == AluOp.SRL)
    COLS.put(t, "is_sra", op == AluOp.SRA)
    COLS.put(t, "sign", sign)
    COLS.put(t, "lo", prod & 0xFF)
    COLS.put(t, "hi", prod >> 8)
    COLS.put(t, "lo4", sign * (256 - mul))
    COLS.put(t, "m", cnt)
    return to_field(t)
